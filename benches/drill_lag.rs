//! Benchmark, not a timed test: does a drill at speed 60 keep its world
//! within one scrape interval of the wall clock while 20 clients poll
//! Prometheus every second?
//!
//! Starts `gameday drill --speed 60` (the embedded Friday cascade) as a
//! subprocess. Every wall second, 20 client threads each send the payment
//! error-ratio instant query at once (a burst, the harder case for the
//! world's lock), and a sampler reads `now_ms` from `GET /gameday/v1/drill`
//! every 100 ms. The lag is where the wall clock says the world should be
//! (virtual time at the first, idle sample plus wall time elapsed × speed)
//! minus where the world says it is, in virtual seconds, taken when the
//! answer arrives (so it includes that answer's own latency). It prints
//! the lag's median, p99 and max against the scenario's scrape interval,
//! the queries' latency, and a PASS or FAIL line (FAIL exits 1).
//!
//! Run with `cargo bench --bench drill_lag`; options after `--`:
//! `--clients N` (20), `--seconds S` (30), `--speed X` (60).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use gameday_sim::scenario::friday_cascade;

#[path = "../tests/common/net.rs"]
mod net;

const TOKEN: &str = "bench-token";
const RATIO: &str = r#"sum(rate(http_requests_total{service="payment",code=~"5.."}[1m])) / sum(rate(http_requests_total{service="payment"}[1m]))"#;
/// How often the sampler reads the world's clock.
const SAMPLE_EVERY: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Copy)]
struct Options {
    clients: usize,
    seconds: u64,
    speed: f64,
}

fn options() -> Options {
    let mut o = Options {
        clients: 20,
        seconds: 30,
        speed: 60.0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .unwrap_or_else(|| panic!("{name} needs a value"))
        };
        match a.as_str() {
            "--clients" => o.clients = value("--clients").parse().expect("--clients N"),
            "--seconds" => o.seconds = value("--seconds").parse().expect("--seconds S"),
            "--speed" => o.speed = value("--speed").parse().expect("--speed X"),
            // `cargo bench` passes `--bench`; a name filter means nothing here.
            _ => {}
        }
    }
    o
}

fn query_target() -> String {
    let mut q = String::from("/api/v1/query?query=");
    for b in RATIO.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                q.push(b as char)
            }
            _ => q.push_str(&format!("%{b:02X}")),
        }
    }
    q
}

/// One read of the world's clock.
#[derive(Debug, Clone, Copy)]
struct Sample {
    /// The world's virtual now, milliseconds since the scenario's start.
    now_ms: u64,
    /// The Unix milliseconds the drill publishes that instant at.
    world_unix_ms: f64,
    /// The wall clock's Unix milliseconds when the answer arrived.
    got_unix_ms: f64,
}

fn unix_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64()
        * 1e3
}

/// Reads the world's clock from the control API.
fn world_now(port: u16) -> Sample {
    let (status, body) = net::request(
        port,
        &format!("Bearer {TOKEN}"),
        "GET",
        "/gameday/v1/drill",
        "",
    );
    let got_unix_ms = unix_ms();
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(v["state"], "running", "{body}");
    Sample {
        now_ms: v["now_ms"].as_u64().expect("now_ms"),
        world_unix_ms: v["unix"].as_f64().expect("unix") * 1e3,
        got_unix_ms,
    }
}

/// What one instant query got back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// 200 with a sample.
    Value,
    /// 200 with an empty vector: no two scrapes in the window yet.
    Empty,
    /// Anything else.
    Error,
}

/// One instant query: its latency and what it answered.
fn query(port: u16, target: &str) -> (Duration, Answer) {
    let sent = Instant::now();
    let (status, body) = net::request(port, &format!("Bearer {TOKEN}"), "GET", target, "");
    let took = sent.elapsed();
    let v: Option<serde_json::Value> = serde_json::from_str(&body).ok();
    let answer = match v {
        Some(v) if status == 200 && v["data"]["result"] == serde_json::json!([]) => Answer::Empty,
        Some(v)
            if status == 200
                && v["data"]["result"][0]["value"][1]
                    .as_str()
                    .is_some_and(|s| s.parse::<f64>().is_ok()) =>
        {
            Answer::Value
        }
        _ => {
            eprintln!("query failed: {status} {body}");
            Answer::Error
        }
    };
    (took, answer)
}

/// Nearest-rank percentile of sorted `xs`.
fn pct(xs: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * xs.len() as f64).ceil() as usize;
    xs[rank.clamp(1, xs.len()) - 1]
}

fn sorted(mut xs: Vec<f64>) -> Vec<f64> {
    xs.sort_by(f64::total_cmp);
    xs
}

fn main() {
    let o = options();
    let scrape_s = friday_cascade().scrape_interval.as_secs_f64();
    let base = net::free_port_base();
    let (prom, gameday) = (base, base + 4);
    let mut drill = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["drill", "--quiet", "--token", TOKEN])
        .args(["--speed", &o.speed.to_string()])
        .args(["--port-base", &base.to_string()])
        .args(["--exit-after", &(o.seconds + 120).to_string()])
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .expect("gameday drill starts");
    // Drain the drill's output (pages print even with --quiet) so its
    // pipe never fills.
    let (tx, started) = mpsc::channel();
    let out = drill.stdout.take().unwrap();
    let drain = std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if line.contains("The drill has started.") {
                let _ = tx.send(());
            }
        }
    });
    started
        .recv_timeout(Duration::from_secs(60))
        .expect("the drill starts within a minute");

    // The wall time the drill started its clock at, read back from where
    // it publishes its now (virtual 0 maps to `anchor_ms`): from it, the
    // wall clock says where the world should be at any moment.
    let first = world_now(gameday);
    let anchor_ms = first.world_unix_ms - first.now_ms as f64 / o.speed;

    let run = Duration::from_secs(o.seconds);
    let start = Instant::now();
    let target = query_target();
    let clients: Vec<_> = (0..o.clients)
        .map(|_| {
            let target = target.clone();
            std::thread::spawn(move || {
                let mut out = Vec::new();
                for i in 0..o.seconds {
                    let at = start + Duration::from_secs(i);
                    std::thread::sleep(at.saturating_duration_since(Instant::now()));
                    out.push((i, query(prom, &target)));
                }
                out
            })
        })
        .collect();
    let mut lags = Vec::new();
    while start.elapsed() < run {
        let s = world_now(gameday);
        let expected_ms = (s.got_unix_ms - anchor_ms) * o.speed;
        lags.push((expected_ms - s.now_ms as f64) / 1e3);
        std::thread::sleep(SAMPLE_EVERY);
    }
    let answers: Vec<(u64, (Duration, Answer))> = clients
        .into_iter()
        .flat_map(|c| c.join().expect("client thread"))
        .collect();
    let (status, body) = net::request(
        gameday,
        &format!("Bearer {TOKEN}"),
        "POST",
        "/gameday/v1/end",
        "",
    );
    assert_eq!(status, 200, "{body}");
    let _ = drill.wait();
    let _ = drain.join();

    let mut empty_at: Vec<u64> = answers
        .iter()
        .filter(|a| a.1 .1 == Answer::Empty)
        .map(|a| a.0)
        .collect();
    empty_at.sort_unstable();
    empty_at.dedup();
    let answers: Vec<(Duration, Answer)> = answers.into_iter().map(|a| a.1).collect();
    let count = |what: Answer| answers.iter().filter(|a| a.1 == what).count();
    let (failed, empty) = (count(Answer::Error), count(Answer::Empty));
    let latency_ms = sorted(answers.iter().map(|a| a.0.as_secs_f64() * 1e3).collect());
    let lags = sorted(lags);
    let (median, p99, max) = (pct(&lags, 50.0), pct(&lags, 99.0), pct(&lags, 100.0));
    println!(
        "drill at speed {} (Friday cascade), {} clients x 1 instant query/s for {} s: {} queries, {} with a value, {empty} empty (no two scrapes in the window yet: at second {empty_at:?}), {failed} failed",
        o.speed,
        o.clients,
        o.seconds,
        answers.len(),
        count(Answer::Value),
    );
    println!(
        "world lag behind the wall clock, virtual s ({} samples): median {median:.2}, p99 {p99:.2}, max {max:.2}, min {:.2}; scrape interval {scrape_s} s",
        lags.len(),
        lags[0]
    );
    println!(
        "query latency, ms ({} queries): median {:.1}, p99 {:.1}, max {:.1}",
        latency_ms.len(),
        pct(&latency_ms, 50.0),
        pct(&latency_ms, 99.0),
        pct(&latency_ms, 100.0)
    );
    if max <= scrape_s && failed == 0 {
        println!("PASS: max lag {max:.2} s is within one scrape interval ({scrape_s} s), no query failed");
    } else {
        println!(
            "FAIL: max lag {max:.2} s vs scrape interval {scrape_s} s, {failed} queries failed"
        );
        std::process::exit(1);
    }
}
