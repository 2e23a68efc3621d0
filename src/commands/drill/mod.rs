//! `gameday drill`: a live drill. The fakes serve a world that a
//! wall-clock driver moves; pages print (and go to a webhook) as alerts
//! fire; a status redraws; the horizon, `POST /gameday/v1/end`, `q` or
//! Ctrl-C end it, and it is scored as a strategy is.
//!
//! Threads: the fakes on a tokio runtime; the driver on its own thread
//! (it blocks on the world's lock in bounded steps), which also reads
//! pages off the journal; the webhook on its own (blocking HTTP); keys on
//! their own; the main thread prints. Every page passes through one
//! channel, and every simulated event through the world's journal: the
//! places a drill journal will hook in.

mod keys;
mod status;

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gameday_mocks::drill::alertmanager::Webhook;
use gameday_mocks::drill::handover::handed_over;
use gameday_mocks::drill::page::{Page, PageWatcher};
use gameday_mocks::drill::status::Status;
use gameday_mocks::drill::{Driver, Ending, SystemClock, Tick};
use gameday_mocks::serve::{self, argocd_token, Fake, Running};
use gameday_mocks::sim::SharedWorld;
use gameday_sim::engine::conclude;
use gameday_sim::strategy::Ended;

use super::mocks::{parse_at, random_token};
use super::{load, policy};
use crate::cli::{DrillArgs, ReplayArgs, ReportArgs, RunFormat};
use crate::Failure;

/// Seconds between status lines when stdout is not a terminal.
const LOG_STATUS_EVERY: Duration = Duration::from_secs(10);
/// Pages kept on a redrawn terminal.
const PAGES_SHOWN: usize = 1;

pub fn drill(args: DrillArgs) -> Result<(), Failure> {
    if args.scenario.as_deref() == Some(std::path::Path::new("-")) {
        return Err(Failure::input(
            "error: a drill reads its scenario from a file, not standard input: the terminal is the facilitator's and the journal keeps the file's text (hint: gameday drill scenarios/friday-cascade.yaml)",
        ));
    }
    if let Some(url) = &args.page_webhook {
        gameday_mocks::drill::alertmanager::check_url(url)
            .map_err(|e| Failure::input(format!("error: --page-webhook {url}: {e}")))?;
    }
    if args.out.is_some() && args.journal.is_none() && args.resume.is_none() {
        return Err(Failure::input(
            "error: --out writes the score read back from the drill's journal: add --journal FILE (hint: gameday drill --journal drill.jsonl --out score.json)",
        ));
    }
    if let Some(path) = args.resume.clone() {
        if let Some(t) = &args.token {
            super::mocks::check_token(t)?;
        }
        super::mocks::check_port_base(args.port_base)?;
        let (world, seed, speed, players) = resumed(&path)?;
        let token = args.token.clone().unwrap_or_else(random_token);
        // The players of the journal come back, with new tokens unless
        // given again: a journal keeps no secrets.
        let players = if args.player.is_empty() {
            players.into_iter().map(|p| (p, random_token())).collect()
        } else {
            parse_players(&args.player)?
        };
        let access = access(&token, &players)?;
        return run(
            args,
            world.with_access(access),
            seed,
            speed,
            Some("resumed from its journal".into()),
        );
    }
    let sc = load(args.scenario.as_deref())?;
    let seed = args.seed.unwrap_or(sc.default_seed);
    let token = args.token.clone().unwrap_or_else(random_token);
    super::mocks::check_token(&token)?;
    super::mocks::check_port_base(args.port_base)?;
    let access = access(&token, &parse_players(&args.player)?)?;
    let mut handover = None;
    let (world, handover_note) = match (&args.strategy, &args.handover) {
        (Some(name), Some(at)) => {
            let p = policy(&sc, name)?;
            let at = parse_at(at, &sc).map_err(|e| {
                Failure::input(format!("error: {}", e.replace("--at", "--handover")))
            })?;
            handover = Some((name.clone(), at.as_millis()));
            let (world, ended) =
                handed_over(sc, seed, at, &p).map_err(|e| Failure::input(format!("error: {e}")))?;
            let note = match ended {
                Ended::Horizon => format!("`{name}` played until the handover; over to you"),
                other => format!("`{name}` ended before the handover ({other:?}); over to you"),
            };
            (world, Some(note))
        }
        _ => (SharedWorld::new(sc, seed), None),
    };
    let world = match &args.journal {
        Some(path) => world.with_recorder(Arc::new(recorder(
            path,
            &args,
            seed,
            &handover,
            access.player_names(),
        )?)),
        None => world,
    };
    let speed = args.speed;
    run(args, world.with_access(access), seed, speed, handover_note)
}

/// `--player NAME[=TOKEN]`s as (name, token), a random token where none
/// is given.
fn parse_players(given: &[String]) -> Result<Vec<(String, String)>, Failure> {
    given
        .iter()
        .map(|p| {
            let (name, token) = match p.split_once('=') {
                Some((n, t)) => (n.trim().to_string(), t.trim().to_string()),
                None => (p.trim().to_string(), random_token()),
            };
            super::mocks::check_token(&token).map_err(|_| {
                Failure::input(format!(
                    "error: --player {name}: a token may hold only letters, digits, `-` and `_` (at most 256) (hint: --player {name}=s3cret)"
                ))
            })?;
            Ok((name, token))
        })
        .collect()
}

/// The drill's credentials: the facilitator's `token` and the players'.
fn access(
    token: &str,
    players: &[(String, String)],
) -> Result<Arc<gameday_mocks::access::Access>, Failure> {
    gameday_mocks::access::Access::with_players(token, players)
        .map(Arc::new)
        .map_err(|e| Failure::input(format!("error: {e}")))
}

/// A drill rebuilt from its journal at `path`, writing on to it.
fn resumed(
    path: &std::path::Path,
) -> Result<(SharedWorld, u64, gameday_mocks::drill::Speed, Vec<String>), Failure> {
    use gameday_mocks::journal::{self, replay, JournalWriter, Line, Recorder};
    let j = journal::read(path).map_err(|e| Failure::input(format!("error: {e}")))?;
    if let Some(Line::End { reason, .. }) = j.lines.iter().find(|l| matches!(l, Line::End { .. })) {
        return Err(Failure::input(format!(
            "error: {}: this drill is over ({reason}); nothing to resume (hint: gameday score {})",
            path.display(),
            path.display()
        )));
    }
    let rebuilt = replay::rebuild(&j)
        .map_err(|e| Failure::input(format!("error: {}: {e}", path.display())))?;
    let events = j
        .lines
        .iter()
        .filter(|l| matches!(l, Line::Event(_)))
        .count();
    let writer = JournalWriter::resume(path, j.complete_bytes, j.lines.len() as u64 + 1)
        .map_err(|e| Failure::input(format!("error: {}: {e}", path.display())))?;
    let speed: gameday_mocks::drill::Speed = j
        .header
        .speed
        .to_string()
        .parse()
        .map_err(|e| Failure::input(format!("error: {}: speed: {e}", path.display())))?;
    let world = SharedWorld::of(rebuilt.world)
        .with_recorder(Arc::new(Recorder::new(writer, events, unix_ms)));
    Ok((world, j.header.seed, speed, j.header.players.clone()))
}

/// Runs a drill on `world` until it ends, then scores it.
fn run(
    args: DrillArgs,
    world: SharedWorld,
    seed: u64,
    speed: gameday_mocks::drill::Speed,
    handover_note: Option<String>,
) -> Result<(), Failure> {
    let access = world
        .access()
        .cloned()
        .ok_or_else(|| Failure::runtime("error: a drill's world has its credentials"))?;
    let token = access.facilitator().token.clone();
    let step = Driver::default_step(&world);
    let driver = Arc::new(Driver::start(&world, Arc::new(SystemClock), speed, step));
    let world = world.with_driver(driver.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(format!("error: cannot start the runtime: {e}")))?;
    let running = runtime.block_on(start_fakes(&args, &world, &token))?;
    let links = links(&running);
    // Kept on a redrawn screen, which clears the banner.
    let legend = format!(
        "token {token} · {}\n",
        links
            .iter()
            .map(|(n, u)| format!("{n} {u}"))
            .collect::<Vec<_>>()
            .join(" · ")
    );
    let tty = std::io::stdout().is_terminal();
    let redraw = tty && !args.quiet;
    println!(
        "{}",
        banner(&world, seed, &running, &access, handover_note.as_deref())
    );

    // Pages: from the driver thread to the printer (and the webhook).
    let (page_tx, page_rx) = mpsc::channel::<Page>();
    let webhook = args.page_webhook.clone().map(|url| {
        let (tx, rx) = mpsc::channel::<Page>();
        let handle = std::thread::spawn(move || {
            let mut hook = Webhook::new(&url);
            for p in rx {
                if let Some(warning) = hook.send(&p) {
                    eprintln!("{warning}");
                }
            }
        });
        (tx, handle)
    });
    let driving = {
        let (world, driver) = (world.clone(), driver.clone());
        let (mut watcher, first) = {
            let w = world.lock();
            PageWatcher::new(&w, &world.timebase(), links)
        };
        for p in first {
            let _ = page_tx.send(p);
        }
        std::thread::spawn(move || loop {
            let tick = driver.tick(&world);
            if tick != Tick::Paused {
                let pages = {
                    let w = world.lock();
                    watcher.poll(&w, &world.timebase())
                };
                for p in pages {
                    let _ = page_tx.send(p);
                }
            }
            match tick {
                Tick::Behind => std::thread::yield_now(),
                Tick::CaughtUp => std::thread::sleep(Duration::from_millis(10)),
                Tick::Paused => std::thread::sleep(Duration::from_millis(50)),
                Tick::Ended(_) => return,
            }
        })
    };
    let keys = if std::io::stdin().is_terminal() {
        keys::spawn(world.clone(), driver.clone())
    } else {
        None
    };
    let raw = keys.is_some();
    {
        let (world, driver) = (world.clone(), driver.clone());
        runtime.spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                driver.end(&world, "Ctrl-C");
            }
        });
    }

    let started = Instant::now();
    let mut last_status: Option<Instant> = None;
    let mut recent: Vec<Page> = Vec::new();
    loop {
        let mut fresh = false;
        while let Ok(p) = page_rx.try_recv() {
            if let Some((tx, _)) = &webhook {
                let _ = tx.send(p.clone());
            }
            if !redraw {
                emit(&p.render(), raw);
            }
            recent.push(p);
            fresh = true;
        }
        let excess = recent.len().saturating_sub(PAGES_SHOWN);
        recent.drain(..excess);
        let state = driver.state_now();
        let every = if redraw {
            Duration::from_secs(1)
        } else {
            LOG_STATUS_EVERY
        };
        if !args.quiet && (fresh || last_status.is_none_or(|t| t.elapsed() >= every)) {
            let w = world.lock();
            if redraw {
                let mut screen = String::from("\x1b[2J\x1b[H");
                screen.push_str(&status::block(&Status::of(&w, &state), raw));
                screen.push_str(&legend);
                for p in &recent {
                    screen.push('\n');
                    screen.push_str(&p.render());
                }
                emit(&screen, raw);
            } else {
                emit(&format!("{}\n", status::line(&Status::of(&w, &state))), raw);
            }
            last_status = Some(Instant::now());
        }
        if state.ended.is_some() {
            break;
        }
        if args
            .exit_after
            .is_some_and(|s| started.elapsed() >= Duration::from_secs(s))
        {
            driver.end(&world, "--exit-after");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = driving.join();
    if let Some(k) = keys {
        let _ = k.join();
    }
    // Stop the fakes before scoring: nobody acts on the world any more.
    runtime.block_on(async move { drop(running) });
    if let Some((tx, handle)) = webhook {
        drop(tx);
        let _ = handle.join();
    }
    let ending = driver.state_now().ended.unwrap_or(Ending::Horizon);
    if let Some(r) = world.recorder() {
        let w = world.lock();
        let reason = match ended_of(&ending, &w.scenario().clock.label(w.now())) {
            Ended::Stopped(why) => why,
            _ => "the horizon".to_string(),
        };
        r.end(&w, &reason);
    }
    println!("{}", final_report(&world, &ending));
    if let (Some(out), Some(journal)) = (&args.out, args.journal.as_ref().or(args.resume.as_ref()))
    {
        // Read back from the journal, so the file holds exactly what
        // `gameday replay` gives (and a drill its journal cannot
        // reproduce fails here, loudly).
        super::journal::replay(ReplayArgs {
            journal: journal.clone(),
            format: RunFormat::Json,
            report: ReportArgs {
                out: Some(out.clone()),
                ..ReportArgs::default()
            },
        })?;
        println!("Score written to {}.", out.display());
    }
    Ok(())
}

/// Prints `text` (raw mode needs carriage returns).
fn emit(text: &str, raw: bool) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = if raw {
        out.write_all(text.replace('\n', "\r\n").as_bytes())
    } else {
        out.write_all(text.as_bytes())
    };
    let _ = out.flush();
}

async fn start_fakes(
    args: &DrillArgs,
    world: &SharedWorld,
    token: &str,
) -> Result<Vec<Running>, Failure> {
    if let Some(w) = serve::bind_warning(args.bind) {
        eprintln!("{w}");
    }
    let mut running = Vec::new();
    for (index, fake) in Fake::ALL.into_iter().enumerate() {
        let port = match args.port_base {
            Some(b) => b.checked_add(index as u16).ok_or_else(|| {
                Failure::input(format!(
                    "error: --port-base {b} leaves no room for the six fakes (hint: at most {})",
                    u16::MAX - 5
                ))
            })?,
            None => fake.default_port(),
        };
        let r = serve::start(fake, args.bind, port, world.clone(), token)
            .await
            .map_err(|e| {
                Failure::runtime(format!(
                    "error: cannot serve {} on {}:{port}: {e} (hint: pick other ports with --port-base)",
                    fake.name(),
                    args.bind
                ))
            })?;
        running.push(r);
    }
    Ok(running)
}

fn url(running: &[Running], fake: Fake) -> String {
    running
        .iter()
        .find(|r| r.fake == fake)
        .map(|r| {
            let suffix = if fake == Fake::GitHub { "/api/v3" } else { "" };
            format!("http://{}{suffix}", r.address)
        })
        .unwrap_or_default()
}

fn links(running: &[Running]) -> Vec<(String, String)> {
    running
        .iter()
        .map(|r| (r.fake.name().to_string(), url(running, r.fake)))
        .collect()
}

fn banner(
    world: &SharedWorld,
    seed: u64,
    running: &[Running],
    access: &gameday_mocks::access::Access,
    handover: Option<&str>,
) -> String {
    let token = access.facilitator().token.as_str();
    let w = world.lock();
    let sc = w.scenario();
    let speed = world
        .driver()
        .map(|d| d.speed().to_string())
        .unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "gameday drill · {} · seed {} · speed {speed} · starts at {} (+{})",
        sc.name,
        seed,
        sc.clock.label(w.now()),
        w.now().since_start()
    );
    if let Some(h) = handover {
        let _ = writeln!(out, "{h}");
    }
    let players = &access.credentials()[1..];
    if players.is_empty() {
        let _ = writeln!(out, "token: {token}");
    } else {
        let _ = writeln!(out, "facilitator token: {token}");
        for p in players {
            let _ = writeln!(out, "player {} token: {}", p.name, p.token);
        }
    }
    let _ = writeln!(out);
    for r in running {
        let _ = writeln!(out, "{:<11} {}", r.fake.name(), url(running, r.fake));
    }
    let prom = url(running, Fake::Prometheus);
    let gd = url(running, Fake::Gameday);
    let _ = writeln!(
        out,
        "facilitator screen: {gd}/gameday/v1/status?token={token} (open it in a browser; it refreshes itself)"
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Timestamps are wall-clock time: tools asking about now see the incident. At speed {speed} a query window of 1m covers {} virtual minutes.",
        world.driver().map(|d| d.speed().get()).unwrap_or(1.0)
    );
    let _ = writeln!(out, "try:");
    let _ = writeln!(out, "  TOKEN={token}");
    let _ = writeln!(
        out,
        "  promtool query instant {prom} 'sum by (service) (rate(http_requests_total{{code=~\"5..\"}}[1m]))'"
    );
    let _ = writeln!(
        out,
        "  curl -s -H \"Authorization: Bearer $TOKEN\" {}/repos/acme/shop/pulls",
        url(running, Fake::GitHub)
    );
    let _ = writeln!(
        out,
        "  curl -s -H 'Authorization: Bearer {}' {}/api/v1/applications/payment",
        argocd_token(token),
        url(running, Fake::ArgoCd)
    );
    for action in ["pause", "resume", "end"] {
        let _ = writeln!(
            out,
            "  curl -s -X POST -H \"Authorization: Bearer $TOKEN\" {gd}/gameday/v1/{action}"
        );
    }
    let _ = write!(out, "The drill has started.");
    out
}

fn final_report(world: &SharedWorld, ending: &Ending) -> String {
    let mut w = world.lock();
    let label = w.scenario().clock.label(w.now());
    let ended = ended_of(ending, &label);
    let why = match ending {
        Ending::Horizon => format!("the horizon at {label}"),
        Ending::EndedBy(who) => format!("{who} at {label}"),
    };
    let score = conclude(&mut w, ended);
    let outcome = super::run::drill_outcome(w.scenario(), &score);
    let mut out = String::new();
    let _ = writeln!(out);
    let _ = writeln!(out, "Drill over: ended by {why}.");
    let _ = writeln!(out);
    super::run::render_score(&mut out, w.scenario(), &score, outcome);
    out
}

/// How the response ended, for the score (and the journal's end line,
/// which `gameday replay` turns back into the same).
fn ended_of(ending: &Ending, label: &str) -> Ended {
    match ending {
        Ending::Horizon => Ended::Horizon,
        Ending::EndedBy(who) => Ended::Stopped(format!("was ended by {who} at {label}")),
    }
}

/// The drill's journal at `path`, its header written.
fn recorder(
    path: &std::path::Path,
    args: &DrillArgs,
    seed: u64,
    handover: &Option<(String, u64)>,
    players: Vec<String>,
) -> Result<gameday_mocks::journal::Recorder, Failure> {
    use gameday_mocks::journal::{
        replay::sha256_hex, Header, JournalWriter, Recorder, FORMAT, VERSION,
    };
    let (file, text) = match &args.scenario {
        Some(p) => (
            Some(p.display().to_string()),
            std::fs::read_to_string(p)
                .map_err(|e| Failure::input(format!("error: {}: {e}", p.display())))?,
        ),
        None => (None, gameday_sim::scenario::FRIDAY_CASCADE_YAML.to_string()),
    };
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        gameday_version: env!("CARGO_PKG_VERSION").into(),
        scenario_file: file,
        scenario_sha256: sha256_hex(&text),
        scenario_text: text,
        seed,
        speed: args.speed.get(),
        strategy: handover.as_ref().map(|h| h.0.clone()),
        handover_ms: handover.as_ref().map(|h| h.1),
        players,
        started_wall_ms: unix_ms(),
    };
    let writer = JournalWriter::create(path, &header).map_err(|e| {
        Failure::input(format!(
            "error: --journal {}: {e} (hint: a journal is never overwritten; give a new file)",
            path.display()
        ))
    })?;
    Ok(Recorder::new(writer, 0, unix_ms))
}

/// The wall clock, in Unix milliseconds (read here, outside the engine).
fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
