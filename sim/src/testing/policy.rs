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
    Repair,
    /// `{if: CONDITION, then: [...], else: [...]}`.
    If {
        condition: &'static str,
        then: Vec<StepSpec>,
        otherwise: Vec<StepSpec>,
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
        fn fit(steps: &mut [StepSpec], scrape_secs: u64) {
            for step in steps {
                match step {
                    StepSpec::Deploy(RolloutSpec {
                        analysis: Some(a), ..
                    }) => a.interval_secs = a.interval_secs.max(scrape_secs),
                    StepSpec::If {
                        then, otherwise, ..
                    } => {
                        fit(then, scrape_secs);
                        fit(otherwise, scrape_secs);
                    }
                    _ => {}
                }
            }
        }
        fit(&mut self.steps, scrape_secs);
        for r in [&mut self.on_regression, &mut self.on_not_cured] {
            if let Some(ReactionSpec::Run(steps)) = r {
                fit(steps, scrape_secs);
            }
        }
    }

    /// Every rollout the policy can use, in steps, branches and reactions.
    pub fn rollouts(&self) -> Vec<&RolloutSpec> {
        fn collect<'a>(steps: &'a [StepSpec], out: &mut Vec<&'a RolloutSpec>) {
            for s in steps {
                match s {
                    StepSpec::Deploy(r) => out.push(r),
                    StepSpec::If {
                        then, otherwise, ..
                    } => {
                        collect(then, out);
                        collect(otherwise, out);
                    }
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        collect(&self.steps, &mut out);
        for r in [&self.on_regression, &self.on_not_cured] {
            if let Some(ReactionSpec::Run(steps)) = r {
                collect(steps, &mut out);
            }
        }
        out
    }

    /// Turns a drawn policy into one that can make progress, as
    /// validation requires (see `Policy::stuck`): a fix is written before
    /// it is reviewed, tested or shipped, and shipped once written; a flag
    /// is turned on only after one was turned off; and the policy has some
    /// move at all.
    fn make_progress(&mut self) {
        normalize(&mut self.steps, false, false);
        if self.steps.is_empty() {
            self.steps.push(StepSpec::Diagnose);
        }
        for r in [&mut self.on_regression, &mut self.on_not_cured] {
            if let Some(ReactionSpec::Run(steps)) = r {
                normalize(steps, false, false);
                if steps.is_empty() {
                    steps.push(StepSpec::Rollback);
                }
            }
        }
        let lists = [
            Some(&self.steps),
            run_list(&self.on_regression),
            run_list(&self.on_not_cured),
        ];
        let rollback_reaction = [&self.on_regression, &self.on_not_cured]
            .iter()
            .any(|r| matches!(r, Some(ReactionSpec::Rollback)));
        let other_remedy = rollback_reaction
            || lists.iter().flatten().any(|l| {
                any_spec(l, &|s| {
                    matches!(s, StepSpec::FlagOff | StepSpec::Rollback | StepSpec::Repair)
                })
            });
        let ships = lists.iter().flatten().any(|l| {
            any_spec(l, &|s| {
                matches!(s, StepSpec::Deploy(_) | StepSpec::BlueGreen { .. })
            })
        });
        if !other_remedy && !ships {
            self.steps.push(StepSpec::WriteFix);
            self.steps.push(StepSpec::Deploy(RolloutSpec {
                stages: vec![StageSpec {
                    weight: 1.0,
                    bake: None,
                }],
                analysis: None,
            }));
        }
        if !other_remedy && self.max_hotfixes == Some(0) {
            self.max_hotfixes = Some(1);
            self.max_hotfixes_per_regression = self.max_hotfixes_per_regression.map(|p| p.min(1));
        }
    }
}

fn run_list(r: &Option<ReactionSpec>) -> Option<&Vec<StepSpec>> {
    match r {
        Some(ReactionSpec::Run(l)) => Some(l),
        _ => None,
    }
}

/// Whether any step of `list`, in branches too, satisfies `f`.
fn any_spec(list: &[StepSpec], f: &dyn Fn(&StepSpec) -> bool) -> bool {
    list.iter().any(|s| match s {
        StepSpec::If {
            then, otherwise, ..
        } => any_spec(then, f) || any_spec(otherwise, f),
        other => f(other),
    })
}

/// The list-order part of [`PolicySpec::make_progress`], for one list and
/// its branches; `wrote`/`flagged`: what came before in enclosing lists.
fn normalize(steps: &mut Vec<StepSpec>, wrote: bool, flagged: bool) {
    let mut wrote = wrote;
    let mut flagged = flagged;
    let mut out = Vec::with_capacity(steps.len() + 2);
    for mut s in std::mem::take(steps) {
        match &mut s {
            StepSpec::WriteFix => wrote = true,
            StepSpec::Review
            | StepSpec::Ci { .. }
            | StepSpec::Deploy(_)
            | StepSpec::BlueGreen { .. }
                if !wrote =>
            {
                out.push(StepSpec::WriteFix);
                wrote = true;
            }
            StepSpec::FlagOff => flagged = true,
            StepSpec::FlagOn if !flagged => continue,
            StepSpec::If {
                then, otherwise, ..
            } => {
                normalize(then, wrote, flagged);
                normalize(otherwise, wrote, flagged);
                if then.is_empty() {
                    then.push(StepSpec::Rollback);
                }
                wrote |= any_spec(then, &|s| *s == StepSpec::WriteFix)
                    || any_spec(otherwise, &|s| *s == StepSpec::WriteFix);
                flagged |= any_spec(then, &|s| *s == StepSpec::FlagOff)
                    || any_spec(otherwise, &|s| *s == StepSpec::FlagOff);
            }
            _ => {}
        }
        out.push(s);
    }
    // Every fix written is shipped later in the same list.
    let last_fix = out.iter().rposition(|s| *s == StepSpec::WriteFix);
    if let Some(i) = last_fix {
        let shipped = any_spec(&out[i + 1..], &|s| {
            matches!(s, StepSpec::Deploy(_) | StepSpec::BlueGreen { .. })
        });
        if !shipped {
            out.push(StepSpec::Deploy(RolloutSpec {
                stages: vec![StageSpec {
                    weight: 1.0,
                    bake: None,
                }],
                analysis: None,
            }));
        }
    }
    *steps = out;
}

fn write_steps(w: &mut String, steps: &[StepSpec], indent: &str) {
    for s in steps {
        let _ = match s {
            StepSpec::Repair => writeln!(w, "{indent}- repair"),
            StepSpec::If {
                condition,
                then,
                otherwise,
            } => {
                let _ = writeln!(w, "{indent}- if: {condition}");
                let _ = writeln!(w, "{indent}  then:");
                write_steps(w, then, &format!("{indent}    "));
                if !otherwise.is_empty() {
                    let _ = writeln!(w, "{indent}  else:");
                    write_steps(w, otherwise, &format!("{indent}    "));
                }
                Ok(())
            }
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
        Just(StepSpec::Repair),
    ]
}

/// The conditions a scenario file can test.
const CONDITIONS: [&str; 3] = [
    "flag_guards_fault",
    "fault_came_with_last_release",
    "culprit_is_regression",
];

/// A conditional containment: the runbook's "flag if a flag covers it,
/// else rollback if the last release brought it, else..." in pieces.
fn conditional_spec() -> impl Strategy<Value = StepSpec> {
    let arm = prop_oneof![
        Just(vec![StepSpec::FlagOff]),
        Just(vec![StepSpec::Rollback]),
        fix_steps(),
        Just(Vec::new()),
    ];
    (0usize..CONDITIONS.len(), arm.clone(), arm).prop_map(|(c, then, otherwise)| StepSpec::If {
        condition: CONDITIONS[c],
        then,
        otherwise,
    })
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
        proptest::option::weighted(0.2, conditional_spec()),
    )
        .prop_map(
            |(diagnose, flag_off, rollback, fix, flag_on, verify, conditional)| {
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
                steps.extend(conditional);
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
            },
        )
}

/// `repeat`, `rollback`, `stop`, `{run: [a fix]}` or `{run: [a
/// conditional]}`.
pub fn reaction_spec() -> impl Strategy<Value = ReactionSpec> {
    prop_oneof![
        Just(ReactionSpec::Repeat),
        Just(ReactionSpec::Rollback),
        Just(ReactionSpec::Stop),
        fix_steps().prop_map(ReactionSpec::Run),
        conditional_spec().prop_map(|c| ReactionSpec::Run(vec![c])),
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
            let mut p = PolicySpec {
                name: POLICY_NAME.to_string(),
                steps,
                on_regression,
                on_not_cured,
                max_hotfixes: max,
                max_hotfixes_per_regression: per,
            };
            p.make_progress();
            p
        })
}
