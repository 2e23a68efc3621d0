//! What the control plane can ask of the world: the pipeline (pull
//! requests, review, CI), deployments (sync, canary weights, promote,
//! abort, rollback, blue/green switch), the flag service, metric queries,
//! and the on-call engineer's acknowledgement and diagnosis.
//!
//! Every request is journaled. Requests that take time start an operation
//! whose duration is drawn from the team's distributions and that completes
//! as a scheduled event.

mod argo;
mod github;
mod github_rest;
mod inject;
mod people;
mod prometheus;
mod unleash;

pub use argo::{Release, RolloutView};
pub use github_rest::{
    NewPull, PullAim, RestCheck, RestPull, BASE_SHA, DEPLOY_LABEL_PREFIX, FAST_LANE_LABELS,
    FULL_LANE_LABEL, SMOKE_CHECK_NAME,
};
use serde::{Deserialize, Serialize};

use super::code::{ChangeId, VersionId};
use super::journal::{Actor, EntryKind};
use super::{DeploymentOutcome, World};
use crate::scenario::{Component, ServiceId};
use crate::strategy::CiLane;
use crate::time::{SimDuration, SimTime};

/// Tallies of the responders' actions.
#[derive(Debug, Clone, Default)]
pub(crate) struct Counts {
    pub rollbacks: u32,
    pub flag_flips: u32,
    pub deploy_actions: u64,
    pub flag_actions: u64,
    pub repairs: u64,
}

#[derive(Debug, Clone)]
pub(crate) enum OpKind {
    Review {
        pr: u32,
    },
    Ci {
        pr: u32,
        lane: CiLane,
    },
    Smoke {
        pr: u32,
    },
    Deploy {
        pr: u32,
        weight: f64,
    },
    Rollback {
        targets: Vec<(ServiceId, VersionId)>,
        pr: Option<u32>,
    },
    Switch {
        pr: u32,
        to_new: bool,
    },
    Flag {
        flag: usize,
        enabled: bool,
    },
    Repair {
        service: ServiceId,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Op {
    pub kind: OpKind,
    pub done: bool,
}

/// Review state of a pull request (GitHub's review states).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReviewState {
    None,
    Pending,
    Approved,
    ChangesRequested,
}

/// Conclusion of a check run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckConclusion {
    Success,
    Failure,
}

#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub lane: CiLane,
    pub conclusion: Option<CheckConclusion>,
    pub started: SimTime,
    pub completed: Option<SimTime>,
}

#[derive(Debug, Clone)]
pub(crate) struct PullRequest {
    pub change: ChangeId,
    pub review: ReviewState,
    pub checks: Vec<Check>,
    pub smoke: Option<Option<CheckConclusion>>,
    pub merged: bool,
    pub closed: bool,
    pub meta: PrMeta,
}

/// What GitHub shows of a pull request beyond its state.
#[derive(Debug, Clone)]
pub(crate) struct PrMeta {
    pub title: String,
    pub body: String,
    pub head_ref: String,
    pub base_ref: String,
    pub labels: Vec<String>,
    pub opened_at: SimTime,
    pub merged_at: Option<SimTime>,
    /// The person who opened it, when a person did (a drill's player);
    /// `None` for the simulated team's on-call engineer.
    pub author: Option<String>,
    /// Reviews submitted, in order.
    pub reviews: Vec<Review>,
}

/// One review submitted on a pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub id: u64,
    pub approved: bool,
    pub at: SimTime,
    /// The person who reviewed, when a person did; `None` for the
    /// simulated reviewer (never the author).
    pub by: Option<String>,
}

/// A check run as GitHub reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckView {
    pub name: String,
    /// `None` while queued or in progress.
    pub conclusion: Option<CheckConclusion>,
}

/// A pull request as GitHub reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PullRequestView {
    pub number: u32,
    pub head_sha: String,
    pub title: String,
    pub review: ReviewState,
    pub checks: Vec<CheckView>,
    pub smoke_test: Option<CheckView>,
    pub merged: bool,
    pub closed: bool,
    /// Services (Argo CD applications) the change ships to.
    pub apps: Vec<String>,
}

/// One entry of an Argo CD application's deployment history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryView {
    pub id: u32,
    pub revision: String,
    pub deployed_at: SimTime,
    /// The pull request the build came from, if the responders made it.
    pub pr: Option<u32>,
}

/// An application as Argo CD and Argo Rollouts report it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppView {
    pub name: String,
    pub stable: String,
    /// The canary (or preview) build and its traffic weight.
    pub canary: Option<(String, f64)>,
    /// An operation (sync, rollback, switch) is running.
    pub operation_running: bool,
    /// The last operation, running or finished.
    pub operation: Option<crate::world::AppOperation>,
    pub history: Vec<HistoryView>,
}

/// What the on-call engineer finds when diagnosing a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    pub service: String,
    /// Culprits, the most damaging first. Empty when nothing beyond
    /// background noise is wrong.
    pub culprits: Vec<CulpritView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CulpritKind {
    /// A defect that was there before the response (the incident's cause).
    Original,
    /// A defect one of our own changes introduced.
    Regression,
}

/// One culprit behind a service's errors, as the on-call engineer finds it
/// in logs, traces and the deploy history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CulpritView {
    /// Opaque handle to pass back when writing a fix.
    pub id: u32,
    pub kind: CulpritKind,
    /// The service whose code (or data) carries it: where a fix goes.
    pub host: String,
    /// The service whose requests it fails.
    pub victim: String,
    /// The dependency through which its failures reach the diagnosed
    /// service, when they do not fail there directly.
    pub via: Option<String>,
    /// Its share of the diagnosed service's requests failing now.
    pub error_ratio: f64,
    /// Failing requests (or writing bad data) now; `false` when a flag that
    /// is off contains it.
    pub active: bool,
    /// The flag guarding its code path, if any.
    pub flag: Option<String>,
    /// For regressions: the pull request that introduced it.
    pub introduced_by: Option<u32>,
    /// A serving build introduced it and the build before that one is free
    /// of it: a rollback of that release removes it.
    pub came_with_last_release: bool,
    /// Damaged data: no rollback or fix removes it, only a repair, once
    /// nothing writes it any more.
    pub data_damage: bool,
    /// For damaged data: the culprit whose code is still writing it, if it
    /// runs.
    pub written_by: Option<u32>,
    pub summary: String,
}

/// A request the world refuses, in the words of the API that would refuse it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    #[error("unknown service `{0}`")]
    UnknownService(String),
    #[error("unknown flag `{0}`")]
    UnknownFlag(String),
    #[error("unknown culprit {0}")]
    UnknownCulprit(u32),
    #[error("pull request #{0} not found")]
    UnknownPullRequest(u32),
    #[error("pull request #{number} is not mergeable: {reason}")]
    NotMergeable { number: u32, reason: String },
    #[error("pull request #{0} is not merged")]
    NotMerged(u32),
    #[error("pull request #{0} has no rollout in progress")]
    NoRollout(u32),
    #[error("application `{app}` has no history entry {id}")]
    UnknownRevision { app: String, id: u32 },
    #[error("another operation is already running on `{0}`")]
    Busy(String),
    #[error("invalid request: {0}")]
    Invalid(String),
    /// A refusal reported by a remote service (an HTTP control plane),
    /// carrying the service's message as is.
    #[error("{0}")]
    Remote(String),
}

impl World<'_> {
    pub(super) fn service_named(&self, name: &str) -> Result<ServiceId, OpError> {
        self.sc
            .service_by_name(name)
            .ok_or_else(|| OpError::UnknownService(name.to_string()))
    }

    pub(super) fn pr(&self, number: u32) -> Result<&PullRequest, OpError> {
        number
            .checked_sub(1)
            .and_then(|i| self.prs.get(i as usize))
            .ok_or(OpError::UnknownPullRequest(number))
    }

    pub(super) fn pr_mut(&mut self, number: u32) -> Result<&mut PullRequest, OpError> {
        number
            .checked_sub(1)
            .and_then(|i| self.prs.get_mut(i as usize))
            .ok_or(OpError::UnknownPullRequest(number))
    }

    pub(super) fn start_op(&mut self, kind: OpKind, duration: SimDuration) -> u32 {
        self.ops.push(Op { kind, done: false });
        let id = self.ops.len() as u32 - 1;
        let at = self.now() + duration;
        self.schedule_op(at, id);
        id
    }

    pub(super) fn say(&mut self, actor: Actor, kind: EntryKind, text: impl Into<String>) {
        let now = self.now();
        self.journal.push(now, actor, kind, text);
    }

    pub(crate) fn complete_op(&mut self, id: u32) {
        let kind = self.ops[id as usize].kind.clone();
        self.ops[id as usize].done = true;
        self.finish_app_operations(&kind);
        match kind {
            OpKind::Review { pr } => self.finish_review(pr),
            OpKind::Ci { pr, lane } => self.finish_ci(pr, lane),
            OpKind::Smoke { pr } => self.finish_smoke(pr),
            OpKind::Deploy { pr, weight } => self.finish_deploy(pr, weight),
            OpKind::Rollback { targets, pr } => {
                self.invalidate();
                for &(s, v) in &targets {
                    self.make_stable(s, v);
                }
                if let Some(pr) = pr {
                    self.finish_deployment(pr, DeploymentOutcome::RolledBack);
                }
                let text = targets
                    .iter()
                    .map(|&(s, v)| {
                        format!(
                            "{} runs {}",
                            self.sc.service(s).name,
                            self.versions[v.index()].label
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                self.say(
                    Actor::Pipeline,
                    EntryKind::Rollback,
                    format!("rollback done: {text}"),
                );
            }
            OpKind::Switch { pr, to_new } => self.finish_switch(pr, to_new),
            OpKind::Repair { service } => self.finish_repair(service),
            OpKind::Flag { flag, enabled } => {
                let name = self.sc.flags[flag].name.clone();
                // A later toggle of the same flag wins, even if its change
                // reaches the SDKs first.
                let superseded = self.ops[id as usize + 1..]
                    .iter()
                    .any(|o| matches!(o.kind, OpKind::Flag { flag: g, .. } if g == flag));
                if superseded {
                    self.say(
                        Actor::Flags,
                        EntryKind::Flag,
                        format!(
                            "flag {name}: an earlier change arrived after a later one; ignored"
                        ),
                    );
                    return;
                }
                self.invalidate();
                self.flags[flag].effective = enabled;
                self.say(
                    Actor::Flags,
                    EntryKind::Flag,
                    format!(
                        "flag {name} is {} everywhere",
                        if enabled { "on" } else { "off" }
                    ),
                );
            }
        }
    }

    /// Pull requests neither merged nor closed, and rollouts still holding a
    /// canary: what a replay would leave in flight.
    pub fn in_flight(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, pr) in self.prs.iter().enumerate() {
            if !pr.merged && !pr.closed {
                out.push(format!("PR #{} open", i + 1));
            }
        }
        for d in &self.deployments {
            if d.outcome == DeploymentOutcome::InProgress {
                out.push(format!("deployment of PR #{} in progress", d.number));
            }
        }
        for op in &self.ops {
            if !op.done {
                out.push(format!("operation {:?} running", op.kind));
            }
        }
        out
    }

    /// Ends everything still in flight at the end of a replay, journaled.
    pub(crate) fn abort_in_flight(&mut self) {
        // The replay ends now: the traffic since the last event counts.
        self.accrue_until(self.now);
        let open: Vec<u32> = self
            .prs
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.merged && !p.closed)
            .map(|(i, _)| i as u32 + 1)
            .collect();
        for n in open {
            if let Ok(pr) = self.pr_mut(n) {
                pr.closed = true;
            }
            self.say(
                Actor::Responder,
                EntryKind::PullRequest,
                format!("PR #{n} left open at the end; closed"),
            );
        }
        let running: Vec<u32> = self
            .deployments
            .iter()
            .filter(|d| d.outcome == DeploymentOutcome::InProgress)
            .map(|d| d.number)
            .collect();
        for n in running {
            if let Some(dep) = self.deployment_mut(n) {
                dep.outcome = DeploymentOutcome::Aborted;
            }
            self.say(
                Actor::Pipeline,
                EntryKind::Abort,
                format!("deployment of PR #{n} still in progress at the end; aborted"),
            );
        }
        // Operations the horizon cut short never complete: say so, rather
        // than leave them running in a finished replay.
        for i in 0..self.ops.len() {
            if self.ops[i].done {
                continue;
            }
            self.ops[i].done = true;
            let what = match &self.ops[i].kind {
                OpKind::Review { pr } => format!("review of PR #{pr}"),
                OpKind::Ci { pr, .. } => format!("CI on PR #{pr}"),
                OpKind::Smoke { pr } => format!("smoke test of PR #{pr}"),
                OpKind::Deploy { pr, .. } => format!("sync of PR #{pr}"),
                OpKind::Rollback { pr: Some(pr), .. } => format!("rollback of PR #{pr}"),
                OpKind::Rollback { pr: None, .. } => "rollback".to_string(),
                OpKind::Switch { pr, .. } => format!("traffic switch of PR #{pr}"),
                OpKind::Flag { flag, .. } => {
                    format!("propagation of flag {}", self.sc.flags[*flag].name)
                }
                OpKind::Repair { service } => {
                    format!("repair of {}'s data", self.sc.service(*service).name)
                }
            };
            self.say(
                Actor::Pipeline,
                EntryKind::Abort,
                format!("{what} still running at the end; abandoned"),
            );
        }
    }
}

impl crate::scenario::Scenario {
    /// Latent-bug risks of changing `component`.
    pub(crate) fn risks_of_component(
        &self,
        component: Component,
    ) -> &[crate::scenario::LatentRisk] {
        self.risk.risks_of(component)
    }
}
