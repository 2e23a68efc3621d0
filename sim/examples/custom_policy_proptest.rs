//! Property-test a policy of your own against random valid scenarios.
//!
//! ```sh
//! cargo run -p gameday-sim --example custom_policy_proptest --features testing
//! ```
//!
//! The policy: a reviewed, fully tested fix, a 10% canary with analysis,
//! rolled back on a regression, and never more than one hotfix per
//! regression. The properties: it leaves nothing in flight, and it never
//! chains hotfixes on a regression. A failing case prints as a scenario
//! file you can replay with `gameday run case.yaml --strategy ... --seed ...`.

use gameday_sim::engine;
use gameday_sim::prob::Ratio;
use gameday_sim::strategy::{Analysis, CiLane, Policy, Reaction, Rollout, Stage, Step};
use gameday_sim::testing;
use gameday_sim::time::SimDuration;
use gameday_sim::world::code::Target;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn careful_canary() -> Policy {
    let stage = |w: f64| Stage {
        weight: Ratio::new(w).expect("a share"),
        bake: None,
    };
    Policy {
        name: "careful-canary".into(),
        description: "reviewed fix, full CI, 10% canary with analysis".into(),
        steps: vec![
            Step::Diagnose,
            Step::WriteFix,
            Step::Review,
            Step::Ci(CiLane::Full),
            Step::Deploy(Rollout {
                stages: vec![stage(0.1), stage(1.0)],
                analysis: Some(Analysis {
                    // At least the scrape interval of any generated scenario.
                    interval: SimDuration::from_secs(60),
                    failure_limit: 1,
                    max_error_ratio: Ratio::new(0.02).expect("a ratio"),
                    max_ratio_to_baseline: 2.0,
                    min_requests: 20,
                }),
            }),
        ],
        on_regression: Reaction::Rollback,
        on_not_cured: Reaction::Repeat,
        max_hotfixes: None,
        max_hotfixes_per_regression: Some(1),
    }
}

fn main() {
    let policy = careful_canary();
    let config = Config {
        cases: 200,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(
        &(testing::scenario_specs(), testing::seeds()),
        |(spec, seed)| {
            let sc = spec.scenario();
            let (world, _, _) = engine::replay_world(&sc, &policy, seed);
            prop_assert!(world.in_flight().is_empty(), "{:?}", world.in_flight());
            for (i, change) in world.changes().iter().enumerate() {
                let Some(Target::Defect(bug)) = change.target else {
                    continue;
                };
                let shipped = world
                    .deployments()
                    .iter()
                    .filter(|d| d.reached_traffic)
                    .filter(|d| {
                        world.changes()[d.change.index()].target == Some(Target::Defect(bug))
                    })
                    .count();
                prop_assert!(
                    shipped <= 1,
                    "PR #{}: {shipped} hotfixes for one regression",
                    i + 1
                );
            }
            Ok(())
        },
    );
    match result {
        Ok(()) => println!("careful-canary: 200 random scenarios, every property held"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
