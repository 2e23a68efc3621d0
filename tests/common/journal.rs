//! A drill's journal written without a drill: the Friday cascade on seed
//! 11, where a player (`ana`) turns the payment flag off through the
//! Unleash fake ten minutes in and the facilitator ends it at forty. Each
//! line is what a live drill writes, so replay, score and the debrief can
//! be tested in milliseconds.

use std::path::PathBuf;

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

/// Writes the scripted drill's journal to `name` in a temporary folder
/// of its own per test binary (`tag`) and process.
pub fn scripted_journal(tag: &str, name: &str) -> PathBuf {
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
    let dir = std::env::temp_dir().join(format!("gameday-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let text: String = lines
        .iter()
        .map(|l| serde_json::to_string(l).unwrap() + "\n")
        .collect();
    std::fs::write(&path, text).unwrap();
    path
}
