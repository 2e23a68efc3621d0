//! The journal's format, its tolerance of a torn last line, and a drill
//! replayed from it to the same score.

use gameday_sim::engine::conclude;
use gameday_sim::scenario::{friday_cascade, FRIDAY_CASCADE_YAML};
use gameday_sim::strategy::Ended;
use gameday_sim::time::{SimDuration, SimTime};
use gameday_sim::world::World;

use super::replay::{dispatch, replay, sha256_hex};
use super::*;
use crate::http::HttpRequest;

fn header(seed: u64) -> Header {
    Header {
        format: FORMAT.into(),
        version: VERSION,
        gameday_version: "0.1.0".into(),
        scenario_file: None,
        scenario_text: FRIDAY_CASCADE_YAML.into(),
        scenario_sha256: sha256_hex(FRIDAY_CASCADE_YAML),
        seed,
        speed: 60.0,
        strategy: None,
        handover_ms: None,
        players: Vec::new(),
        started_wall_ms: 1_764_680_400_000,
    }
}

/// A drill without the wall clock: the team turns the payment flag off 10
/// minutes in, through the Unleash admin API, and the drill ends at 40
/// minutes. Returns the journal's text and the drill world's score.
fn scripted_drill() -> (String, String) {
    let sc: &'static _ = Box::leak(Box::new(friday_cascade()));
    let mut world = World::new(sc, 11);
    let mut lines: Vec<Line> = vec![Line::Header(header(11))];
    let mut seen = 0;
    let wall = |at: SimTime| 1_764_680_400_000 + at.as_millis() / 60;
    let journal_events = |world: &World<'_>, lines: &mut Vec<Line>, seen: &mut usize| {
        for e in &world.journal().entries()[*seen..] {
            lines.push(Line::Event(Event::of(e, wall(e.at))));
        }
        *seen = world.journal().entries().len();
    };
    let at = SimTime::START + SimDuration::from_mins(10);
    world.advance_to(at).unwrap();
    journal_events(&world, &mut lines, &mut seen);
    // A read (not re-sent by a replay), then the flag off.
    let read = HttpRequest::new("GET", "/api/admin/projects/default/features");
    lines.push(Line::Request(Request::of(
        "unleash",
        Some("ana"),
        &read,
        200,
        at.as_millis(),
        wall(at),
    )));
    let off = HttpRequest::new(
        "POST",
        "/api/admin/projects/default/features/payment_processing_v2/environments/production/off",
    );
    let res = dispatch("unleash", Some("ana"), off.clone(), &mut world).unwrap();
    assert_eq!(res.status, 200, "{}", res.body);
    lines.push(Line::Request(Request::of(
        "unleash",
        Some("ana"),
        &off,
        res.status,
        at.as_millis(),
        wall(at),
    )));
    journal_events(&world, &mut lines, &mut seen);
    let end = SimTime::START + SimDuration::from_mins(40);
    world.advance_to(end).unwrap();
    journal_events(&world, &mut lines, &mut seen);
    lines.push(Line::End {
        at_ms: end.as_millis(),
        wall_ms: wall(end),
        reason: "ended by the facilitator".into(),
    });
    let score = conclude(
        &mut world,
        Ended::Stopped("ended by the facilitator".into()),
    );
    let text: String = lines
        .iter()
        .map(|l| serde_json::to_string(l).unwrap() + "\n")
        .collect();
    (text, serde_json::to_string(&score).unwrap())
}

#[test]
fn should_read_back_what_was_written() {
    let dir = std::env::temp_dir().join(format!("gameday-journal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("drill.jsonl");
    let _ = std::fs::remove_file(&path);
    let mut w = JournalWriter::create(&path, &header(3)).unwrap();
    let end = Line::End {
        at_ms: 5,
        wall_ms: 6,
        reason: "horizon".into(),
    };
    w.append(&end).unwrap();
    assert_eq!(w.lines(), 2);
    assert!(
        JournalWriter::create(&path, &header(3)).is_err(),
        "never overwrites"
    );
    let j = read(&path).unwrap();
    assert_eq!(j.header, header(3));
    assert_eq!(j.lines, vec![end]);
    assert!(!j.torn_tail);
    assert_eq!(j.complete_bytes, std::fs::metadata(&path).unwrap().len());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn should_lose_at_most_the_torn_last_line() {
    let (text, _) = scripted_drill();
    let full = read_str("drill.jsonl", &text).unwrap();
    let ends: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
    // Cut at every byte of the last three lines.
    for cut in ends[ends.len() - 4]..text.len() {
        let j = read_str("drill.jsonl", &text[..cut]).unwrap();
        let complete = ends.iter().filter(|&&e| e <= cut).count();
        assert_eq!(j.lines.len(), complete - 1, "cut at {cut}");
        assert_eq!(j.lines[..], full.lines[..complete - 1]);
        assert_eq!(j.torn_tail, !ends.contains(&cut), "cut at {cut}");
        assert_eq!(j.complete_bytes as usize, ends[complete - 1]);
    }
}

#[test]
fn should_refuse_a_bad_line_in_the_middle_with_its_number() {
    let (text, _) = scripted_drill();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[3] = "{not json";
    let bad = lines.join("\n") + "\n";
    let e = read_str("drill.jsonl", &bad).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("drill.jsonl:4: not a journal line"),
        "{e}"
    );
    let e = read_str("x.jsonl", "").unwrap_err();
    assert!(matches!(e, JournalError::Empty { .. }), "{e}");
    let e = read_str("x.jsonl", &(lines[1].to_string() + "\n")).unwrap_err();
    assert!(
        e.to_string().contains("the first line must be the header"),
        "{e}"
    );
}

#[test]
fn should_replay_a_drill_to_the_same_score() {
    let (text, score) = scripted_drill();
    let j = read_str("drill.jsonl", &text).unwrap();
    let r = replay(&j).unwrap();
    assert_eq!(r.requests, 1, "only the flag change is re-sent");
    assert_eq!(serde_json::to_string(&r.score).unwrap(), score);
    assert_eq!(r.score.flag_flips, 1);
    // Twice, the same bytes.
    let again = replay(&j).unwrap();
    assert_eq!(serde_json::to_string(&again.score).unwrap(), score);
}

#[test]
fn should_say_where_a_replay_diverges() {
    let (text, _) = scripted_drill();
    // The flag change is journaled a minute late: the world's events no
    // longer match.
    let late = text.replacen(
        "\"at_ms\":600000,\"wall_ms\":1764680410000,\"fake\":\"unleash\",\"player\":\"ana\",\"method\":\"POST\"",
        "\"at_ms\":660000,\"wall_ms\":1764680411000,\"fake\":\"unleash\",\"player\":\"ana\",\"method\":\"POST\"",
        1,
    );
    assert_ne!(late, text, "test edit not found");
    let e = replay(&read_str("drill.jsonl", &late).unwrap()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("the replay diverged at journal line"),
        "{e}"
    );
    // An edited scenario is refused by its digest.
    let edited = text.replacen("rps: 12", "rps: 13", 1);
    let e = replay(&read_str("drill.jsonl", &edited).unwrap()).unwrap_err();
    assert!(
        matches!(e, super::replay::ReplayError::Digest { .. }),
        "{e}"
    );
}

#[test]
fn should_keep_a_token_carried_in_the_query_out_of_the_journal() {
    let req = HttpRequest::new("GET", "/gameday/v1/journal?token=s3cret&limit=5");
    let r = Request::of("gameday", Some("ana"), &req, 200, 0, 0);
    assert_eq!(r.query, "token=redacted&limit=5");
    let plain = HttpRequest::new("GET", "/api/v1/query?query=up%7Bjob%3D%22x%22%7D");
    assert_eq!(
        Request::of("prometheus", None, &plain, 200, 0, 0).query,
        "query=up%7Bjob%3D%22x%22%7D",
        "a query without a token is kept byte for byte"
    );
}
