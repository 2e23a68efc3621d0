//! The journal: every event of a replay with its virtual time, in order.
//! Timelines, the drill log and the "nothing in flight is lost" checks all
//! read from it.

use serde::Serialize;

use crate::time::SimTime;

/// Who or what an entry is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// A service (health changes, faults, alerts).
    Service(String),
    /// The responders, acting through the control plane.
    Responder,
    /// The pipeline: CI, review, deploys.
    Pipeline,
    /// The flag service.
    Flags,
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Service(s) => write!(f, "{s}"),
            Actor::Responder => write!(f, "responder"),
            Actor::Pipeline => write!(f, "pipeline"),
            Actor::Flags => write!(f, "flags"),
        }
    }
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    FaultOnset,
    RegressionOnset,
    Unhealthy,
    Healthy,
    AlertFiring,
    AlertResolved,
    Acknowledge,
    Diagnose,
    PullRequest,
    Review,
    Ci,
    Merge,
    Deploy,
    Stage,
    Promote,
    Abort,
    Rollback,
    Switch,
    SmokeTest,
    Flag,
    Verify,
    Repair,
    Decision,
    /// The response ended by a policy bound or a `stop` reaction.
    Stop,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub at: SimTime,
    pub actor: Actor,
    pub kind: EntryKind,
    pub text: String,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub struct Journal {
    entries: Vec<Entry>,
}

impl Journal {
    pub fn push(&mut self, at: SimTime, actor: Actor, kind: EntryKind, text: impl Into<String>) {
        self.entries.push(Entry {
            at,
            actor,
            kind,
            text: text.into(),
        });
    }
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }
    pub fn first(&self, kind: EntryKind) -> Option<&Entry> {
        self.entries.iter().find(|e| e.kind == kind)
    }
}
