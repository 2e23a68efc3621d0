//! Running one plan: a list of policy steps against one culprit, with
//! conditional steps resolved as they are reached, reworks after a safety
//! net catches something, and the policy's hotfix bounds.
//!
//! A step that cannot be done here (no flag guards the culprit, no earlier
//! release to roll back to) is skipped with a journal line; the plan goes
//! on. The one exception is the replay's very first action: an
//! unconditional `flag_off` with no flag to turn off makes the policy not
//! applicable, before it has changed anything.

use super::memory::Tried;
use super::{Flow, Runner};
use crate::control::{ControlPlane, Note, WaitFor, Waited};
use crate::strategy::crew::Task;
use crate::strategy::policy::{Analysis, BlueGreen, Condition, Rollout, Step};
use crate::time::SimDuration;
use crate::world::{CheckConclusion, CulpritKind, CulpritView, Release, ReviewState};

/// Working state of one plan.
struct Inc {
    /// The service the turn is about.
    target: String,
    /// The culprit worked on (known after a diagnosis).
    culprit: Option<CulpritView>,
    /// The pull request in flight.
    pr: Option<u32>,
    /// Flags this plan turned off (for `flag_on`).
    flags_off: Vec<String>,
    reworks: u32,
    /// The pull request the next fix reworks.
    rework_of: Option<u32>,
    /// The plan changed something in the world.
    acted: bool,
    tried: Tried,
    /// A policy bound ended the plan: why.
    bound: Option<String>,
}

/// Longest wait for a pipeline to finish something it started.
/// Most pull requests the team opens in one replay, whatever the policy:
/// a bound on the work (and memory) of a runaway cascade over a long
/// horizon. Reaching it ends the work on the culprit like a policy bound,
/// journaled as `limit reached`.
pub const MAX_PULL_REQUESTS: usize = 1000;

const PIPELINE_WAIT: SimDuration = SimDuration::from_mins(24 * 60);

impl<C: ControlPlane> Runner<'_, C> {
    /// Runs `steps` on `target` (and `culprit`, when known), records what
    /// was tried and, when the plan changed something, waits for the page
    /// to clear. Whether it changed anything (a plan stopped by a bound
    /// counts as having acted: the culprit is given up on, journaled).
    pub(super) fn plan(
        &mut self,
        target: &str,
        culprit: Option<CulpritView>,
        steps: Vec<Step>,
    ) -> Result<bool, Flow> {
        let mut inc = Inc {
            target: target.to_string(),
            culprit,
            pr: None,
            flags_off: Vec::new(),
            reworks: 0,
            rework_of: None,
            acted: false,
            tried: Tried::Nothing,
            bound: None,
        };
        self.run_steps(&mut inc, steps)?;
        if let Some(c) = inc.culprit.clone() {
            let record = self.mem.record(&c);
            record.attempts += 1;
            if inc.tried != Tried::Nothing {
                record.last = inc.tried.clone();
            }
            if let Some(why) = inc.bound.take() {
                self.exhaust(c.id, &why)?;
                return Ok(true);
            }
        }
        if inc.acted {
            // The page should clear; a new page ends the wait too (the
            // team is at the keyboard).
            let firing = self.cp.firing_alerts()?;
            let until = WaitFor::AnyOf(vec![
                WaitFor::AlertResolved {
                    service: target.to_string(),
                },
                WaitFor::AlertFiring { except: firing },
            ]);
            self.cp.wait(&until, self.cfg.verify)?;
        }
        Ok(inc.acted)
    }

    /// Runs `steps` in order. A failed review, check, smoke test or canary
    /// sends the team back to the last `write_fix`.
    fn run_steps(&mut self, inc: &mut Inc, steps: Vec<Step>) -> Result<(), Flow> {
        // Each step with whether it came from a conditional branch.
        let mut list: Vec<(Step, bool)> = steps.into_iter().map(|s| (s, false)).collect();
        let mut i = 0;
        while i < list.len() && inc.bound.is_none() {
            let (step, conditional) = list[i].clone();
            if let Step::If {
                condition,
                then,
                otherwise,
            } = step
            {
                let branch = if self.holds(condition, inc) {
                    then
                } else {
                    otherwise
                };
                list.splice(i..=i, branch.into_iter().map(|s| (s, true)));
                continue;
            }
            if self.step(inc, &step, conditional)? {
                i += 1;
                continue;
            }
            // Rework: back to writing the fix.
            inc.reworks += 1;
            if let Some(pr) = inc.pr.take() {
                let view = self.cp.pull_request(pr)?;
                if !view.merged && !view.closed {
                    self.cp.close_pull_request(pr)?;
                }
                inc.rework_of = Some(pr);
            }
            if inc.reworks > self.cfg.max_reworks {
                self.cp.note(
                    Note::Decision,
                    &format!(
                        "{} reworks of the fix and still caught: starting over",
                        self.cfg.max_reworks
                    ),
                )?;
                return Ok(());
            }
            i = list[..i]
                .iter()
                .rposition(|(s, _)| *s == Step::WriteFix)
                .unwrap_or(0);
        }
        Ok(())
    }

    /// Whether `condition` holds for what the team knows now.
    fn holds(&self, condition: Condition, inc: &Inc) -> bool {
        let c = inc.culprit.as_ref();
        match condition {
            Condition::FlagGuardsFault => match c {
                Some(c) => c.flag.is_some(),
                // Before a diagnosis: the service has a flag to turn off.
                None => self
                    .sc
                    .flags
                    .iter()
                    .any(|f| self.sc.service(f.service).name == inc.target),
            },
            Condition::FaultCameWithLastRelease => c.is_some_and(|c| c.came_with_last_release),
            Condition::CulpritIsRegression => c.is_some_and(|c| c.kind == CulpritKind::Regression),
        }
    }

    /// One step; `Ok(false)` asks for a rework.
    fn step(&mut self, inc: &mut Inc, step: &Step, conditional: bool) -> Result<bool, Flow> {
        match step {
            Step::Diagnose => {
                let culprits = self.diagnose(&inc.target)?;
                let kept = inc
                    .culprit
                    .as_ref()
                    .and_then(|c| culprits.iter().find(|x| x.id == c.id).cloned());
                inc.culprit = kept.or_else(|| self.pick(&culprits, true));
                Ok(true)
            }
            Step::FlagOff => {
                self.flag_off(inc, conditional)?;
                Ok(true)
            }
            Step::FlagOn => {
                for flag in std::mem::take(&mut inc.flags_off) {
                    self.set_flag(&flag, true)?;
                    inc.acted = true;
                }
                Ok(true)
            }
            Step::Rollback => {
                self.rollback(inc)?;
                Ok(true)
            }
            Step::WriteFix => {
                let Some(culprit) = inc.culprit.clone() else {
                    self.cp.note(
                        Note::Decision,
                        &format!("no diagnosis of {} yet: write_fix skipped", inc.target),
                    )?;
                    return Ok(true);
                };
                if let Some(why) = self.hotfix_bound(culprit.id, culprit.kind) {
                    inc.bound = Some(why);
                    return Ok(true);
                }
                let d = self.crew.next(Task::WriteFix);
                self.busy(d)?;
                let pr = self
                    .cp
                    .open_pull_request(culprit.id, inc.rework_of.take())?;
                inc.pr = Some(pr.number);
                inc.acted = true;
                self.acted = true;
                self.mem
                    .pr_targets
                    .push((pr.number, culprit.id, culprit.kind));
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
                if !self.may_ship(inc, pr)? {
                    return Ok(true);
                }
                self.merge(pr)?;
                let passed = self.rollout(pr, rollout)?;
                if passed {
                    inc.tried = Tried::Shipped(pr);
                }
                Ok(passed)
            }
            Step::BlueGreen(bg) => {
                let Some(pr) = inc.pr else { return Ok(true) };
                if !self.may_ship(inc, pr)? {
                    return Ok(true);
                }
                self.merge(pr)?;
                let passed = self.blue_green(pr, bg)?;
                if passed {
                    inc.tried = Tried::Shipped(pr);
                }
                Ok(passed)
            }
            Step::Verify { within } => {
                self.wait_resolved(&inc.target, *within)?;
                Ok(true)
            }
            Step::Repair => {
                self.repair(inc)?;
                Ok(true)
            }
            // Resolved by `run_steps` before they are reached.
            Step::If { .. } => Ok(true),
        }
    }

    /// Turns off the flag guarding the culprit; before a diagnosis, every
    /// flag of the paging service (the team knows its own flags).
    fn flag_off(&mut self, inc: &mut Inc, conditional: bool) -> Result<(), Flow> {
        let flags: Vec<String> = match &inc.culprit {
            Some(c) => match &c.flag {
                Some(f) => vec![f.clone()],
                None if !self.acted && !conditional => {
                    return Err(Flow::NotApplicable(format!(
                        "no feature flag guards the faulty code path ({})",
                        c.summary
                    )));
                }
                None => {
                    let text = format!("no flag guards {}: flag_off skipped", c.summary);
                    self.cp.note(Note::Decision, &text)?;
                    return Ok(());
                }
            },
            None => self
                .sc
                .flags
                .iter()
                .filter(|f| self.sc.service(f.service).name == inc.target)
                .map(|f| f.name.clone())
                .collect(),
        };
        if flags.is_empty() {
            let text = format!("{} has no flag to turn off: flag_off skipped", inc.target);
            self.cp.note(Note::Decision, &text)?;
            return Ok(());
        }
        for flag in flags {
            self.set_flag(&flag, false)?;
            inc.flags_off.push(flag);
        }
        inc.acted = true;
        self.acted = true;
        inc.tried = Tried::FlagOff;
        Ok(())
    }

    fn set_flag(&mut self, flag: &str, enabled: bool) -> Result<(), Flow> {
        self.cp.set_flag(flag, enabled)?;
        self.wait_paged(
            WaitFor::FlagPropagated {
                flag: flag.to_string(),
            },
            SimDuration::from_mins(30),
        )?;
        Ok(())
    }

    /// Rolls back what brought the culprit: the change that introduced a
    /// regression; for an original fault, the team's own fix for it if
    /// that is what it tried last and it did not cure (the runbook: revert
    /// the hotfix, then treat it as a new incident), else the release
    /// running on its service.
    fn rollback(&mut self, inc: &mut Inc) -> Result<(), Flow> {
        let culprit = inc.culprit.clone();
        let last = culprit
            .as_ref()
            .and_then(|c| self.mem.records.iter().find(|r| r.id == c.id))
            .map(|r| r.last.clone());
        let change = match (&culprit, last) {
            (Some(c), _) if c.kind == CulpritKind::Regression => c.introduced_by,
            (Some(_), Some(Tried::Shipped(pr))) => Some(pr),
            _ => None,
        };
        // Reverting the team's own fix for this culprit (it did not cure):
        // the runbook treats what follows as a new incident.
        let own_fix = match (&culprit, change) {
            (Some(c), Some(pr)) if c.kind != CulpritKind::Regression => Some(pr),
            _ => None,
        };
        if let Some(pr) = change {
            let apps = self.cp.pull_request(pr)?.apps;
            self.wait_idle(&apps)?;
            self.cp.rollback_change(pr)?;
            self.wait_idle(&apps)?;
            self.mem.reverted(pr);
        } else {
            let app = culprit.map_or(inc.target.clone(), |c| c.host);
            let first = self
                .sc
                .service_by_name(&app)
                .map(|s| self.sc.service(s).previous_version.clone());
            let view = self.cp.application(&app)?;
            if first.as_deref() == Some(view.stable.as_str()) {
                let text = format!(
                    "{app} already runs its earliest release ({}): rollback skipped",
                    view.stable
                );
                self.cp.note(Note::Decision, &text)?;
                return Ok(());
            }
            let apps = vec![app.clone()];
            self.wait_idle(&apps)?;
            self.cp.rollback_release(&app)?;
            self.wait_idle(&apps)?;
        }
        inc.acted = true;
        self.acted = true;
        inc.tried = own_fix.map_or(Tried::RolledBack, Tried::Reverted);
        Ok(())
    }

    /// Repairs the damaged data of the culprit's service (or the paging
    /// service's).
    fn repair(&mut self, inc: &mut Inc) -> Result<(), Flow> {
        let service = match &inc.culprit {
            Some(c) if c.data_damage => c.host.clone(),
            _ => inc.target.clone(),
        };
        if self.sc.team.repair.is_none() {
            let text = format!("the team has no way to repair data: repair of {service} skipped");
            self.cp.note(Note::Decision, &text)?;
            return Ok(());
        }
        self.cp.repair(&service)?;
        self.wait_paged(WaitFor::RepairDone { service }, PIPELINE_WAIT)?;
        inc.acted = true;
        self.acted = true;
        inc.tried = Tried::Repaired;
        Ok(())
    }

    /// Why the policy forbids another hotfix for culprit `id`, if it does.
    fn hotfix_bound(&self, id: u32, kind: CulpritKind) -> Option<String> {
        let limit = self.cfg.max_pull_requests;
        if self.mem.pr_targets.len() >= limit {
            return Some(format!(
                "limit reached: gameday's bound of {limit} pull requests in one replay"
            ));
        }
        if let Some(m) = self.policy.max_hotfixes {
            if self.mem.hotfixes >= m {
                return Some(format!("max_hotfixes ({m}) reached"));
            }
        }
        match (self.policy.max_hotfixes_per_regression, kind) {
            (Some(m), CulpritKind::Regression) if self.mem.shipped_for(id) >= m => Some(format!(
                "max_hotfixes_per_regression ({m}) reached for this regression"
            )),
            _ => None,
        }
    }

    /// Whether `pr` may ship under the policy's bounds; when not, it is
    /// closed unshipped and the plan ends on the bound.
    fn may_ship(&mut self, inc: &mut Inc, pr: u32) -> Result<bool, Flow> {
        let id = self.mem.regression_target(pr);
        let kind = if id.is_some() {
            CulpritKind::Regression
        } else {
            CulpritKind::Original
        };
        let Some(why) = self.hotfix_bound(id.unwrap_or(u32::MAX), kind) else {
            return Ok(true);
        };
        if !self.cp.pull_request(pr)?.merged {
            self.cp.close_pull_request(pr)?;
        }
        inc.pr = None;
        inc.bound = Some(why);
        Ok(false)
    }

    fn settle(&mut self, pr: u32) -> Result<(), Flow> {
        self.wait_paged(WaitFor::PullRequestSettled { number: pr }, PIPELINE_WAIT)?;
        Ok(())
    }

    fn merge(&mut self, pr: u32) -> Result<(), Flow> {
        if !self.cp.pull_request(pr)?.merged {
            self.cp.merge(pr)?;
        }
        Ok(())
    }

    fn wait_idle(&mut self, apps: &[String]) -> Result<(), Flow> {
        self.wait_paged(
            WaitFor::AppsIdle {
                apps: apps.to_vec(),
            },
            SimDuration::from_mins(60),
        )?;
        Ok(())
    }

    fn wait_apps(&mut self, pr: u32) -> Result<Vec<String>, Flow> {
        let apps = self.cp.pull_request(pr)?.apps;
        self.wait_idle(&apps)?;
        Ok(apps)
    }

    /// A staged rollout with optional analysis; `Ok(false)` when the
    /// analysis aborted it.
    fn rollout(&mut self, pr: u32, rollout: &Rollout) -> Result<bool, Flow> {
        self.wait_apps(pr)?;
        self.mem.count_hotfix(pr);
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
                    self.busy(bake)?;
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
    fn analyse(&mut self, apps: &[String], a: &Analysis, bake: SimDuration) -> Result<bool, Flow> {
        let mut elapsed = SimDuration::ZERO;
        let mut failures = 0u32;
        while elapsed < bake {
            let step = a.interval.min(bake.saturating_sub(elapsed));
            self.busy(step)?;
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
        self.wait_apps(pr)?;
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
        self.mem.count_hotfix(pr);
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
