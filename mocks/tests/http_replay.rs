//! The HTTP control plane gives the same bytes as the in-process one: for
//! every built-in strategy on several seeds, the score and the timeline of
//! a replay through the fakes over loopback equal the in-process replay's.

use gameday_mocks::session::http_replay;
use gameday_sim::engine::replay;
use gameday_sim::scenario::friday_cascade;
use gameday_sim::strategy::presets::{preset, BUILTIN};

#[test]
fn every_builtin_strategy_replays_identically_over_http() {
    let sc = friday_cascade();
    let mut compared = 0;
    for name in BUILTIN {
        let policy = preset(name, &sc).expect("built-in strategy");
        for seed in [sc.default_seed, 1, 7, 1234] {
            let local = serde_json::to_string_pretty(&replay(&sc, &policy, seed)).unwrap();
            let remote = http_replay(&sc, &policy, seed)
                .unwrap_or_else(|e| panic!("{name} seed {seed}: {e}"));
            assert!(remote.requests > 0, "{name} seed {seed}: no HTTP request");
            let remote = serde_json::to_string_pretty(&remote.replay).unwrap();
            if local != remote {
                let line = local
                    .lines()
                    .zip(remote.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                panic!(
                    "{name} seed {seed}: HTTP replay differs at line {}:\n  in-process: {}\n  http:       {}",
                    line + 1,
                    local.lines().nth(line).unwrap_or(""),
                    remote.lines().nth(line).unwrap_or("")
                );
            }
            compared += 1;
        }
    }
    assert_eq!(compared, BUILTIN.len() * 4);
}

#[test]
fn the_http_replay_really_acts_through_the_fakes() {
    // A staged rollout syncs with its canary steps and promotes through
    // Argo Rollouts: the journal shows each canary weight it went through.
    let sc = friday_cascade();
    let policy = preset("staged", &sc).unwrap();
    let r = http_replay(&sc, &policy, sc.default_seed).unwrap();
    let texts: Vec<&str> = r
        .replay
        .timeline
        .iter()
        .map(|e| e.entry.text.as_str())
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("canary")),
        "no canary in {texts:#?}"
    );
    // More requests than control-plane calls: a pull request view is three
    // GitHub calls, an error ratio two PromQL queries.
    assert!(r.requests > r.replay.control_plane_calls);
}
