//! The built-in strategies, each a preset of [`Policy`]:
//!
//! | name | steps | on a regression |
//! |---|---|---|
//! | `direct` | diagnose, write fix, fast CI, deploy to 100% | another hotfix (the cascade) |
//! | `reviewed` | as `direct`, with a review | another hotfix |
//! | `flag-disable` | flag off, then a reviewed, fully tested fix rolled out in stages, flag back on | flag off again if a flag guards the bug, else roll the change back |
//! | `staged` | reviewed fix, full CI, canary 1% → 5% → 25% → 100% with analysis | roll the change back |
//! | `blue-green` | fast CI, deploy to the idle colour, smoke test, switch, watch | switch back, then roll back |
//! | `rollback` | revert to the last known good release; if that does not cure, a reviewed hotfix | roll the change back |

use super::policy::{
    Analysis, BlueGreen, CiLane, Condition, Policy, Reaction, Rollout, Stage, Step,
};
use crate::prob::Ratio;
use crate::scenario::Scenario;
use crate::time::SimDuration;

/// Names of the built-in strategies, in the order reports list them.
pub const BUILTIN: [&str; 6] = [
    "direct",
    "reviewed",
    "flag-disable",
    "staged",
    "blue-green",
    "rollback",
];

fn ratio(x: f64) -> Ratio {
    Ratio::clamped(x)
}

/// The canary rollout the staged presets use: 1% → 5% → 25% → 100%, each
/// stage baking for the team's `canary_bake`, with an analysis comparing the
/// canary's error ratio with the stable build's every minute.
pub fn canary_rollout() -> Rollout {
    canary_rollout_every(SimDuration::from_mins(1))
}

/// [`canary_rollout`] measuring every `interval`.
fn canary_rollout_every(interval: SimDuration) -> Rollout {
    Rollout {
        stages: [0.01, 0.05, 0.25, 1.0]
            .into_iter()
            .map(|w| Stage {
                weight: ratio(w),
                bake: None,
            })
            .collect(),
        analysis: Some(Analysis {
            interval,
            failure_limit: 1,
            max_error_ratio: ratio(0.01),
            max_ratio_to_baseline: 2.0,
            min_requests: 20,
        }),
    }
}

/// The built-in policy called `name`, if there is one.
pub fn preset(name: &str, scenario: &Scenario) -> Option<Policy> {
    // Measure at least once a scrape (shorter windows are often empty),
    // as validation requires of policies in files.
    let canary_rollout =
        || canary_rollout_every(SimDuration::from_mins(1).max(scenario.scrape_interval));
    let hotfix = |review: bool| {
        let mut steps = vec![Step::Diagnose, Step::WriteFix];
        if review {
            steps.push(Step::Review);
        }
        steps.push(Step::Ci(CiLane::Fast));
        steps.push(Step::Deploy(Rollout::all_at_once()));
        steps
    };
    let policy = match name {
        "direct" => Policy {
            name: name.into(),
            description: "write a fix, fast CI lane, deploy to 100%; hotfix again on a regression"
                .into(),
            steps: hotfix(false),
            on_regression: Reaction::Repeat,
            on_not_cured: Reaction::Repeat,
            max_hotfixes: None,
            max_hotfixes_per_regression: None,
        },
        "reviewed" => Policy {
            name: name.into(),
            description: "as direct, with a code review before merging".into(),
            steps: hotfix(true),
            on_regression: Reaction::Repeat,
            on_not_cured: Reaction::Repeat,
            max_hotfixes: None,
            max_hotfixes_per_regression: None,
        },
        "flag-disable" => Policy {
            name: name.into(),
            description:
                "turn the guarding flag off, then ship a reviewed, fully tested fix in stages and turn it back on"
                    .into(),
            steps: vec![
                Step::Diagnose,
                Step::FlagOff,
                Step::WriteFix,
                Step::Review,
                Step::Ci(CiLane::Full),
                Step::Deploy(canary_rollout()),
                Step::FlagOn,
            ],
            // A bug behind the flag (the fix's new code) is switched off
            // again in seconds; anything else is rolled back.
            on_regression: Reaction::Run(vec![Step::If {
                condition: Condition::FlagGuardsFault,
                then: vec![Step::FlagOff],
                otherwise: vec![Step::Rollback],
            }]),
            on_not_cured: Reaction::Repeat,
            max_hotfixes: None,
            max_hotfixes_per_regression: None,
        },
        "staged" => Policy {
            name: name.into(),
            description:
                "reviewed fix, full CI, canary 1% -> 5% -> 25% -> 100% with automatic rollback"
                    .into(),
            steps: vec![
                Step::Diagnose,
                Step::WriteFix,
                Step::Review,
                Step::Ci(CiLane::Full),
                Step::Deploy(canary_rollout()),
            ],
            on_regression: Reaction::Rollback,
            on_not_cured: Reaction::Repeat,
            max_hotfixes: None,
            max_hotfixes_per_regression: None,
        },
        "blue-green" => Policy {
            name: name.into(),
            description:
                "fast CI, deploy to the idle colour, smoke test, switch, switch back on failure"
                    .into(),
            steps: vec![
                Step::Diagnose,
                Step::WriteFix,
                Step::Ci(CiLane::Fast),
                Step::BlueGreen(BlueGreen {
                    smoke_test: true,
                    watch: SimDuration::from_mins(10),
                }),
            ],
            on_regression: Reaction::Rollback,
            on_not_cured: Reaction::Repeat,
            max_hotfixes: None,
            max_hotfixes_per_regression: None,
        },
        "rollback" => Policy {
            name: name.into(),
            description:
                "revert to the last known good release; if that does not cure, a reviewed hotfix"
                    .into(),
            steps: vec![
                Step::Diagnose,
                Step::Rollback,
                Step::Verify {
                    within: SimDuration::from_mins(15),
                },
            ],
            on_regression: Reaction::Rollback,
            on_not_cured: Reaction::Run(hotfix(true)[1..].to_vec()),
            max_hotfixes: None,
            max_hotfixes_per_regression: None,
        },
        _ => return None,
    };
    Some(policy)
}
