//! Carries out a [`Policy`] through a [`ControlPlane`]: the on-call team's
//! decision loop.
//!
//! The loop is live by construction. Each turn the team:
//! 1. acknowledges every new page (the first of an incident after the
//!    crew's acknowledge time, later ones at once: they are at the keyboard);
//! 2. picks the worst current impact: the paging service with the highest
//!    measured error ratio, skipping services it has given up on unless
//!    they got worse;
//! 3. diagnoses it and picks the most damaging culprit it has not given up
//!    on (a fix always goes where the culprit's code lives, so a symptom is
//!    never patched where its cause is upstream);
//! 4. runs a plan for it: the policy's steps the first time an original
//!    fault is seen, `on_regression` for a bug of its own, `on_not_cured`
//!    for a culprit still there after an attempt (journaled); damaged data
//!    is repaired once nothing writes it any more;
//! 5. waits for the page to clear, and goes round again.
//!
//! With nothing paging, the team watches for the quiet window, checks every
//! service against its SLO, and stands down (journaled) only when all are
//! within; it stays on call for the next page. The response ends only at
//! the horizon, when the world has settled, or when every broken service's
//! culprits are beyond the policy's bounds (`max_hotfixes`,
//! `max_hotfixes_per_regression`, a `stop` reaction, no move left): then
//! the journal says so in one line and the replay counts as stopped.
//!
//! The runner sees only what the control plane answers; it never reads the
//! world's internals. It is a loop, not a recursion: a long horizon with
//! `repeat` costs turns, not stack.

mod memory;
pub(crate) mod steps;
#[cfg(test)]
mod tests;

use memory::{Memory, Tried};

use super::crew::{Crew, Task};
use super::policy::{Policy, Reaction, Step};
use crate::control::{ControlPlane, CpError, Note, WaitFor, Waited};
use crate::scenario::{Scenario, Team};
use crate::time::SimDuration;
use crate::world::{CulpritKind, CulpritView};

/// How the response ended, from the responders' side. The score turns it
/// and the ground truth into a [`crate::score::Outcome`].
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
    /// Quiet time after which the team checks the SLOs and stands down.
    pub quiet: SimDuration,
    /// How long to wait for a page to clear after a plan.
    pub verify: SimDuration,
    /// Reworks of one fix before the plan ends (the next turn tries again).
    pub max_reworks: u32,
    /// Pull requests the team may open in one replay, whatever the policy
    /// ([`steps::MAX_PULL_REQUESTS`] by default): reaching it ends the work
    /// like a policy bound, journaled as `limit reached`.
    pub max_pull_requests: usize,
    /// Turns (plans run for a target) in one replay, whatever the policy
    /// ([`MAX_TURNS`] by default): reaching it ends the response, journaled
    /// as `limit reached`. Each turn spends simulated time, so a sane
    /// policy never comes near it; a `repeat` that toggles a flag forever
    /// over a 90-day horizon would, and stops here instead of filling
    /// memory with its journal.
    pub max_turns: usize,
}

/// The default [`RunnerConfig::max_turns`].
pub const MAX_TURNS: usize = 20_000;

impl RunnerConfig {
    pub fn for_team(team: &Team, stability_window: SimDuration) -> Self {
        RunnerConfig {
            quiet: stability_window,
            verify: team.alert.window + team.alert.for_duration + SimDuration::from_mins(5),
            max_reworks: 12,
            max_pull_requests: steps::MAX_PULL_REQUESTS,
            max_turns: MAX_TURNS,
        }
    }
}

/// What ends a turn early.
enum Flow {
    Halt,
    NotApplicable(String),
    Failed(String),
}

impl From<CpError> for Flow {
    fn from(e: CpError) -> Self {
        match e {
            CpError::Halted => Flow::Halt,
            // A refused request mid-response is a bug in the runner or the
            // model: the replay is counted as failed, never dropped.
            other => Flow::Failed(format!("control plane refused a request: {other}")),
        }
    }
}

/// Runs a policy to the end of a replay.
pub struct Runner<'c, C: ControlPlane> {
    cp: &'c mut C,
    sc: &'c Scenario,
    policy: Policy,
    crew: Crew,
    cfg: RunnerConfig,
    mem: Memory,
    /// An incident is open: the team is at the keyboard.
    engaged: bool,
    /// The team has changed something in the world.
    acted: bool,
    /// Turns taken so far.
    turns: usize,
}

impl<C: ControlPlane> std::fmt::Debug for Runner<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("policy", &self.policy.name)
            .finish()
    }
}

impl<'c, C: ControlPlane> Runner<'c, C> {
    pub fn new(
        cp: &'c mut C,
        sc: &'c Scenario,
        policy: Policy,
        crew: Crew,
        cfg: RunnerConfig,
    ) -> Self {
        Runner {
            cp,
            sc,
            policy,
            crew,
            cfg,
            mem: Memory::default(),
            engaged: false,
            acted: false,
            turns: 0,
        }
    }

    /// Hotfixes (deployments of the team's own changes) shipped so far.
    pub fn hotfixes(&self) -> u32 {
        self.mem.hotfixes
    }

    pub fn run(&mut self, horizon: SimDuration) -> Ended {
        match self.respond(horizon) {
            Ok(ended) => ended,
            Err(Flow::Halt) => Ended::Horizon,
            Err(Flow::NotApplicable(why)) => Ended::NotApplicable(why),
            Err(Flow::Failed(why)) => Ended::Failed(why),
        }
    }

    fn respond(&mut self, horizon: SimDuration) -> Result<Ended, Flow> {
        loop {
            let firing = self.cp.firing_alerts()?;
            let firing = self.acknowledge(firing)?;
            let mut broken = self.rank(&firing)?;
            if firing.is_empty() {
                if !self.engaged {
                    match self.cp.wait(&WaitFor::NextPage, horizon)? {
                        Waited::Met => continue,
                        Waited::Settled => return Ok(Ended::Settled),
                        Waited::TimedOut => return Ok(Ended::Horizon),
                    }
                }
                let page = self
                    .cp
                    .wait(&WaitFor::AlertFiring { except: vec![] }, self.cfg.quiet)?;
                if page == Waited::Met {
                    continue;
                }
                let breaches = self.slo_breaches()?;
                if breaches.is_empty() {
                    self.engaged = false;
                    self.mem.blocked.clear();
                    self.cp.note(
                        Note::Decision,
                        &format!(
                            "no page for {} and every service within its SLO: incident closed",
                            self.cfg.quiet
                        ),
                    )?;
                    continue;
                }
                broken = breaches;
            }
            let Some((target, _)) = broken.iter().find(|(s, r)| !self.mem.is_blocked(s, *r)) else {
                return self.stop(&broken);
            };
            let target = target.clone();
            if self.turns >= self.cfg.max_turns {
                let reason = format!(
                    "limit reached: gameday's bound of {} turns in one replay",
                    self.cfg.max_turns
                );
                self.cp
                    .note(Note::Stop, &format!("response stopped: {reason}"))?;
                return Ok(Ended::Stopped(reason));
            }
            self.turns += 1;
            self.turn(&target)?;
        }
    }

    /// Acknowledges every page not yet acknowledged; what is paging once
    /// it has.
    fn acknowledge(&mut self, firing: Vec<String>) -> Result<Vec<String>, Flow> {
        self.mem.acked.retain(|s| firing.contains(s));
        let new: Vec<String> = firing
            .iter()
            .filter(|s| !self.mem.acked.contains(s))
            .cloned()
            .collect();
        if new.is_empty() {
            return Ok(firing);
        }
        let (new, firing) = if self.engaged {
            (new, firing)
        } else {
            // Getting to the keyboard takes the crew's acknowledge time;
            // pages that fired meanwhile are acknowledged together, and
            // one that cleared meanwhile needs nothing.
            let d = self.crew.next(Task::Acknowledge);
            self.cp.sleep(d)?;
            self.engaged = true;
            let firing = self.cp.firing_alerts()?;
            let fresh: Vec<String> = firing
                .iter()
                .filter(|s| !self.mem.acked.contains(s))
                .cloned()
                .collect();
            (fresh, firing)
        };
        for s in new {
            self.cp.acknowledge(&s)?;
            self.mem.acked.push(s);
        }
        Ok(firing)
    }

    /// Paging services, worst measured impact first (ties in scenario
    /// order), with the error ratio measured over the alert window.
    fn rank(&mut self, firing: &[String]) -> Result<Vec<(String, f64)>, Flow> {
        self.mem
            .blocked
            .retain(|(s, _)| firing.contains(s) || !self.engaged);
        let window = self.sc.team.alert.window;
        let mut ranked = Vec::with_capacity(firing.len());
        for svc in &self.sc.services {
            if firing.contains(&svc.name) {
                let (ratio, _) = self.cp.error_ratio(&svc.name, None, window)?;
                ranked.push((svc.name.clone(), ratio.unwrap_or(0.0)));
            }
        }
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok(ranked)
    }

    /// Services measured outside their SLO over the quiet window, worst
    /// first: more errors than the SLO allows by over three standard
    /// errors, so noise on a good day does not keep the team up.
    fn slo_breaches(&mut self) -> Result<Vec<(String, f64)>, Flow> {
        let mut out = Vec::new();
        for svc in &self.sc.services {
            let (ratio, n) = self.cp.error_ratio(&svc.name, None, self.cfg.quiet)?;
            let (Some(ratio), true) = (ratio, n > 0) else {
                continue;
            };
            let allowed = svc.error_budget_ratio();
            let n = n as f64;
            let margin = 3.0 * (allowed * (1.0 - allowed) / n).sqrt();
            if ratio > allowed + margin {
                out.push((svc.name.clone(), ratio));
            }
        }
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok(out)
    }

    /// Every broken service's culprits are beyond the policy: the response
    /// ends, and the journal says why in one line.
    fn stop(&mut self, broken: &[(String, f64)]) -> Result<Ended, Flow> {
        let why: Vec<String> = self
            .mem
            .records
            .iter()
            .filter_map(|r| r.exhausted.as_ref().map(|e| format!("{}: {e}", r.summary)))
            .collect();
        let services: Vec<&str> = broken.iter().map(|(s, _)| s.as_str()).collect();
        let reason = format!(
            "{} still failing; {}",
            services.join(", "),
            if why.is_empty() {
                "the policy has no move left".to_string()
            } else {
                why.join("; ")
            }
        );
        self.cp
            .note(Note::Stop, &format!("response stopped: {reason}"))?;
        Ok(Ended::Stopped(reason))
    }

    /// One turn on `target`: diagnose, pick a culprit, run a plan, verify.
    fn turn(&mut self, target: &str) -> Result<(), Flow> {
        let fresh = !self.mem.seen.iter().any(|s| s == target);
        if fresh {
            self.mem.seen.push(target.to_string());
        }
        let steps = self.policy.steps.clone();
        // A flag-first policy acts on a new incident before diagnosing it.
        if fresh && steps.first() != Some(&Step::Diagnose) && steps.contains(&Step::Diagnose) {
            self.plan(target, None, steps)?;
            return Ok(());
        }
        let culprits = self.diagnose(target)?;
        let Some(culprit) = self.pick(&culprits, false) else {
            let active = culprits.iter().any(|c| c.active);
            if active {
                // Only culprits the team gave up on: look again when the
                // page clears or it gets worse.
                let window = self.sc.team.alert.window;
                let (ratio, _) = self.cp.error_ratio(target, None, window)?;
                self.mem.block(target, ratio.unwrap_or(0.0));
            } else {
                // Nothing failing beyond noise (or contained): let the page
                // clear.
                self.wait_resolved(target, self.cfg.verify)?;
            }
            return Ok(());
        };
        let record = self.mem.record(&culprit).clone();
        let start = usize::from(steps.first() == Some(&Step::Diagnose));
        let steps = &steps[start..];
        let on_not_cured = self.policy.on_not_cured.clone();
        // The plan, and whether it already is the `on_not_cured` one.
        let (plan, last_resort) = if culprit.data_damage {
            (Some(vec![Step::Repair]), true)
        } else if let Tried::Reverted(_) = record.last {
            let text = format!(
                "{} fails requests after {}: a new incident",
                culprit.summary,
                record.last.describe()
            );
            self.cp.note(Note::Decision, &text)?;
            (Some(steps.to_vec()), false)
        } else if record.attempts == 0 {
            match culprit.kind {
                CulpritKind::Original => (Some(steps.to_vec()), false),
                CulpritKind::Regression => {
                    let r = self.policy.on_regression.clone();
                    (self.reaction(&culprit, &r, steps)?, false)
                }
            }
        } else {
            let text = format!(
                "{} still fails requests after {}: {}",
                culprit.summary,
                record.last.describe(),
                match &record.last {
                    Tried::Shipped(_) => "the fix did not cure it",
                    _ => "that did not cure it",
                }
            );
            self.cp.note(Note::Decision, &text)?;
            (self.reaction(&culprit, &on_not_cured, steps)?, true)
        };
        let Some(plan) = plan else {
            return Ok(());
        };
        if self.plan(target, Some(culprit.clone()), plan)? {
            return Ok(());
        }
        // Nothing in the plan could be done here (no earlier release, no
        // flag): the policy's next move for a culprit that stays is
        // `on_not_cured`; when that cannot do anything either, the team has
        // no move left.
        if !last_resort {
            if let Some(plan) = self.reaction(&culprit, &on_not_cured, steps)? {
                if self.plan(target, Some(culprit.clone()), plan)? {
                    return Ok(());
                }
            } else {
                return Ok(());
            }
        }
        self.exhaust(culprit.id, "the policy has no move left for it")
    }

    /// What a reaction asks for, as steps; `None` when it ends the work on
    /// the culprit (`stop`), which is then journaled.
    fn reaction(
        &mut self,
        culprit: &CulpritView,
        reaction: &Reaction,
        steps: &[Step],
    ) -> Result<Option<Vec<Step>>, Flow> {
        Ok(match reaction {
            Reaction::Repeat => Some(steps.to_vec()),
            Reaction::Rollback => Some(vec![Step::Rollback]),
            Reaction::Run(alt) => Some(alt.clone()),
            Reaction::Stop => {
                let why = match culprit.kind {
                    CulpritKind::Regression => "the policy stops on a regression",
                    CulpritKind::Original => "the policy stops when a fix does not cure",
                };
                self.exhaust(culprit.id, why)?;
                None
            }
        })
    }

    /// The team stops working on culprit `id`, and says why.
    fn exhaust(&mut self, id: u32, why: &str) -> Result<(), Flow> {
        let Some(r) = self.mem.records.iter_mut().find(|r| r.id == id) else {
            return Ok(());
        };
        if r.exhausted.is_some() {
            return Ok(());
        }
        r.exhausted = Some(why.to_string());
        let text = format!("stopping work on {}: {why}", r.summary);
        self.cp.note(Note::Decision, &text)?;
        Ok(())
    }

    /// Diagnoses `target`, taking the crew's diagnosis time when the policy
    /// diagnoses at all (a policy without a diagnose step acts on an
    /// instant one).
    fn diagnose(&mut self, target: &str) -> Result<Vec<CulpritView>, Flow> {
        if self.policy.steps.contains(&Step::Diagnose) {
            let d = self.crew.next(Task::Diagnose);
            self.busy(d)?;
        }
        Ok(self.cp.diagnose(target)?.culprits)
    }

    /// The culprit to work on: the most damaging active one the team has
    /// not given up on (for damaged data still being written, the code
    /// writing it). Within a plan (`contained_too`), a culprit a flag
    /// contains will do when nothing is active.
    fn pick(&self, culprits: &[CulpritView], contained_too: bool) -> Option<CulpritView> {
        let open = |c: &&CulpritView| self.mem.exhausted(c.id).is_none();
        let active = culprits.iter().filter(|c| c.active).find_map(|c| {
            let c = match c.written_by {
                Some(w) if c.data_damage => culprits.iter().find(|x| x.id == w)?,
                _ => c,
            };
            open(&c).then(|| c.clone())
        });
        active.or_else(|| {
            contained_too
                .then(|| culprits.iter().filter(|c| !c.active).find(open).cloned())
                .flatten()
        })
    }

    /// Waits for `until` while working an incident: a page that fires
    /// meanwhile is acknowledged at once (someone on the team is at the
    /// keyboard; the pager does not wait for the current task), and the
    /// wait goes on for what is left of `within`. Off an incident, a plain
    /// wait.
    fn wait_paged(&mut self, until: WaitFor, within: SimDuration) -> Result<Waited, Flow> {
        if !self.engaged {
            return Ok(self.cp.wait(&until, within)?);
        }
        let deadline = self.cp.now()? + within;
        loop {
            let now = self.cp.now()?;
            let left = deadline.saturating_since(now);
            let mut any = match &until {
                WaitFor::AnyOf(all) => all.clone(),
                one => vec![one.clone()],
            };
            any.push(WaitFor::AlertFiring {
                except: self.mem.acked.clone(),
            });
            let waited = self.cp.wait(&WaitFor::AnyOf(any), left)?;
            if waited != Waited::Met {
                return Ok(waited);
            }
            let firing = self.cp.firing_alerts()?;
            let new: Vec<String> = firing
                .iter()
                .filter(|s| !self.mem.acked.contains(s))
                .cloned()
                .collect();
            if new.is_empty() {
                return Ok(Waited::Met);
            }
            for s in new {
                self.cp.acknowledge(&s)?;
                self.mem.acked.push(s);
            }
        }
    }

    /// The team is busy for `d` (diagnosing, writing, baking).
    fn busy(&mut self, d: SimDuration) -> Result<(), Flow> {
        self.wait_paged(WaitFor::Time, d).map(|_| ())
    }

    fn wait_resolved(&mut self, target: &str, within: SimDuration) -> Result<Waited, Flow> {
        Ok(self.cp.wait(
            &WaitFor::AlertResolved {
                service: target.to_string(),
            },
            within,
        )?)
    }
}
