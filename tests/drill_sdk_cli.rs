//! End-to-end: a real Unleash SDK (the Python `UnleashClient`, pinned in
//! `.ci/requirements.txt`) polls a live drill's Unleash fake. It reads the
//! Friday flag on; a player turns the flag off through the admin API; the
//! SDK's `is_enabled` goes false within seconds. The drill's journal keeps
//! the toggle and the SDK's own calls (register, polls, metrics).
//!
//! Skips without a Python that imports `UnleashClient`, unless `CI` is set
//! (see `common::python`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod common;

use common::net::{free_port_base, request};
use common::python::python_or_skip;

const TOKEN: &str = "sdk-token";
/// The Friday cascade's flag (scenarios/friday-cascade.yaml, `flags:`).
const FLAG: &str = "payment_processing_v2";
/// How long the SDK may take to see the toggle: it refreshes every second.
const SEEN_WITHIN: Duration = Duration::from_secs(10);

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gameday-sdk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Sends each stdout line of `child` to the returned channel.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}

/// The next JSON line the watcher prints, within `within`.
fn next_event(rx: &mpsc::Receiver<String>, within: Duration, log: &Path) -> serde_json::Value {
    let line = rx.recv_timeout(within).unwrap_or_else(|e| {
        panic!(
            "the SDK said nothing within {within:?} ({e}); its stderr:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        )
    });
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
}

/// Waits for `child` to exit, killing it after `within`.
fn wait_bounded(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn should_let_the_unleash_sdk_see_a_players_toggle_within_seconds() {
    let Some(python) = python_or_skip(&["UnleashClient"]) else {
        return;
    };
    let dir = scratch_dir();
    let journal = dir.join("drill.jsonl");
    let base = free_port_base();
    let (unleash, gameday) = (base + 1, base + 4);
    let mut drill = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["drill", "--quiet", "--token", TOKEN])
        .args(["--port-base", &base.to_string(), "--exit-after", "120"])
        .args(["--journal", journal.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let drill_out = lines_of(&mut drill);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match drill_out.recv_timeout(left) {
            Ok(l) if l.contains("The drill has started.") => break,
            Ok(_) => {}
            Err(e) => panic!("the drill did not start within a minute: {e}"),
        }
    }

    // The SDK, pointed at the fake as at an Unleash server.
    let sdk_log = dir.join("sdk.stderr");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk/unleash_watch.py");
    let mut sdk = Command::new(&python)
        .arg(script)
        .arg(format!("http://127.0.0.1:{unleash}/api"))
        .args([TOKEN, FLAG])
        .arg(dir.join("sdk-cache"))
        .arg("60")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&sdk_log).unwrap())
        .stdin(Stdio::null())
        .spawn()
        .expect("python runs");
    let sdk_out = lines_of(&mut sdk);
    let ready = next_event(&sdk_out, Duration::from_secs(30), &sdk_log);
    assert_eq!(ready["event"], "ready", "{ready}");
    assert_eq!(ready["enabled"], true, "the Friday flag starts on: {ready}");
    assert!(
        ready["features"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(FLAG)),
        "{ready}"
    );
    // Two refreshes later the SDK still reads it on: nothing flips it but
    // the player.
    assert!(
        sdk_out.recv_timeout(Duration::from_millis(2500)).is_err(),
        "the flag changed before anyone touched it"
    );

    let off = format!("/api/admin/projects/default/features/{FLAG}/environments/production/off");
    let (status, body) = request(unleash, TOKEN, "POST", &off, "");
    assert_eq!(status, 200, "{body}");
    let toggled = Instant::now();
    let changed = next_event(&sdk_out, SEEN_WITHIN, &sdk_log);
    let took = toggled.elapsed();
    assert_eq!(changed["event"], "changed", "{changed}");
    assert_eq!(changed["enabled"], false, "{changed}");
    assert!(took < SEEN_WITHIN, "{took:?}");
    let status = wait_bounded(&mut sdk, Duration::from_secs(30));
    assert!(
        status.success(),
        "{status}: {}",
        std::fs::read_to_string(&sdk_log).unwrap_or_default()
    );

    // The team's journal shows the toggle.
    let (status, body) = request(
        gameday,
        &format!("Bearer {TOKEN}"),
        "GET",
        "/gameday/v1/journal",
        "",
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&format!("flag {FLAG} turned off")), "{body}");
    let (status, body) = request(
        gameday,
        &format!("Bearer {TOKEN}"),
        "POST",
        "/gameday/v1/end",
        "",
    );
    assert_eq!(status, 200, "{body}");
    assert!(wait_bounded(&mut drill, Duration::from_secs(30)).success());

    // The drill's journal file keeps the toggle and every SDK call.
    let text = std::fs::read_to_string(&journal).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let calls = |method: &str, path: &str| -> Vec<u64> {
        lines
            .iter()
            .filter(|l| l["fake"] == "unleash" && l["method"] == method && l["path"] == path)
            .map(|l| l["status"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(calls("POST", &off), [200], "one toggle, answered 200");
    assert_eq!(calls("POST", "/api/client/register"), [202]);
    let polls = calls("GET", "/api/client/features");
    assert!(
        polls.len() >= 4 && polls.iter().all(|s| *s == 200),
        "the SDK polled every second: {polls:?}"
    );
    let metrics = calls("POST", "/api/client/metrics");
    assert!(
        !metrics.is_empty() && metrics.iter().all(|s| *s == 202),
        "the SDK's metrics were accepted: {metrics:?}"
    );
    assert!(text.contains(&format!("flag {FLAG} turned off")), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
