//! Carries out a [`Policy`] through a [`ControlPlane`]: waits for alerts,
//! acknowledges, diagnoses, and runs the policy's steps for each incident,
//! reacting to regressions and to fixes that do not cure.
//!
//! The runner sees only what the control plane answers; it never reads the
//! world's internals.

use super::crew::{Crew, Task};
use super::policy::{BlueGreen, Policy, Reaction, Rollout, Step};
use crate::control::{ControlPlane, CpError, WaitFor, Waited};
use crate::scenario::Team;
use crate::time::SimDuration;
use crate::world::{CheckConclusion, CulpritKind, CulpritView, Release, ReviewState};

/// How the response ended, from the responders' side. The score turns it
/// and the ground truth into an [`crate::score::Outcome`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// The world settled: every service within its SLO for the stability
    /// window, nothing left that could change it, the team waiting for a
    /// page.
    Settled,
    /// The horizon came first.
    Horizon,
    /// The policy ended the response (a bound or a `stop` reaction); the
    /// journal's line says why.
    Stopped(String),
    /// The policy cannot respond to this incident (e.g. no flag guards the
    /// faulty path); nothing was done.
    NotApplicable(String),
    /// The control plane refused a request mid-response.
    Failed(String),
}

/// Settings of the runner that are not part of a policy.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Quiet time after which the incident is closed.
    pub quiet: SimDuration,
    /// How long to wait for an alert to clear after the last step.
    pub verify: SimDuration,
    /// Reworks of one fix before giving up on it.
    pub max_reworks: u32,
}

impl RunnerConfig {
    pub fn for_team(team: &Team, stability_window: SimDuration) -> Self {
        RunnerConfig {
            quiet: stability_window,
            verify: team.alert.window + team.alert.for_duration + SimDuration::from_mins(5),
            max_reworks: 12,
        }
    }
}

/// What stops a step sequence early.
enum Flow {
    Halt,
    NotApplicable(String),
    /// The team gives up on this incident (too many reworks).
    GiveUp,
}

impl From<CpError> for Flow {
    fn from(e: CpError) -> Self {
        match e {
            CpError::Halted => Flow::Halt,
            // A refused request is a strategy bug or a lost race; the
            // responders give up on this incident rather than guess.
            other => Flow::NotApplicable(format!("control plane refused a request: {other}")),
        }
    }
}

/// Per-incident working state.
struct Incident {
    service: String,
    culprit: Option<CulpritView>,
    pr: Option<u32>,
    flag_off: Option<String>,
    reworks: u32,
    /// The pull request the next fix reworks.
    rework_of: Option<u32>,
}

/// Runs a policy to the end of a replay.
pub struct Runner<'c, C: ControlPlane> {
    cp: &'c mut C,
    policy: Policy,
    crew: Crew,
    cfg: RunnerConfig,
    hotfixes: u32,
    first_incident: bool,
    /// The culprit each pull request we opened targets: (PR, culprit id,
    /// kind).
    pr_targets: Vec<(u32, u32, CulpritKind)>,
    /// Hotfixes shipped per regression culprit: (culprit id, count).
    shipped_for_regression: Vec<(u32, u32)>,
}

impl<C: ControlPlane> std::fmt::Debug for Runner<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("policy", &self.policy.name)
            .finish()
    }
}

impl<'c, C: ControlPlane> Runner<'c, C> {
    pub fn new(cp: &'c mut C, policy: Policy, crew: Crew, cfg: RunnerConfig) -> Self {
        Runner {
            cp,
            policy,
            crew,
            cfg,
            hotfixes: 0,
            first_incident: true,
            pr_targets: Vec::new(),
            shipped_for_regression: Vec::new(),
        }
    }

    /// Hotfixes (deployments of our own changes) started so far.
    pub fn hotfixes(&self) -> u32 {
        self.hotfixes
    }

    pub fn run(&mut self, horizon: SimDuration) -> Ended {
        match self.run_inner(horizon) {
            Ok(()) => Ended::Settled,
            Err(Flow::Halt) => Ended::Horizon,
            Err(Flow::NotApplicable(why)) => Ended::NotApplicable(why),
            // `handle` absorbs give-ups; one reaching here ends the response.
            Err(Flow::GiveUp) => Ended::Settled,
        }
    }

    fn run_inner(&mut self, horizon: SimDuration) -> Result<(), Flow> {
        // Wait for the first page.
        if self
            .cp
            .wait(&WaitFor::AlertFiring { except: vec![] }, horizon)?
            == Waited::TimedOut
        {
            return Ok(());
        }
        // Alerts the policy has given up on (still firing after it ran out
        // of moves): not handled again until they resolve.
        let mut given_up: Vec<String> = Vec::new();
        loop {
            let firing = self.cp.firing_alerts()?;
            given_up.retain(|s| firing.contains(s));
            let Some(service) = firing.iter().find(|s| !given_up.contains(s)).cloned() else {
                // Quiet now: close once a stability window passes without a
                // new page.
                let until = WaitFor::AlertFiring {
                    except: given_up.clone(),
                };
                match self.cp.wait(&until, self.cfg.quiet)? {
                    Waited::TimedOut if given_up.is_empty() => return Ok(()),
                    Waited::TimedOut => {
                        // Still paged for what we gave up on: keep watching
                        // until it clears or the horizon comes.
                        self.cp.sleep(self.cfg.quiet)?;
                        continue;
                    }
                    Waited::Met => continue,
                }
            };
            let d = self.crew.next(Task::Acknowledge);
            self.cp.sleep(d)?;
            self.cp.acknowledge(&service)?;
            self.handle(&service)?;
            if self.cp.firing_alerts()?.contains(&service) {
                given_up.push(service);
            }
        }
    }

    /// Handles the incident on `service` until its alert clears or the
    /// policy gives up on it.
    fn handle(&mut self, service: &str) -> Result<(), Flow> {
        let mut inc = Incident {
            service: service.to_string(),
            culprit: None,
            pr: None,
            flag_off: None,
            reworks: 0,
            rework_of: None,
        };
        let steps = self.policy.steps.clone();
        // Diagnose first when the policy starts with it; a policy without
        // a diagnosis step acts on an instant one.
        let mut start = 0;
        if steps.first() == Some(&Step::Diagnose) {
            self.diagnose(&mut inc)?;
            start = 1;
        } else {
            inc.culprit = self.cp.diagnose(service)?.culprits.into_iter().next();
        }
        let Some(culprit) = inc.culprit.clone() else {
            // Nothing wrong beyond noise any more: wait for the alert to clear.
            self.cp.wait(
                &WaitFor::AlertResolved {
                    service: service.to_string(),
                },
                self.cfg.verify,
            )?;
            return Ok(());
        };
        let first = std::mem::replace(&mut self.first_incident, false);
        if culprit.kind == CulpritKind::Regression {
            let reaction = self.policy.on_regression.clone();
            return self.react(&mut inc, &reaction, &steps[start..]);
        }
        match self.run_steps(&mut inc, &steps[start..]) {
            Err(Flow::NotApplicable(why)) if first => return Err(Flow::NotApplicable(why)),
            Err(Flow::NotApplicable(_)) | Err(Flow::GiveUp) => return Ok(()),
            other => other?,
        }
        self.verify_or_react(&mut inc, &steps[start..])
    }

    fn diagnose(&mut self, inc: &mut Incident) -> Result<(), Flow> {
        let d = self.crew.next(Task::Diagnose);
        self.cp.sleep(d)?;
        inc.culprit = self.cp.diagnose(&inc.service)?.culprits.into_iter().next();
        Ok(())
    }

    /// After the steps: the alert must clear, or `on_not_cured` applies.
    fn verify_or_react(&mut self, inc: &mut Incident, steps: &[Step]) -> Result<(), Flow> {
        let resolved = self.cp.wait(
            &WaitFor::AlertResolved {
                service: inc.service.clone(),
            },
            self.cfg.verify,
        )?;
        if resolved == Waited::Met {
            return Ok(());
        }
        // Still failing: look again before reacting.
        self.diagnose(inc)?;
        if inc.culprit.is_none() {
            return Ok(());
        }
        let reaction = self.policy.on_not_cured.clone();
        self.react(inc, &reaction, steps)
    }

    fn react(
        &mut self,
        inc: &mut Incident,
        reaction: &Reaction,
        steps: &[Step],
    ) -> Result<(), Flow> {
        let at_limit = self.policy.max_hotfixes.is_some_and(|m| self.hotfixes >= m);
        match reaction {
            Reaction::Stop => Ok(()),
            Reaction::Repeat if at_limit => Ok(()),
            Reaction::Repeat => {
                inc.pr = None;
                inc.reworks = 0;
                inc.rework_of = None;
                match self.run_steps(inc, steps) {
                    Err(Flow::NotApplicable(_)) | Err(Flow::GiveUp) => return Ok(()),
                    other => other?,
                }
                self.verify_or_react(inc, steps)
            }
            Reaction::Rollback => {
                self.rollback(inc)?;
                let resolved = self.cp.wait(
                    &WaitFor::AlertResolved {
                        service: inc.service.clone(),
                    },
                    self.cfg.verify,
                )?;
                if resolved == Waited::TimedOut && !at_limit {
                    // Rolling back did not clear it: fall back to the steps.
                    self.diagnose(inc)?;
                    if inc.culprit.is_some() {
                        inc.pr = None;
                        inc.rework_of = None;
                        match self.run_steps(inc, steps) {
                            Err(Flow::NotApplicable(_)) | Err(Flow::GiveUp) => return Ok(()),
                            other => other?,
                        }
                    }
                }
                Ok(())
            }
            Reaction::Run(alt) => {
                inc.pr = None;
                inc.rework_of = None;
                match self.run_steps(inc, alt) {
                    Err(Flow::NotApplicable(_)) | Err(Flow::GiveUp) => return Ok(()),
                    other => other?,
                }
                self.cp.wait(
                    &WaitFor::AlertResolved {
                        service: inc.service.clone(),
                    },
                    self.cfg.verify,
                )?;
                Ok(())
            }
        }
    }

    fn rollback(&mut self, inc: &mut Incident) -> Result<(), Flow> {
        let Some(culprit) = inc.culprit.clone() else {
            return Ok(());
        };
        let apps = match culprit.introduced_by {
            Some(pr) => {
                let apps = self.cp.pull_request(pr)?.apps;
                self.cp.rollback_change(pr)?;
                apps
            }
            None => {
                self.cp.rollback_release(&culprit.host)?;
                vec![culprit.host.clone()]
            }
        };
        self.cp
            .wait(&WaitFor::AppsIdle { apps }, SimDuration::from_mins(60))?;
        Ok(())
    }

    /// Runs `steps` for one incident. Review, CI, smoke and canary failures
    /// send the team back to the last `WriteFix`.
    fn run_steps(&mut self, inc: &mut Incident, steps: &[Step]) -> Result<(), Flow> {
        let mut i = 0;
        while i < steps.len() {
            let ok = self.step(inc, &steps[i])?;
            if ok {
                i += 1;
                continue;
            }
            // Rework: back to writing the fix.
            inc.reworks += 1;
            if inc.reworks > self.cfg.max_reworks {
                return Err(Flow::GiveUp);
            }
            if let Some(pr) = inc.pr.take() {
                let view = self.cp.pull_request(pr)?;
                if !view.merged && !view.closed {
                    self.cp.close_pull_request(pr)?;
                }
                inc.rework_of = Some(pr);
            }
            i = steps[..i]
                .iter()
                .rposition(|s| *s == Step::WriteFix)
                .unwrap_or(0);
        }
        Ok(())
    }

    /// One step; `Ok(false)` asks for a rework.
    fn step(&mut self, inc: &mut Incident, step: &Step) -> Result<bool, Flow> {
        match step {
            Step::Diagnose => {
                self.diagnose(inc)?;
                Ok(true)
            }
            Step::FlagOff => {
                let flag = inc.culprit.as_ref().and_then(|c| c.flag.clone());
                let Some(flag) = flag else {
                    return Err(Flow::NotApplicable(format!(
                        "no feature flag guards the faulty code path on {}",
                        inc.service
                    )));
                };
                self.cp.set_flag(&flag, false)?;
                self.cp.wait(
                    &WaitFor::FlagPropagated { flag: flag.clone() },
                    SimDuration::from_mins(30),
                )?;
                inc.flag_off = Some(flag);
                Ok(true)
            }
            Step::FlagOn => {
                if let Some(flag) = inc.flag_off.take() {
                    self.cp.set_flag(&flag, true)?;
                    self.cp.wait(
                        &WaitFor::FlagPropagated { flag },
                        SimDuration::from_mins(30),
                    )?;
                }
                Ok(true)
            }
            Step::Rollback => {
                self.rollback(inc)?;
                Ok(true)
            }
            Step::WriteFix => {
                let Some(culprit) = inc.culprit.clone() else {
                    return Ok(true);
                };
                let d = self.crew.next(Task::WriteFix);
                self.cp.sleep(d)?;
                let pr = self
                    .cp
                    .open_pull_request(culprit.id, inc.rework_of.take())?;
                inc.pr = Some(pr.number);
                self.pr_targets.push((pr.number, culprit.id, culprit.kind));
                Ok(true)
            }
            Step::Review => {
                let Some(pr) = inc.pr else { return Ok(true) };
                self.cp.request_review(pr)?;
                self.settle(pr)?;
                Ok(self.cp.pull_request(pr)?.review != ReviewState::ChangesRequested)
            }
            Step::Ci(lane) => {
                let Some(pr) = inc.pr else { return Ok(true) };
                self.cp.run_checks(pr, *lane)?;
                self.settle(pr)?;
                let view = self.cp.pull_request(pr)?;
                Ok(!view
                    .checks
                    .iter()
                    .any(|c| c.conclusion == Some(CheckConclusion::Failure)))
            }
            Step::Deploy(rollout) => {
                let Some(pr) = inc.pr else { return Ok(true) };
                self.may_ship(pr)?;
                self.merge(pr)?;
                self.rollout(pr, rollout)
            }
            Step::BlueGreen(bg) => {
                let Some(pr) = inc.pr else { return Ok(true) };
                self.may_ship(pr)?;
                self.merge(pr)?;
                self.blue_green(pr, bg)
            }
            Step::Verify { within } => {
                // Whether the alert cleared is judged after the steps, by
                // `verify_or_react`; this step only gives it time to.
                self.cp.wait(
                    &WaitFor::AlertResolved {
                        service: inc.service.clone(),
                    },
                    *within,
                )?;
                Ok(true)
            }
        }
    }

    /// The regression PR `pr` fixes, if it fixes one of our own.
    fn regression_target(&self, pr: u32) -> Option<u32> {
        self.pr_targets
            .iter()
            .find(|t| t.0 == pr)
            .filter(|t| t.2 == CulpritKind::Regression)
            .map(|t| t.1)
    }

    /// Gives up on shipping `pr` (closing it) when it would exceed the
    /// policy's `max_hotfixes` for the replay, or its
    /// `max_hotfixes_per_regression` for the regression it fixes.
    fn may_ship(&mut self, pr: u32) -> Result<(), Flow> {
        if self.policy.max_hotfixes.is_some_and(|m| self.hotfixes >= m) {
            return self.give_up_on(pr);
        }
        let (Some(limit), Some(target)) = (
            self.policy.max_hotfixes_per_regression,
            self.regression_target(pr),
        ) else {
            return Ok(());
        };
        let shipped = self
            .shipped_for_regression
            .iter()
            .find(|s| s.0 == target)
            .map_or(0, |s| s.1);
        if shipped < limit {
            return Ok(());
        }
        self.give_up_on(pr)
    }

    /// Closes `pr` unshipped and gives up on the incident.
    fn give_up_on(&mut self, pr: u32) -> Result<(), Flow> {
        if !self.cp.pull_request(pr)?.merged {
            self.cp.close_pull_request(pr)?;
        }
        Err(Flow::GiveUp)
    }

    /// Counts a hotfix shipping: overall, and for the regression it fixes.
    fn count_hotfix(&mut self, pr: u32) {
        self.hotfixes += 1;
        if let Some(target) = self.regression_target(pr) {
            match self
                .shipped_for_regression
                .iter_mut()
                .find(|s| s.0 == target)
            {
                Some(s) => s.1 += 1,
                None => self.shipped_for_regression.push((target, 1)),
            }
        }
    }

    fn settle(&mut self, pr: u32) -> Result<(), Flow> {
        self.cp.wait(
            &WaitFor::PullRequestSettled { number: pr },
            SimDuration::from_mins(24 * 60),
        )?;
        Ok(())
    }

    fn merge(&mut self, pr: u32) -> Result<(), Flow> {
        if !self.cp.pull_request(pr)?.merged {
            self.cp.merge(pr)?;
        }
        Ok(())
    }

    fn wait_apps(&mut self, pr: u32) -> Result<Vec<String>, Flow> {
        let apps = self.cp.pull_request(pr)?.apps;
        self.cp.wait(
            &WaitFor::AppsIdle { apps: apps.clone() },
            SimDuration::from_mins(60),
        )?;
        Ok(apps)
    }

    /// A staged rollout with optional analysis; `Ok(false)` when the
    /// analysis aborted it.
    fn rollout(&mut self, pr: u32, rollout: &Rollout) -> Result<bool, Flow> {
        self.count_hotfix(pr);
        let release = Release::Canary {
            steps: rollout.stages.iter().map(|s| s.weight).collect(),
        };
        self.cp.deploy(pr, &release)?;
        let apps = self.wait_apps(pr)?;
        for (i, stage) in rollout.stages.iter().enumerate() {
            if i > 0 {
                if stage.weight.get() >= 1.0 {
                    self.cp.promote(pr)?;
                } else {
                    self.cp.set_weight(pr, stage.weight)?;
                }
            }
            if stage.weight.get() >= 1.0 {
                break;
            }
            let bake = match &stage.bake {
                Some(d) => self.crew.draw(Task::Bake, d),
                None => self.crew.next(Task::Bake),
            };
            let passed = match &rollout.analysis {
                None => {
                    self.cp.sleep(bake)?;
                    true
                }
                Some(a) => self.analyse(&apps, a, bake)?,
            };
            if !passed {
                self.cp.abort(pr)?;
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Runs the analysis every interval for `bake`; false on failure.
    fn analyse(
        &mut self,
        apps: &[String],
        a: &super::policy::Analysis,
        bake: SimDuration,
    ) -> Result<bool, Flow> {
        let mut elapsed = SimDuration::ZERO;
        let mut failures = 0u32;
        while elapsed < bake {
            let step = a.interval.min(bake.saturating_sub(elapsed));
            self.cp.sleep(step)?;
            elapsed = elapsed + step;
            let mut failed = false;
            for app in apps {
                let view = self.cp.application(app)?;
                let Some((canary, _)) = view.canary else {
                    continue;
                };
                let (c_ratio, c_req) = self.cp.error_ratio(app, Some(&canary), a.interval)?;
                let (s_ratio, _) = self.cp.error_ratio(app, Some(&view.stable), a.interval)?;
                let (Some(c), true) = (c_ratio, c_req >= a.min_requests) else {
                    continue; // inconclusive: not enough canary traffic
                };
                let baseline = s_ratio.unwrap_or(0.0);
                if c > a.max_error_ratio.get() && c > a.max_ratio_to_baseline * baseline {
                    failed = true;
                }
            }
            if failed {
                failures += 1;
                if failures > a.failure_limit {
                    return Ok(false);
                }
            } else {
                failures = 0;
            }
        }
        Ok(true)
    }

    fn blue_green(&mut self, pr: u32, bg: &BlueGreen) -> Result<bool, Flow> {
        self.cp.deploy(pr, &Release::BlueGreen)?;
        self.wait_apps(pr)?;
        if bg.smoke_test {
            self.cp.smoke_test(pr)?;
            self.settle(pr)?;
            let smoke = self.cp.pull_request(pr)?.smoke_test;
            if smoke.and_then(|c| c.conclusion) == Some(CheckConclusion::Failure) {
                self.cp.abort(pr)?;
                return Ok(false);
            }
        }
        self.count_hotfix(pr);
        let before = self.cp.firing_alerts()?;
        self.cp.switch(pr, true)?;
        self.wait_apps(pr)?;
        let watch = self
            .cp
            .wait(&WaitFor::AlertFiring { except: before }, bg.watch)?;
        if watch == Waited::Met {
            self.cp.switch(pr, false)?;
            self.wait_apps(pr)?;
            return Ok(false);
        }
        Ok(true)
    }
}
