//! Every format says what its numbers cover: a failed replay is left out
//! of the measures but counted and listed with the command that replays
//! it, and JUnit errs the strategy's test case; an MTTR at the horizon is
//! printed as a lower bound.

use gameday_reports::budget::{judge_compare, Budgets};
use gameday_reports::wire::{CompareReport, Origin, Sweep};
use gameday_reports::{html, json, junit, markdown, table};
use gameday_sim::engine::sweep::sweep;
use gameday_sim::scenario::friday_cascade;
use gameday_sim::score::{Outcome, Score};
use gameday_sim::strategy::presets::preset;

const NAMES: [&str; 2] = ["direct", "rollback"];
const RUNS: u64 = 20;

fn scores() -> Vec<Vec<Score>> {
    scores_of(RUNS)
}

fn scores_of(runs: u64) -> Vec<Vec<Score>> {
    let sc = friday_cascade();
    let policies: Vec<_> = NAMES.iter().map(|n| preset(n, &sc).unwrap()).collect();
    sweep(&sc, &policies, runs, 1, 1).unwrap()
}

fn report(scores: &[Vec<Score>]) -> CompareReport {
    let sc = friday_cascade();
    let sweep = Sweep {
        scenario: &sc,
        names: &NAMES,
        scores,
        runs: scores[0].len() as u64,
        base_seed: 1,
    };
    CompareReport::build(&sweep, Origin::embedded("0.1.0"), None).unwrap()
}

/// The sweep with rollback's replay on seed 5 (index 4) turned into a
/// failed one that took 7 hours.
fn with_a_failed_replay() -> (CompareReport, CompareReport) {
    let clean = scores();
    let mut broken = clean.clone();
    let s = &mut broken[1][4];
    s.outcome = Outcome::Failed("control plane refused a request: no such PR".into());
    s.mttr = Some(gameday_sim::time::SimDuration::from_mins(420));
    (report(&clean), report(&broken))
}

fn all_formats(r: &CompareReport) -> Vec<(&'static str, String)> {
    let verdicts = judge_compare(r, &Budgets::default());
    let suite = junit::Suite {
        name: "gameday compare friday-cascade".into(),
        classname: "gameday.friday-cascade".into(),
        properties: vec![],
        budgets: &Budgets::default(),
    };
    vec![
        ("table", table::compare_table(r)),
        ("markdown", markdown::compare_markdown(r)),
        ("json", json::to_json(r).unwrap()),
        ("html", html::compare::compare_html(r).unwrap()),
        ("junit", junit::junit_xml(&suite, &verdicts)),
    ]
}

#[test]
fn should_keep_a_failed_replay_out_of_the_measures_and_list_it_everywhere() {
    let (clean, broken) = with_a_failed_replay();
    let before = &clean.strategy("rollback").unwrap().summary;
    let after = &broken.strategy("rollback").unwrap().summary;
    assert_eq!(after.runs, 20);
    assert_eq!(after.applicable_runs, 20);
    assert_eq!(after.counted_runs, 19);
    assert_eq!(after.outcomes.failed, 1);
    let m = after.mttr_seconds.unwrap();
    assert_eq!(m.stat.n, 19);
    // The mean is that of the other 19 replays, not dragged up by 7 hours.
    let others: Vec<f64> = scores()[1]
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 4)
        .filter_map(|(_, s)| gameday_sim::score::summary::mttr_seconds(s))
        .collect();
    let mean = others.iter().sum::<f64>() / others.len() as f64;
    assert!((m.stat.mean - mean).abs() < 1e-9);
    assert!(m.stat.mean < before.mttr_seconds.unwrap().stat.mean + 60.0);

    let command = "gameday run --strategy rollback --seed 5";
    for (format, text) in all_formats(&broken) {
        assert!(
            text.contains(command),
            "{format} lists the command:\n{text}"
        );
        assert!(text.contains("no such PR"), "{format} says why:\n{text}");
        // The header does not claim every replay was counted.
        assert!(!text.contains("every strategy counted"), "{format}");
    }
    let (_, table) = &all_formats(&broken)[0];
    assert!(
        table.contains("counted: rollback 19 of 20 (1 failed); the others all 20"),
        "{table}"
    );
    let (_, xml) = &all_formats(&broken)[4];
    assert!(xml.contains("failures=\"0\" errors=\"1\""), "{xml}");
    assert!(xml.contains("<error type=\"failed-replays\""), "{xml}");
    let (_, clean_xml) = &all_formats(&clean)[4];
    assert!(clean_xml.contains("errors=\"0\""), "{clean_xml}");
}

#[test]
fn should_mark_an_mttr_at_the_horizon_as_a_lower_bound_in_every_format() {
    let r = report(&scores());
    let direct = r.strategy("direct").unwrap().summary.mttr_seconds.unwrap();
    let rollback = r
        .strategy("rollback")
        .unwrap()
        .summary
        .mttr_seconds
        .unwrap();
    // On these seeds 3 of 20 direct replays are not restored in 8 hours,
    // so its p90 is the horizon; rollback restores every one.
    assert_eq!(direct.p90().value, 8.0 * 3600.0);
    assert!(direct.p90().lower_bound && direct.mean().lower_bound);
    assert!(!rollback.p90().lower_bound && !rollback.mean().lower_bound);
    for (format, text) in all_formats(&r) {
        if format == "json" {
            assert!(text.contains("\"lower_bound\": {"), "{text}");
            continue;
        }
        if format == "junit" {
            continue;
        }
        assert!(text.contains("≥ 480.0"), "{format}:\n{text}");
        assert!(
            !text.contains("| 480.0 |") && !text.contains(">480.0<"),
            "{format}"
        );
    }
}

#[test]
fn should_mark_a_p90_interpolated_towards_an_unrestored_replay() {
    // 10 seeds, 1 direct replay not restored: the p90 (type 7, rank 8.1)
    // lies between the largest restored MTTR and the horizon, and the true
    // value is higher still, so it is a lower bound below the horizon.
    let r = report(&scores_of(10));
    let direct = r.strategy("direct").unwrap().summary.mttr_seconds.unwrap();
    assert_eq!(direct.censored, 1);
    assert!(direct.p90().value < 8.0 * 3600.0);
    assert!(direct.p90().lower_bound);
    let text = table::compare_table(&r);
    let shown = gameday_reports::cover::bounded_minutes(direct.p90());
    assert!(shown.starts_with("≥ "), "{shown}");
    assert!(text.contains(&shown), "{text}");
    // With 11 seeds (rank 9.0, one not restored) the p90 is a restored
    // replay's MTTR: exact, unmarked.
    let r = report(&scores_of(11));
    let direct = r.strategy("direct").unwrap().summary.mttr_seconds.unwrap();
    assert_eq!(direct.censored, 1);
    assert!(!direct.p90().lower_bound);
    assert!(direct.mean().lower_bound);
}

#[test]
fn should_name_every_failed_replay_even_beyond_the_listed_commands() {
    let mut broken = scores();
    for s in broken[0].iter_mut().take(13) {
        s.outcome = Outcome::Failed("refused".into());
    }
    let r = report(&broken);
    assert_eq!(r.strategy("direct").unwrap().failed_replays.len(), 13);
    let text = markdown::compare_markdown(&r);
    for seed in 1..=10 {
        let command = format!("`gameday run --strategy direct --seed {seed}`");
        assert!(text.contains(&command), "{command}:\n{text}");
    }
    assert!(
        text.contains("3 more failed replays of direct, on seeds 11, 12, 13"),
        "{text}"
    );
    assert!(
        text.contains("Counted: direct 7 of 20 (13 failed)"),
        "{text}"
    );
}

#[test]
fn should_render_a_strategy_whose_every_replay_failed() {
    let mut broken = scores();
    for s in broken[0].iter_mut() {
        s.outcome = Outcome::Failed("refused".into());
    }
    let r = report(&broken);
    let direct = &r.strategy("direct").unwrap().summary;
    assert!(direct.applicable);
    assert_eq!((direct.counted_runs, direct.outcomes.failed), (0, 20));
    assert_eq!(direct.mttr_seconds, None);
    // The baseline can only be the strategy with an MTTR.
    assert_eq!(r.baseline.as_ref().unwrap().name, "rollback");
    let vs = r
        .strategy("direct")
        .unwrap()
        .versus_baseline
        .as_ref()
        .unwrap();
    assert_eq!(vs.paired.pairs, 0);
    for (format, text) in all_formats(&r) {
        assert!(
            text.contains("gameday run --strategy direct --seed 10"),
            "{format}"
        );
    }
    let sc = friday_cascade();
    let sweep = Sweep {
        scenario: &sc,
        names: &NAMES,
        scores: &broken,
        runs: RUNS,
        base_seed: 1,
    };
    let e = CompareReport::build(&sweep, Origin::embedded("0.1.0"), Some("direct")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "--baseline `direct` has no counted replay with an impact to pair with (every replay failed) (hint: choose one of: rollback)"
    );
}

#[test]
fn should_leave_out_the_paired_section_when_there_is_nothing_to_pair() {
    let sc = friday_cascade();
    let policies = vec![preset("rollback", &sc).unwrap()];
    let scores = sweep(&sc, &policies, 4, 1, 1).unwrap();
    let sweep = Sweep {
        scenario: &sc,
        names: &["rollback"],
        scores: &scores,
        runs: 4,
        base_seed: 1,
    };
    let r = CompareReport::build(&sweep, Origin::embedded("0.1.0"), None).unwrap();
    assert_eq!(r.baseline.as_ref().unwrap().name, "rollback");
    assert!(!table::compare_table(&r).contains("Against the baseline"));
}
