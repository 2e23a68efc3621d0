//! The control plane: the only way strategies see and touch the world.
//!
//! Its requests and answers mirror the real APIs a team uses during an
//! incident, so the same strategy code can run in-process (here) or against
//! HTTP fakes of those services:
//!
//! | method | real API |
//! |---|---|
//! | [`ControlPlane::firing_alerts`], [`ControlPlane::error_ratio`] | Prometheus `/api/v1/alerts`, `/api/v1/query` |
//! | [`ControlPlane::open_pull_request`] .. [`ControlPlane::merge`] | GitHub REST (refs, pulls, reviews, check runs, merge) |
//! | [`ControlPlane::deploy`] .. [`ControlPlane::rollback_app`] | Argo CD applications (sync, rollback) and Argo Rollouts (setWeight, promote, abort) |
//! | [`ControlPlane::set_flag`] | Unleash admin API |
//! | [`ControlPlane::acknowledge`], [`ControlPlane::diagnose`], [`ControlPlane::repair`] | the pager, the on-call engineer's findings, a data restore |
//!
//! Virtual time only moves when a strategy waits ([`ControlPlane::wait`]),
//! never with wall-clock time, so transport latency cannot change a result.

mod inprocess;

pub use inprocess::InProcess;

use serde::{Deserialize, Serialize};

use crate::prob::Ratio;
use crate::strategy::CiLane;
use crate::time::{SimDuration, SimTime};
use crate::world::{AppView, Diagnosis, OpError, PullRequestView, Release};

/// What a strategy is waiting for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitFor {
    /// Only for time to pass.
    Time,
    /// An alert firing on a service not in `except`.
    AlertFiring { except: Vec<String> },
    /// The alert on `service` no longer firing.
    AlertResolved { service: String },
    /// Review and every check of a pull request finished.
    PullRequestSettled { number: u32 },
    /// No sync, rollback or switch running on these applications.
    AppsIdle { apps: Vec<String> },
    /// A flag's configured state reached every SDK.
    FlagPropagated { flag: String },
    /// No repair of `service`'s data running.
    RepairDone { service: String },
    /// The next page: an alert firing on any service. In a replay the wait
    /// also ends, with [`Waited::Settled`], once the world has settled
    /// (every service within its SLO for the stability window and nothing
    /// left that could change it): no page can come but from noise.
    NextPage,
    /// Any of these (not nested further).
    AnyOf(Vec<WaitFor>),
}

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Waited {
    /// The condition held.
    Met,
    /// The timeout passed first.
    TimedOut,
    /// Waiting for [`WaitFor::NextPage`]: the world settled first.
    Settled,
}

/// What a note the responders write in the incident's journal records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Note {
    /// A decision and why (a fix that did not cure, standing down).
    Decision,
    /// The response ends here: a policy bound or a `stop` reaction.
    Stop,
}

/// Why a control-plane call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CpError {
    /// The replay is over (horizon reached): the strategy must stop.
    #[error("the replay reached its horizon")]
    Halted,
    /// The request was refused by the service, as the real API would.
    #[error(transparent)]
    Refused(#[from] OpError),
    /// The transport failed (HTTP control planes only).
    #[error("control plane unreachable: {0}")]
    Transport(String),
}

/// The control-plane interface strategies act through.
pub trait ControlPlane {
    /// Current virtual time.
    fn now(&mut self) -> Result<SimTime, CpError>;
    /// Lets virtual time pass until `until` holds or `timeout` elapses.
    fn wait(&mut self, until: &WaitFor, timeout: SimDuration) -> Result<Waited, CpError>;

    // Prometheus
    /// Services whose alert is firing.
    fn firing_alerts(&mut self) -> Result<Vec<String>, CpError>;
    /// Error ratio of a service (optionally one build) over `window`, and
    /// the number of requests it is based on.
    fn error_ratio(
        &mut self,
        service: &str,
        version: Option<&str>,
        window: SimDuration,
    ) -> Result<(Option<f64>, u64), CpError>;

    // Pager and people
    fn acknowledge(&mut self, service: &str) -> Result<(), CpError>;
    fn diagnose(&mut self, service: &str) -> Result<Diagnosis, CpError>;

    // GitHub
    /// Pushes a fix for `culprit` and opens a pull request; `rework_of`
    /// names the pull request it replaces after a safety net caught a
    /// problem.
    fn open_pull_request(
        &mut self,
        culprit: u32,
        rework_of: Option<u32>,
    ) -> Result<PullRequestView, CpError>;
    fn pull_request(&mut self, number: u32) -> Result<PullRequestView, CpError>;
    fn request_review(&mut self, number: u32) -> Result<(), CpError>;
    fn run_checks(&mut self, number: u32, lane: CiLane) -> Result<(), CpError>;
    fn merge(&mut self, number: u32) -> Result<(), CpError>;
    fn close_pull_request(&mut self, number: u32) -> Result<(), CpError>;

    // Argo CD / Argo Rollouts
    fn application(&mut self, app: &str) -> Result<AppView, CpError>;
    /// Syncs a merged change, declaring how it is released (the Rollout
    /// spec): a canary starts at its first step, blue/green as an idle
    /// preview.
    fn deploy(&mut self, number: u32, release: &Release) -> Result<(), CpError>;
    /// Moves a canary to its next step, whose weight is `weight`.
    fn set_weight(&mut self, number: u32, weight: Ratio) -> Result<(), CpError>;
    fn promote(&mut self, number: u32) -> Result<(), CpError>;
    fn abort(&mut self, number: u32) -> Result<(), CpError>;
    fn rollback_change(&mut self, number: u32) -> Result<(), CpError>;
    /// Rolls `app` back to the release before the one it runs.
    fn rollback_release(&mut self, app: &str) -> Result<(), CpError>;
    fn switch(&mut self, number: u32, to_new: bool) -> Result<(), CpError>;
    fn smoke_test(&mut self, number: u32) -> Result<(), CpError>;

    // Unleash
    fn set_flag(&mut self, flag: &str, enabled: bool) -> Result<(), CpError>;

    // People
    /// Starts restoring `service`'s damaged data (the team's `repair`).
    fn repair(&mut self, service: &str) -> Result<(), CpError>;
    /// Writes a note in the incident's journal (what was decided, and why).
    fn note(&mut self, kind: Note, text: &str) -> Result<(), CpError>;

    /// Sleeps for `d` of virtual time.
    fn sleep(&mut self, d: SimDuration) -> Result<(), CpError> {
        self.wait(&WaitFor::Time, d).map(|_| ())
    }
}
