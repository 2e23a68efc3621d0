//! Declarative response policies: an ordered list of steps with reactions,
//! in the spirit of Argo Rollouts' canary steps.
//!
//! Built-in strategies (`direct`, `staged`, ...) are presets of this type
//! (see [`super::presets`]); users write their own in the scenario file and
//! compare them with the same machinery.

use serde::Serialize;

use crate::dist::DurationDist;
use crate::prob::Ratio;
use crate::time::SimDuration;

/// A named response policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    pub name: String,
    pub description: String,
    /// What the team does about each incident, in order.
    pub steps: Vec<Step>,
    /// When one of our own changes breaks something.
    pub on_regression: Reaction,
    /// When a shipped fix does not make the alert go away.
    pub on_not_cured: Reaction,
    /// Upper bound on hotfixes shipped in one replay, checked before each
    /// fix ships (a fix beyond it is closed unshipped and the team stops
    /// shipping); `None` is unbounded (the horizon still stops a runaway
    /// cascade).
    pub max_hotfixes: Option<u32>,
    /// Upper bound on hotfixes shipped for any one regression our own
    /// changes caused (fixes targeting it, reworks and retries included).
    /// `Some(0)` forbids answering a regression with a hotfix at all (roll
    /// back or stop instead); `Some(1)` forbids chaining hotfixes on one
    /// regression: one try, then the team stops shipping for it (a new
    /// regression that try causes is a new regression). `None` is
    /// unbounded. Checked when a fix is about to be merged for delivery.
    pub max_hotfixes_per_regression: Option<u32>,
}

/// One step of a policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Find the culprit behind the alert (a human task).
    Diagnose,
    /// Turn off the flag guarding the culprit's code path. Not applicable
    /// when no flag guards it.
    FlagOff,
    /// Turn the flag back on once the fix is out.
    FlagOn,
    /// Revert the culprit's service(s) to the last known good release.
    Rollback,
    /// Write a fix and push it as a pull request.
    WriteFix,
    /// Ask for a review; changes requested send the team back to `WriteFix`.
    Review,
    /// Run a CI lane; a red check sends the team back to `WriteFix`.
    Ci(CiLane),
    /// Merge and deploy the fix through a rollout.
    Deploy(Rollout),
    /// Deploy to the idle colour, smoke test, switch all traffic, and
    /// switch back on failure.
    BlueGreen(BlueGreen),
    /// Watch the culprit's alert; if it does not clear within `within`,
    /// apply `on_not_cured`.
    Verify { within: SimDuration },
    /// Restore the culprit's service's damaged data (the team's `repair`
    /// time). The team repairs damaged data whatever the policy once its
    /// cause has stopped; this step does it at a chosen point.
    Repair,
    /// Run `then` when `condition` holds for what the team knows now,
    /// `otherwise` when it does not.
    If {
        condition: Condition,
        then: Vec<Step>,
        otherwise: Vec<Step>,
    },
}

/// Something the team can know when it decides, about the culprit it is
/// working on (the fault, or a regression of its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// A feature flag guards the culprit's code path.
    FlagGuardsFault,
    /// The culprit came with a release still running, and the build
    /// before it is free of it: rolling that release back removes it.
    FaultCameWithLastRelease,
    /// The culprit is a bug one of the team's own changes introduced.
    CulpritIsRegression,
}

impl Condition {
    /// Every condition, as written in scenario files.
    pub const ALL: [(&'static str, Condition); 3] = [
        ("flag_guards_fault", Condition::FlagGuardsFault),
        (
            "fault_came_with_last_release",
            Condition::FaultCameWithLastRelease,
        ),
        ("culprit_is_regression", Condition::CulpritIsRegression),
    ];

    /// The name a scenario file uses.
    pub fn name(self) -> &'static str {
        Condition::ALL
            .iter()
            .find(|(_, c)| *c == self)
            .map_or("", |(n, _)| n)
    }
}

/// CI lanes of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CiLane {
    /// Lint, unit tests of the changed package, scan, build: minutes.
    Fast,
    /// Everything, integration tests included.
    Full,
}

impl CiLane {
    /// Name of the lane as a check run.
    pub fn check_name(self) -> &'static str {
        match self {
            CiLane::Fast => "ci/fast-path",
            CiLane::Full => "ci/full",
        }
    }
}

/// A rollout: weighted stages with bakes and an automated analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rollout {
    /// Traffic weights in increasing order; the last must be 100%.
    pub stages: Vec<Stage>,
    /// Analysis run during every bake; `None` trusts the stage blindly.
    pub analysis: Option<Analysis>,
}

impl Rollout {
    /// Straight to 100%, no analysis: a plain deploy.
    pub fn all_at_once() -> Self {
        Rollout {
            stages: vec![Stage {
                weight: Ratio::ONE,
                bake: None,
            }],
            analysis: None,
        }
    }
}

/// One canary stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stage {
    pub weight: Ratio,
    /// How long to bake before promoting; `None` uses the team's
    /// `canary_bake` distribution (zero for the final 100% stage).
    pub bake: Option<DurationDist>,
}

/// Canary analysis: compares the new version's error ratio with the stable
/// version's, every `interval`, and aborts after `failure_limit`
/// consecutive failures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub interval: SimDuration,
    /// Consecutive failed measurements tolerated before aborting: the
    /// rollout aborts on the `failure_limit + 1`-th failure in a row. (Argo
    /// Rollouts' `failureLimit` counts failures over the whole run instead;
    /// here a passing or inconclusive measurement resets the count.)
    pub failure_limit: u32,
    /// A measurement fails when the canary's error ratio exceeds both
    /// `max_error_ratio` and `max_ratio_to_baseline` times the stable one.
    pub max_error_ratio: Ratio,
    pub max_ratio_to_baseline: f64,
    /// Fewer canary requests than this in an interval is inconclusive.
    pub min_requests: u64,
}

/// Blue/green settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlueGreen {
    /// Smoke test the idle colour before switching.
    pub smoke_test: bool,
    /// Watch the new colour this long after switching before declaring it good.
    pub watch: SimDuration,
}

/// What to do when something goes wrong.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reaction {
    /// Treat it as a new incident and run the policy's steps again
    /// (for regressions: the hotfix chain).
    Repeat,
    /// Revert the offending change.
    Rollback,
    /// Run these steps instead.
    Run(Vec<Step>),
    /// Give up on it; the replay carries on until the horizon.
    Stop,
}

/// Why a policy could never make progress: where, what, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stuck {
    /// Path inside the policy, e.g. `steps[3]` or `on_regression.run[0]`.
    pub path: String,
    pub message: String,
    pub hint: String,
}

impl Policy {
    /// The ways this policy cannot make progress (empty when it can): a
    /// step list that ships nothing it wrote, deploys nothing, turns on a
    /// flag it never turned off, or a policy with no move that changes the
    /// world at all.
    pub fn stuck(&self) -> Vec<Stuck> {
        let mut out = Vec::new();
        check_list(&self.steps, "steps", false, false, &mut out);
        for (name, r) in [
            ("on_regression", &self.on_regression),
            ("on_not_cured", &self.on_not_cured),
        ] {
            if let Reaction::Run(list) = r {
                check_list(list, &format!("{name}.run"), false, false, &mut out);
            }
        }
        let lists = || {
            std::iter::once(&self.steps).chain(
                [&self.on_regression, &self.on_not_cured]
                    .into_iter()
                    .filter_map(|r| match r {
                        Reaction::Run(l) => Some(l),
                        _ => None,
                    }),
            )
        };
        let rollback_reaction = [&self.on_regression, &self.on_not_cured]
            .iter()
            .any(|r| **r == Reaction::Rollback);
        let other_remedy = rollback_reaction
            || lists().any(|l| {
                any_step(l, &|s| {
                    matches!(s, Step::FlagOff | Step::Rollback | Step::Repair)
                })
            });
        let ships =
            lists().any(|l| any_step(l, &|s| matches!(s, Step::Deploy(_) | Step::BlueGreen(_))));
        if !other_remedy && !ships {
            out.push(Stuck {
                path: "steps".into(),
                message: "the policy never changes anything".into(),
                hint: "give it at least one of `flag_off`, `rollback`, `repair`, or `write_fix` followed by `deploy` or `blue_green`".into(),
            });
        } else if !other_remedy && self.max_hotfixes == Some(0) {
            out.push(Stuck {
                path: "max_hotfixes".into(),
                message: "max_hotfixes is 0 and the policy's only move is a hotfix".into(),
                hint: "raise max_hotfixes, or add `flag_off` or `rollback`".into(),
            });
        }
        out
    }
}

/// Whether any step of `list`, inside conditionals too, satisfies `f`.
fn any_step(list: &[Step], f: &dyn Fn(&Step) -> bool) -> bool {
    list.iter().any(|s| match s {
        Step::If {
            then, otherwise, ..
        } => any_step(then, f) || any_step(otherwise, f),
        other => f(other),
    })
}

/// Checks one step list in order: a fix must be written before it is
/// reviewed, tested or shipped, and shipped once written; a flag turned
/// on must have been turned off first. `wrote` and `flagged` say what the
/// enclosing list did before this one.
fn check_list(list: &[Step], path: &str, wrote: bool, flagged: bool, out: &mut Vec<Stuck>) {
    let mut wrote = wrote;
    let mut flagged = flagged;
    for (i, s) in list.iter().enumerate() {
        let here = format!("{path}[{i}]");
        match s {
            Step::WriteFix => {
                wrote = true;
                let shipped_later = any_step(&list[i + 1..], &|s| {
                    matches!(s, Step::Deploy(_) | Step::BlueGreen(_))
                });
                if !shipped_later {
                    out.push(Stuck {
                        path: here,
                        message: "the fix written here is never shipped".into(),
                        hint: "add a `deploy` or `blue_green` step after `write_fix`".into(),
                    });
                }
            }
            Step::Review | Step::Ci(_) | Step::Deploy(_) | Step::BlueGreen(_) if !wrote => {
                out.push(Stuck {
                    path: here,
                    message: format!(
                        "`{}` has no `write_fix` before it: there is nothing to {}",
                        step_name(s),
                        match s {
                            Step::Review => "review",
                            Step::Ci(_) => "test",
                            _ => "ship",
                        }
                    ),
                    hint: "put `write_fix` before it in the same list".into(),
                });
            }
            Step::FlagOff => flagged = true,
            Step::FlagOn if !flagged => out.push(Stuck {
                path: here,
                message: "`flag_on` has no `flag_off` before it: it would turn nothing back on"
                    .into(),
                hint: "put `flag_off` before it, or remove it".into(),
            }),
            Step::If {
                then, otherwise, ..
            } => {
                check_list(then, &format!("{here}.then"), wrote, flagged, out);
                check_list(otherwise, &format!("{here}.else"), wrote, flagged, out);
                // Later steps may rely on what either branch did.
                wrote |= any_step(then, &|s| *s == Step::WriteFix)
                    || any_step(otherwise, &|s| *s == Step::WriteFix);
                flagged |= any_step(then, &|s| *s == Step::FlagOff)
                    || any_step(otherwise, &|s| *s == Step::FlagOff);
            }
            _ => {}
        }
    }
}

/// A step's name as scenario files write it.
fn step_name(s: &Step) -> &'static str {
    match s {
        Step::Diagnose => "diagnose",
        Step::FlagOff => "flag_off",
        Step::FlagOn => "flag_on",
        Step::Rollback => "rollback",
        Step::WriteFix => "write_fix",
        Step::Review => "review",
        Step::Ci(_) => "ci",
        Step::Deploy(_) => "deploy",
        Step::BlueGreen(_) => "blue_green",
        Step::Verify { .. } => "verify",
        Step::Repair => "repair",
        Step::If { .. } => "if",
    }
}
