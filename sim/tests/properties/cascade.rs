//! Cascade bound: a policy with `max_hotfixes_per_regression: k` ships at
//! most `k` hotfixes for any one regression its changes caused; `1`
//! forbids chaining hotfixes on a regression, `0` answers none with one.

use gameday_sim::world::code::Target;
use proptest::prelude::*;

use crate::{check, risky_cases, CASES};

#[test]
fn should_ship_at_most_the_bound_of_hotfixes_per_regression() {
    check(
        file!(),
        CASES,
        25,
        (risky_cases(), 0u32..=1),
        |(mut case, k)| {
            let p = &mut case.spec.policies[0];
            p.max_hotfixes_per_regression = Some(k);
            if p.max_hotfixes.is_some_and(|m| m < k) {
                p.max_hotfixes = None;
            }
            let sc = case.scenario();
            let policy = case.policy(&sc);
            let (w, score, _) = gameday_sim::engine::replay_world(&sc, &policy, case.seed);
            let mut per_regression: Vec<(u32, u32)> = Vec::new();
            for d in w.deployments().iter().filter(|d| d.reached_traffic) {
                if let Some(Target::Defect(x)) = w.changes()[d.change.index()].target {
                    let key = x.index() as u32;
                    match per_regression.iter_mut().find(|e| e.0 == key) {
                        Some(e) => e.1 += 1,
                        None => per_regression.push((key, 1)),
                    }
                }
            }
            for (d, n) in per_regression {
                prop_assert!(
                n <= k,
                "{n} hotfixes shipped for one regression (defect {d}) with max_hotfixes_per_regression {k}"
            );
            }
            Ok(!score.regressions.is_empty())
        },
    );
}
