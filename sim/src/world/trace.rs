//! A record of the world's ground truth over a replay, for property tests
//! (`testing` feature only): every state the traffic was sampled under, and
//! every operation as it completed.
//!
//! Off unless asked for ([`World::record_trace`]); a replay that records
//! nothing pays one branch per state change.
//!
//! - [`Sample`]: from an instant on, until the next sample, each service's
//!   builds and their traffic shares, its failure probability by cause,
//!   and what every flag evaluates to. A sample is taken whenever the
//!   failure picture is recomputed, i.e. after every change of builds,
//!   weights, flags, defects or the flag service.
//! - [`OpRecord`]: a pipeline, rollout or flag operation, when it completed.

use crate::scenario::ServiceId;
use crate::time::SimTime;
use crate::world::code::VersionId;
use crate::world::ops::OpKind;
use crate::world::traffic::Cause;
use crate::world::World;

/// Everything recorded over one replay, in time order.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    pub samples: Vec<Sample>,
    pub ops: Vec<OpRecord>,
}

/// The state traffic was drawn under from `from` until the next sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub from: SimTime,
    /// Per service, in scenario order.
    pub apps: Vec<AppSample>,
    /// Per flag, in scenario order: whether SDKs evaluate it as on (the
    /// fallback while the flag service is down).
    pub flags_on: Vec<bool>,
    /// Whether the flag service is reachable.
    pub flag_service_up: bool,
}

/// One service in a [`Sample`].
#[derive(Debug, Clone, PartialEq)]
pub struct AppSample {
    pub stable: VersionId,
    /// The canary (or blue/green preview) and its weight.
    pub canary: Option<(VersionId, f64)>,
    /// Builds taking traffic: (build, share of requests, chance a request
    /// to it fails).
    pub cohorts: Vec<(VersionId, f64, f64)>,
    /// Chance a request to the service fails first because of each cause
    /// (adds up to the service's error ratio).
    pub by_cause: Vec<(Cause, f64)>,
}

/// A completed operation.
#[derive(Debug, Clone, PartialEq)]
pub struct OpRecord {
    pub at: SimTime,
    pub kind: CompletedOp,
    /// Every service's (stable build, canary) right after it completed.
    pub apps_after: Vec<(VersionId, Option<(VersionId, f64)>)>,
}

/// What a completed operation did.
#[derive(Debug, Clone, PartialEq)]
pub enum CompletedOp {
    Review {
        pr: u32,
    },
    Ci {
        pr: u32,
    },
    Smoke {
        pr: u32,
    },
    /// A sync finished: the change's builds take `weight` of the traffic.
    Deploy {
        pr: u32,
        weight: f64,
    },
    /// A rollback finished: each service runs the given build.
    /// `pr`: the change rolled back, if it was one (not a release).
    Rollback {
        targets: Vec<(ServiceId, VersionId)>,
        pr: Option<u32>,
    },
    Switch {
        pr: u32,
        to_new: bool,
    },
    /// A flag's new state reached every SDK (a change superseded by a later
    /// one before it arrived is not recorded: it changed nothing).
    Flag {
        flag: usize,
        enabled: bool,
    },
    /// A repair of a service's damaged data finished.
    Repair {
        service: crate::scenario::ServiceId,
    },
}

impl World<'_> {
    /// Starts recording a [`Trace`] (from the current state on).
    pub fn record_trace(&mut self) {
        self.trace = Some(Trace::default());
        self.invalidate();
        self.ensure_loads();
    }

    /// The trace recorded so far, if [`World::record_trace`] was called.
    pub fn trace(&self) -> Option<&Trace> {
        self.trace.as_ref()
    }

    /// Records the failure picture just computed (called by `ensure_loads`).
    pub(super) fn trace_loads(&mut self) {
        if self.trace.is_none() {
            return;
        }
        let apps = self
            .sc
            .service_ids()
            .map(|s| {
                let app = &self.apps[s.index()];
                let load = &self.loads[s.index()];
                AppSample {
                    stable: app.stable,
                    canary: app.canary.map(|(v, w, _)| (v, w)),
                    cohorts: load
                        .cohorts
                        .iter()
                        .map(|c| (c.version, c.share, c.fail))
                        .collect(),
                    by_cause: load.by_cause.clone(),
                }
            })
            .collect();
        let flags_on = (0..self.sc.flags.len())
            .map(|f| self.flag_on(crate::scenario::FlagId(f as u32)))
            .collect();
        let sample = Sample {
            from: self.last_accrual,
            apps,
            flags_on,
            flag_service_up: self.flag_service_up,
        };
        if let Some(t) = self.trace.as_mut() {
            // Several recomputations at one instant: the last one holds.
            if t.samples.last().is_some_and(|l| l.from == sample.from) {
                t.samples.pop();
            }
            t.samples.push(sample);
        }
    }

    /// Records operation `op` as completed now (called after it completes).
    pub(super) fn trace_op(&mut self, op: u32) {
        if self.trace.is_none() {
            return;
        }
        let kind = match &self.ops[op as usize].kind {
            OpKind::Review { pr } => CompletedOp::Review { pr: *pr },
            OpKind::Ci { pr, .. } => CompletedOp::Ci { pr: *pr },
            OpKind::Smoke { pr } => CompletedOp::Smoke { pr: *pr },
            OpKind::Deploy { pr, weight } => CompletedOp::Deploy {
                pr: *pr,
                weight: *weight,
            },
            OpKind::Rollback { targets, pr } => CompletedOp::Rollback {
                targets: targets.clone(),
                pr: *pr,
            },
            OpKind::Switch { pr, to_new } => CompletedOp::Switch {
                pr: *pr,
                to_new: *to_new,
            },
            OpKind::Flag { flag, enabled } => {
                // A change a later one superseded changed nothing.
                let flag = *flag;
                if self.ops[op as usize + 1..]
                    .iter()
                    .any(|o| matches!(o.kind, OpKind::Flag { flag: g, .. } if g == flag))
                {
                    return;
                }
                CompletedOp::Flag {
                    flag,
                    enabled: *enabled,
                }
            }
            OpKind::Repair { service } => CompletedOp::Repair { service: *service },
        };
        let at = self.now;
        let apps_after = self
            .apps
            .iter()
            .map(|a| (a.stable, a.canary.map(|(v, w, _)| (v, w))))
            .collect();
        if let Some(t) = self.trace.as_mut() {
            t.ops.push(OpRecord {
                at,
                kind,
                apps_after,
            });
        }
    }
}
