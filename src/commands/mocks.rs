//! `gameday mocks`: the fakes, served over a world replayed to a chosen
//! moment, with ready-to-paste commands.

use std::fmt::Write as _;

use gameday_mocks::serve::{self, argocd_token, Fake};
use gameday_mocks::sim::SharedWorld;
use gameday_sim::scenario::Scenario;
use gameday_sim::time::{SimDuration, SimTime};

use super::{load, policy};
use crate::cli::MocksArgs;
use crate::Failure;

/// Parses `--at`: `HH:MM[:SS]` on the start day (or the next day when
/// earlier than the start), or `+DURATION` after the start.
pub fn parse_at(at: &str, sc: &Scenario) -> Result<SimDuration, String> {
    sc.clock.moment(at).map_err(|e| format!("--at: {e}"))
}

/// A token every fake accepts as given: Argo CD's is built from it as
/// `gameday.TOKEN.drill` (three dot-separated parts, like a JWT), and the
/// others send it in a header.
pub fn check_token(token: &str) -> Result<(), Failure> {
    let ok = !token.is_empty()
        && token.len() <= 256
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Failure::input(
            "error: --token may hold only letters, digits, `-` and `_` (at most 256): Argo CD's token is built from it (hint: --token s3cret)",
        ))
    }
}

/// `--port-base B` puts the six fakes on B..=B+5: B must leave room.
pub fn check_port_base(base: Option<u16>) -> Result<(), Failure> {
    match base {
        Some(b) if b > u16::MAX - 5 || b == 0 => Err(Failure::input(format!(
            "error: --port-base {b} leaves no room for the six fakes on {b}..{b}+5 (hint: between 1 and {})",
            u16::MAX - 5
        ))),
        _ => Ok(()),
    }
}

pub(super) fn random_token() -> String {
    use std::hash::{BuildHasher, RandomState};
    let a = RandomState::new().hash_one(std::process::id());
    let b = RandomState::new().hash_one(a);
    format!("{a:016x}{b:016x}")
}

pub fn mocks(args: MocksArgs) -> Result<(), Failure> {
    let sc = load(args.scenario.as_deref())?;
    let seed = args.seed.unwrap_or(sc.default_seed);
    let at = parse_at(&args.at, &sc).map_err(|e| Failure::input(format!("error: {e}")))?;
    let policy = match &args.strategy {
        Some(name) => Some(policy(&sc, name)?),
        None => None,
    };
    let token = args.token.clone().unwrap_or_else(random_token);
    check_token(&token)?;
    check_port_base(args.port_base)?;
    let name = sc.name.clone();
    let clock = sc.clock;
    let flag = sc.flags.first().map(|f| f.name.clone());
    let world = SharedWorld::replayed(sc, seed, at, policy.as_ref())
        .map_err(|e| Failure::input(format!("error: {e}")))?;
    let port_of = |fake: Fake| -> u16 {
        let explicit = match fake {
            Fake::Prometheus => args.prometheus_port,
            Fake::Unleash => args.unleash_port,
            Fake::GitHub => args.github_port,
            Fake::ArgoCd => args.argocd_port,
            Fake::Gameday => args.gameday_port,
            Fake::Rollouts => args.rollouts_port,
        };
        let index = Fake::ALL.iter().position(|f| *f == fake).unwrap_or(0) as u16;
        explicit
            .or(args.port_base.map(|b| b.saturating_add(index)))
            .unwrap_or(fake.default_port())
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(format!("error: cannot start the runtime: {e}")))?;
    if let Some(w) = serve::bind_warning(args.bind) {
        eprintln!("{w}");
    }
    runtime.block_on(async move {
        let mut running = Vec::new();
        for fake in Fake::ALL {
            let port = port_of(fake);
            let r = serve::start(fake, args.bind, port, world.clone(), &token)
                .await
                .map_err(|e| {
                    Failure::runtime(format!(
                        "error: cannot serve {} on {}:{port}: {e} (hint: pick other ports with --port-base or --{}-port)",
                        fake.name(),
                        args.bind,
                        fake.name()
                    ))
                })?;
            running.push(r);
        }
        let now = SimTime::START + at;
        let shown = Shown {
            name: &name,
            seed,
            flag: flag.as_deref(),
            strategy: args.strategy.as_deref(),
        };
        println!("{}", banner(&shown, &clock, now, at, &running, &token));
        match args.exit_after {
            Some(secs) => tokio::time::sleep(std::time::Duration::from_secs(secs)).await,
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        Ok(())
    })
}

/// What the banner names about the session.
struct Shown<'a> {
    name: &'a str,
    seed: u64,
    /// The scenario's first flag, for the Unleash example.
    flag: Option<&'a str>,
    strategy: Option<&'a str>,
}

fn banner(
    shown: &Shown<'_>,
    clock: &gameday_sim::time::WallClock,
    now: SimTime,
    at: SimDuration,
    running: &[serve::Running],
    token: &str,
) -> String {
    let Shown {
        name,
        seed,
        flag,
        strategy,
    } = *shown;
    let url = |f: Fake| -> String {
        running
            .iter()
            .find(|r| r.fake == f)
            .map(|r| format!("http://{}", r.address))
            .unwrap_or_default()
    };
    let unix = clock.unix_seconds(now);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "gameday mocks · {name} · seed {seed} · world at {} (+{at}){}",
        clock.label(now),
        match strategy {
            Some(s) => format!(" after `{s}`, frozen"),
            None => ", waiting for you".to_string(),
        }
    );
    let _ = writeln!(out, "token: {token}");
    let _ = writeln!(out);
    for r in running {
        let suffix = if r.fake == Fake::GitHub {
            "/api/v3"
        } else {
            ""
        };
        let _ = writeln!(out, "{:<11} http://{}{suffix}", r.fake.name(), r.address);
    }
    let q = r#"sum(rate(http_requests_total{service="payment",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="payment"}[5m]))"#;
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "try (the world's now is {unix}; after a wait, GET {}/gameday/v1/clock gives the new `unix` for --time):",
        url(Fake::Gameday)
    );
    let _ = writeln!(
        out,
        "  promtool query instant {} '{q}' --time {unix}",
        url(Fake::Prometheus)
    );
    let _ = writeln!(
        out,
        "  curl -s {}/api/v1/query --data-urlencode 'query={q}' --data-urlencode time={unix}",
        url(Fake::Prometheus)
    );
    let _ = writeln!(
        out,
        "  Grafana: a Prometheus data source with URL {}",
        url(Fake::Prometheus)
    );
    let _ = writeln!(
        out,
        "  curl -s -H 'Authorization: Bearer {token}' {}/api/v3/repos/acme/shop/pulls",
        url(Fake::GitHub)
    );
    let _ = writeln!(
        out,
        "  curl -s -H 'Authorization: Bearer {}' {}/api/v1/applications/payment",
        argocd_token(token),
        url(Fake::ArgoCd)
    );
    let _ = writeln!(
        out,
        "  curl -s {}/api/v1/rollouts/prod/payment/info",
        url(Fake::Rollouts)
    );
    let _ = writeln!(
        out,
        "  curl -s -X PUT -H 'Authorization: Bearer {token}' -d '{{\"full\":false}}' {}/api/v1/rollouts/prod/payment/promote",
        url(Fake::Rollouts)
    );
    if let Some(flag) = flag {
        let _ = writeln!(
            out,
            "  curl -s -X POST -H 'Authorization: {token}' {}/api/admin/projects/default/features/{flag}/environments/production/off",
            url(Fake::Unleash)
        );
    }
    let _ = writeln!(
        out,
        "  curl -s -H 'Authorization: Bearer {token}' -d '{{\"until\":\"time\",\"timeout_ms\":60000}}' {}/gameday/v1/wait",
        url(Fake::Gameday)
    );
    let _ = write!(out, "Ctrl-C to stop.");
    out
}
