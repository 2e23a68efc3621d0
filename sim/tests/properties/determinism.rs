//! The same seed gives the same result: replayed twice, traced or not, in
//! a sweep on one thread or two, and whatever the order strategies are
//! compared in.

use gameday_sim::engine::{self, sweep::sweep};
use gameday_sim::strategy::presets::preset;
use gameday_sim::testing::{cases, traced_replay};
use proptest::prelude::*;

use crate::{check, CASES};

#[test]
fn should_replay_a_seed_identically() {
    check(file!(), CASES, CASES, cases(), |case| {
        let sc = case.scenario();
        let policy = case.policy(&sc);
        let json = |r: &engine::Replay| serde_json::to_string(r).expect("serializes");
        let a = engine::replay(&sc, &policy, case.seed);
        let b = engine::replay(&sc, &policy, case.seed);
        prop_assert_eq!(json(&a), json(&b));
        // Recording a trace observes without disturbing.
        let (_, traced) = traced_replay(&sc, &policy, case.seed);
        prop_assert_eq!(&traced, &a.score);
        Ok(true)
    });
}

/// Sweeps are costlier (a thread pool each), so fewer cases, each with two
/// seeds and three strategies.
#[test]
fn should_sweep_identically_serial_parallel_and_in_any_order() {
    check(file!(), CASES / 4, CASES / 4, cases(), |case| {
        let sc = case.scenario();
        let policies = vec![
            case.policy(&sc),
            preset("direct", &sc).expect("preset"),
            preset("staged", &sc).expect("preset"),
        ];
        let serial = sweep(&sc, &policies, 2, case.seed, 1).expect("pool");
        let parallel = sweep(&sc, &policies, 2, case.seed, 2).expect("pool");
        prop_assert_eq!(&serial, &parallel);
        let reversed: Vec<_> = policies.iter().rev().cloned().collect();
        let mut back = sweep(&sc, &reversed, 2, case.seed, 2).expect("pool");
        back.reverse();
        prop_assert_eq!(&serial, &back);
        Ok(true)
    });
}
