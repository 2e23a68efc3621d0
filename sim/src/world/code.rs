//! What runs where: versions of each service, the changes the responders
//! write, and the defects (faults and latent bugs) that builds carry.

use serde::Serialize;

use crate::scenario::{Component, Effect, FaultId, FlagId, ServiceId};
use crate::time::{SimDuration, SimTime};

macro_rules! world_id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub(crate) u32);
        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

world_id!(
    /// A build of one service.
    VersionId
);
world_id!(
    /// A change written by the responders (one pull request).
    ChangeId
);
world_id!(
    /// A defect: an injected fault or a latent bug planted by a change.
    DefectId
);

/// A build of one service: the code it runs and the defects it carries.
#[derive(Debug, Clone)]
pub struct Version {
    pub service: ServiceId,
    pub label: String,
    /// The change that produced it from its parent, if any.
    pub change: Option<ChangeId>,
    pub parent: Option<VersionId>,
    /// Defects carried in the code (sorted, no duplicates).
    pub defects: Vec<DefectId>,
    /// When this build first served traffic.
    pub first_traffic: Option<SimTime>,
}

/// Where a defect came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DefectOrigin {
    /// An injected fault of the scenario.
    Fault(FaultId),
    /// A latent bug planted by one of the responders' changes.
    Change(ChangeId),
}

/// A defect and how it hurts.
#[derive(Debug, Clone)]
pub struct Defect {
    pub origin: DefectOrigin,
    /// The service whose code carries it.
    pub host: ServiceId,
    /// The service whose requests fail.
    pub victim: ServiceId,
    pub effect: Effect,
    /// The flag guarding its code path, if any.
    pub flag: Option<FlagId>,
    /// Time from the carrying build taking traffic to the defect biting.
    pub delay: SimDuration,
    /// When it started to bite (faults: their onset; latent bugs: first
    /// traffic of a carrying build plus the delay).
    pub active_from: Option<SimTime>,
    /// Damaged data rather than code: no build carries it, so neither a
    /// rollback, a fix nor a switch of colour removes it; only a repair
    /// does (see [`Defect::writes`]).
    pub in_data: bool,
    /// Data damage only: undone by a repair, and set again whenever the
    /// code that writes it runs again.
    pub repaired: bool,
    /// Code that corrupts data instead of failing requests itself (the code
    /// side of an `irreversible` fault): the damaged data it writes, which
    /// fails requests while it lasts.
    pub writes: Option<DefectId>,
}

/// What a change sets out to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Fault(FaultId),
    Defect(DefectId),
}

/// A change the responders wrote.
#[derive(Debug, Clone)]
pub struct Change {
    /// Pull request number.
    pub number: u32,
    /// What it sets out to fix; `None` for a change to a service with
    /// nothing wrong in its code (people can guess wrong).
    pub target: Option<Target>,
    /// The defect it aims at (fault's defect, or the regression).
    pub target_defect: Option<DefectId>,
    pub touches: Vec<Component>,
    /// Services that get a new build when it deploys.
    pub ships_to: Vec<ServiceId>,
    /// Latent bugs it carries (decided when written; nobody knows yet).
    pub latent: Vec<DefectId>,
    /// Whether it really cures its target.
    pub cures: bool,
    /// Latent bugs a safety net (review, CI, smoke test, canary) caught:
    /// a rework removes them.
    pub caught: Vec<DefectId>,
    /// A safety net showed that it does not cure its target.
    pub cure_failure_caught: bool,
    /// The change this one reworks, if any.
    pub rework_of: Option<ChangeId>,
    pub head_sha: String,
    /// Builds made from it, per service in `ships_to`.
    pub builds: Vec<(ServiceId, VersionId)>,
    /// The builds each service ran before it (the rollback target).
    pub bases: Vec<(ServiceId, VersionId)>,
}
