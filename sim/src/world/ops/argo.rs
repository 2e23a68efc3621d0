//! Deployments as Argo CD and Argo Rollouts show them: syncs that build
//! from the running release, canary weights, promotion, abort, rollback to a
//! history entry and blue/green switches.

use super::*;
use crate::prob::Ratio;
use crate::rng::{stream, Purpose};
use crate::scenario::ServiceId;
use crate::time::SimDuration;
use crate::world::code::{ChangeId, DefectId, Version, VersionId};
use crate::world::journal::{Actor, EntryKind};
use crate::world::{Deployment, DeploymentOutcome, World};

/// How a change is released, as its Argo Rollouts spec declares it.
#[derive(Debug, Clone, PartialEq)]
pub enum Release {
    /// A canary: `setWeight` steps, each held until promoted. A single
    /// 100% step is a plain rolling deploy.
    Canary { steps: Vec<Ratio> },
    /// Blue/green: an idle preview, then one switch of all traffic.
    BlueGreen,
}

impl Release {
    /// A plain deploy of all traffic at once.
    pub fn full() -> Release {
        Release::Canary {
            steps: vec![Ratio::ONE],
        }
    }

    /// The share of traffic the new build takes when the sync finishes.
    pub fn first_weight(&self) -> Ratio {
        match self {
            Release::Canary { steps } => steps.first().copied().unwrap_or(Ratio::ONE),
            Release::BlueGreen => Ratio::ZERO,
        }
    }
}

/// The newest rollout on an application, as Argo Rollouts reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutView {
    /// The pull request whose change is being (or was) rolled out.
    pub pr: u32,
    pub release: Release,
    /// Canary steps taken so far (0 = the first `setWeight`).
    pub step: usize,
    pub outcome: DeploymentOutcome,
    /// The change's build on this application.
    pub revision: String,
    /// Its traffic weight while it is the canary (or the idle preview).
    pub canary_weight: Option<f64>,
    /// It is the application's stable build.
    pub stable: bool,
    /// The build it replaced.
    pub base: String,
    /// After a blue/green switch: the previous colour, still up.
    pub standby: Option<String>,
}

impl World<'_> {
    /// Deploys a merged change as `release` declares: the first canary
    /// weight, or an idle blue/green preview.
    pub fn deploy_release(&mut self, number: u32, release: &Release) -> Result<(), OpError> {
        if let Release::Canary { steps } = release {
            if steps.is_empty() {
                return Err(OpError::Invalid(
                    "a canary needs at least one setWeight step".into(),
                ));
            }
        }
        self.deploy(number, release.first_weight())?;
        if let Some(dep) = self.deployment_mut(number) {
            dep.release = release.clone();
        }
        Ok(())
    }

    /// The newest rollout of a responders' change to `app`, if any.
    pub fn rollout(&self, app: &str) -> Result<Option<RolloutView>, OpError> {
        let s = self.service_named(app)?;
        let Some(dep) = self
            .deployments
            .iter()
            .rev()
            .find(|d| self.changes[d.change.index()].ships_to.contains(&s))
        else {
            return Ok(None);
        };
        let change = &self.changes[dep.change.index()];
        let build = change.builds.iter().find(|b| b.0 == s).map(|b| b.1);
        let base = change.bases.iter().find(|b| b.0 == s).map(|b| b.1);
        let (Some(build), Some(base)) = (build, base) else {
            return Ok(None);
        };
        let a = &self.apps[s.index()];
        Ok(Some(RolloutView {
            pr: dep.number,
            release: dep.release.clone(),
            step: dep.step,
            outcome: dep.outcome,
            revision: self.versions[build.index()].label.clone(),
            canary_weight: a.canary.filter(|c| c.0 == build).map(|c| c.1),
            stable: a.stable == build,
            base: self.versions[base.index()].label.clone(),
            standby: a.standby.map(|v| self.versions[v.index()].label.clone()),
        }))
    }

    pub(super) fn merged_change(&self, number: u32) -> Result<ChangeId, OpError> {
        let pr = self.pr(number)?;
        if !pr.merged {
            return Err(OpError::NotMerged(number));
        }
        Ok(pr.change)
    }

    pub(super) fn deploy_duration(&mut self, dist_kind: u64) -> SimDuration {
        self.counts.deploy_actions += 1;
        let mut rng = stream(
            self.seed,
            Purpose::Deploy,
            dist_kind,
            self.counts.deploy_actions,
        );
        let team = &self.sc.team;
        match dist_kind {
            0 => team.deploy.sample(&mut rng),
            1 => team.rollback.sample(&mut rng),
            _ => team.traffic_switch.sample(&mut rng),
        }
    }

    pub(super) fn app_busy(&self, s: ServiceId) -> bool {
        self.ops.iter().any(|op| {
            !op.done
                && match &op.kind {
                    OpKind::Deploy { pr, .. } | OpKind::Switch { pr, .. } => self
                        .pr(*pr)
                        .map(|p| self.changes[p.change.index()].ships_to.contains(&s))
                        .unwrap_or(false),
                    OpKind::Rollback { targets, .. } => targets.iter().any(|(t, _)| *t == s),
                    _ => false,
                }
        })
    }

    /// Syncs the merged change to its applications: new builds start with
    /// `weight` of the traffic once healthy (0 = a blue/green preview,
    /// 1 = a plain full deploy).
    pub fn deploy(&mut self, number: u32, weight: Ratio) -> Result<(), OpError> {
        let c = self.merged_change(number)?;
        let ships_to = self.changes[c.index()].ships_to.clone();
        if let Some(&busy) = ships_to.iter().find(|&&s| self.app_busy(s)) {
            return Err(OpError::Busy(self.sc.service(busy).name.clone()));
        }
        // Build from whatever each service runs now.
        let mut builds = Vec::new();
        let mut bases = Vec::new();
        for &s in &ships_to {
            let base = self.apps[s.index()].stable;
            let change = &self.changes[c.index()];
            let mut defects: Vec<DefectId> = self.versions[base.index()]
                .defects
                .iter()
                .copied()
                .filter(|&d| !(change.cures && Some(d) == change.target_defect))
                .collect();
            defects.extend(
                change
                    .latent
                    .iter()
                    .copied()
                    .filter(|&d| self.defects[d.index()].host == s),
            );
            defects.sort();
            defects.dedup();
            let label = format!("{}+pr{}", self.versions[base.index()].label, number);
            let v = self.add_version(Version {
                service: s,
                label,
                change: Some(c),
                parent: Some(base),
                defects,
                first_traffic: None,
            });
            builds.push((s, v));
            bases.push((s, base));
        }
        self.begin_app_operations("sync", &builds);
        let change = &mut self.changes[c.index()];
        change.builds = builds;
        change.bases = bases;
        let d = self.deploy_duration(0);
        self.start_op(
            OpKind::Deploy {
                pr: number,
                weight: weight.get(),
            },
            d,
        );
        self.deployments.push(Deployment {
            change: c,
            number,
            started: self.now(),
            outcome: DeploymentOutcome::InProgress,
            reached_traffic: false,
            remediated: false,
            release: if weight.get() <= 0.0 {
                Release::BlueGreen
            } else {
                Release::Canary {
                    steps: vec![weight],
                }
            },
            step: 0,
        });
        let apps = self.app_names(&ships_to);
        let what = if weight.get() >= 1.0 {
            "to 100%".to_string()
        } else if weight.get() <= 0.0 {
            "as an idle preview".to_string()
        } else {
            format!("as a {weight} canary")
        };
        self.say(
            Actor::Pipeline,
            EntryKind::Deploy,
            format!("sync of PR #{number} to {apps} started, {what}"),
        );
        Ok(())
    }

    pub(super) fn app_names(&self, services: &[ServiceId]) -> String {
        services
            .iter()
            .map(|&s| self.sc.service(s).name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub(super) fn deployment_mut(&mut self, number: u32) -> Option<&mut Deployment> {
        self.deployments
            .iter_mut()
            .rev()
            .find(|d| d.number == number)
    }

    /// The change behind PR `number` and its builds, if they are the
    /// canary (or preview) of every application they ship to.
    fn live_canary(&self, number: u32) -> Result<(ChangeId, Vec<(ServiceId, VersionId)>), OpError> {
        let c = self.merged_change(number)?;
        let builds = self.changes[c.index()].builds.clone();
        let live = builds.iter().all(|&(s, v)| {
            self.apps[s.index()]
                .canary
                .is_some_and(|(cv, _, _)| cv == v)
        });
        if builds.is_empty() || !live {
            return Err(OpError::NoRollout(number));
        }
        Ok((c, builds))
    }

    /// Records an operation starting on the applications of `targets`.
    pub(super) fn begin_app_operations(
        &mut self,
        kind: &'static str,
        targets: &[(ServiceId, VersionId)],
    ) {
        let now = self.now();
        for &(s, v) in targets {
            self.apps[s.index()].operation = Some(crate::world::AppOperation {
                kind,
                revision: self.versions[v.index()].label.clone(),
                started: now,
                finished: None,
            });
        }
    }

    /// Marks the applications an operation touched as done.
    pub(super) fn finish_app_operations(&mut self, kind: &OpKind) {
        let services: Vec<ServiceId> = match kind {
            OpKind::Deploy { pr, .. } | OpKind::Switch { pr, .. } => self
                .pr(*pr)
                .map(|p| self.changes[p.change.index()].ships_to.clone())
                .unwrap_or_default(),
            OpKind::Rollback { targets, .. } => targets.iter().map(|t| t.0).collect(),
            _ => return,
        };
        let now = self.now();
        for s in services {
            if let Some(op) = self.apps[s.index()].operation.as_mut() {
                op.finished.get_or_insert(now);
            }
        }
    }

    /// Sets the canary weight of a change's rollout (a `setWeight` step).
    pub fn set_weight(&mut self, number: u32, weight: Ratio) -> Result<(), OpError> {
        let (c, builds) = self.live_canary(number)?;
        self.invalidate();
        for &(s, v) in &builds {
            self.apps[s.index()].canary = Some((v, weight.get(), c));
            if weight.get() > 0.0 {
                self.note_traffic(v);
            }
        }
        if let Some(dep) = self.deployment_mut(number) {
            dep.step += 1;
            if weight.get() > 0.0 {
                dep.reached_traffic = true;
            }
        }
        self.say(
            Actor::Pipeline,
            EntryKind::Stage,
            format!("PR #{number}: canary weight set to {weight}"),
        );
        Ok(())
    }

    /// Makes the change's builds stable (full promotion).
    pub fn promote(&mut self, number: u32) -> Result<(), OpError> {
        let (_, builds) = self.live_canary(number)?;
        self.invalidate();
        for &(s, v) in &builds {
            self.make_stable(s, v);
        }
        self.finish_deployment(number, DeploymentOutcome::Completed);
        self.say(
            Actor::Pipeline,
            EntryKind::Promote,
            format!("PR #{number} promoted to 100%"),
        );
        Ok(())
    }

    pub(super) fn make_stable(&mut self, s: ServiceId, v: VersionId) {
        let app = &mut self.apps[s.index()];
        app.canary = None;
        app.stable = v;
        let id = app.history.last().map(|h| h.0).unwrap_or(0) + 1;
        app.history.push((id, v, self.now));
        self.note_traffic(v);
    }

    pub(super) fn finish_deployment(&mut self, number: u32, outcome: DeploymentOutcome) {
        if let Some(dep) = self.deployment_mut(number) {
            if dep.outcome == DeploymentOutcome::InProgress
                || outcome == DeploymentOutcome::RolledBack
            {
                dep.outcome = outcome;
                if outcome != DeploymentOutcome::Completed {
                    dep.remediated = dep.reached_traffic;
                }
            }
        }
    }

    /// Aborts a rollout: all traffic back to stable at once (Argo Rollouts'
    /// abort).
    pub fn abort(&mut self, number: u32) -> Result<(), OpError> {
        let c = self.merged_change(number)?;
        let builds = self.changes[c.index()].builds.clone();
        self.invalidate();
        let mut any = false;
        for &(s, v) in &builds {
            let app = &mut self.apps[s.index()];
            if app.canary.is_some_and(|(cv, _, _)| cv == v) {
                app.canary = None;
                any = true;
            }
        }
        if !any {
            return Err(OpError::NoRollout(number));
        }
        self.learn_from_production(c);
        self.finish_deployment(number, DeploymentOutcome::Aborted);
        self.say(
            Actor::Pipeline,
            EntryKind::Abort,
            format!("rollout of PR #{number} aborted: traffic back to stable"),
        );
        Ok(())
    }

    /// Rolls a change back: each application returns to the build it ran
    /// before the change (an Argo CD rollback to that history entry).
    pub fn rollback_change(&mut self, number: u32) -> Result<(), OpError> {
        let c = self.merged_change(number)?;
        let targets = self.changes[c.index()].bases.clone();
        if targets.is_empty() {
            return Err(OpError::NoRollout(number));
        }
        self.start_rollback(targets, Some(number))
    }

    /// The responders' change whose release `app`'s history entry `id`
    /// preceded: the newest deployed change built, on `app`, from that
    /// entry's build. Rolling `app` back to that entry undoes the change,
    /// and a change is one release over every application it ships to.
    pub fn change_based_on(&self, app: &str, id: u32) -> Option<u32> {
        let s = self.sc.service_by_name(app)?;
        let v = self.apps[s.index()]
            .history
            .iter()
            .find(|h| h.0 == id)
            .map(|h| h.1)?;
        self.deployments
            .iter()
            .rev()
            .find(|d| self.changes[d.change.index()].bases.contains(&(s, v)))
            .map(|d| d.number)
    }

    /// Rolls one application back to history entry `id`.
    pub fn rollback_app(&mut self, app: &str, id: u32) -> Result<(), OpError> {
        let s = self.service_named(app)?;
        let v = self.apps[s.index()]
            .history
            .iter()
            .find(|h| h.0 == id)
            .map(|h| h.1)
            .ok_or(OpError::UnknownRevision {
                app: app.to_string(),
                id,
            })?;
        self.start_rollback(vec![(s, v)], None)
    }

    pub(super) fn start_rollback(
        &mut self,
        targets: Vec<(ServiceId, VersionId)>,
        pr: Option<u32>,
    ) -> Result<(), OpError> {
        if let Some(&(busy, _)) = targets.iter().find(|(s, _)| self.app_busy(*s)) {
            return Err(OpError::Busy(self.sc.service(busy).name.clone()));
        }
        let d = self.deploy_duration(1);
        let text = targets
            .iter()
            .map(|&(s, v)| {
                format!(
                    "{} to {}",
                    self.sc.service(s).name,
                    self.versions[v.index()].label
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        self.begin_app_operations("rollback", &targets);
        self.start_op(OpKind::Rollback { targets, pr }, d);
        self.counts.rollbacks += 1;
        self.say(
            Actor::Responder,
            EntryKind::Rollback,
            format!("rollback started: {text}"),
        );
        Ok(())
    }

    /// Blue/green: switches all traffic to the change's preview builds
    /// (`to_new`) or back to the previous colour.
    pub fn switch(&mut self, number: u32, to_new: bool) -> Result<(), OpError> {
        let c = self.merged_change(number)?;
        if self.changes[c.index()].builds.is_empty() {
            return Err(OpError::NoRollout(number));
        }
        let d = self.deploy_duration(2);
        let targets = if to_new {
            self.changes[c.index()].builds.clone()
        } else {
            self.changes[c.index()].bases.clone()
        };
        self.begin_app_operations("switch", &targets);
        self.start_op(OpKind::Switch { pr: number, to_new }, d);
        Ok(())
    }

    pub fn application(&self, app: &str) -> Result<AppView, OpError> {
        let s = self.service_named(app)?;
        let a = &self.apps[s.index()];
        Ok(AppView {
            name: app.to_string(),
            stable: self.versions[a.stable.index()].label.clone(),
            canary: a
                .canary
                .map(|(v, w, _)| (self.versions[v.index()].label.clone(), w)),
            operation_running: self.app_busy(s),
            operation: a.operation.clone(),
            history: a
                .history
                .iter()
                .map(|&(id, v, at)| HistoryView {
                    id,
                    revision: self.versions[v.index()].label.clone(),
                    deployed_at: at,
                    pr: self.versions[v.index()]
                        .change
                        .map(|c| self.changes[c.index()].number),
                })
                .collect(),
        })
    }

    /// The build a service ran before `version` (its parent), for rollbacks
    /// of the release that introduced a fault.
    pub fn previous_release(&self, app: &str) -> Result<u32, OpError> {
        let s = self.service_named(app)?;
        let a = &self.apps[s.index()];
        let current = a.stable;
        let target = self.versions[current.index()].parent;
        a.history
            .iter()
            .rev()
            .find(|h| Some(h.1) == target)
            .map(|h| h.0)
            .ok_or_else(|| {
                OpError::Invalid(format!("`{app}` has no earlier release to roll back to"))
            })
    }

    /// What the team learns from a failed canary or a switch back: the
    /// change's bugs that bit are known, and so is a fix that did not help.
    pub(super) fn learn_from_production(&mut self, change: ChangeId) {
        let now = self.now();
        let active: Vec<DefectId> = self.changes[change.index()]
            .latent
            .iter()
            .copied()
            .filter(|d| {
                self.defects[d.index()]
                    .active_from
                    .is_some_and(|t| t <= now)
            })
            .collect();
        let c = &mut self.changes[change.index()];
        for d in active {
            if !c.caught.contains(&d) {
                c.caught.push(d);
            }
        }
        if !c.cures {
            c.cure_failure_caught = true;
        }
    }

    pub(super) fn finish_deploy(&mut self, number: u32, weight: f64) {
        let Ok(c) = self.merged_change(number) else {
            return;
        };
        let builds = self.changes[c.index()].builds.clone();
        self.invalidate();
        if weight >= 1.0 {
            for &(s, v) in &builds {
                self.make_stable(s, v);
            }
            if let Some(dep) = self.deployment_mut(number) {
                dep.reached_traffic = true;
            }
            self.finish_deployment(number, DeploymentOutcome::Completed);
        } else {
            for &(s, v) in &builds {
                self.apps[s.index()].canary = Some((v, weight, c));
                if weight > 0.0 {
                    self.note_traffic(v);
                }
            }
            if weight > 0.0 {
                if let Some(dep) = self.deployment_mut(number) {
                    dep.reached_traffic = true;
                }
            }
        }
        let apps = self.app_names(&builds.iter().map(|b| b.0).collect::<Vec<_>>());
        self.say(
            Actor::Pipeline,
            EntryKind::Deploy,
            format!(
                "PR #{number} synced and healthy on {apps} ({} of traffic)",
                Ratio::clamped(weight)
            ),
        );
    }

    pub(super) fn finish_switch(&mut self, number: u32, to_new: bool) {
        let Ok(c) = self.merged_change(number) else {
            return;
        };
        let builds = self.changes[c.index()].builds.clone();
        let bases = self.changes[c.index()].bases.clone();
        self.invalidate();
        if to_new {
            for &(s, v) in &builds {
                let old = self.apps[s.index()].stable;
                self.make_stable(s, v);
                self.apps[s.index()].standby = Some(old);
            }
            if let Some(dep) = self.deployment_mut(number) {
                dep.reached_traffic = true;
            }
            self.finish_deployment(number, DeploymentOutcome::Completed);
        } else {
            for &(s, base) in &bases {
                let back = self.apps[s.index()].standby.take().unwrap_or(base);
                self.make_stable(s, back);
            }
            self.learn_from_production(c);
            self.finish_deployment(number, DeploymentOutcome::RolledBack);
        }
        self.say(
            Actor::Pipeline,
            EntryKind::Switch,
            if to_new {
                format!("traffic switched to PR #{number}'s colour")
            } else {
                format!("traffic switched back from PR #{number}'s colour")
            },
        );
    }

    /// Whether a sync, rollback or switch is running on application `app`.
    pub fn app_busy_named(&self, app: &str) -> bool {
        self.sc
            .service_by_name(app)
            .is_some_and(|s| self.app_busy(s))
    }
}
