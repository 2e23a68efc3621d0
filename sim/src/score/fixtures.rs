//! Hand-built scores for the unit tests of the summaries: just the fields
//! the many-seed measures read.

use super::{FailedByCause, Outcome, Score};
use crate::time::{SimDuration, SimTime};

/// The horizon the fixtures end at: 8 hours, as the Friday scenario's.
pub(crate) const HORIZON_SECONDS: u64 = 8 * 3600;

/// A replay with impact from the start: restored after `mttr_seconds`, or
/// (with `None`) not restored, ending at the horizon.
pub(crate) fn restored_after(mttr_seconds: Option<u64>) -> Score {
    let outcome = match mttr_seconds {
        Some(_) => Outcome::Restored,
        None => Outcome::NotRestored,
    };
    with_outcome(outcome, mttr_seconds)
}

/// A replay that ended as `outcome`, with impact from the start (unless
/// `NoImpact`).
pub(crate) fn with_outcome(outcome: Outcome, mttr_seconds: Option<u64>) -> Score {
    let applicable = !matches!(outcome, Outcome::NotApplicable(_));
    let impact = outcome != Outcome::NoImpact;
    Score {
        outcome,
        applicable,
        impact_start: impact.then_some(SimTime::START),
        time_to_detect: Some(SimDuration::from_secs(60)),
        time_to_acknowledge: None,
        time_to_mitigate: None,
        mttr: mttr_seconds.map(SimDuration::from_secs),
        relapses: 0,
        failed_after_restore: 0,
        time_to_resolve: None,
        regressions: Vec::new(),
        hotfixes: 0,
        rollbacks: 0,
        flag_flips: 0,
        failed_deployments: 0,
        requests: 1000,
        failed_requests: FailedByCause::default(),
        regression_blast_radius: 0,
        revenue_lost: 0.0,
        error_budget: Vec::new(),
        ended_at: SimTime::START + SimDuration::from_secs(HORIZON_SECONDS),
    }
}
