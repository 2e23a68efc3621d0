//! Closed-form and mechanical tests of the engine on hand-built scenarios.

use super::*;
use crate::dist::DurationDist;
use crate::prob::Ratio;
use crate::scenario::*;
use crate::strategy::presets::preset;
use crate::time::{SimDuration, WallClock};

fn fixed(s: u64) -> DurationDist {
    DurationDist::fixed(SimDuration::from_secs(s))
}

fn r(x: f64) -> Ratio {
    Ratio::new(x).unwrap()
}

/// One service that crashes at t=0; every duration fixed; the fix always
/// cures and never carries a bug.
pub(crate) fn one_service() -> Scenario {
    Scenario {
        name: "one".into(),
        description: String::new(),
        clock: WallClock::new("2026-11-20T16:47:00".parse().unwrap()),
        horizon: SimDuration::from_mins(8 * 60),
        scrape_interval: SimDuration::from_secs(15),
        stability_window: SimDuration::from_mins(15),
        services: vec![Service {
            name: "api".into(),
            rps: 100.0,
            baseline_error: r(0.0),
            value_per_request: 1.0,
            slo: r(0.999),
            slo_window: SimDuration::from_mins(30 * 24 * 60),
            version: "v2".into(),
            previous_version: "v1".into(),
        }],
        libraries: vec![],
        dependencies: vec![],
        topo_order: vec![ServiceId(0)],
        flags: vec![],
        faults: vec![Fault {
            name: "crash".into(),
            onset: SimTime::START,
            service: ServiceId(0),
            path: None,
            effect: Effect::Crash,
            guarded_by: None,
            origin: FaultOrigin::LastRelease,
            irreversible: false,
            fix_touches: vec![Component::Service(ServiceId(0))],
            calm_fix_touches: vec![Component::Service(ServiceId(0))],
        }],
        team: Team {
            alert: AlertRule {
                name: "HighErrorRatio".into(),
                window: SimDuration::from_mins(5),
                threshold: r(0.05),
                for_duration: SimDuration::ZERO,
            },
            acknowledge: fixed(60),
            diagnose: fixed(120),
            write_fix: fixed(300),
            review: fixed(600),
            ci_fast: fixed(240),
            ci_full: fixed(1500),
            deploy: fixed(90),
            rollback: fixed(180),
            traffic_switch: fixed(20),
            smoke_test: fixed(300),
            canary_bake: fixed(600),
            flag_propagation: fixed(10),
        },
        risk: ChangeRisk {
            fix_cures: r(1.0),
            review_catch: r(0.0),
            fast_ci_catch: r(0.0),
            full_ci_catch: r(0.0),
            smoke_catch: r(0.0),
            components: vec![],
        },
        policies: vec![],
        default_seed: 1,
    }
}

#[test]
fn direct_mttr_is_the_sum_of_its_stages() {
    let sc = one_service();
    let policy = preset("direct", &sc).unwrap();
    for seed in 0..5 {
        let r = replay(&sc, &policy, seed);
        let s = &r.score;
        // Crash at 0, first scrape at 15s fires (for = 0): detect 15s; then
        // ack 60 + diagnose 120 + write 300 + CI 240 + deploy 90.
        assert_eq!(
            s.time_to_detect,
            Some(SimDuration::from_secs(15)),
            "seed {seed}"
        );
        assert_eq!(s.time_to_acknowledge, Some(SimDuration::from_secs(60)));
        let expected = SimDuration::from_secs(15 + 60 + 120 + 300 + 240 + 90);
        assert_eq!(s.mttr, Some(expected), "seed {seed}: {:#?}", r.timeline);
        assert_eq!(s.time_to_mitigate, Some(expected));
        assert_eq!(s.hotfixes, 1);
        assert!(s.regressions.is_empty());
        assert_eq!(s.failed_requests.total(), s.failed_requests.original_fault);
    }
}

#[test]
fn rollback_cures_a_fault_of_the_last_release_but_not_an_older_one() {
    let mut sc = one_service();
    let policy = preset("rollback", &sc).unwrap();
    let r1 = replay(&sc, &policy, 1);
    let expected = SimDuration::from_secs(15 + 60 + 120 + 180);
    assert_eq!(r1.score.mttr, Some(expected), "{:#?}", r1.timeline);
    assert_eq!(r1.score.hotfixes, 0);

    sc.faults[0].origin = FaultOrigin::Predates;
    let r2 = replay(&sc, &policy, 1);
    let mttr = r2.score.mttr.expect("the fallback hotfix restores service");
    assert!(mttr > expected, "{:#?}", r2.timeline);
    assert_eq!(r2.score.hotfixes, 1);
}

#[test]
fn flag_disable_is_not_applicable_without_a_flag() {
    let sc = one_service();
    let r = replay(&sc, &preset("flag-disable", &sc).unwrap(), 3);
    assert!(!r.score.applicable);
    assert!(matches!(
        r.score.outcome,
        crate::strategy::Outcome::NotApplicable(_)
    ));
}

#[test]
fn same_seed_same_bytes() {
    let sc = one_service();
    for name in crate::strategy::presets::BUILTIN {
        let p = preset(name, &sc).unwrap();
        let a = serde_json::to_string(&replay(&sc, &p, 42)).unwrap();
        let b = serde_json::to_string(&replay(&sc, &p, 42)).unwrap();
        assert_eq!(a, b, "{name}");
    }
}

#[test]
fn staged_and_blue_green_ship_through_their_rollouts() {
    let sc = one_service();
    let staged = replay(&sc, &preset("staged", &sc).unwrap(), 5);
    let stages = staged
        .timeline
        .iter()
        .filter(|e| e.kind == crate::world::journal::EntryKind::Stage)
        .count();
    assert_eq!(stages, 2, "1% -> 5% -> 25%: {:#?}", staged.timeline);
    assert!(staged.score.mttr.is_some());
    let bg = replay(&sc, &preset("blue-green", &sc).unwrap(), 5);
    assert!(bg
        .timeline
        .iter()
        .any(|e| e.kind == crate::world::journal::EntryKind::Switch));
    assert!(bg.score.mttr.is_some());
}
