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
