//! End-to-end: a drill's players and its facilitator. Each `--player` gets
//! a token and the journal names them on each call; only the facilitator
//! pauses, ends and injects a twist; `gameday score` gives the strategies
//! the same twist at the same moment, and `gameday replay` reproduces the
//! drill byte for byte.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod common;

use common::net::{free_port_base, request};

const BOSS: &str = "boss-token";
const ANA: &str = "ana-token";
const TWIST: &str = "catalog-db-pool-exhausted";

fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

fn journal_path() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gameday-roles-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("roles.jsonl");
    let _ = std::fs::remove_file(&p);
    p
}

/// Lines of the child's stdout until one starts with `what`.
fn wait_for(rx: &mpsc::Receiver<String>, what: &str, seen: &mut Vec<String>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !seen.iter().any(|l| l.contains(what)) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) => seen.push(l),
            Err(_) => panic!("no `{what}` within a minute: {seen:?}"),
        }
    }
}

#[test]
fn should_name_each_player_and_keep_the_clock_and_twists_to_the_facilitator() {
    let base = free_port_base();
    let journal = journal_path();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["drill", "--speed", "120", "--quiet", "--token", BOSS])
        .args(["--player", &format!("ana={ANA}"), "--player", "bo"])
        .args(["--port-base", &base.to_string(), "--exit-after", "120"])
        .args(["--journal", journal.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    wait_for(&rx, "The drill has started.", &mut seen);
    let banner = seen.join("\n");
    assert!(
        banner.contains(&format!("facilitator token: {BOSS}")),
        "{banner}"
    );
    assert!(
        banner.contains(&format!("player ana token: {ANA}")),
        "{banner}"
    );
    let bo = seen
        .iter()
        .find_map(|l| l.strip_prefix("player bo token: "))
        .unwrap_or_else(|| panic!("bo gets a random token: {banner}"))
        .to_string();

    let gd = base + 4;
    // A player may not run the clock or the twists.
    for action in ["pause", "end", "inject"] {
        let (status, body) = request(
            gd,
            &bearer(ANA),
            "POST",
            &format!("/gameday/v1/{action}"),
            "{}",
        );
        assert_eq!(status, 403, "{action}: {body}");
        assert!(body.contains("only the facilitator"), "{body}");
    }
    let (status, _) = request(gd, &bearer("nobody"), "GET", "/gameday/v1/drill", "");
    assert_eq!(status, 401);
    // Players act; the journal names them.
    let (status, body) = request(
        gd,
        &bearer(ANA),
        "POST",
        "/gameday/v1/acknowledge",
        r#"{"service":"payment"}"#,
    );
    assert_eq!(status, 204, "{body}");
    let (status, body) = request(
        base + 1,
        &bo,
        "POST",
        "/api/admin/projects/default/features/payment_processing_v2/environments/production/off",
        "",
    );
    assert_eq!(status, 200, "{body}");
    // The facilitator's twist: a fault the scenario keeps dormant.
    let (status, body) = request(
        gd,
        &bearer(BOSS),
        "POST",
        "/gameday/v1/inject",
        r#"{"fault":"nope"}"#,
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains(TWIST),
        "the refusal names the optional faults: {body}"
    );
    let inject = format!(r#"{{"fault":"{TWIST}","after":"1m"}}"#);
    let (status, body) = request(gd, &bearer(BOSS), "POST", "/gameday/v1/inject", &inject);
    assert_eq!(status, 200, "{body}");
    let (status, body) = request(gd, &bearer(BOSS), "POST", "/gameday/v1/inject", &inject);
    assert_eq!(status, 400, "once only: {body}");
    // Two virtual minutes later, catalog fails: the team sees it in metrics.
    std::thread::sleep(Duration::from_secs(2));
    let (status, body) = request(gd, &bearer(ANA), "GET", "/gameday/v1/journal", "");
    assert_eq!(status, 200);
    assert!(!body.contains(TWIST), "no free answers: {body}");
    let (status, body) = request(gd, &bearer(BOSS), "POST", "/gameday/v1/end", "");
    assert!(status < 300, "{status} {body}");
    assert!(child.wait().unwrap().success());

    let text = std::fs::read_to_string(&journal).unwrap();
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(header["players"], serde_json::json!(["ana", "bo"]));
    assert!(
        !text.contains(ANA) && !text.contains(&bo),
        "a journal keeps no tokens"
    );
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by = |path: &str| {
        lines
            .iter()
            .filter(|l| l["path"].as_str().is_some_and(|p| p.ends_with(path)))
            .map(|l| (l["player"].clone(), l["status"].as_u64().unwrap_or(0)))
            .collect::<Vec<_>>()
    };
    assert!(by("/acknowledge").contains(&(serde_json::json!("ana"), 204)));
    assert!(by("/production/off").contains(&(serde_json::json!("bo"), 200)));
    assert!(by("/inject").contains(&(serde_json::json!("facilitator"), 200)));
    assert!(by("/pause").contains(&(serde_json::json!("ana"), 403)));
    assert!(
        text.contains(&format!("fault `{TWIST}` begins")),
        "the twist started in the drill's world"
    );

    // Replayed with no wall clock: the same drill, twist and all.
    let j = journal.to_str().unwrap();
    let a = common::gameday(&["replay", j, "--format", "json"]);
    assert!(a.status.success(), "{}", common::stderr(&a));
    let b = common::gameday(&["replay", j, "--format", "json"]);
    assert_eq!(a.stdout, b.stdout, "byte-identical");
    // Scored: the strategies face the twist too, where the facilitator
    // put it (a minute after the inject, a minute or so in).
    let o = common::gameday(&["score", j, "--format", "json"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let faults = report["scenario_summary"]["faults"].as_array().unwrap();
    let twist = faults.iter().find(|f| f["name"] == TWIST).unwrap();
    let onset = twist["onset_seconds"].as_f64();
    assert!(onset.is_some_and(|s| s >= 60.0), "{twist}");
}
