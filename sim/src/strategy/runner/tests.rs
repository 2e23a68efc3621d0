//! The decision loop on hand-built scenarios with fixed durations: what
//! the team does, in what order, and what the journal and the score say.

use crate::engine::tests::{always_regresses, fixed, flagged, one_service, r, two_services};
use crate::engine::{replay, Replay};
use crate::scenario::{
    Component, Effect, FaultOrigin, LatentRisk, Library, LibraryId, Scenario, ServiceId,
};
use crate::score::Outcome;
use crate::strategy::presets::preset;
use crate::strategy::{CiLane, Condition, Policy, Reaction, Rollout, RunnerConfig, Step};
use crate::time::SimDuration;
use crate::world::journal::EntryKind;

fn texts(r: &Replay) -> Vec<&str> {
    r.timeline.iter().map(|e| e.entry.text.as_str()).collect()
}

fn policy(steps: Vec<Step>) -> Policy {
    Policy {
        name: "test".into(),
        description: String::new(),
        steps,
        on_regression: Reaction::Rollback,
        on_not_cured: Reaction::Rollback,
        max_hotfixes: None,
        max_hotfixes_per_regression: None,
    }
}

/// The hotfix runbook's order as a policy: the flag if one guards the
/// culprit, else a rollback if the culprit came with the last release,
/// else the hotfix lane.
fn runbook() -> Policy {
    let hotfix = vec![
        Step::WriteFix,
        Step::Ci(CiLane::Fast),
        Step::Deploy(Rollout::all_at_once()),
    ];
    policy(vec![
        Step::Diagnose,
        Step::If {
            condition: Condition::FlagGuardsFault,
            then: vec![Step::FlagOff],
            otherwise: vec![Step::If {
                condition: Condition::FaultCameWithLastRelease,
                then: vec![Step::Rollback],
                otherwise: hotfix,
            }],
        },
    ])
}

fn first_at(r: &Replay, part: &str) -> Option<u64> {
    r.timeline
        .iter()
        .find(|e| e.entry.text.contains(part))
        .map(|e| e.at_ms)
}

#[test]
fn a_flag_first_policy_contains_before_diagnosing_and_still_finds_the_cause() {
    let sc = flagged();
    let p = policy(vec![
        Step::FlagOff,
        Step::Diagnose,
        Step::WriteFix,
        Step::Ci(CiLane::Fast),
        Step::Deploy(Rollout::all_at_once()),
        Step::FlagOn,
    ]);
    let run = replay(&sc, &p, 1);
    let t = texts(&run);
    // Detected at 15s, acknowledged after 60s, the flag off at once (10s
    // to propagate): no diagnosis stands between the page and the flag.
    assert_eq!(
        run.score.mttr,
        Some(SimDuration::from_secs(15 + 60 + 10)),
        "{t:#?}"
    );
    let flag = first_at(&run, " turned off").expect("flag turned off");
    let diagnosed = first_at(&run, "diagnosed").expect("diagnosed");
    assert!(flag < diagnosed, "{t:#?}");
    // The diagnosis found the contained fault, and the fix went out for it.
    assert!(
        t.iter()
            .any(|l| l.starts_with("diagnosed api") && l.contains("crash")),
        "{t:#?}"
    );
    assert_eq!(run.score.hotfixes, 1, "{t:#?}");
    assert_eq!(run.score.flag_flips, 2, "off, then on once the fix is out");
    assert!(run.score.time_to_resolve.is_some(), "{t:#?}");
}

#[test]
fn conditional_steps_follow_what_the_team_knows() {
    // A flag guards the fault: the flag, nothing else.
    let sc = flagged();
    let run = replay(&sc, &runbook(), 1);
    assert_eq!(
        (
            run.score.flag_flips,
            run.score.rollbacks,
            run.score.hotfixes
        ),
        (1, 0, 0),
        "{:#?}",
        texts(&run)
    );
    // No flag, the fault came with the last release: a rollback.
    let sc = one_service();
    let run = replay(&sc, &runbook(), 1);
    assert_eq!(
        (
            run.score.flag_flips,
            run.score.rollbacks,
            run.score.hotfixes
        ),
        (0, 1, 0),
        "{:#?}",
        texts(&run)
    );
    assert_eq!(run.score.outcome, Outcome::Restored);
    // The fault predates the last release: the hotfix lane.
    let mut sc = one_service();
    sc.faults[0].origin = FaultOrigin::Predates;
    let run = replay(&sc, &runbook(), 1);
    assert_eq!(
        (
            run.score.flag_flips,
            run.score.rollbacks,
            run.score.hotfixes
        ),
        (0, 0, 1),
        "{:#?}",
        texts(&run)
    );
    assert_eq!(run.score.outcome, Outcome::Restored);
}

/// A scenario where every fix plants a crash in `api` that bites `delay`
/// after its build takes traffic.
fn regressing_after(delay: u64) -> Scenario {
    let mut sc = always_regresses(1.0);
    sc.risk.components[0].1[0].delay = fixed(delay);
    sc
}

#[test]
fn flag_disable_answers_a_regression_behind_its_flag_by_turning_it_off_again() {
    // The fix is written behind the flag, so its bug bites only when the
    // flag goes back on; flag-disable then turns the flag off again.
    let mut sc = flagged();
    sc.risk.components = vec![(
        Component::Service(ServiceId(0)),
        vec![LatentRisk {
            victim: ServiceId(0),
            host: ServiceId(0),
            probability: r(1.0),
            effect: Effect::Crash,
            delay: fixed(60),
        }],
    )];
    let run = replay(&sc, &preset("flag-disable", &sc).unwrap(), 1);
    let t = texts(&run);
    assert_eq!(run.score.regressions.len(), 1, "{t:#?}");
    assert_eq!(run.score.rollbacks, 0, "no redeploy for it: {t:#?}");
    assert_eq!(run.score.flag_flips, 3, "off, on, off again: {t:#?}");
    let flips: Vec<&&str> = t
        .iter()
        .filter(|l| l.starts_with("flag ") && l.contains(" turned "))
        .collect();
    assert!(flips.last().unwrap().contains("off"), "{flips:#?}");
    // The relapse after the flag went back on is counted, not hidden.
    assert!(run.score.relapses >= 1, "{t:#?}");
    assert!(run.score.failed_after_restore > 0);
}

#[test]
fn a_failure_after_restoration_counts_as_a_relapse() {
    // The fix restores service; its bug bites 30 minutes later, after the
    // 15-minute stability window, so MTTR ends before it.
    let sc = regressing_after(30 * 60);
    let mut p = preset("direct", &sc).unwrap();
    p.max_hotfixes = Some(1);
    let run = replay(&sc, &p, 1);
    let t = texts(&run);
    let mttr = run.score.mttr.expect("restored before the bug bites");
    assert!(mttr < SimDuration::from_mins(30), "{t:#?}");
    assert_eq!(run.score.relapses, 1, "{t:#?}");
    assert!(run.score.failed_after_restore > 0);
    assert_eq!(run.score.outcome, Outcome::Restored);
}

#[test]
fn a_bound_ends_the_response_with_one_journal_line_and_a_stopped_outcome() {
    let sc = always_regresses(1.0);
    let mut p = preset("direct", &sc).unwrap();
    p.max_hotfixes = Some(1);
    let run = replay(&sc, &p, 1);
    let stops: Vec<&str> = run
        .timeline
        .iter()
        .filter(|e| e.entry.kind == EntryKind::Stop)
        .map(|e| e.entry.text.as_str())
        .collect();
    assert_eq!(stops.len(), 1, "{:#?}", texts(&run));
    assert!(
        stops[0].starts_with("response stopped: api still failing"),
        "{stops:?}"
    );
    assert!(stops[0].contains("max_hotfixes"), "{stops:?}");
    assert!(
        matches!(run.score.outcome, Outcome::Stopped(ref why) if stops[0].ends_with(why.as_str()))
    );
    assert_eq!(run.score.mttr, None);
}

#[test]
fn a_fix_that_does_not_cure_is_journaled_and_answered_by_the_policy() {
    let mut sc = one_service();
    sc.risk.fix_cures = r(0.0);
    sc.faults[0].origin = FaultOrigin::Predates;
    let run = replay(&sc, &preset("direct", &sc).unwrap(), 1);
    let t = texts(&run);
    assert!(
        t.iter()
            .any(|l| l.contains("still fails requests after PR #1")
                && l.ends_with("the fix did not cure it")),
        "{t:#?}"
    );
    // `direct` repeats: a second fix follows the first.
    assert!(t.iter().any(|l| l.starts_with("opened PR #2")), "{t:#?}");
}

#[test]
fn not_applicable_is_decided_before_the_first_action_only() {
    // No flag: flag-disable cannot act at all.
    let sc = one_service();
    let run = replay(&sc, &preset("flag-disable", &sc).unwrap(), 1);
    assert!(matches!(run.score.outcome, Outcome::NotApplicable(_)));
    assert!(
        !run.timeline
            .iter()
            .any(|e| matches!(e.entry.kind, EntryKind::PullRequest | EntryKind::Flag)),
        "nothing was done"
    );
    // Once the team has acted, a `flag_off` with no flag to turn is skipped
    // (journaled), never a not-applicable replay: the regression of the
    // flagged fix sits on another service with no flag.
    let mut sc = flagged();
    sc.services.push(sc.services[0].clone());
    sc.services[1].name = "web".into();
    sc.topo_order.push(ServiceId(1));
    sc.libraries = vec![Library {
        name: "shared".into(),
        users: vec![ServiceId(0), ServiceId(1)],
    }];
    sc.risk.components = vec![(
        Component::Library(LibraryId(0)),
        vec![LatentRisk {
            victim: ServiceId(1),
            host: ServiceId(1),
            probability: r(1.0),
            effect: Effect::Crash,
            delay: fixed(60),
        }],
    )];
    sc.faults[0].fix_touches = vec![Component::Library(LibraryId(0))];
    sc.faults[0].calm_fix_touches = vec![Component::Library(LibraryId(0))];
    let mut p = policy(vec![
        Step::Diagnose,
        Step::FlagOff,
        Step::WriteFix,
        Step::Ci(CiLane::Fast),
        Step::Deploy(Rollout::all_at_once()),
        Step::FlagOn,
    ]);
    p.on_regression = Reaction::Run(vec![Step::FlagOff, Step::Rollback]);
    for seed in 0..5 {
        let run = replay(&sc, &p, seed);
        let t = texts(&run);
        assert!(!run.score.regressions.is_empty(), "seed {seed}: {t:#?}");
        assert!(
            t.iter()
                .any(|l| l.starts_with("no flag guards") && l.ends_with("flag_off skipped")),
            "seed {seed}: {t:#?}"
        );
        assert!(
            run.score.outcome.counted(),
            "seed {seed}: {:?}",
            run.score.outcome
        );
    }
}

#[test]
fn the_worst_impact_comes_first_and_the_fix_goes_where_the_cause_is() {
    // auth crashes (100%); api fails 90% of requests through auth. Both
    // page; the team works auth first and fixes auth, never api.
    let sc = two_services(0.9);
    let run = replay(&sc, &preset("direct", &sc).unwrap(), 1);
    let t = texts(&run);
    let acks = t.iter().filter(|l| l.starts_with("acknowledged")).count();
    assert_eq!(acks, 2, "both pages acknowledged: {t:#?}");
    let first = t.iter().find(|l| l.starts_with("diagnosed")).unwrap();
    assert!(
        first.starts_with("diagnosed auth: 100% of requests fail"),
        "{t:#?}"
    );
    let prs: Vec<&&str> = t.iter().filter(|l| l.starts_with("opened PR")).collect();
    assert_eq!(prs.len(), 1, "{t:#?}");
    assert!(prs[0].ends_with("(auth)"), "{prs:?}");
    assert_eq!(run.score.outcome, Outcome::Restored);
    // Asked about api, the diagnosis names api's symptom and its cause
    // upstream, once.
    let mut w = crate::world::World::new(&sc, 1);
    w.advance_to(crate::time::SimTime::START + SimDuration::from_mins(5))
        .unwrap();
    let d = w.diagnose("api").unwrap();
    assert_eq!(d.culprits.len(), 1, "{:?}", d.culprits);
    assert!(d.culprits[0].summary.contains("crash"), "{:?}", d.culprits);
}

#[test]
fn a_hotfix_that_does_not_cure_is_reverted_and_the_incident_starts_over() {
    // The runbook: revert a hotfix that did not cure, never chain another
    // on it; what follows is a new incident, worked from the top.
    let mut sc = one_service();
    sc.faults[0].origin = FaultOrigin::Predates;
    sc.risk.fix_cures = r(0.5);
    let mut saw = 0;
    for seed in 0..20 {
        let run = replay(&sc, &runbook(), seed);
        let t = texts(&run);
        if !t.iter().any(|l| l.ends_with("the fix did not cure it")) {
            continue;
        }
        saw += 1;
        let reverted = t
            .iter()
            .position(|l| l.starts_with("rollback started"))
            .expect("the hotfix is reverted");
        let again = t
            .iter()
            .position(|l| l.ends_with("was rolled back: a new incident"))
            .expect("then a new incident");
        let next_pr = t.iter().rposition(|l| l.starts_with("opened PR")).unwrap();
        assert!(reverted < again && again < next_pr, "seed {seed}: {t:#?}");
        assert!(run.score.outcome.counted(), "seed {seed}");
    }
    assert!(
        saw > 0,
        "no seed had a fix that did not cure: the test shows nothing"
    );
}

/// A runaway cascade: every fix regresses and `direct` answers every
/// regression with another hotfix, over five days; `bound` sets gameday's
/// own limits. The journal's texts and the score.
fn runaway(bound: impl FnOnce(&mut RunnerConfig)) -> (Vec<String>, crate::score::Score) {
    use crate::control::InProcess;
    use crate::strategy::crew::Crew;
    use crate::strategy::Runner;
    let mut sc = always_regresses(1.0);
    sc.horizon = SimDuration::from_mins(5 * 24 * 60);
    let policy = preset("direct", &sc).unwrap();
    let mut world = crate::world::World::new(&sc, 1);
    let ended = {
        let mut cp = InProcess::new(&mut world);
        let mut cfg = RunnerConfig::for_team(&sc.team, sc.stability_window);
        bound(&mut cfg);
        Runner::new(&mut cp, &sc, policy, Crew::new(1, &sc.team), cfg).run(sc.horizon)
    };
    let score = crate::engine::conclude(&mut world, ended);
    let texts = world
        .journal()
        .entries()
        .iter()
        .map(|e| e.text.clone())
        .collect();
    (texts, score)
}

#[test]
fn a_runaway_cascade_stops_at_gamedays_own_bound_on_pull_requests() {
    // The replay stops at the bound (5 here, 1,000 by default), says so,
    // and counts as stopped.
    let (texts, score) = runaway(|cfg| cfg.max_pull_requests = 5);
    let opened = texts.iter().filter(|t| t.starts_with("opened PR")).count();
    assert_eq!(opened, 5, "{texts:#?}");
    match &score.outcome {
        Outcome::Stopped(why) => {
            assert!(why.contains("limit reached: gameday's bound of 5"), "{why}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_response_that_never_ends_stops_at_gamedays_bound_on_turns() {
    // Bounded by turns instead: each turn is a plan for one target, so the
    // bound caps every kind of action.
    let (texts, score) = runaway(|cfg| cfg.max_turns = 3);
    let last_stop = texts
        .iter()
        .rev()
        .find(|t| t.starts_with("response stopped"));
    assert!(
        last_stop.is_some_and(|t| t.contains("bound of 3 turns")),
        "journaled: {last_stop:?}"
    );
    match &score.outcome {
        Outcome::Stopped(why) => assert!(why.contains("limit reached"), "{why}"),
        other => panic!("{other:?}"),
    }
}
