//! The pipeline as GitHub shows it: pull requests whose changes carry
//! drawn latent bugs, reviews, CI check runs, smoke tests and merges. The
//! safety nets record what they catch so a rework can fix it.

use rand::Rng;

use super::*;
use crate::prob::Ratio;
use crate::rng::{stream, Purpose};
use crate::scenario::{Component, ServiceId};
use crate::strategy::CiLane;
use crate::world::code::{Change, ChangeId, Defect, DefectId, DefectOrigin, Target};
use crate::world::journal::{Actor, EntryKind};
use crate::world::traffic::Root;
use crate::world::World;

/// What a change sets out to do: the target and defect it aims at (none
/// when people changed a service with nothing wrong in its code), what it
/// touches, the flag its new code sits behind, and how it is described.
struct Aim {
    at: Option<(Target, DefectId)>,
    touches: Vec<Component>,
    behind_flag: Option<crate::scenario::FlagId>,
    summary: String,
}

impl World<'_> {
    /// Pushes a fix for culprit `culprit` on a branch and opens a pull
    /// request. What the change really does (its latent bugs, whether it
    /// cures) is decided now, from the change-risk stream.
    ///
    /// With `rework_of`, the new pull request reworks an earlier one for the
    /// same culprit: the problems its safety nets caught are fixed, the ones
    /// nobody noticed are still there, and a fix shown not to cure is
    /// rewritten (its cure drawn again).
    pub fn open_pull_request(
        &mut self,
        culprit: u32,
        rework_of: Option<u32>,
    ) -> Result<PullRequestView, OpError> {
        let aim = self.aim_at(culprit)?;
        let number = self.open_change(aim, rework_of, None)?;
        self.pull_request(number)
    }

    /// What a fix for culprit `culprit` sets out to change.
    fn aim_at(&mut self, culprit: u32) -> Result<Aim, OpError> {
        let mut d = DefectId(culprit);
        let mut defect = self
            .defects
            .get(d.index())
            .cloned()
            .ok_or(OpError::UnknownCulprit(culprit))?;
        // Code fixes damaged data no more than a rollback does: a fix for
        // it is a fix for the fault's code.
        if let (true, DefectOrigin::Fault(f)) = (defect.in_data, defect.origin) {
            d = DefectId(f.0);
            defect = self.defects[d.index()].clone();
        }
        let sc = self.sc;
        // Pressure widens a fix: while the fault still fails requests the
        // team reaches for the quickest lever (`fix_touches`); once it is
        // contained they write the proper, narrow fix (`calm_fix_touches`),
        // whose new code sits behind the fault's flag.
        let hurting = self.defect_hurting(d);
        let (target, touches, behind_flag) = match defect.origin {
            DefectOrigin::Fault(f) if hurting => {
                (Target::Fault(f), sc.fault(f).fix_touches.clone(), None)
            }
            DefectOrigin::Fault(f) => (
                Target::Fault(f),
                sc.fault(f).calm_fix_touches.clone(),
                defect.flag,
            ),
            DefectOrigin::Change(_) => (
                Target::Defect(d),
                vec![Component::Service(defect.host)],
                None,
            ),
        };
        Ok(Aim {
            at: Some((target, d)),
            touches,
            behind_flag,
            summary: self.culprit_summary(d),
        })
    }

    /// Opens a pull request that says it changes `service` (on `path`, if
    /// given), as people write one: the simulation decides what that
    /// change really does. It aims at the defect in `service`'s code that
    /// fails the most requests (a fault on another path does not count);
    /// with none there it changes `service` and cures nothing, carrying
    /// whatever risk a change to `service` carries. `title` is what the
    /// journal shows. Returns the pull request's number.
    pub fn open_pull_request_changing(
        &mut self,
        service: &str,
        path: Option<&str>,
        rework_of: Option<u32>,
        title: &str,
    ) -> Result<u32, OpError> {
        let s = self.service_named(service)?;
        let aim = match self.defect_in(s, path) {
            Some(d) => self.aim_at(d.0)?,
            None => Aim {
                at: None,
                touches: vec![Component::Service(s)],
                behind_flag: None,
                summary: format!("a change to {service}"),
            },
        };
        self.open_change(aim, rework_of, Some(title))
    }

    /// The defect in `s`'s code (on `path`, for a fault with a path) that
    /// a change to `s` would aim at: one failing requests first, the most
    /// damaging of those; else one still carried by what `s` runs.
    fn defect_in(&mut self, s: ServiceId, path: Option<&str>) -> Option<DefectId> {
        let now = self.now();
        // Requests failing now, by cause, across services (once, not per
        // defect).
        let mut causes = Vec::new();
        for v in self.sc.service_ids() {
            causes.extend(self.load(v).by_cause.clone());
        }
        let mut best: Option<(bool, f64, DefectId)> = None;
        for i in 0..self.defects.len() {
            let d = DefectId(i as u32);
            let defect = &self.defects[i];
            if defect.host != s || defect.in_data {
                continue;
            }
            if let DefectOrigin::Fault(f) = defect.origin {
                let on_path = match (path, &self.sc.fault(f).path) {
                    (Some(want), Some(has)) => want == has,
                    _ => true,
                };
                let started = self.fault_onset(f).is_some_and(|t| t <= now);
                if !on_path || !started {
                    continue;
                }
            }
            let carried = self.versions[self.apps[s.index()].stable.index()]
                .defects
                .contains(&d);
            let hurting = self.defect_hurting(d);
            if !carried && !hurting {
                continue;
            }
            let damage: f64 = causes
                .iter()
                .filter(|(c, _)| self.defect_of_root(c.root) == Some(d))
                .map(|(_, p)| *p)
                .sum();
            if best.is_none_or(|(h, p, _)| (hurting, damage) > (h, p)) {
                best = Some((hurting, damage, d));
            }
        }
        best.map(|(_, _, d)| d)
    }

    /// Writes the change `aim` describes and opens its pull request; see
    /// [`World::open_pull_request`]. Returns its number.
    fn open_change(
        &mut self,
        aim: Aim,
        rework_of: Option<u32>,
        title: Option<&str>,
    ) -> Result<u32, OpError> {
        let sc = self.sc;
        let Aim {
            at,
            touches,
            behind_flag,
            summary,
        } = aim;
        let aimed = at.map(|(_, d)| d);
        let aimed_host = aimed.map(|d| self.defects[d.index()].host);
        let number = self.changes.len() as u32 + 1;
        let change_id = ChangeId(self.changes.len() as u32);
        let previous = match rework_of {
            Some(n) => {
                let c = self.pr(n)?.change;
                if self.changes[c.index()].target_defect != aimed {
                    return Err(OpError::Invalid(format!(
                        "PR #{n} fixes another culprit; a rework must keep the culprit"
                    )));
                }
                Some(c)
            }
            None => None,
        };
        let mut ships_to: Vec<ServiceId> = touches.iter().flat_map(|&c| sc.consumers(c)).collect();
        ships_to.sort();
        ships_to.dedup();

        let mut latent = Vec::new();
        let mut cures = false;
        let touches = match previous {
            Some(c) => self.changes[c.index()].touches.clone(),
            None => touches,
        };
        if let Some(c) = previous {
            ships_to = self.changes[c.index()].ships_to.clone();
        }
        for (ci, &component) in touches.iter().enumerate() {
            if previous.is_some() {
                break;
            }
            // One stream per (change, component): the k-th change touching
            // a component meets the same luck in every strategy.
            let mut rng = stream(self.seed, Purpose::ChangeRisk, number as u64, ci as u64 + 1);
            for risk in sc.risks_of_component(component) {
                let u: f64 = rng.random();
                let delay = risk.delay.sample(&mut rng);
                if u < risk.probability.get() && ships_to.contains(&risk.host) {
                    self.defects.push(Defect {
                        origin: DefectOrigin::Change(change_id),
                        host: risk.host,
                        victim: risk.victim,
                        effect: risk.effect,
                        flag: behind_flag.filter(|_| Some(risk.host) == aimed_host),
                        delay,
                        active_from: None,
                        in_data: false,
                        repaired: false,
                        writes: None,
                    });
                    self.harmful.push(false);
                    latent.push(DefectId(self.defects.len() as u32 - 1));
                }
            }
        }
        {
            let mut rng = stream(self.seed, Purpose::ChangeRisk, number as u64, 0);
            let u: f64 = rng.random();
            cures = cures || u < sc.risk.fix_cures.get();
        }
        if let Some(c) = previous {
            let prev = &self.changes[c.index()];
            // The bugs nobody caught are still in the code, now carried
            // (and so blamed on) the new change: the old one never ships.
            let kept: Vec<DefectId> = prev
                .latent
                .iter()
                .copied()
                .filter(|d| !prev.caught.contains(d))
                .collect();
            latent = kept
                .into_iter()
                .map(|d| {
                    let old = &self.defects[d.index()];
                    self.defects.push(Defect {
                        origin: DefectOrigin::Change(change_id),
                        active_from: None,
                        ..old.clone()
                    });
                    self.harmful.push(false);
                    DefectId(self.defects.len() as u32 - 1)
                })
                .collect();
            let prev = &self.changes[c.index()];
            // A cure nobody questioned is kept as it was; one shown not to
            // work is rewritten with a fresh chance.
            if !prev.cure_failure_caught {
                cures = prev.cures;
            }
        }
        let head_sha = format!("{:040x}", {
            let mut rng = stream(self.seed, Purpose::ChangeRisk, number as u64, u64::MAX);
            rng.random::<u64>() as u128 | ((number as u128) << 64)
        });
        let touched: Vec<&str> = touches.iter().map(|&c| sc.component_name(c)).collect();
        let title = match title {
            Some(t) => t.to_string(),
            None => format!("hotfix: {summary} ({})", touched.join(", ")),
        };
        // What a path labeler (e.g. actions/labeler) would add: the
        // applications the change ships to.
        let labels: Vec<String> = ships_to
            .iter()
            .map(|&s| format!("{DEPLOY_LABEL_PREFIX}{}", self.sc.service(s).name))
            .collect();
        self.changes.push(Change {
            number,
            target: at.map(|(t, _)| t),
            target_defect: aimed,
            touches,
            ships_to,
            latent,
            cures,
            caught: Vec::new(),
            cure_failure_caught: false,
            rework_of: previous,
            head_sha,
            builds: Vec::new(),
            bases: Vec::new(),
        });
        let opened_at = self.now();
        self.prs.push(PullRequest {
            change: change_id,
            review: ReviewState::None,
            checks: Vec::new(),
            smoke: None,
            merged: false,
            closed: false,
            meta: PrMeta {
                title: title.clone(),
                body: String::new(),
                head_ref: format!("hotfix/pr-{number}"),
                base_ref: "main".to_string(),
                labels,
                opened_at,
                merged_at: None,
                author: None,
                reviews: Vec::new(),
            },
        });
        // A fix for one of our own regressions means the deployment that
        // introduced it needed remediation.
        if let Some(DefectOrigin::Change(c)) = aimed.map(|d| self.defects[d.index()].origin) {
            for dep in self.deployments.iter_mut().filter(|x| x.change == c) {
                dep.remediated = true;
            }
        }
        let text = match rework_of {
            Some(n) => format!("opened PR #{number}, reworking #{n}: {title}"),
            None => format!("opened PR #{number}: {title}"),
        };
        self.say(Actor::Responder, EntryKind::PullRequest, text);
        Ok(number)
    }

    /// Whether defect `d` fails any request right now.
    pub(super) fn defect_hurting(&mut self, d: DefectId) -> bool {
        // A fault hurts through its code or through the data it damaged.
        let (root, damage) = match self.defects[d.index()].origin {
            DefectOrigin::Fault(f) => (Root::Fault(f), Some(Root::Damage(f))),
            DefectOrigin::Change(_) => (Root::Regression(d), None),
        };
        self.sc.service_ids().any(|s| {
            self.load(s)
                .by_cause
                .iter()
                .any(|(c, p)| (c.root == root || Some(c.root) == damage) && *p > 0.0)
        })
    }

    pub fn pull_request(&self, number: u32) -> Result<PullRequestView, OpError> {
        let pr = self.pr(number)?;
        let change = &self.changes[pr.change.index()];
        Ok(PullRequestView {
            number,
            head_sha: change.head_sha.clone(),
            title: format!("hotfix #{number}"),
            review: pr.review,
            checks: pr
                .checks
                .iter()
                .map(|c| CheckView {
                    name: c.lane.check_name().to_string(),
                    conclusion: c.conclusion,
                })
                .collect(),
            smoke_test: pr.smoke.map(|c| CheckView {
                name: SMOKE_CHECK_NAME.to_string(),
                conclusion: c,
            }),
            merged: pr.merged,
            closed: pr.closed,
            apps: change
                .ships_to
                .iter()
                .map(|&s| self.sc.service(s).name.clone())
                .collect(),
        })
    }

    pub fn request_review(&mut self, number: u32) -> Result<(), OpError> {
        let change = self.pr(number)?.change;
        self.pr_mut(number)?.review = ReviewState::Pending;
        let mut rng = stream(self.seed, Purpose::Review, change.0 as u64 + 1, 0);
        let d = self.sc.team.review.sample(&mut rng);
        self.start_op(OpKind::Review { pr: number }, d);
        self.say(
            Actor::Responder,
            EntryKind::Review,
            format!("requested review of PR #{number}"),
        );
        Ok(())
    }

    pub fn run_checks(&mut self, number: u32, lane: CiLane) -> Result<(), OpError> {
        let change = self.pr(number)?.change;
        if self.pr(number)?.checks.len() >= super::github_rest::MAX_CHECK_RUNS {
            return Err(OpError::Invalid(format!(
                "PR #{number} has run {} check runs, the most one pull request may",
                super::github_rest::MAX_CHECK_RUNS
            )));
        }
        let dist = match lane {
            CiLane::Fast => &self.sc.team.ci_fast,
            CiLane::Full => &self.sc.team.ci_full,
        };
        let mut rng = stream(self.seed, Purpose::Ci, change.0 as u64 + 1, lane as u64);
        let d = dist.sample(&mut rng);
        let started = self.now();
        self.pr_mut(number)?.checks.push(Check {
            lane,
            conclusion: None,
            started,
            completed: None,
        });
        self.start_op(OpKind::Ci { pr: number, lane }, d);
        self.say(
            Actor::Pipeline,
            EntryKind::Ci,
            format!(
                "CI {} lane started on PR #{number}",
                if lane == CiLane::Fast { "fast" } else { "full" }
            ),
        );
        Ok(())
    }

    pub fn merge(&mut self, number: u32) -> Result<(), OpError> {
        let pr = self.pr(number)?;
        let reason = if pr.merged {
            Some("already merged")
        } else if pr.closed {
            Some("pull request is closed")
        } else if pr.checks.iter().any(|c| c.conclusion.is_none()) {
            Some("required checks are still running")
        } else if pr
            .checks
            .iter()
            .any(|c| c.conclusion == Some(CheckConclusion::Failure))
        {
            Some("required checks failed")
        } else if pr.review == ReviewState::Pending {
            Some("review is pending")
        } else if pr.review == ReviewState::ChangesRequested {
            Some("changes were requested")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(OpError::NotMergeable {
                number,
                reason: reason.to_string(),
            });
        }
        let now = self.now();
        let pr = self.pr_mut(number)?;
        pr.merged = true;
        pr.meta.merged_at = Some(now);
        self.say(
            Actor::Responder,
            EntryKind::Merge,
            format!("merged PR #{number}"),
        );
        Ok(())
    }

    pub fn close_pull_request(&mut self, number: u32) -> Result<(), OpError> {
        let pr = self.pr_mut(number)?;
        if !pr.merged {
            pr.closed = true;
        }
        self.say(
            Actor::Responder,
            EntryKind::PullRequest,
            format!("closed PR #{number} to rework the fix"),
        );
        Ok(())
    }

    /// How many of a change's problems (latent bugs, and not curing its
    /// target) a safety net with catch probability `p` catches.
    /// Caught problems are recorded on the change, so a rework fixes them.
    pub(super) fn catches<R: Rng>(&mut self, change: ChangeId, p: Ratio, rng: &mut R) -> usize {
        let mut caught = 0;
        let c = &mut self.changes[change.index()];
        for i in 0..c.latent.len() {
            let u: f64 = rng.random();
            if u < p.get() {
                caught += 1;
                let d = c.latent[i];
                if !c.caught.contains(&d) {
                    c.caught.push(d);
                }
            }
        }
        // A fix that does not cure fails the test written for its bug just
        // as a latent bug fails a consumer's test.
        let u: f64 = rng.random();
        if !c.cures && u < p.get() {
            caught += 1;
            c.cure_failure_caught = true;
        }
        caught
    }

    /// Runs a safety net with catch probability `p` over PR `number`'s
    /// change, on the stream `(purpose, change, index)`; the count of
    /// problems caught, or `None` for an unknown PR.
    fn safety_net(&mut self, number: u32, purpose: Purpose, index: u64, p: Ratio) -> Option<usize> {
        let change = self.pr(number).ok()?.change;
        let mut rng = stream(self.seed, purpose, change.0 as u64 + 1, index);
        Some(self.catches(change, p, &mut rng))
    }

    pub(super) fn finish_review(&mut self, number: u32) {
        let Some(caught) = self.safety_net(number, Purpose::Review, 1, self.sc.risk.review_catch)
        else {
            return;
        };
        let state = if caught > 0 {
            ReviewState::ChangesRequested
        } else {
            ReviewState::Approved
        };
        let now = self.now();
        if let Ok(pr) = self.pr_mut(number) {
            pr.review = state;
            let id = number as u64 * 1000 + pr.meta.reviews.len() as u64 + 1;
            pr.meta.reviews.push(Review {
                id,
                approved: caught == 0,
                at: now,
                by: None,
            });
        }
        let text = if caught > 0 {
            format!("review of PR #{number}: changes requested (spotted a bug in a consumer of the change)")
        } else {
            format!("review of PR #{number}: approved")
        };
        self.say(Actor::Pipeline, EntryKind::Review, text);
    }

    pub(super) fn finish_ci(&mut self, number: u32, lane: CiLane) {
        let p = match lane {
            CiLane::Fast => self.sc.risk.fast_ci_catch,
            CiLane::Full => self.sc.risk.full_ci_catch,
        };
        let Some(caught) = self.safety_net(number, Purpose::Ci, 10 + lane as u64, p) else {
            return;
        };
        let conclusion = if caught > 0 {
            CheckConclusion::Failure
        } else {
            CheckConclusion::Success
        };
        let now = self.now();
        if let Ok(pr) = self.pr_mut(number) {
            if let Some(check) = pr
                .checks
                .iter_mut()
                .rev()
                .find(|c| c.lane == lane && c.conclusion.is_none())
            {
                check.conclusion = Some(conclusion);
                check.completed = Some(now);
            }
        }
        self.say(
            Actor::Pipeline,
            EntryKind::Ci,
            format!(
                "CI {} lane on PR #{number}: {}",
                if lane == CiLane::Fast { "fast" } else { "full" },
                if caught > 0 {
                    "failed (a test caught a bug)"
                } else {
                    "passed"
                }
            ),
        );
    }

    pub(super) fn finish_smoke(&mut self, number: u32) {
        let Some(caught) = self.safety_net(number, Purpose::Smoke, 1, self.sc.risk.smoke_catch)
        else {
            return;
        };
        let conclusion = if caught > 0 {
            CheckConclusion::Failure
        } else {
            CheckConclusion::Success
        };
        if let Ok(pr) = self.pr_mut(number) {
            pr.smoke = Some(Some(conclusion));
        }
        self.say(
            Actor::Pipeline,
            EntryKind::SmokeTest,
            format!(
                "smoke test of PR #{number}: {}",
                if caught > 0 { "failed" } else { "passed" }
            ),
        );
    }

    /// Runs the smoke test against the change's (idle or live) builds.
    pub fn smoke_test(&mut self, number: u32) -> Result<(), OpError> {
        let c = self.merged_change(number)?;
        let mut rng = stream(self.seed, Purpose::Smoke, c.0 as u64 + 1, 0);
        let d = self.sc.team.smoke_test.sample(&mut rng);
        self.pr_mut(number)?.smoke = Some(None);
        self.start_op(OpKind::Smoke { pr: number }, d);
        self.say(
            Actor::Pipeline,
            EntryKind::SmokeTest,
            format!("smoke test of PR #{number} started"),
        );
        Ok(())
    }

    /// Whether review, checks and smoke test of a pull request have finished
    /// (true for unknown numbers, so a wait on one ends at once).
    pub fn pull_request_settled(&self, number: u32) -> bool {
        match self.pr(number) {
            Ok(pr) => {
                pr.review != ReviewState::Pending
                    && pr.checks.iter().all(|c| c.conclusion.is_some())
                    && pr.smoke.is_none_or(|c| c.is_some())
            }
            Err(_) => true,
        }
    }
}
