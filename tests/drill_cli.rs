//! End-to-end: `gameday drill` runs the world on the wall clock, pages
//! when the alert fires, answers real tools in wall-clock time, refuses
//! `wait` and free answers, pauses, and ends with a score.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

mod common;

const TOKEN: &str = "tok";

fn http(port: u16, method: &str, target: &str, body: &str) -> (u16, String) {
    common::net::request(port, &format!("Bearer {TOKEN}"), method, target, body)
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

use common::net::free_port_base;

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// promtool, or `None` (skipping) without it unless CI must run it.
fn promtool() -> Option<&'static str> {
    if Command::new("promtool").arg("--version").output().is_ok() {
        return Some("promtool");
    }
    assert!(
        std::env::var("CI").is_err(),
        "promtool is not installed (Debian package `prometheus`), and CI must run this test"
    );
    eprintln!("skipping the promtool part: promtool is not installed (apt-get install prometheus)");
    None
}

const RATIO: &str = r#"sum(rate(http_requests_total{service="payment",code=~"5.."}[1m])) / sum(rate(http_requests_total{service="payment"}[1m]))"#;
const ERRORS: &str = r#"sum(rate(http_requests_total{service="payment",code=~"5.."}[1m]))"#;

#[test]
fn should_run_a_live_drill_that_pages_pauses_and_ends_with_a_score() {
    let base = free_port_base();
    let (prom, gameday) = (base, base + 4);
    let mut child = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["drill", "--speed", "120", "--quiet", "--token", TOKEN])
        .args(["--port-base", &base.to_string(), "--exit-after", "120"])
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !seen.iter().any(|l: &String| l.starts_with("PAGE FIRING")) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) => seen.push(l),
            Err(_) => panic!("no page within a minute: {seen:?}"),
        }
    }
    assert!(
        seen[0].starts_with("gameday drill · friday-cascade"),
        "{seen:?}"
    );
    let page = seen
        .iter()
        .position(|l| l.starts_with("PAGE FIRING"))
        .unwrap();
    assert!(seen[page].contains("payment · HighErrorRatio"), "{seen:?}");

    // The Prometheus fake, asked with no `time`, answers at wall-clock now
    // with the incident's error ratio.
    let q: String = form_urlencoded_pair("query", RATIO);
    let (status, body) = http(prom, "GET", &format!("/api/v1/query?{q}"), "");
    assert_eq!(status, 200, "{body}");
    let v = json(&body);
    let sample = &v["data"]["result"][0]["value"];
    let at = sample[0].as_f64().unwrap();
    let ratio: f64 = sample[1].as_str().unwrap().parse().unwrap();
    assert!(
        ratio > 0.1,
        "payment's error ratio is the incident's: {body}"
    );
    assert!((at - unix_now()).abs() < 5.0, "evaluated at now: {at}");

    // No waiting, no free answers.
    let (status, body) = http(
        gameday,
        "POST",
        "/gameday/v1/wait",
        r#"{"until":"time","timeout_ms":1000}"#,
    );
    assert_eq!(status, 409, "{body}");
    assert!(json(&body)["error"]
        .as_str()
        .unwrap()
        .contains("runs by itself"));
    let (status, body) = http(gameday, "GET", "/gameday/v1/diagnose?service=payment", "");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("no free answers"), "{body}");
    let (_, body) = http(gameday, "GET", "/gameday/v1/journal", "");
    assert!(!body.contains("payment-v2-declines"), "{body}");

    if let Some(promtool) = promtool() {
        let url = format!("http://127.0.0.1:{prom}");
        let o = Command::new(promtool)
            .args(["query", "instant", &url, ERRORS])
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{out} {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(out.contains("=>"), "a non-empty vector: {out}");
        let now = unix_now();
        let o = Command::new(promtool)
            .args(["query", "range", "--step", "1s"])
            .arg(format!("--start={:.3}", now - 600.0))
            .arg(format!("--end={now:.3}"))
            .args([&url, ERRORS])
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{out} {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(out.contains('@'), "samples in the last 10 minutes: {out}");
    }

    // Paused, virtual time stands still; resumed, it runs again.
    let (status, body) = http(gameday, "POST", "/gameday/v1/pause", "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["state"], "paused");
    let before = json(&http(gameday, "GET", "/gameday/v1/clock", "").1)["now_ms"].clone();
    std::thread::sleep(Duration::from_millis(700));
    let after = json(&http(gameday, "GET", "/gameday/v1/clock", "").1)["now_ms"].clone();
    assert_eq!(before, after, "paused");
    let (status, _) = http(gameday, "POST", "/gameday/v1/resume", "");
    assert_eq!(status, 200);
    std::thread::sleep(Duration::from_millis(300));
    let resumed = json(&http(gameday, "GET", "/gameday/v1/clock", "").1)["now_ms"].clone();
    assert!(resumed.as_u64() > before.as_u64(), "{before} {resumed}");

    let (status, body) = http(gameday, "POST", "/gameday/v1/end", "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["state"], "ended");
    let code = child.wait().unwrap();
    reader.join().unwrap();
    let rest: Vec<String> = rx.try_iter().collect();
    assert_eq!(code.code(), Some(0), "{rest:?}");
    let text = rest.join("\n");
    assert!(
        text.contains("Drill over: ended by POST /gameday/v1/end"),
        "{text}"
    );
    assert!(text.contains("Score"), "{text}");
    assert!(text.contains("time to detect"), "{text}");
}

fn form_urlencoded_pair(k: &str, v: &str) -> String {
    let mut out = format!("{k}=");
    for b in v.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[test]
fn should_refuse_a_webhook_that_is_not_http_and_post_over_tls() {
    let o = common::gameday(&["drill", "--out", "score.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("add --journal"),
        "{}",
        common::stderr(&o)
    );
    let o = common::gameday(&["drill", "--page-webhook", "ftp://chat/hook"]);
    assert_eq!(o.status.code(), Some(2));
    let err = common::stderr(&o);
    assert!(
        err.contains("--page-webhook") && err.contains("`ftp`"),
        "{err}"
    );
    // An https:// webhook (a chat's incoming webhook) is sent over TLS:
    // here nobody listens, so the one warning is about the connection.
    let base = free_port_base().to_string();
    let o = common::gameday(&[
        "drill",
        "--speed",
        "120",
        "--quiet",
        "--port-base",
        &base,
        "--page-webhook",
        "https://127.0.0.1:1/hook",
        "--exit-after",
        "3",
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let err = common::stderr(&o);
    assert_eq!(err.matches("warning: --page-webhook").count(), 1, "{err}");
    assert!(err.contains("onnection refused"), "{err}");
    assert!(
        !err.contains("scheme is not http"),
        "TLS is built in: {err}"
    );
}

#[test]
fn should_refuse_a_speed_out_of_bounds_and_a_strategy_without_handover() {
    let o = common::gameday(&["drill", "--speed", "1000", "--exit-after", "1"]);
    assert_eq!(o.status.code(), Some(2));
    let err = common::stderr(&o);
    assert!(err.contains("--speed") && err.contains("600"), "{err}");
    let o = common::gameday(&["drill", "--strategy", "direct", "--exit-after", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(common::stderr(&o).contains("--handover"));
    let o = common::gameday(&[
        "drill",
        "--strategy",
        "direct",
        "--handover",
        "+9h",
        "--exit-after",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("horizon"),
        "{}",
        common::stderr(&o)
    );
}

#[test]
fn should_teach_the_endpoints_with_examples_that_paste_as_printed() {
    let o = common::gameday(&["drill", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    let help = common::stdout(&o);
    for endpoint in ["/gameday/v1/pause", "/gameday/v1/resume", "/gameday/v1/end"] {
        assert!(help.contains(endpoint), "{endpoint}: {help}");
    }
    assert!(help.contains("TOKEN=s3cret"), "{help}");
    let examples: Vec<&str> = help
        .lines()
        .filter(|l| l.contains("curl ") || l.contains("promtool "))
        .collect();
    assert!(!examples.is_empty());
    for l in examples {
        assert!(
            !l.contains('<') && !l.contains('>'),
            "a shell redirect: {l}"
        );
    }
}

/// A one-request webhook receiver on loopback: returns its URL and the
/// body it will have received.
fn webhook_receiver() -> (String, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = s.read(&mut chunk).unwrap();
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).to_string();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let len = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if body.len() >= len || n == 0 {
                    let _ = s.write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                    return body.to_string();
                }
            }
            if n == 0 {
                return String::new();
            }
        }
    });
    (url, handle)
}

#[test]
fn should_hand_the_strategys_incident_over_at_the_handover() {
    let base = free_port_base().to_string();
    let (hook, received) = webhook_receiver();
    let journal = temp_journal("takeover.jsonl");
    let o = common::gameday(&[
        "drill",
        "--journal",
        journal.to_str().unwrap(),
        "--page-webhook",
        &hook,
        "--strategy",
        "direct",
        "--handover",
        "17:30",
        "--speed",
        "60",
        "--quiet",
        "--port-base",
        &base,
        "--exit-after",
        "2",
    ]);
    let out = common::stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", common::stderr(&o));
    assert!(out.contains("starts at Fri 17:30:00 (+43m)"), "{out}");
    assert!(out.contains("`direct` played until the handover"), "{out}");
    // Already firing at the handover: the people are paged at once.
    assert!(out.contains("PAGE FIRING"), "{out}");
    assert!(out.contains("hotfixes shipped"), "{out}");
    // And the page reached the webhook in Alertmanager's format.
    let body = json(&received.join().unwrap());
    assert_eq!(body["version"], "4");
    assert_eq!(body["status"], "firing");
    assert_eq!(body["alerts"][0]["labels"]["alertname"], "HighErrorRatio");
    assert!(body["alerts"][0]["startsAt"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    // The takeover journal replays: the strategy's part is played again to
    // the handover, and the score is the drill's.
    let mttr = |text: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with("MTTR "))
            .map(str::to_string)
            .unwrap_or_default()
    };
    assert!(!mttr(&out).is_empty(), "{out}");
    let j = journal.to_str().unwrap();
    let r = common::gameday(&["replay", j]);
    assert!(r.status.success(), "{}", common::stderr(&r));
    let replayed = common::stdout(&r);
    assert_eq!(mttr(&replayed), mttr(&out), "{replayed}");
    assert!(replayed.contains("merged"), "the strategy's PR: {replayed}");
    let a = common::gameday(&["replay", j, "--format", "json"]);
    let b = common::gameday(&["replay", j, "--format", "json"]);
    assert_eq!(a.stdout, b.stdout, "byte-identical");
    let s = common::gameday(&["score", j]);
    assert!(s.status.success(), "{}", common::stderr(&s));
}

/// A request with Unleash's raw-token authorization.
fn unleash_post(port: u16, target: &str) -> u16 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("fake is listening");
    let req = format!(
        "POST {target} HTTP/1.1\r\nHost: x\r\nAuthorization: {TOKEN}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn temp_journal(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gameday-drill-journal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    let _ = std::fs::remove_file(&p);
    p
}

/// Starts a quiet drill at speed 120 journaling to `journal`; returns the
/// child and a channel of its stdout lines.
fn journaled_drill(
    base: u16,
    journal: &std::path::Path,
) -> (std::process::Child, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["drill", "--speed", "120", "--quiet", "--token", TOKEN])
        .args(["--port-base", &base.to_string(), "--exit-after", "120"])
        .args(["--journal", journal.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    (child, rx)
}

fn wait_for(rx: &mpsc::Receiver<String>, what: &str, seen: &mut Vec<String>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !seen.iter().any(|l| l.starts_with(what)) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) => seen.push(l),
            Err(_) => panic!("no `{what}` within a minute: {seen:?}"),
        }
    }
}

/// `gameday drill --resume journal` on `base`, once its control API serves.
fn resumed_drill(base: u16, journal: &std::path::Path, stdout: Stdio) -> std::process::Child {
    let child = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["drill", "--resume", journal.to_str().unwrap(), "--quiet"])
        .args(["--token", TOKEN, "--port-base", &base.to_string()])
        .args(["--exit-after", "120"])
        .stdout(stdout)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", base + 4)).is_err() {
        assert!(Instant::now() < deadline, "the resumed drill never served");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

#[test]
fn should_keep_every_complete_line_of_a_killed_drills_journal() {
    // SIGKILL at 20 moments (pseudo-random, fixed so a failure
    // reproduces): the journal replays up to the kill, losing at most the
    // line being written; every fourth is resumed and finishes with a
    // score.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..20 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let wait_ms = 150 + (x >> 33) % 2500;
        let base = free_port_base();
        let journal = temp_journal(&format!("killed-{i}.jsonl"));
        let (mut child, _rx) = journaled_drill(base, &journal);
        // Some traffic to journal meanwhile.
        let deadline = Instant::now() + Duration::from_millis(wait_ms);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", base)).is_ok() {
                let _ = http(base, "GET", "/api/v1/query?query=up", "");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().unwrap();
        let _ = child.wait();
        let text = std::fs::read_to_string(&journal).unwrap_or_default();
        if text.is_empty() {
            continue; // killed before the header was written
        }
        let complete = text.matches('\n').count();
        let o = common::gameday(&["replay", journal.to_str().unwrap(), "--format", "json"]);
        assert!(
            o.status.success(),
            "kill {i} after {wait_ms} ms, {complete} lines: {}",
            common::stderr(&o)
        );
        if i % 4 != 0 {
            continue;
        }
        let base = free_port_base();
        let mut child = resumed_drill(base, &journal, Stdio::null());
        let (status, body) = http(base + 4, "POST", "/gameday/v1/end", "");
        assert!(status < 300, "{status} {body}");
        assert!(child.wait().unwrap().success(), "kill {i}: resumed drill");
        let o = common::gameday(&["score", journal.to_str().unwrap()]);
        assert!(o.status.success(), "kill {i}: {}", common::stderr(&o));
    }
}

#[test]
fn should_resume_a_killed_drill_from_its_journal_and_finish_with_a_score() {
    let base = free_port_base();
    let journal = temp_journal("resumed.jsonl");
    let (mut child, rx) = journaled_drill(base, &journal);
    let mut seen = Vec::new();
    wait_for(&rx, "PAGE FIRING", &mut seen);
    let status = unleash_post(
        base + 1,
        "/api/admin/projects/default/features/payment_processing_v2/environments/production/off",
    );
    assert_eq!(status, 200);
    std::thread::sleep(Duration::from_millis(500));
    child.kill().unwrap();
    let _ = child.wait();
    let before = std::fs::read_to_string(&journal).unwrap();
    assert!(!before.contains("\"kind\":\"end\""));

    let base = free_port_base();
    let child = resumed_drill(base, &journal, Stdio::piped());
    std::thread::sleep(Duration::from_secs(1));
    let (status, body) = http(base + 4, "POST", "/gameday/v1/end", "");
    assert!(status < 300, "{status} {body}");
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let after = std::fs::read_to_string(&journal).unwrap();
    assert!(after.len() > before.len() && after.contains("\"kind\":\"end\""));
    assert_eq!(
        after.matches("\"kind\":\"header\"").count(),
        1,
        "one header"
    );
    // The whole drill, before and after the kill, replays and scores.
    let o = common::gameday(&["score", journal.to_str().unwrap()]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        common::stdout(&o).contains("pass  flag_first"),
        "{}",
        common::stdout(&o)
    );
    // A finished drill is not resumed.
    let o = common::gameday(&["drill", "--resume", journal.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("this drill is over"),
        "{}",
        common::stderr(&o)
    );
}
