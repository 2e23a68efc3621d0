//! The simulated world: services, builds, defects, traffic, counters,
//! alerts, the pipeline and the flag service, advanced by a discrete-event
//! loop over a virtual clock.
//!
//! Map:
//! - [`code`]: builds, changes and defects;
//! - [`traffic`]: failure composition and request sampling;
//! - [`metrics`]: scraped series and alert states;
//! - [`journal`]: the timeline of everything that happened;
//! - `ops/`: what the control plane can ask of the world, one file per API
//!   it stands for (`github`, `argo`, `unleash`, `prometheus`, and `people`
//!   for the on-call engineer).
//!
//! Events at the same instant run in the order they were scheduled (a
//! sequence number breaks ties), so a replay is a pure function of the
//! scenario, the seed and the strategy.

pub mod code;
pub mod journal;
pub mod metrics;
mod ops;
#[cfg(feature = "testing")]
pub mod trace;
pub mod traffic;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand_chacha::ChaCha8Rng;

use crate::prob::Ratio;
use crate::rng::{stream, Purpose};
use crate::scenario::{FaultId, FlagId, Scenario, ServiceId};
use crate::time::{SimDuration, SimTime};
use code::{Change, ChangeId, Defect, DefectId, DefectOrigin, Version, VersionId};
use journal::{Actor, EntryKind, Journal};
use metrics::{AlertState, Counter, Series};
use traffic::{add_cause, first_cause, Cause, Cohort, Load, Root};

pub use ops::{
    AppView, CheckConclusion, CheckView, CulpritKind, CulpritView, Diagnosis, HistoryView, NewPull,
    OpError, PullAim, PullRequestView, Release, RestCheck, RestPull, Review, ReviewState,
    RolloutView, BASE_SHA, DEPLOY_LABEL_PREFIX, FAST_LANE_LABELS, FULL_LANE_LABEL,
    SMOKE_CHECK_NAME,
};

/// Scrape intervals that share one traffic stream: common random numbers
/// re-align at every block boundary, and a block amortises seeding ChaCha.
const TRAFFIC_BLOCK_SCRAPES: u64 = 16;

/// Things scheduled to happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Scrape,
    FaultOnset(FaultId),
    DefectOnset(DefectId),
    OpDone(u32),
}

/// A deployment made by the responders, for scoring and for the
/// "nothing in flight is lost" accounting.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Deployment {
    pub change: ChangeId,
    pub number: u32,
    pub started: SimTime,
    pub outcome: DeploymentOutcome,
    /// Took production traffic at some point.
    pub reached_traffic: bool,
    /// Needed remediation: rolled back, aborted, switched back, or a later
    /// hotfix targeted a regression it caused.
    pub remediated: bool,
    /// How it is released (the Rollout spec it was synced with).
    #[serde(skip)]
    pub release: Release,
    /// Index of the canary step it is at (`setWeight` steps taken).
    #[serde(skip)]
    pub step: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentOutcome {
    InProgress,
    Completed,
    Aborted,
    RolledBack,
}

/// One service's deployment state, as Argo CD and Argo Rollouts see it.
#[derive(Debug, Clone)]
pub(crate) struct App {
    pub stable: VersionId,
    /// A canary (or a blue/green preview at weight zero).
    pub canary: Option<(VersionId, f64, ChangeId)>,
    /// Blue/green: the previous colour, kept warm for a quick switch back.
    pub standby: Option<VersionId>,
    pub history: Vec<(u32, VersionId, SimTime)>,
    /// The last sync, rollback or switch: what Argo CD shows as
    /// `operationState`.
    pub operation: Option<AppOperation>,
}

/// A deployment operation on one application.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppOperation {
    /// `sync`, `rollback` or `switch`.
    pub kind: &'static str,
    /// The build being rolled out.
    pub revision: String,
    pub started: SimTime,
    /// `None` while running.
    pub finished: Option<SimTime>,
}

impl App {
    fn cohorts(&self) -> impl Iterator<Item = (VersionId, f64)> + '_ {
        let w = self.canary.map(|(_, w, _)| w).unwrap_or(0.0);
        std::iter::once((self.stable, 1.0 - w))
            .chain(self.canary.iter().map(|&(v, w, _)| (v, w)))
            .filter(|&(_, s)| s > 0.0)
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct FlagState {
    /// As configured in the flag service.
    pub configured: bool,
    /// As evaluated by the service's SDKs (after propagation).
    pub effective: bool,
}

/// Per-service ground truth, accumulated for scoring: every request
/// served, and the failed ones by cause.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub requests: u64,
    pub failures: u64,
    /// Failures by the first cause that fired, in first-seen order.
    pub by_cause: Vec<(Cause, u64)>,
}

/// The world, for one replay.
#[derive(Debug)]
pub struct World<'s> {
    pub(crate) sc: &'s Scenario,
    pub(crate) seed: u64,
    now: SimTime,
    horizon: SimTime,
    queue: BinaryHeap<Reverse<(SimTime, u64, Event)>>,
    seq: u64,
    pub(crate) versions: Vec<Version>,
    pub(crate) defects: Vec<Defect>,
    pub(crate) changes: Vec<Change>,
    pub(crate) apps: Vec<App>,
    pub(crate) flags: Vec<FlagState>,
    pub(crate) flag_service_up: bool,
    /// Damaged data, per service: the data side of irreversible faults.
    data_defects: Vec<Vec<DefectId>>,
    /// Per fault, the damaged data its code writes (irreversible faults).
    pub(crate) damage_of: Vec<Option<DefectId>>,
    /// Per fault, when it starts: the scenario's onset, or for an optional
    /// fault the moment a facilitator injected it (`None`: dormant, not
    /// part of this incident).
    pub(crate) onsets: Vec<Option<SimTime>>,
    loads: Vec<Load>,
    loads_dirty: bool,
    counters: Vec<Vec<Counter>>,
    pub(crate) tally: Vec<Tally>,
    /// Requests failed by the incident so far (every cause but the
    /// baseline), over all services.
    incident_failed: u64,
    /// `incident_failed` at each moment every service became healthy.
    incident_failed_at_healthy: Vec<(SimTime, u64)>,
    last_accrual: SimTime,
    traffic_rng: Vec<(u64, ChaCha8Rng)>,
    pub(crate) series: Series,
    pub(crate) alerts: Vec<AlertState>,
    pub(crate) healthy: Vec<bool>,
    /// (time, service, healthy) transitions.
    pub(crate) health_log: Vec<(SimTime, ServiceId, bool)>,
    /// Since when every service has been healthy; `None` while one is not.
    all_healthy_since: Option<SimTime>,
    /// (time, whether the injected faults fail any request) transitions.
    pub(crate) original_impact_log: Vec<(SimTime, bool)>,
    pub(crate) journal: Journal,
    pub(crate) ops: Vec<ops::Op>,
    pub(crate) prs: Vec<ops::PullRequest>,
    pub(crate) deployments: Vec<Deployment>,
    pub(crate) counts: ops::Counts,
    /// Defects that failed at least one request.
    pub(crate) harmful: Vec<bool>,
    /// Git branches pushed over the REST API: (name, sha).
    pub(crate) branches: Vec<(String, String)>,
    /// Scratch buffer for failures by cause, reused across draws.
    draw_buf: Vec<(Cause, u64)>,
    /// Loads changed since health was last derived.
    health_stale: bool,
    /// Ground truth over time, when a property test asks for it.
    #[cfg(feature = "testing")]
    trace: Option<trace::Trace>,
}

/// Why the world cannot go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Halt {
    #[error("the replay reached its horizon")]
    Horizon,
}

impl<'s> World<'s> {
    /// A world at the scenario's start. Nothing has happened yet.
    pub fn new(sc: &'s Scenario, seed: u64) -> Self {
        let n = sc.services.len();
        let mut w = World {
            sc,
            seed,
            now: SimTime::START,
            horizon: SimTime::START + sc.horizon,
            queue: BinaryHeap::new(),
            seq: 0,
            versions: Vec::new(),
            defects: Vec::new(),
            changes: Vec::new(),
            apps: Vec::with_capacity(n),
            flags: sc
                .flags
                .iter()
                .map(|f| FlagState {
                    configured: f.enabled,
                    effective: f.enabled,
                })
                .collect(),
            flag_service_up: true,
            data_defects: vec![Vec::new(); n],
            damage_of: Vec::new(),
            onsets: Vec::new(),
            loads: vec![Load::default(); n],
            loads_dirty: true,
            counters: vec![Vec::new(); n],
            tally: vec![Tally::default(); n],
            incident_failed: 0,
            incident_failed_at_healthy: Vec::new(),
            last_accrual: SimTime::START,
            traffic_rng: (0..n)
                .map(|s| (0, stream(seed, Purpose::Traffic, s as u64, 0)))
                .collect(),
            series: Series::new(n),
            alerts: vec![AlertState::Inactive; n],
            healthy: vec![true; n],
            health_log: Vec::new(),
            original_impact_log: Vec::new(),
            all_healthy_since: Some(SimTime::START),
            journal: Journal::default(),
            ops: Vec::new(),
            prs: Vec::new(),
            deployments: Vec::new(),
            counts: ops::Counts::default(),
            harmful: Vec::new(),
            branches: vec![("main".to_string(), ops::BASE_SHA.to_string())],
            draw_buf: Vec::new(),
            health_stale: true,
            #[cfg(feature = "testing")]
            trace: None,
        };
        w.install_faults();
        w.series.begin_scrape(SimTime::START);
        for s in sc.service_ids() {
            w.series.record(s, &w.counters[s.index()]);
        }
        w.schedule(SimTime::START + sc.scrape_interval, Event::Scrape);
        w.refresh_health();
        w
    }

    /// Builds the initial releases and plants the scenario's faults. An
    /// `irreversible` fault is two defects: its code, which corrupts data
    /// rather than failing requests, and the damaged data, which fails them
    /// until a repair.
    fn install_faults(&mut self) {
        let sc = self.sc;
        // Fault defects first, so their ids are the fault ids.
        for (i, f) in sc.faults.iter().enumerate() {
            let fid = FaultId(i as u32);
            self.defects.push(Defect {
                origin: DefectOrigin::Fault(fid),
                host: f.service,
                victim: f.service,
                effect: f.effect,
                flag: f.guarded_by,
                delay: SimDuration::ZERO,
                // Armed by its onset event, so the timeline shows the
                // fault before the health change it causes.
                active_from: None,
                in_data: false,
                repaired: false,
                writes: None,
            });
            self.harmful.push(false);
            if let Some(at) = f.onset.at() {
                self.schedule(at, Event::FaultOnset(fid));
            }
            self.onsets.push(f.onset.at());
        }
        self.damage_of = vec![None; sc.faults.len()];
        for (i, f) in sc.faults.iter().enumerate() {
            if !f.irreversible {
                continue;
            }
            let damage = DefectId(self.defects.len() as u32);
            self.defects.push(Defect {
                origin: DefectOrigin::Fault(FaultId(i as u32)),
                host: f.service,
                victim: f.service,
                effect: f.effect,
                flag: None,
                delay: SimDuration::ZERO,
                active_from: None,
                in_data: true,
                repaired: false,
                writes: None,
            });
            self.harmful.push(false);
            self.defects[i].writes = Some(damage);
            self.damage_of[i] = Some(damage);
            self.data_defects[f.service.index()].push(damage);
        }
        for s in sc.service_ids() {
            let svc = sc.service(s);
            let mut current = Vec::new();
            let mut previous = Vec::new();
            for (i, f) in sc.faults.iter().enumerate() {
                if f.service != s {
                    continue;
                }
                let d = DefectId(i as u32);
                current.push(d);
                if f.origin == crate::scenario::FaultOrigin::Predates {
                    previous.push(d);
                }
            }
            let prev = self.add_version(Version {
                service: s,
                label: svc.previous_version.clone(),
                change: None,
                parent: None,
                defects: previous,
                first_traffic: None,
            });
            let cur = self.add_version(Version {
                service: s,
                label: svc.version.clone(),
                change: None,
                parent: Some(prev),
                defects: current,
                first_traffic: Some(SimTime::START),
            });
            self.apps.push(App {
                stable: cur,
                canary: None,
                standby: None,
                // Argo CD numbers history entries from 0 (api-reference §3.3).
                history: vec![(0, prev, SimTime::START), (1, cur, SimTime::START)],
                operation: None,
            });
            self.counters[s.index()].push(Counter {
                version: cur,
                requests: 0,
                errors: 0,
            });
        }
    }

    pub(crate) fn add_version(&mut self, v: Version) -> VersionId {
        self.versions.push(v);
        VersionId(self.versions.len() as u32 - 1)
    }

    pub fn scenario(&self) -> &'s Scenario {
        self.sc
    }
    pub fn now(&self) -> SimTime {
        self.now
    }
    pub fn horizon(&self) -> SimTime {
        self.horizon
    }
    pub fn journal(&self) -> &Journal {
        &self.journal
    }
    pub fn series(&self) -> &Series {
        &self.series
    }
    pub fn version_label(&self, v: VersionId) -> &str {
        &self.versions[v.index()].label
    }
    pub fn deployments(&self) -> &[Deployment] {
        &self.deployments
    }
    pub fn alert_state(&self, s: ServiceId) -> AlertState {
        self.alerts[s.index()]
    }
    /// Builds currently serving a service, with their traffic shares.
    pub fn cohorts(&self, s: ServiceId) -> Vec<(VersionId, f64)> {
        self.apps[s.index()].cohorts().collect()
    }
    /// A build: its service, label, the change that made it and its defects.
    pub fn version(&self, v: VersionId) -> &Version {
        &self.versions[v.index()]
    }
    /// The responders' changes so far; PR number `n` is `changes()[n - 1]`.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }
    /// A defect (injected fault or latent bug) and how it hurts.
    pub fn defect(&self, d: DefectId) -> &Defect {
        &self.defects[d.index()]
    }
    /// Requests and failures by cause a service has served so far.
    pub fn tally(&self, s: ServiceId) -> &Tally {
        &self.tally[s.index()]
    }

    fn schedule(&mut self, at: SimTime, e: Event) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, e)));
    }

    pub(crate) fn schedule_op(&mut self, at: SimTime, op: u32) {
        self.schedule(at, Event::OpDone(op));
    }

    /// When the next event is due.
    pub fn next_event_at(&self) -> Option<SimTime> {
        self.queue.peek().map(|Reverse((t, _, _))| *t)
    }

    /// Processes the next event if it is due at or before `deadline`;
    /// otherwise moves the clock to `deadline`. Returns whether an event ran.
    pub fn step(&mut self, deadline: SimTime) -> Result<bool, Halt> {
        let deadline = deadline.min(self.horizon);
        match self.queue.peek() {
            Some(Reverse((t, _, _))) if *t <= deadline => {
                let Some(Reverse((t, _, e))) = self.queue.pop() else {
                    return Ok(false);
                };
                self.accrue_until(t);
                self.now = t;
                self.handle(e);
                self.refresh_health();
                Ok(true)
            }
            _ => {
                // Traffic accrues at events (scrapes, onsets, completed
                // operations) and at every change of state, never at a
                // mere wake-up: whoever moves the clock, in whatever steps
                // (a replay's waits, a drill's wall-clock ticks), the same
                // world draws the same requests.
                self.now = deadline;
                if self.now >= self.horizon {
                    self.accrue_until(self.now);
                    Err(Halt::Horizon)
                } else {
                    Ok(false)
                }
            }
        }
    }

    /// Runs every event up to `t` (inclusive), then sets the clock to `t`.
    pub fn advance_to(&mut self, t: SimTime) -> Result<(), Halt> {
        while self.step(t)? {}
        if self.now >= self.horizon {
            return Err(Halt::Horizon);
        }
        Ok(())
    }

    fn handle(&mut self, e: Event) {
        match e {
            Event::Scrape => {
                self.scrape();
                let next = self.now + self.sc.scrape_interval;
                self.schedule(next, Event::Scrape);
            }
            Event::FaultOnset(f) => {
                self.loads_dirty = true;
                self.defects[f.index()].active_from = Some(self.now);

                let fault = self.sc.fault(f);
                self.journal.push(
                    self.now,
                    Actor::Service(self.sc.service(fault.service).name.clone()),
                    EntryKind::FaultOnset,
                    format!("fault `{}` begins: {}", fault.name, fault.effect),
                );
            }
            Event::DefectOnset(d) => {
                self.loads_dirty = true;
                let defect = &self.defects[d.index()];
                if let DefectOrigin::Change(c) = defect.origin {
                    let text = format!(
                        "latent bug from PR #{} bites: {}{}",
                        self.changes[c.index()].number,
                        defect.effect,
                        if defect.host != defect.victim {
                            format!(" (through {})", self.sc.service(defect.host).name)
                        } else {
                            String::new()
                        }
                    );
                    let victim = self.sc.service(defect.victim).name.clone();
                    self.journal.push(
                        self.now,
                        Actor::Service(victim),
                        EntryKind::RegressionOnset,
                        text,
                    );
                }
            }
            Event::OpDone(op) => {
                self.complete_op(op);
                #[cfg(feature = "testing")]
                self.trace_op(op);
            }
        }
    }

    /// Whether defect `d` bites at the current instant.
    fn active(&self, d: DefectId) -> bool {
        let defect = &self.defects[d.index()];
        defect.active_from.is_some_and(|t| t <= self.now) && !(defect.in_data && defect.repaired)
    }

    /// Share of traffic taking the defect's code path (flags).
    fn path_share(&self, d: DefectId) -> f64 {
        match self.defects[d.index()].flag {
            None => 1.0,
            Some(f) => {
                if self.flag_on(f) {
                    self.sc.flag(f).rollout.get()
                } else {
                    0.0
                }
            }
        }
    }

    pub(crate) fn flag_on(&self, f: FlagId) -> bool {
        if self.flag_service_up {
            self.flags[f.index()].effective
        } else {
            self.sc.flag(f).fallback_enabled
        }
    }

    fn root_of(&self, d: DefectId) -> Root {
        let defect = &self.defects[d.index()];
        match defect.origin {
            DefectOrigin::Fault(f) if defect.in_data => Root::Damage(f),
            DefectOrigin::Fault(f) => Root::Fault(f),
            DefectOrigin::Change(_) => Root::Regression(d),
        }
    }

    /// The defect behind a root cause (`None` for the baseline).
    pub(crate) fn defect_of_root(&self, root: Root) -> Option<DefectId> {
        match root {
            Root::Baseline => None,
            // Fault defects share their fault's index.
            Root::Fault(f) => Some(DefectId(f.0)),
            Root::Damage(f) => self.damage_of[f.index()],
            Root::Regression(d) => Some(d),
        }
    }

    /// Whether code defect `d` runs on any build serving `s` with its path
    /// taken: for code that corrupts data, whether it is writing.
    fn runs_on(&self, d: DefectId, s: ServiceId) -> bool {
        self.active(d)
            && self.path_share(d) > 0.0
            && self.apps[s.index()]
                .cohorts()
                .any(|(v, _)| self.versions[v.index()].defects.binary_search(&d).is_ok())
    }

    /// Code that corrupts data damages it again wherever it runs: damage
    /// starts (or, after a repair, starts over) the moment the code writes.
    fn spread_damage(&mut self, s: ServiceId) {
        for i in 0..self.sc.faults.len() {
            let (code, Some(damage)) = (DefectId(i as u32), self.damage_of[i]) else {
                continue;
            };
            if self.defects[code.index()].host != s || !self.runs_on(code, s) {
                continue;
            }
            let data = &mut self.defects[damage.index()];
            if data.active_from.is_some() && !data.repaired {
                continue;
            }
            let again = data.repaired;
            data.active_from = Some(self.now);
            data.repaired = false;
            let fault = self.sc.fault(FaultId(i as u32));
            self.journal.push(
                self.now,
                Actor::Service(self.sc.service(s).name.clone()),
                EntryKind::FaultOnset,
                format!(
                    "fault `{}` {} data: {}",
                    fault.name,
                    if again {
                        "corrupts repaired"
                    } else {
                        "corrupts"
                    },
                    fault.effect
                ),
            );
        }
    }

    /// Recomputes every service's failure picture, callees first.
    fn ensure_loads(&mut self) {
        if !self.loads_dirty {
            return;
        }
        self.loads_dirty = false;
        let sc = self.sc;
        let mut loads: Vec<Load> = vec![Load::default(); sc.services.len()];
        for &s in &sc.topo_order {
            let svc = sc.service(s);
            self.spread_damage(s);
            // Causes that hit every cohort of `s` alike.
            let mut shared: Vec<(Cause, f64)> = Vec::new();
            for &d in &self.data_defects[s.index()] {
                if self.active(d) {
                    let p = self.defects[d.index()].effect.error_ratio() * self.path_share(d);
                    add_cause(
                        &mut shared,
                        Cause {
                            root: self.root_of(d),
                            via: None,
                        },
                        p,
                    );
                }
            }
            for (i, defect) in self.defects.iter().enumerate() {
                let d = DefectId(i as u32);
                if defect.victim != s || defect.host == s || defect.in_data || !self.active(d) {
                    continue;
                }
                let exposure: f64 = self.apps[defect.host.index()]
                    .cohorts()
                    .filter(|(v, _)| self.versions[v.index()].defects.binary_search(&d).is_ok())
                    .map(|(_, share)| share)
                    .sum();
                let p = defect.effect.error_ratio() * self.path_share(d) * exposure;
                add_cause(
                    &mut shared,
                    Cause {
                        root: self.root_of(d),
                        via: None,
                    },
                    p,
                );
            }
            for dep in sc.callees_of(s) {
                for &(cause, q) in &loads[dep.callee.index()].by_cause {
                    if cause.root == Root::Baseline {
                        continue;
                    }
                    let via = Cause {
                        root: cause.root,
                        via: Some(dep.callee),
                    };
                    add_cause(&mut shared, via, dep.coupling.get() * q);
                }
            }
            let mut load = Load::default();
            for (version, share) in self.apps[s.index()].cohorts() {
                let mut independent = vec![(
                    Cause {
                        root: Root::Baseline,
                        via: None,
                    },
                    svc.baseline_error.get(),
                )];
                for &d in &self.versions[version.index()].defects {
                    let defect = &self.defects[d.index()];
                    // Code that corrupts data fails requests through the
                    // damage it writes, not itself.
                    if defect.victim == s && defect.writes.is_none() && self.active(d) {
                        let p = defect.effect.error_ratio() * self.path_share(d);
                        add_cause(
                            &mut independent,
                            Cause {
                                root: self.root_of(d),
                                via: None,
                            },
                            p,
                        );
                    }
                }
                for &(c, p) in &shared {
                    add_cause(&mut independent, c, p);
                }
                let (causes, fail) = first_cause(&independent);
                for &(c, p) in &causes {
                    add_cause(&mut load.by_cause, c, p * share);
                }
                load.fail += fail * share;
                load.cohorts.push(Cohort {
                    version,
                    share,
                    causes,
                    fail,
                    cached_for: 0.0,
                    dists: Vec::new(),
                });
            }
            loads[s.index()] = load;
        }
        self.loads = loads;
        self.health_stale = true;
        #[cfg(feature = "testing")]
        self.trace_loads();
    }

    /// True error ratio of a service right now (ground truth, noise-free).
    pub fn true_error_ratio(&mut self, s: ServiceId) -> f64 {
        self.ensure_loads();
        self.loads[s.index()].fail
    }

    pub(crate) fn load(&mut self, s: ServiceId) -> &Load {
        self.ensure_loads();
        &self.loads[s.index()]
    }

    /// Samples traffic from the last accrual up to `t` under the current state.
    fn accrue_until(&mut self, t: SimTime) {
        if t <= self.last_accrual {
            return;
        }
        self.ensure_loads();
        let dt = (t - self.last_accrual).as_secs_f64();
        // Traffic draws are keyed by service and by the block of scrape
        // intervals they fall in, so the same stretch of time sees the same
        // requests whatever the responders did in earlier blocks.
        let tick = self.last_accrual.as_millis()
            / (self.sc.scrape_interval.as_millis().max(1) * TRAFFIC_BLOCK_SCRAPES);
        for s in self.sc.service_ids() {
            let si = s.index();
            if self.traffic_rng[si].0 != tick + 1 {
                self.traffic_rng[si] = (
                    tick + 1,
                    stream(self.seed, Purpose::Traffic, si as u64, tick + 1),
                );
            }
            let rps = self.sc.service(s).rps;
            let mut cohorts = std::mem::take(&mut self.loads[si].cohorts);
            for cohort in &mut cohorts {
                let expected = rps * cohort.share * dt;
                let mut by_cause = std::mem::take(&mut self.draw_buf);
                let drawn =
                    traffic::draw(&mut self.traffic_rng[si].1, expected, cohort, &mut by_cause);
                if drawn.requests == 0 {
                    self.draw_buf = by_cause;
                    continue;
                }
                let counters = &mut self.counters[si];
                match counters.iter_mut().find(|c| c.version == cohort.version) {
                    Some(c) => {
                        c.requests += drawn.requests;
                        c.errors += drawn.failures;
                    }
                    None => counters.push(Counter {
                        version: cohort.version,
                        requests: drawn.requests,
                        errors: drawn.failures,
                    }),
                }
                for &(cause, _) in &by_cause {
                    if let Some(d) = self.defect_of_root(cause.root) {
                        self.harmful[d.index()] = true;
                    }
                }
                let tally = &mut self.tally[si];
                tally.requests += drawn.requests;
                tally.failures += drawn.failures;
                for &(cause, k) in &by_cause {
                    if cause.root != Root::Baseline {
                        self.incident_failed += k;
                    }
                    match tally.by_cause.iter_mut().find(|(c, _)| *c == cause) {
                        Some(e) => e.1 += k,
                        None => tally.by_cause.push((cause, k)),
                    }
                }
                self.draw_buf = by_cause;
            }
            self.loads[si].cohorts = cohorts;
        }
        self.last_accrual = t;
    }

    fn scrape(&mut self) {
        self.series.begin_scrape(self.now);
        for s in self.sc.service_ids() {
            self.series.record(s, &self.counters[s.index()]);
        }
        self.evaluate_alerts();
    }

    fn evaluate_alerts(&mut self) {
        let rule = &self.sc.team.alert;
        for s in self.sc.service_ids() {
            let (req, err) = self.series.increase(s, self.now, rule.window, None);
            let breaching = req > 0 && (err as f64 / req as f64) > rule.threshold.get();
            let state = self.alerts[s.index()];
            let name = &self.sc.service(s).name;
            let next = match (state, breaching) {
                (AlertState::Inactive, true) => {
                    if rule.for_duration == SimDuration::ZERO {
                        self.fire(s, req, err)
                    } else {
                        AlertState::Pending { since: self.now }
                    }
                }
                (AlertState::Pending { since }, true) => {
                    if self.now - since >= rule.for_duration {
                        self.fire(s, req, err)
                    } else {
                        state
                    }
                }
                (AlertState::Firing { .. }, true) => state,
                (AlertState::Firing { .. }, false) => {
                    self.journal.push(
                        self.now,
                        Actor::Service(name.clone()),
                        EntryKind::AlertResolved,
                        format!("alert {} resolved", rule.name),
                    );
                    AlertState::Inactive
                }
                (_, false) => AlertState::Inactive,
            };
            self.alerts[s.index()] = next;
        }
    }

    fn fire(&mut self, s: ServiceId, req: u64, err: u64) -> AlertState {
        let rule = &self.sc.team.alert;
        self.journal.push(
            self.now,
            Actor::Service(self.sc.service(s).name.clone()),
            EntryKind::AlertFiring,
            format!(
                "alert {} firing: {} of requests failed over {} (threshold {})",
                rule.name,
                Ratio::clamped(err as f64 / req as f64),
                rule.window,
                rule.threshold
            ),
        );
        AlertState::Firing { since: self.now }
    }

    /// Re-derives ground-truth health after a change of state.
    fn refresh_health(&mut self) {
        self.ensure_loads();
        if !std::mem::replace(&mut self.health_stale, false) {
            return;
        }
        for s in self.sc.service_ids() {
            let svc = self.sc.service(s);
            let fail = self.loads[s.index()].fail;
            let ok = svc.within_slo(fail);
            if ok != self.healthy[s.index()] {
                self.healthy[s.index()] = ok;
                self.health_log.push((self.now, s, ok));
                let (kind, text) = if ok {
                    (
                        EntryKind::Healthy,
                        format!("healthy again: error ratio {}", Ratio::clamped(fail)),
                    )
                } else {
                    (
                        EntryKind::Unhealthy,
                        format!(
                            "unhealthy: error ratio {} (SLO allows {})",
                            Ratio::clamped(fail),
                            Ratio::clamped(svc.error_budget_ratio())
                        ),
                    )
                };
                self.journal
                    .push(self.now, Actor::Service(svc.name.clone()), kind, text);
            }
        }
        let all = self.healthy.iter().all(|&h| h);
        match (all, self.all_healthy_since) {
            (true, None) => {
                self.all_healthy_since = Some(self.now);
                self.incident_failed_at_healthy
                    .push((self.now, self.incident_failed));
            }
            (false, Some(_)) => self.all_healthy_since = None,
            _ => {}
        }
        self.refresh_original_impact();
    }

    /// Requests the incident has failed so far (every cause but the
    /// baseline, over all services).
    pub fn incident_failures(&self) -> u64 {
        self.incident_failed
    }

    /// [`World::incident_failures`] as it stood at `t`, a moment every
    /// service became healthy (0 before the first).
    pub fn incident_failures_at(&self, t: SimTime) -> u64 {
        self.incident_failed_at_healthy
            .iter()
            .rev()
            .find(|&&(at, _)| at <= t)
            .map_or(0, |&(_, n)| n)
    }

    /// Whether nothing can change any more but for traffic noise: every
    /// service has been within its SLO for the stability window, no alert
    /// is pending or firing, and nothing is scheduled but scrapes (no fault
    /// or latent bug still to bite, no operation running).
    pub fn settled(&self) -> bool {
        self.all_healthy_since
            .is_some_and(|since| self.now - since >= self.sc.stability_window)
            && self.alerts.iter().all(|a| *a == AlertState::Inactive)
            && self
                .queue
                .iter()
                .all(|Reverse((_, _, e))| *e == Event::Scrape)
    }

    /// Since when every service has been healthy, if all are now.
    pub fn all_healthy_since(&self) -> Option<SimTime> {
        self.all_healthy_since
    }

    /// The stretches `[from, to)` during which every service was healthy,
    /// the last one running to `end` if it had not ended.
    pub fn healthy_stretches(&self, end: SimTime) -> Vec<(SimTime, SimTime)> {
        let mut healthy = vec![true; self.sc.services.len()];
        let mut stretches = Vec::new();
        let mut since = Some(SimTime::START);
        for &(t, s, ok) in &self.health_log {
            healthy[s.index()] = ok;
            match (healthy.iter().all(|&h| h), since) {
                (true, None) => since = Some(t),
                (false, Some(start)) => {
                    stretches.push((start, t));
                    since = None;
                }
                _ => {}
            }
        }
        if let Some(start) = since {
            stretches.push((start, end));
        }
        stretches
    }

    fn refresh_original_impact(&mut self) {
        let hurting = self.loads.iter().any(|l| {
            l.by_cause
                .iter()
                .any(|(c, p)| matches!(c.root, Root::Fault(_) | Root::Damage(_)) && *p > 0.0)
        });
        let was = self.original_impact_log.last().is_some_and(|&(_, h)| h);
        if hurting != was {
            self.original_impact_log.push((self.now, hurting));
        }
    }

    pub fn all_healthy(&self) -> bool {
        self.healthy.iter().all(|&h| h)
    }

    /// Marks state as changed (flags, traffic shares, builds).
    pub(crate) fn invalidate(&mut self) {
        self.accrue_until(self.now);
        self.loads_dirty = true;
    }

    /// Records that build `v` takes traffic from now on, arming its latent bugs.
    pub(crate) fn note_traffic(&mut self, v: VersionId) {
        if self.versions[v.index()].first_traffic.is_some() {
            return;
        }
        self.versions[v.index()].first_traffic = Some(self.now);
        let defects = self.versions[v.index()].defects.clone();
        for d in defects {
            let defect = &mut self.defects[d.index()];
            if defect.active_from.is_none() {
                let at = self.now + defect.delay;
                defect.active_from = Some(at);
                self.schedule(at, Event::DefectOnset(d));
            }
        }
    }
}
