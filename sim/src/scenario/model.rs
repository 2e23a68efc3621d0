//! The validated scenario: names resolved to ids, durations parsed, graph
//! checked acyclic. The engine only ever sees these types.
//!
//! Build one with [`crate::scenario::load`] (from YAML) or by hand in tests;
//! every collection is indexed by its id type, and ids are only handed out
//! by validation, so a `ServiceId` always points at a service.

use serde::Serialize;

use crate::dist::DurationDist;
use crate::prob::{Probability, Ratio};
use crate::strategy::Policy;
use crate::time::{SimDuration, SimTime, WallClock};

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub(crate) u32);
        impl $name {
            /// Position in the scenario's list.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// A service in [`Scenario::services`].
    ServiceId
);
id_type!(
    /// A shared library in [`Scenario::libraries`].
    LibraryId
);
id_type!(
    /// A feature flag in [`Scenario::flags`].
    FlagId
);
id_type!(
    /// An injected fault in [`Scenario::faults`].
    FaultId
);

/// A whole incident scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// Wall-clock time of virtual instant zero.
    pub clock: WallClock,
    /// Replays stop here at the latest.
    pub horizon: SimDuration,
    pub scrape_interval: SimDuration,
    /// How long every service must stay within its SLO for the incident to
    /// count as restored.
    pub stability_window: SimDuration,
    pub services: Vec<Service>,
    pub libraries: Vec<Library>,
    pub dependencies: Vec<Dependency>,
    /// Services ordered so that every callee comes before its callers.
    pub topo_order: Vec<ServiceId>,
    pub flags: Vec<Flag>,
    pub faults: Vec<Fault>,
    pub team: Team,
    pub risk: ChangeRisk,
    /// Policies defined in the scenario file, beside the built-in presets.
    pub policies: Vec<Policy>,
    /// The seed `gameday run` uses when none is given.
    pub default_seed: u64,
    /// Limits the scenario holds every strategy to (all `None` when it
    /// sets none).
    pub budgets: Budgets,
}

/// Limits a strategy must stay within, from the scenario's `budgets:`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Budgets {
    pub max_mttr_p90: Option<SimDuration>,
    pub max_mttr_mean: Option<SimDuration>,
    pub max_regression_rate: Option<Ratio>,
    pub max_failed_requests: Option<u64>,
    /// In the scenario's currency, non-negative.
    pub max_revenue_lost: Option<f64>,
}

impl Scenario {
    pub fn service(&self, id: ServiceId) -> &Service {
        &self.services[id.index()]
    }
    pub fn service_by_name(&self, name: &str) -> Option<ServiceId> {
        self.services
            .iter()
            .position(|s| s.name == name)
            .map(|i| ServiceId(i as u32))
    }
    pub fn service_ids(&self) -> impl Iterator<Item = ServiceId> + '_ {
        (0..self.services.len() as u32).map(ServiceId)
    }
    pub fn library(&self, id: LibraryId) -> &Library {
        &self.libraries[id.index()]
    }
    pub fn flag(&self, id: FlagId) -> &Flag {
        &self.flags[id.index()]
    }
    pub fn fault(&self, id: FaultId) -> &Fault {
        &self.faults[id.index()]
    }
    pub fn fault_ids(&self) -> impl Iterator<Item = FaultId> + '_ {
        (0..self.faults.len() as u32).map(FaultId)
    }
    /// The fault named `name`.
    pub fn fault_by_name(&self, name: &str) -> Option<FaultId> {
        self.faults
            .iter()
            .position(|f| f.name == name)
            .map(|i| FaultId(i as u32))
    }
    /// The scenario with optional fault `fault` scheduled at `at`: what a
    /// drill's facilitator injected, for the strategies to face the same
    /// twist when a drill is scored.
    pub fn with_injected(&self, fault: FaultId, at: SimTime) -> Scenario {
        let mut sc = self.clone();
        sc.faults[fault.index()].onset = Onset::At(at);
        sc
    }
    /// The flag guarding `path` of `service`, if any.
    pub fn flag_guarding(&self, service: ServiceId, path: &str) -> Option<FlagId> {
        self.flags
            .iter()
            .position(|f| f.service == service && f.path == path)
            .map(|i| FlagId(i as u32))
    }
    /// Dependencies whose caller is `service`.
    pub fn callees_of(&self, service: ServiceId) -> impl Iterator<Item = &Dependency> + '_ {
        self.dependencies
            .iter()
            .filter(move |d| d.caller == service)
    }
    /// Services that link `component` into their build.
    pub fn consumers(&self, component: Component) -> Vec<ServiceId> {
        match component {
            Component::Service(s) => vec![s],
            Component::Library(l) => self.library(l).users.clone(),
        }
    }
    pub fn component_name(&self, component: Component) -> &str {
        match component {
            Component::Service(s) => &self.service(s).name,
            Component::Library(l) => &self.library(l).name,
        }
    }
    /// A built-in preset or a scenario-defined policy, by name.
    pub fn policy(&self, name: &str) -> Option<Policy> {
        self.policies
            .iter()
            .find(|p| p.name == name)
            .cloned()
            .or_else(|| crate::strategy::presets::preset(name, self))
    }
}

/// A service taking traffic.
#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    /// Mean requests per second.
    pub rps: f64,
    /// Share of requests that fail on a good day.
    pub baseline_error: Ratio,
    /// Revenue earned by one successful request, in currency units.
    pub value_per_request: f64,
    /// Availability objective, e.g. 0.999.
    pub slo: Ratio,
    /// The window the SLO is measured over (error budget = (1 - slo) x
    /// requests in the window).
    pub slo_window: SimDuration,
    /// The version running when the scenario starts.
    pub version: String,
    /// The release before it: the rollback target.
    pub previous_version: String,
}

impl Service {
    /// Largest error ratio still within the SLO.
    pub fn error_budget_ratio(&self) -> f64 {
        1.0 - self.slo.get()
    }
    /// Whether a service failing this share of its requests is within its
    /// SLO: the one definition of healthy, used by the world's ground truth
    /// and by validation (a baseline must pass it).
    pub fn within_slo(&self, error_ratio: f64) -> bool {
        error_ratio <= self.error_budget_ratio() + 1e-12
    }
    /// Requests the error budget allows to fail over one SLO window.
    pub fn error_budget_requests(&self) -> f64 {
        self.error_budget_ratio() * self.rps * self.slo_window.as_secs_f64()
    }
}

/// A library linked into several services: a change to it ships to all.
#[derive(Debug, Clone)]
pub struct Library {
    pub name: String,
    pub users: Vec<ServiceId>,
}

/// `caller` calls `callee`; a fraction `coupling` of the callee's failures
/// become the caller's failures.
#[derive(Debug, Clone)]
pub struct Dependency {
    pub caller: ServiceId,
    pub callee: ServiceId,
    pub coupling: Ratio,
}

/// A feature flag guarding one code path of one service.
#[derive(Debug, Clone)]
pub struct Flag {
    pub name: String,
    pub service: ServiceId,
    pub path: String,
    /// Whether the flag is on when the scenario starts.
    pub enabled: bool,
    /// Share of the service's traffic that takes the guarded path while on.
    pub rollout: Ratio,
    /// What clients evaluate when the flag service is unreachable.
    pub fallback_enabled: bool,
}

/// What a defect does to the requests that reach it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// This share of requests fail.
    ErrorRatio(Ratio),
    /// Every request fails.
    Crash,
    /// Requests slow down by `added`; `timeouts` of them fail.
    Latency { added: SimDuration, timeouts: Ratio },
}

impl Effect {
    /// Share of affected requests that fail.
    pub fn error_ratio(&self) -> f64 {
        match *self {
            Effect::ErrorRatio(r) => r.get(),
            Effect::Crash => 1.0,
            Effect::Latency { timeouts, .. } => timeouts.get(),
        }
    }
}

impl std::fmt::Display for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Effect::ErrorRatio(r) => write!(f, "{r} of requests fail"),
            Effect::Crash => write!(f, "crash: every request fails"),
            Effect::Latency { added, timeouts } => {
                write!(f, "+{added} latency, {timeouts} time out")
            }
        }
    }
}

/// Where a fault came from, which decides whether a rollback cures it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultOrigin {
    /// Shipped with the current release: rolling back to the previous one cures it.
    LastRelease,
    /// Older than the previous release: a rollback does not help.
    Predates,
}

/// Something a change can modify: a service's own code or a shared library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    Service(ServiceId),
    Library(LibraryId),
}

/// When a fault starts to bite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Onset {
    /// At this moment of every replay.
    At(SimTime),
    /// Only when a drill's facilitator injects it (an optional fault, a
    /// game master's twist): dormant in sweeps, replays and strategies'
    /// runs until then.
    OnInjection,
}

impl Onset {
    /// The moment, for a fault that has one.
    pub fn at(self) -> Option<SimTime> {
        match self {
            Onset::At(t) => Some(t),
            Onset::OnInjection => None,
        }
    }
}

/// An injected fault: the incident's root cause.
#[derive(Debug, Clone)]
pub struct Fault {
    pub name: String,
    pub onset: Onset,
    pub service: ServiceId,
    /// The code path it lives on, if it is narrower than the whole service.
    pub path: Option<String>,
    pub effect: Effect,
    /// The flag guarding `path`, if one does (derived from the flags).
    pub guarded_by: Option<FlagId>,
    pub origin: FaultOrigin,
    /// Data corruption: rolling back code does not undo it.
    pub irreversible: bool,
    /// What a fix written under pressure (customers still failing) changes.
    pub fix_touches: Vec<Component>,
    /// What a fix written once the impact is contained changes: the
    /// narrow, proper fix, behind the fault's flag when one guards it.
    pub calm_fix_touches: Vec<Component>,
}

/// One entry of the risk table: changing a component may plant a latent bug
/// that hurts `victim`, living in the code of `host`.
#[derive(Debug, Clone)]
pub struct LatentRisk {
    pub victim: ServiceId,
    /// The service whose new build carries the bug; the bug reaches
    /// `victim`'s requests through `host`'s traffic share on that build.
    pub host: ServiceId,
    pub probability: Probability,
    pub effect: Effect,
    /// Time from the build first taking traffic to the bug biting.
    pub delay: DurationDist,
}

/// How risky a change is, and how likely each safety net catches a bug.
#[derive(Debug, Clone)]
pub struct ChangeRisk {
    /// Chance a fix actually cures what it targets.
    pub fix_cures: Probability,
    pub review_catch: Probability,
    pub fast_ci_catch: Probability,
    pub full_ci_catch: Probability,
    pub smoke_catch: Probability,
    /// Per component, the latent bugs a change to it may carry.
    pub components: Vec<(Component, Vec<LatentRisk>)>,
}

impl ChangeRisk {
    pub fn risks_of(&self, component: Component) -> &[LatentRisk] {
        self.components
            .iter()
            .find(|(c, _)| *c == component)
            .map(|(_, r)| r.as_slice())
            .unwrap_or(&[])
    }
}

/// When the monitoring pages: error ratio over `window` above `threshold`
/// for `for_duration`. Applied to every service.
#[derive(Debug, Clone)]
pub struct AlertRule {
    pub name: String,
    pub window: SimDuration,
    pub threshold: Ratio,
    pub for_duration: SimDuration,
}

/// The people and the pipeline.
#[derive(Debug, Clone)]
pub struct Team {
    pub alert: AlertRule,
    pub acknowledge: DurationDist,
    pub diagnose: DurationDist,
    pub write_fix: DurationDist,
    pub review: DurationDist,
    pub ci_fast: DurationDist,
    pub ci_full: DurationDist,
    pub deploy: DurationDist,
    pub rollback: DurationDist,
    pub traffic_switch: DurationDist,
    pub smoke_test: DurationDist,
    /// Default bake time of a canary stage when a policy names none.
    pub canary_bake: DurationDist,
    pub flag_propagation: DurationDist,
    /// Restoring damaged data (from a backup, or a reconciliation job);
    /// required when a fault is `irreversible`.
    pub repair: Option<DurationDist>,
}
