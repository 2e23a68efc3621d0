//! Random valid policies: a [`PolicySpec`] is a `policies:` entry of the
//! scenario file, so a failing case is a file `gameday run --strategy`
//! accepts.
//!
//! Most policies follow the shape of a response (diagnose, contain, write
//! a fix, review, CI, deliver, verify) with every part optional; some are
//! free lists of steps in any order, to exercise the runner on odd
//! policies. Shrinking drops steps, stages, analysis and reactions.

use std::fmt::Write as _;

use proptest::prelude::*;

use super::scenario::{dist, dist_spec, round6, DistSpec};

/// Name of generated policies in the scenario file.
pub const POLICY_NAME: &str = "generated";

/// A policy as written in the scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicySpec {
    pub name: String,
    pub steps: Vec<StepSpec>,
    /// `None`: the default (`repeat`).
    pub on_regression: Option<ReactionSpec>,
    pub on_not_cured: Option<ReactionSpec>,
    pub max_hotfixes: Option<u32>,
    pub max_hotfixes_per_regression: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepSpec {
    Diagnose,
    FlagOff,
    FlagOn,
    Rollback,
    WriteFix,
    Review,
    /// `ci: full` when true, `ci: fast` when false.
    Ci {
        full: bool,
    },
    Deploy(RolloutSpec),
    BlueGreen {
        smoke_test: bool,
        watch_secs: Option<u64>,
    },
    Verify {
        secs: u64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct RolloutSpec {
    /// Increasing weights; the last is 1.0.
    pub stages: Vec<StageSpec>,
    pub analysis: Option<AnalysisSpec>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StageSpec {
    pub weight: f64,
    pub bake: Option<DistSpec>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisSpec {
    pub interval_secs: u64,
    pub failure_limit: u32,
    pub max_error_ratio: f64,
    pub max_ratio_to_baseline: f64,
    pub min_requests: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ReactionSpec {
    Repeat,
    Rollback,
    Stop,
    Run(Vec<StepSpec>),
}

impl PolicySpec {
    /// Appends this policy as an item of a `policies:` list.
    pub fn write_yaml(&self, w: &mut String) {
        let _ = writeln!(w, "  - name: \"{}\"", self.name);
        let _ = writeln!(w, "    steps:");
        write_steps(w, &self.steps, "      ");
        for (key, r) in [
            ("on_regression", &self.on_regression),
            ("on_not_cured", &self.on_not_cured),
        ] {
            match r {
                None => {}
                Some(ReactionSpec::Repeat) => {
                    let _ = writeln!(w, "    {key}: repeat");
                }
                Some(ReactionSpec::Rollback) => {
                    let _ = writeln!(w, "    {key}: rollback");
                }
                Some(ReactionSpec::Stop) => {
                    let _ = writeln!(w, "    {key}: stop");
                }
                Some(ReactionSpec::Run(steps)) => {
                    let _ = writeln!(w, "    {key}:");
                    let _ = writeln!(w, "      run:");
                    write_steps(w, steps, "        ");
                }
            }
        }
        if let Some(m) = self.max_hotfixes {
            let _ = writeln!(w, "    max_hotfixes: {m}");
        }
        if let Some(m) = self.max_hotfixes_per_regression {
            let _ = writeln!(w, "    max_hotfixes_per_regression: {m}");
        }
    }

    /// Raises every analysis interval to at least `scrape_secs`, as
    /// validation requires of a scenario scraping that often.
    pub fn fit_to_scrape(&mut self, scrape_secs: u64) {
        let reactions = [&mut self.on_regression, &mut self.on_not_cured];
        let extra = reactions.into_iter().flat_map(|r| match r {
            Some(ReactionSpec::Run(steps)) => steps.iter_mut().collect::<Vec<_>>(),
            _ => Vec::new(),
        });
        for step in self.steps.iter_mut().chain(extra) {
            if let StepSpec::Deploy(RolloutSpec {
                analysis: Some(a), ..
            }) = step
            {
                a.interval_secs = a.interval_secs.max(scrape_secs);
            }
        }
    }

    /// Every rollout the policy can use, in steps and reactions.
    pub fn rollouts(&self) -> Vec<&RolloutSpec> {
        let reactions = [&self.on_regression, &self.on_not_cured];
        let extra = reactions.into_iter().flat_map(|r| match r {
            Some(ReactionSpec::Run(steps)) => steps.iter().collect::<Vec<_>>(),
            _ => Vec::new(),
        });
        self.steps
            .iter()
            .chain(extra)
            .filter_map(|s| match s {
                StepSpec::Deploy(r) => Some(r),
                _ => None,
            })
            .collect()
    }
}

fn write_steps(w: &mut String, steps: &[StepSpec], indent: &str) {
    for s in steps {
        let _ = match s {
            StepSpec::Diagnose => writeln!(w, "{indent}- diagnose"),
            StepSpec::FlagOff => writeln!(w, "{indent}- flag_off"),
            StepSpec::FlagOn => writeln!(w, "{indent}- flag_on"),
            StepSpec::Rollback => writeln!(w, "{indent}- rollback"),
            StepSpec::WriteFix => writeln!(w, "{indent}- write_fix"),
            StepSpec::Review => writeln!(w, "{indent}- review"),
            StepSpec::Ci { full } => {
                writeln!(w, "{indent}- ci: {}", if *full { "full" } else { "fast" })
            }
            StepSpec::Verify { secs } => writeln!(w, "{indent}- verify: {secs}s"),
            StepSpec::BlueGreen {
                smoke_test,
                watch_secs,
            } => {
                let watch = watch_secs
                    .map(|s| format!(", watch: {s}s"))
                    .unwrap_or_default();
                writeln!(
                    w,
                    "{indent}- blue_green: {{ smoke_test: {smoke_test}{watch} }}"
                )
            }
            StepSpec::Deploy(r) => {
                let _ = writeln!(w, "{indent}- deploy:");
                let _ = writeln!(w, "{indent}    stages:");
                for st in &r.stages {
                    let bake = st
                        .bake
                        .map(|d| format!(", bake: {}", dist(&d)))
                        .unwrap_or_default();
                    let _ = writeln!(w, "{indent}      - {{ weight: {}{bake} }}", st.weight);
                }
                match &r.analysis {
                    None => Ok(()),
                    Some(a) => writeln!(
                        w,
                        "{indent}    analysis: {{ interval: {}s, failure_limit: {}, max_error_ratio: {}, max_ratio_to_baseline: {}, min_requests: {} }}",
                        a.interval_secs,
                        a.failure_limit,
                        a.max_error_ratio,
                        a.max_ratio_to_baseline,
                        a.min_requests
                    ),
                }
            }
        };
    }
}

// ---------------------------------------------------------------------
// Strategies.

/// Canary analyses: interval 5s-5m, 0-3 failures tolerated, thresholds
/// from 0.1% to 50% and 1x-5x the stable build. Shrinks to a 5s interval,
/// no tolerance, the lowest thresholds.
pub fn analysis_spec() -> impl Strategy<Value = AnalysisSpec> {
    (5u64..=300, 0u32..=3, 1u32..=500, 10u32..=50, 0u64..=100).prop_map(
        |(interval_secs, failure_limit, ratio, baseline_tenths, min_requests)| AnalysisSpec {
            interval_secs,
            failure_limit,
            max_error_ratio: round6(ratio as f64 / 1000.0),
            max_ratio_to_baseline: round6(baseline_tenths as f64 / 10.0),
            min_requests,
        },
    )
}

/// Rollouts of 0-3 canary stages (1%-99%, increasing) then 100%, bakes
/// from the policy or the team's default, with or without analysis.
/// Shrinks to a plain deploy to 100%.
pub fn rollout_spec() -> impl Strategy<Value = RolloutSpec> {
    (
        proptest::collection::vec((1u32..=99, proptest::option::of(dist_spec(10, 900))), 0..=3),
        proptest::option::of(analysis_spec()),
    )
        .prop_map(|(mut canaries, analysis)| {
            canaries.sort_by_key(|c| c.0);
            canaries.dedup_by_key(|c| c.0);
            let mut stages: Vec<StageSpec> = canaries
                .into_iter()
                .map(|(pct, bake)| StageSpec {
                    weight: round6(pct as f64 / 100.0),
                    bake,
                })
                .collect();
            stages.push(StageSpec {
                weight: 1.0,
                bake: None,
            });
            RolloutSpec { stages, analysis }
        })
}

/// Any single step.
pub fn step_spec() -> impl Strategy<Value = StepSpec> {
    prop_oneof![
        Just(StepSpec::Diagnose),
        Just(StepSpec::WriteFix),
        Just(StepSpec::Review),
        any::<bool>().prop_map(|full| StepSpec::Ci { full }),
        rollout_spec().prop_map(StepSpec::Deploy),
        (any::<bool>(), proptest::option::of(60u64..=1800)).prop_map(|(smoke_test, watch_secs)| {
            StepSpec::BlueGreen {
                smoke_test,
                watch_secs,
            }
        }),
        Just(StepSpec::Rollback),
        Just(StepSpec::FlagOff),
        Just(StepSpec::FlagOn),
        (0u64..=1800).prop_map(|secs| StepSpec::Verify { secs }),
    ]
}

/// How a fix reaches production.
fn delivery() -> impl Strategy<Value = StepSpec> {
    prop_oneof![
        rollout_spec().prop_map(StepSpec::Deploy),
        (any::<bool>(), proptest::option::of(60u64..=1800)).prop_map(|(smoke_test, watch_secs)| {
            StepSpec::BlueGreen {
                smoke_test,
                watch_secs,
            }
        }),
    ]
}

/// Write a fix, maybe review it and run a CI lane, then deliver it.
fn fix_steps() -> impl Strategy<Value = Vec<StepSpec>> {
    (
        any::<bool>(),
        proptest::option::of(any::<bool>()),
        delivery(),
    )
        .prop_map(|(review, ci, deliver)| {
            let mut steps = vec![StepSpec::WriteFix];
            if review {
                steps.push(StepSpec::Review);
            }
            if let Some(full) = ci {
                steps.push(StepSpec::Ci { full });
            }
            steps.push(deliver);
            steps
        })
}

/// The shape of a response, every part optional.
fn shaped_steps() -> impl Strategy<Value = Vec<StepSpec>> {
    use proptest::bool::weighted;
    // Containment steps are the exception: a `flag_off` with no flag to
    // turn off makes the whole policy not applicable.
    (
        weighted(0.7),
        weighted(0.25),
        weighted(0.25),
        proptest::option::weighted(0.85, fix_steps()),
        weighted(0.25),
        proptest::option::of(0u64..=1800),
    )
        .prop_map(|(diagnose, flag_off, rollback, fix, flag_on, verify)| {
            let mut steps = Vec::new();
            if diagnose {
                steps.push(StepSpec::Diagnose);
            }
            if flag_off {
                steps.push(StepSpec::FlagOff);
            }
            if rollback {
                steps.push(StepSpec::Rollback);
            }
            steps.extend(fix.into_iter().flatten());
            if flag_on {
                steps.push(StepSpec::FlagOn);
            }
            if let Some(secs) = verify {
                steps.push(StepSpec::Verify { secs });
            }
            if steps.is_empty() {
                steps.push(StepSpec::Diagnose);
            }
            steps
        })
}

/// `repeat`, `rollback`, `stop` or `{run: [a fix]}`.
pub fn reaction_spec() -> impl Strategy<Value = ReactionSpec> {
    prop_oneof![
        Just(ReactionSpec::Repeat),
        Just(ReactionSpec::Rollback),
        Just(ReactionSpec::Stop),
        fix_steps().prop_map(ReactionSpec::Run),
    ]
}

/// Random valid policies named [`POLICY_NAME`]: mostly response-shaped,
/// sometimes a free list of 1-6 steps; any reactions and hotfix bounds.
pub fn policy_specs() -> impl Strategy<Value = PolicySpec> {
    let steps = prop_oneof![
        3 => shaped_steps(),
        1 => proptest::collection::vec(step_spec(), 1..=6),
    ];
    (
        steps,
        proptest::option::of(reaction_spec()),
        proptest::option::of(reaction_spec()),
        proptest::option::of(0u32..=4),
        proptest::option::of(0u32..=2),
    )
        .prop_map(|(steps, on_regression, on_not_cured, max, per)| {
            // Keep the per-regression bound within the overall one, as
            // validation requires.
            let per = match (per, max) {
                (Some(p), Some(m)) => Some(p.min(m)),
                (p, _) => p,
            };
            PolicySpec {
                name: POLICY_NAME.to_string(),
                steps,
                on_regression,
                on_not_cured,
                max_hotfixes: max,
                max_hotfixes_per_regression: per,
            }
        })
}
