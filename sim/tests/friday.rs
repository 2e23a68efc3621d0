//! The Friday cascade over many seeds must come out as the story's
//! comparison table argues. These are properties of many-seed results of
//! the scenario file; nothing in the engine knows these numbers.

use gameday_sim::engine::sweep::sweep;
use gameday_sim::scenario::friday_cascade;
use gameday_sim::score::summary::Summary;
use gameday_sim::strategy::presets::{preset, BUILTIN};

const RUNS: u64 = 1000;

fn summaries() -> Vec<Summary> {
    let sc = friday_cascade();
    let policies: Vec<_> = BUILTIN.iter().map(|n| preset(n, &sc).unwrap()).collect();
    let scores = sweep(&sc, &policies, RUNS, 1, 0).unwrap();
    policies
        .iter()
        .zip(&scores)
        .map(|(p, s)| Summary::of(&p.name, s, 1))
        .collect()
}

fn get<'a>(all: &'a [Summary], name: &str) -> &'a Summary {
    all.iter().find(|s| s.name == name).unwrap()
}

#[test]
fn friday_comparison_matches_the_story() {
    let all = summaries();
    let report: String = all
        .iter()
        .map(|s| {
            format!(
                "{:<13} mttr {:>7.0}s  resolve {:>7.0}s  regress {:>5.3}  blast {:>8.1}  hotfixes {:.2}\n",
                s.name,
                s.mttr_seconds.map(|m| m.mean).unwrap_or(f64::NAN),
                s.time_to_resolve_seconds.map(|m| m.mean).unwrap_or(f64::NAN),
                s.regression_rate,
                s.regression_blast_radius.map(|m| m.mean).unwrap_or(f64::NAN),
                s.hotfixes_mean,
            )
        })
        .collect();
    eprintln!("{report}");
    for s in &all {
        assert!(
            s.applicable,
            "{} should apply to the Friday cascade\n{report}",
            s.name
        );
        assert_eq!(s.applicable_runs as u64, RUNS);
    }
    let mttr = |n: &str| get(&all, n).mttr_seconds.unwrap();
    let flag = get(&all, "flag-disable");

    // Flag disable restores service fastest: its whole MTTR confidence
    // interval sits below every other strategy's mean, and its median is
    // the lowest.
    for other in BUILTIN.iter().filter(|n| **n != "flag-disable") {
        assert!(
            mttr("flag-disable").ci95[1] < mttr(other).mean,
            "flag-disable vs {other}\n{report}"
        );
        assert!(
            mttr("flag-disable").p50 < mttr(other).p50,
            "{other}\n{report}"
        );
    }
    // ... with (next to) no regressions.
    assert!(flag.regression_rate < 0.05, "{report}");

    // Direct has the highest regression rate.
    let direct = get(&all, "direct").regression_rate;
    for other in BUILTIN.iter().filter(|n| **n != "direct") {
        assert!(
            direct > get(&all, other).regression_rate,
            "direct vs {other}\n{report}"
        );
    }

    // Staged has the smallest regression blast radius of the strategies that
    // ship code under pressure, and blue-green sits between it and direct.
    let blast = |n: &str| get(&all, n).regression_blast_radius.unwrap().mean;
    for other in ["direct", "reviewed", "blue-green"] {
        assert!(
            blast("staged") < blast(other),
            "staged vs {other}\n{report}"
        );
    }
    assert!(blast("blue-green") < blast("direct"), "{report}");
    let rate = |n: &str| get(&all, n).regression_rate;
    assert!(
        rate("staged") < rate("blue-green") && rate("blue-green") < rate("direct"),
        "{report}"
    );

    // ... but staged is the slowest to roll out in full.
    let resolve = |n: &str| get(&all, n).time_to_resolve_seconds.unwrap().mean;
    for other in BUILTIN.iter().filter(|n| **n != "staged") {
        assert!(
            resolve("staged") > resolve(other),
            "staged vs {other}\n{report}"
        );
    }
}

/// Every run is counted: over 1,000 seeds, every strategy of the Friday
/// scenario (the built-ins and the file's own policies) applies, and every
/// one of its replays ends in an outcome the statistics count. A replay
/// that broke mid-response (`failed`) or turned "not applicable" after the
/// team had acted would fall out of the statistics; here there are none.
#[test]
fn every_friday_replay_is_counted() {
    use gameday_sim::score::Outcome;
    let sc = friday_cascade();
    let policies: Vec<_> = BUILTIN
        .iter()
        .map(|n| preset(n, &sc).unwrap())
        .chain(sc.policies.iter().cloned())
        .collect();
    assert!(
        policies.len() > BUILTIN.len(),
        "the file has its own policies"
    );
    let scores = sweep(&sc, &policies, RUNS, 1, 0).unwrap();
    for (p, scores) in policies.iter().zip(&scores) {
        assert_eq!(scores.len() as u64, RUNS, "{}", p.name);
        let lost: Vec<String> = scores
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.outcome.counted())
            .map(|(i, s)| format!("seed {}: {:?}", i + 1, s.outcome))
            .take(5)
            .collect();
        assert!(lost.is_empty(), "{} drops replays: {lost:?}", p.name);
        let summary = Summary::of(&p.name, scores, 1);
        assert_eq!(summary.applicable_runs as u64, RUNS, "{}", p.name);
        // The outcome and the MTTR never disagree.
        for s in scores {
            assert_eq!(s.mttr.is_some(), s.outcome == Outcome::Restored);
        }
    }
}

/// The default seed tells the story in a typical way, not a tail: on it
/// the direct hotfix breaks login, then its fix breaks email, and direct,
/// flag-disable and rollback each restore service within the middle half
/// (25th to 75th percentile) of their 1,000-seed MTTRs. A property of the
/// scenario file's `seed:`, which the README's excerpt and tour show.
#[test]
fn the_default_seed_is_a_typical_world() {
    use gameday_sim::engine::replay;
    use gameday_sim::score::summary::{mttr_seconds, quantile};
    let sc = friday_cascade();
    let names = ["direct", "flag-disable", "rollback"];
    let policies: Vec<_> = names.iter().map(|n| preset(n, &sc).unwrap()).collect();
    let scores = sweep(&sc, &policies, RUNS, 1, 0).unwrap();
    for (p, scores) in policies.iter().zip(&scores) {
        let mut all: Vec<f64> = scores.iter().filter_map(mttr_seconds).collect();
        all.sort_by(f64::total_cmp);
        let (p25, p75) = (quantile(&all, 0.25), quantile(&all, 0.75));
        let r = replay(&sc, p, sc.default_seed);
        let mttr = r
            .score
            .mttr
            .expect("restored on the default seed")
            .as_secs_f64();
        assert!(
            (p25..=p75).contains(&mttr),
            "{} on seed {}: MTTR {mttr:.0}s outside the middle half {p25:.0}-{p75:.0}s",
            p.name,
            sc.default_seed
        );
        if p.name == "direct" {
            let broke: Vec<(u32, &str)> = r
                .score
                .regressions
                .iter()
                .map(|g| (g.pr, g.service.as_str()))
                .collect();
            assert_eq!(broke, [(1, "login"), (2, "email")], "the story");
        }
    }
}
