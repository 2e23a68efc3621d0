//! `gameday replay` and `gameday score` on a drill journal: a scripted team
//! turns the payment flag off through the Unleash fake ten minutes in.

mod common;

use common::journal::scripted_journal;
use common::{gameday, stderr, stdout};

fn journal(name: &str) -> std::path::PathBuf {
    scripted_journal("journal-cli", name)
}

#[test]
fn should_replay_a_drill_from_its_journal_byte_for_byte() {
    let path = journal("replay.jsonl");
    let p = path.to_str().unwrap();
    let o = gameday(&["replay", p]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("friday-cascade · strategy team · seed 11"),
        "{out}"
    );
    assert!(
        out.contains("flag payment_processing_v2 turned off"),
        "{out}"
    );
    assert!(out.contains("pass  flag_first"), "{out}");
    assert!(
        out.contains(&format!("Replay it with: gameday replay {p}")),
        "{out}"
    );
    let json = |o: &std::process::Output| stdout(o);
    let a = gameday(&["replay", p, "--format", "json"]);
    let b = gameday(&["replay", p, "--format", "json"]);
    assert!(a.status.success(), "{}", stderr(&a));
    assert_eq!(json(&a), json(&b), "the same journal, the same bytes");
}

#[test]
fn should_score_the_team_beside_every_strategy_on_the_same_seed() {
    let path = journal("score.jsonl");
    let p = path.to_str().unwrap();
    let o = gameday(&["score", p]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for row in ["│ team ", "│ direct ", "│ flag-disable ", "│ runbook "] {
        assert!(out.contains(row), "{row}: {out}");
    }
    assert!(out.contains("Runbook check (the team"), "{out}");
    assert!(out.contains("pass  flag_first"), "{out}");
    assert!(
        out.contains(&format!("gameday replay {p}")),
        "the team's seed replays from the journal: {out}"
    );
    // The verdict names the journal line that decides it: the flag's event.
    let flag = out
        .lines()
        .find(|l| l.contains("pass  flag_first"))
        .unwrap();
    let n: usize = flag
        .split("[line ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no journal line in {flag}"));
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text.lines().nth(n - 1).unwrap();
    assert!(
        line.contains("\"event\"") && line.contains("payment_processing_v2 turned off"),
        "line {n} of the journal is the flag's event: {line}"
    );
    let o = gameday(&["score", p, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let team = &v["strategies"][0];
    assert_eq!(team["name"], "team");
    assert_eq!(team["counted_runs"], 1);
}

#[test]
fn should_debrief_the_team_above_the_best_strategy_in_html() {
    let path = journal("debrief.jsonl");
    let p = path.to_str().unwrap();
    let out = path.with_extension("html");
    let o = gameday(&[
        "score",
        p,
        "--format",
        "html",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(
        page.contains("<h1>Drill debrief: friday-cascade · seed 11</h1>"),
        "{page}"
    );
    assert!(page.contains("<h3>The team</h3>"));
    // The team turned the flag off as flag-disable does; the best built-in
    // strategy on this seed is drawn below it.
    assert!(
        page.contains("<h3>The best strategy on this seed: "),
        "{page}"
    );
    assert_eq!(page.matches("<figure>").count(), 2, "two timelines");
    assert!(page.contains("<td>flag_first</td><td>pass</td>"), "{page}");
    assert!(!page.contains("<script"), "self-contained");
}

#[test]
fn should_refuse_a_broken_or_diverging_journal() {
    let path = journal("bad.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let garbage = path.with_file_name("garbage.jsonl");
    std::fs::write(&garbage, "{not a journal\n").unwrap();
    let o = gameday(&["replay", garbage.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("garbage.jsonl:1: not a journal line"),
        "{}",
        stderr(&o)
    );
    // The flag change moved a minute later: the world's events diverge.
    let late = text.replacen(
        "\"at_ms\":600000,\"wall_ms\":1764681000000,\"fake\"",
        "\"at_ms\":660000,\"wall_ms\":1764681060000,\"fake\"",
        1,
    );
    assert_ne!(late, text, "test edit not found");
    let diverged = path.with_file_name("diverged.jsonl");
    std::fs::write(&diverged, late).unwrap();
    let o = gameday(&["score", diverged.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the replay diverged at journal line"),
        "{}",
        stderr(&o)
    );
}
