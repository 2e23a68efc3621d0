//! `gameday replay` and `gameday score` on a drill journal: a scripted team
//! turns the payment flag off through the Unleash fake ten minutes in.

mod common;

use common::{gameday, stderr, stdout};
use gameday_mocks::http::HttpRequest;
use gameday_mocks::journal::replay::{dispatch, sha256_hex};
use gameday_mocks::journal::{Event, Header, Line, Request, FORMAT, VERSION};
use gameday_sim::scenario::{friday_cascade, FRIDAY_CASCADE_YAML};
use gameday_sim::time::{SimDuration, SimTime};
use gameday_sim::world::World;

fn events(world: &World<'_>, lines: &mut Vec<Line>, seen: &mut usize) {
    for e in &world.journal().entries()[*seen..] {
        lines.push(Line::Event(Event::of(
            e,
            1_764_680_400_000 + e.at.as_millis(),
        )));
    }
    *seen = world.journal().entries().len();
}

/// Writes the scripted drill's journal to a temporary file.
fn journal(name: &str) -> std::path::PathBuf {
    let sc: &'static _ = Box::leak(Box::new(friday_cascade()));
    let mut world = World::new(sc, 11);
    let mut lines = vec![Line::Header(Header {
        format: FORMAT.into(),
        version: VERSION,
        gameday_version: env!("CARGO_PKG_VERSION").into(),
        scenario_file: None,
        scenario_text: FRIDAY_CASCADE_YAML.into(),
        scenario_sha256: sha256_hex(FRIDAY_CASCADE_YAML),
        seed: 11,
        speed: 1.0,
        strategy: None,
        handover_ms: None,
        players: Vec::new(),
        started_wall_ms: 1_764_680_400_000,
    })];
    let mut seen = 0;
    let at = SimTime::START + SimDuration::from_mins(10);
    world.advance_to(at).unwrap();
    events(&world, &mut lines, &mut seen);
    let off = HttpRequest::new(
        "POST",
        "/api/admin/projects/default/features/payment_processing_v2/environments/production/off",
    );
    let res = dispatch("unleash", None, off.clone(), &mut world).unwrap();
    lines.push(Line::Request(Request::of(
        "unleash",
        Some("ana"),
        &off,
        res.status,
        at.as_millis(),
        1_764_680_400_000 + at.as_millis(),
    )));
    let end = SimTime::START + SimDuration::from_mins(40);
    world.advance_to(end).unwrap();
    events(&world, &mut lines, &mut seen);
    lines.push(Line::End {
        at_ms: end.as_millis(),
        wall_ms: 1_764_680_400_000 + end.as_millis(),
        reason: "ended by the facilitator".into(),
    });
    let dir = std::env::temp_dir().join(format!("gameday-journal-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let text: String = lines
        .iter()
        .map(|l| serde_json::to_string(l).unwrap() + "\n")
        .collect();
    std::fs::write(&path, text).unwrap();
    path
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
    let o = gameday(&["score", p, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let team = &v["strategies"][0];
    assert_eq!(team["name"], "team");
    assert_eq!(team["counted_runs"], 1);
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
