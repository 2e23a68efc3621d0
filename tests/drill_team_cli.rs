//! End-to-end: a scripted team plays a live drill over HTTP at speed 60,
//! as people would with their own tools. Ana waits for the page, turns the
//! payment flag off through the Unleash admin API, opens a hotfix pull
//! request through the GitHub API; Bo approves it; Ana merges it once its
//! checks pass and ships it with an Argo CD sync; the facilitator ends the
//! drill. The journal names who did what, `gameday score` judges the team
//! against the runbook, and `gameday replay` reproduces the drill's score
//! byte for byte.

mod common;

use std::time::{Duration, Instant};

use common::drill::LiveDrill;
use common::net::request;
use serde_json::{json, Value};

const FAC: &str = "fac-token";
const ANA: &str = "ana-token";
const BO: &str = "bo-token";
const FLAG_OFF: &str =
    "/api/admin/projects/default/features/payment_processing_v2/environments/production/off";
const REPO: &str = "/api/v3/repos/acme/shop";
const MAIN_SHA: &str = "6d1f0c1a2b3c4d5e6f708192a3b4c5d6e7f80912";

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// A GitHub REST call as `token`'s player; the status and the JSON.
fn github(d: &LiveDrill, token: &str, method: &str, path: &str, body: Value) -> (u16, Value) {
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let (status, text) = request(
        d.base + 2,
        &format!("token {token}"),
        method,
        &format!("{REPO}{path}"),
        &body,
    );
    let v = if text.trim().is_empty() {
        Value::Null
    } else {
        json_of(&text)
    };
    (status, v)
}

/// Polls `f` every 200 ms until it returns `Some` (a minute at most).
fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(t) = f() {
            return t;
        }
        assert!(Instant::now() < deadline, "{what}: not within a minute");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn journal_path() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gameday-team-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("team.jsonl");
    let _ = std::fs::remove_file(&p);
    p
}

#[test]
fn should_score_and_replay_a_team_that_flags_off_then_ships_a_reviewed_hotfix() {
    let journal = journal_path();
    let j = journal.to_str().unwrap();
    let out = journal.with_extension("score.json");
    let _ = std::fs::remove_file(&out);
    let mut d = LiveDrill::start(&[
        "--speed",
        "60",
        "--quiet",
        "--token",
        FAC,
        "--player",
        &format!("ana={ANA}"),
        "--player",
        &format!("bo={BO}"),
        "--journal",
        j,
        "--out",
        out.to_str().unwrap(),
    ]);
    d.wait_for("PAGE FIRING");
    let (status, body) = request(
        d.base + 4,
        &format!("Bearer {ANA}"),
        "POST",
        "/gameday/v1/acknowledge",
        r#"{"service":"payment"}"#,
    );
    assert_eq!(status, 204, "{body}");

    // Contain first: the flag that guards the failing path, off.
    let (status, body) = request(d.base + 1, ANA, "POST", FLAG_OFF, "");
    assert_eq!(status, 200, "{body}");

    // The hotfix: a branch, a pull request saying what it changes, the
    // runbook's label for the fast CI lane.
    let branch = json!({ "ref": "refs/heads/hotfix/charge-v2", "sha": MAIN_SHA });
    let (status, v) = github(&d, ANA, "POST", "/git/refs", branch);
    assert_eq!(status, 201, "{v}");
    let pull = json!({
        "title": "Guard the v2 charge path",
        "head": "hotfix/charge-v2",
        "base": "main",
        "body": "Declines on the v2 path.\n\nFixes: payment/charge-v2",
    });
    let (status, v) = github(&d, ANA, "POST", "/pulls", pull);
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["user"]["login"], "ana", "{v}");
    let n = v["number"].as_u64().unwrap();
    let (status, v) = github(
        &d,
        ANA,
        "POST",
        &format!("/issues/{n}/labels"),
        json!({ "labels": ["hotfix"] }),
    );
    assert_eq!(status, 200, "{v}");
    // Ana may not approve her own change; Bo does.
    let approve = json!({ "event": "APPROVE", "body": "LGTM" });
    let (status, v) = github(
        &d,
        ANA,
        "POST",
        &format!("/pulls/{n}/reviews"),
        approve.clone(),
    );
    assert_eq!(status, 422, "{v}");
    let (status, v) = github(&d, BO, "POST", &format!("/pulls/{n}/reviews"), approve);
    assert_eq!(status, 200, "{v}");

    // Wait for the checks; a flaky check is re-run, as people do.
    let sha = eventually("the pull request's checks pass", || {
        let (_, p) = github(&d, ANA, "GET", &format!("/pulls/{n}"), Value::Null);
        match p["mergeable_state"].as_str() {
            Some("clean") => Some(p["head"]["sha"].as_str().unwrap().to_string()),
            Some("unstable") => {
                let sha = p["head"]["sha"].as_str().unwrap();
                let (_, runs) = github(
                    &d,
                    ANA,
                    "GET",
                    &format!("/commits/{sha}/check-runs"),
                    Value::Null,
                );
                for run in runs["check_runs"].as_array().into_iter().flatten() {
                    if run["conclusion"] == "failure" {
                        let id = run["id"].as_u64().unwrap();
                        github(
                            &d,
                            ANA,
                            "POST",
                            &format!("/check-runs/{id}/rerequest"),
                            Value::Null,
                        );
                    }
                }
                None
            }
            _ => None,
        }
    });
    let merge = json!({ "sha": sha, "merge_method": "squash" });
    let (status, v) = github(&d, ANA, "PUT", &format!("/pulls/{n}/merge"), merge);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["merged"], true, "{v}");

    // Ship it: Argo CD syncs the merged change once its build is done.
    let argocd = format!("Bearer gameday.{ANA}.drill");
    eventually("Argo CD syncs the merged change", || {
        let (status, body) = request(
            d.base + 3,
            &argocd,
            "POST",
            "/api/v1/applications/payment/sync",
            "{}",
        );
        (status == 200).then_some(body)
    });
    // Let the deploy finish and the alert resolve, then end.
    d.wait_for("PAGE RESOLVED");
    let (status, body) = request(
        d.base + 4,
        &format!("Bearer {FAC}"),
        "POST",
        "/gameday/v1/end",
        "",
    );
    assert_eq!(status, 200, "{body}");
    assert!(d.finish().success(), "{:#?}", d.seen);
    let printed = d.seen.join("\n");

    // The journal names who made each call.
    let text = std::fs::read_to_string(&journal).unwrap();
    let lines: Vec<Value> = text.lines().map(json_of).collect();
    assert_eq!(lines[0]["kind"], "header");
    assert_eq!(lines[0]["players"], json!(["ana", "bo"]));
    assert_eq!(lines.last().unwrap()["kind"], "end");
    let who = |path_end: &str, method: &str| -> Vec<Value> {
        lines
            .iter()
            .filter(|l| l["method"] == method)
            .filter(|l| l["path"].as_str().is_some_and(|p| p.ends_with(path_end)))
            .map(|l| l["player"].clone())
            .collect()
    };
    assert_eq!(who("/production/off", "POST"), vec![json!("ana")]);
    assert_eq!(who("/pulls", "POST"), vec![json!("ana")]);
    assert!(who(&format!("/pulls/{n}/reviews"), "POST").contains(&json!("bo")));
    assert_eq!(who(&format!("/pulls/{n}/merge"), "PUT"), vec![json!("ana")]);
    assert!(who("/payment/sync", "POST").contains(&json!("ana")));
    assert_eq!(who("/gameday/v1/end", "POST"), vec![json!("facilitator")]);

    // Scored beside the strategies, and judged against the runbook.
    let o = common::gameday(&["score", j]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let score = common::stdout(&o);
    let verdict = |rule: &str| {
        score
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(rule))
            .unwrap_or_else(|| panic!("no `{rule}` in the runbook check: {score}"))
            .to_string()
    };
    let flag_first = verdict("flag_first");
    assert!(flag_first.trim_start().starts_with("pass"), "{flag_first}");
    assert!(
        verdict("fixes_approved").trim_start().starts_with("pass"),
        "{score}"
    );
    // The verdict names the journal line that decides it: the flag event.
    let line: usize = flag_first
        .split("[line ")
        .nth(1)
        .and_then(|r| r.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a journal line: {flag_first}"));
    let decided = &lines[line - 1];
    assert!(
        decided["text"]
            .as_str()
            .is_some_and(|t| t.contains("payment_processing_v2 turned off")),
        "line {line}: {decided}"
    );
    assert!(
        score.contains("team "),
        "the team's row beside the strategies: {score}"
    );

    // Replayed with no wall clock: the score the drill printed, byte for
    // byte, and the same bytes every time.
    let o = common::gameday(&["replay", j]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let replayed = common::stdout(&o);
    assert_eq!(
        score_block(&replayed),
        score_block(&printed),
        "the replay's score is the drill's"
    );
    let a = common::gameday(&["replay", j, "--format", "json"]);
    let b = common::gameday(&["replay", j, "--format", "json"]);
    assert!(a.status.success(), "{}", common::stderr(&a));
    assert_eq!(a.stdout, b.stdout, "byte-identical");
    assert_eq!(
        std::fs::read(&out).unwrap(),
        a.stdout,
        "the drill wrote the score replay gives"
    );
    let report = json_of(&common::stdout(&a));
    assert_eq!(report["strategy"], "team");
    assert_eq!(report["score"]["hotfixes"], 1, "{}", report["score"]);
}

/// The `Score` block of a printed score: from its heading to the first
/// blank line.
fn score_block(text: &str) -> String {
    let start = text
        .find("\nScore\n")
        .unwrap_or_else(|| panic!("no score in: {text}"));
    text[start + 1..]
        .split("\n\n")
        .next()
        .unwrap()
        .trim_end()
        .to_string()
}
