//! The GitHub REST view of the pipeline: branches, pull requests opened by
//! people (saying which service they change) or tools (naming a diagnosed
//! culprit), labels that start CI lanes, reviews submitted by people, and
//! everything a REST fake needs to render GitHub's objects.

use super::*;
use crate::strategy::CiLane;
use crate::time::SimTime;
use crate::world::code::DefectId;
use crate::world::journal::{Actor, EntryKind};
use crate::world::World;

/// A pull request as its author writes it.
#[derive(Debug, Clone, Copy)]
pub struct NewPull<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub head: &'a str,
    pub base: &'a str,
    /// Who opens it (a drill's player), if a person does.
    pub author: Option<&'a str>,
}

/// What a pull request says it fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullAim<'a> {
    /// A culprit a diagnosis named (tools that ran one).
    Culprit(u32),
    /// Whatever fails the most requests (a frozen world's shortcut).
    MostDamaging,
    /// A change to `service` (on `path`): what people write. The
    /// simulation decides whether it cures anything.
    Changes {
        service: &'a str,
        path: Option<&'a str>,
    },
}

/// Labels that start the fast CI lane (the runbook's `hotfix` label).
pub const FAST_LANE_LABELS: [&str; 2] = ["hotfix", "ci/fast-path"];
/// Prefix of the labels naming the applications a pull request ships to
/// (`deploy/payment`), added when it opens, as a path labeler would.
pub const DEPLOY_LABEL_PREFIX: &str = "deploy/";
/// Label that starts the full CI lane.
pub const FULL_LANE_LABEL: &str = "ci/full";

/// A check run as the REST fake renders it.
#[derive(Debug, Clone, PartialEq)]
pub struct RestCheck {
    pub id: u64,
    pub name: &'static str,
    pub started: SimTime,
    pub completed: Option<SimTime>,
    pub conclusion: Option<CheckConclusion>,
}

/// A pull request as the REST fake renders it.
#[derive(Debug, Clone, PartialEq)]
pub struct RestPull {
    pub number: u32,
    pub title: String,
    pub body: String,
    pub head_ref: String,
    pub head_sha: String,
    pub base_ref: String,
    pub open: bool,
    pub merged: bool,
    pub merged_at: Option<SimTime>,
    pub created_at: SimTime,
    pub labels: Vec<String>,
    pub review: ReviewState,
    /// GitHub's `mergeable_state`: `clean`, `blocked` or `unstable`.
    pub mergeable_state: &'static str,
    pub checks: Vec<RestCheck>,
    /// The post-deploy smoke test, run as a workflow reporting a check run.
    pub smoke: Option<RestCheck>,
    /// Who opened it, if a person did.
    pub author: Option<String>,
    pub reviews: Vec<Review>,
}

/// Check runs a pull request may start (rerun after rerun); one more is
/// refused, as GitHub caps check runs per suite.
pub const MAX_CHECK_RUNS: usize = 998;

/// A check run's id: its pull request's number times 1,000 plus its slot
/// (1 to [`MAX_CHECK_RUNS`] for CI runs in order, 999 for the smoke test),
/// so an id names one check run of one pull request and no other.
pub fn check_run_id(number: u32, slot: u64) -> u64 {
    number as u64 * 1000 + slot
}

/// The pull request and slot an id names, if it is one (no truncation:
/// an id past `u32::MAX` pull requests names none).
pub fn check_run_slot(id: u64) -> Option<(u32, u64)> {
    Some((u32::try_from(id / 1000).ok()?, id % 1000))
}

const SMOKE_SLOT: u64 = 999;

/// Name of the smoke test's check run (and of its workflow file's job).
pub const SMOKE_CHECK_NAME: &str = "smoke-test";

/// The sha `main` points at before any merge.
pub const BASE_SHA: &str = "6d1f0c1a2b3c4d5e6f708192a3b4c5d6e7f80912";

impl World<'_> {
    /// Number of pull requests opened so far (numbers run from 1).
    pub fn pull_request_count(&self) -> u32 {
        self.prs.len() as u32
    }

    /// A pull request as GitHub would show it.
    pub fn rest_pull(&self, number: u32) -> Result<RestPull, OpError> {
        let pr = self.pr(number)?;
        let change = &self.changes[pr.change.index()];
        let failing = pr
            .checks
            .iter()
            .any(|c| c.conclusion == Some(CheckConclusion::Failure));
        let running = pr.checks.iter().any(|c| c.conclusion.is_none());
        let mergeable_state = if failing {
            "unstable"
        } else if running
            || matches!(
                pr.review,
                ReviewState::Pending | ReviewState::ChangesRequested
            )
        {
            "blocked"
        } else {
            "clean"
        };
        Ok(RestPull {
            number,
            title: pr.meta.title.clone(),
            body: pr.meta.body.clone(),
            head_ref: pr.meta.head_ref.clone(),
            head_sha: change.head_sha.clone(),
            base_ref: pr.meta.base_ref.clone(),
            open: !pr.merged && !pr.closed,
            merged: pr.merged,
            merged_at: pr.meta.merged_at,
            created_at: pr.meta.opened_at,
            labels: pr.meta.labels.clone(),
            review: pr.review,
            mergeable_state,
            checks: pr
                .checks
                .iter()
                .enumerate()
                .map(|(i, c)| RestCheck {
                    id: check_run_id(number, i as u64 + 1),
                    name: c.lane.check_name(),
                    started: c.started,
                    completed: c.completed,
                    conclusion: c.conclusion,
                })
                .collect(),
            smoke: pr.smoke.map(|c| RestCheck {
                id: check_run_id(number, SMOKE_SLOT),
                name: SMOKE_CHECK_NAME,
                started: pr.meta.merged_at.unwrap_or(pr.meta.opened_at),
                completed: c.map(|_| pr.meta.merged_at.unwrap_or(pr.meta.opened_at)),
                conclusion: c,
            }),
            author: pr.meta.author.clone(),
            reviews: pr.meta.reviews.clone(),
        })
    }

    /// The pull request whose head is `git_ref` (a sha or a branch name).
    pub fn pull_by_ref(&self, git_ref: &str) -> Option<u32> {
        (1..=self.pull_request_count()).rev().find(|&n| {
            let pr = &self.prs[n as usize - 1];
            self.changes[pr.change.index()].head_sha == git_ref
                || pr.meta.head_ref == git_ref
                || git_ref.strip_prefix("heads/") == Some(pr.meta.head_ref.as_str())
        })
    }

    /// Creates a branch; fails if it exists.
    pub fn create_branch(&mut self, name: &str, sha: &str) -> Result<(), OpError> {
        if self.branches.iter().any(|(b, _)| b == name) {
            return Err(OpError::Invalid("Reference already exists".into()));
        }
        self.branches.push((name.to_string(), sha.to_string()));
        Ok(())
    }

    /// The sha a branch points at.
    pub fn branch_sha(&self, name: &str) -> Option<&str> {
        self.branches
            .iter()
            .find(|(b, _)| b == name)
            .map(|(_, s)| s.as_str())
    }

    /// The culprit failing the most requests right now, across services.
    pub fn top_culprit(&mut self) -> Option<u32> {
        let mut best: Option<(DefectId, f64)> = None;
        for s in self.sc.service_ids() {
            let causes = self.load(s).by_cause.clone();
            for (cause, p) in causes {
                let Some(d) = self.defect_of_root(cause.root) else {
                    continue;
                };
                if best.is_none_or(|(_, q)| p > q) {
                    best = Some((d, p));
                }
            }
        }
        best.map(|(d, _)| d.0)
    }

    /// Opens a pull request from branch `head` (GitHub's create-PR call),
    /// aiming where `aim` says, reworking `reworks` if given; the body and
    /// title are kept as written. Returns its number.
    pub fn open_pull_request_rest(
        &mut self,
        pr: NewPull<'_>,
        aim: PullAim<'_>,
        reworks: Option<u32>,
    ) -> Result<u32, OpError> {
        let head = pr.head.rsplit(':').next().unwrap_or(pr.head);
        if self.branch_sha(head).is_none() {
            return Err(OpError::Invalid(format!(
                "head: branch `{head}` does not exist"
            )));
        }
        let number = match aim {
            PullAim::Culprit(c) => self.open_pull_request(c, reworks)?.number,
            PullAim::MostDamaging => {
                let c = self.top_culprit().ok_or_else(|| {
                    OpError::Invalid(
                        "nothing is failing: no culprit for this pull request to fix".into(),
                    )
                })?;
                self.open_pull_request(c, reworks)?.number
            }
            PullAim::Changes { service, path } => {
                self.open_pull_request_changing(service, path, reworks, pr.title)?
            }
        };
        let meta = &mut self.pr_mut(number)?.meta;
        meta.title = pr.title.to_string();
        meta.body = pr.body.to_string();
        meta.head_ref = head.to_string();
        meta.base_ref = pr.base.to_string();
        meta.author = pr.author.map(str::to_string);
        Ok(number)
    }

    /// Runs the checks of `lane` again (GitHub's re-request of a check run).
    pub fn rerequest_check(&mut self, check_id: u64) -> Result<u32, OpError> {
        let lane = check_run_slot(check_id)
            .and_then(|(number, slot)| {
                let pr = self.pr(number).ok()?;
                let i = usize::try_from(slot).ok()?.checked_sub(1)?;
                pr.checks.get(i).map(|c| (number, c.lane))
            })
            .ok_or_else(|| OpError::Invalid(format!("no check run with id {check_id}")));
        let (number, lane) = lane?;
        self.run_checks(number, lane)?;
        Ok(number)
    }

    /// Adds labels; `hotfix`/`ci/fast-path` start the fast CI lane and
    /// `ci/full` the full one. Returns every label now on the pull request.
    pub fn add_labels(&mut self, number: u32, labels: &[String]) -> Result<Vec<String>, OpError> {
        let mut lanes = Vec::new();
        {
            let pr = self.pr_mut(number)?;
            for l in labels {
                if pr.meta.labels.contains(l) {
                    continue;
                }
                pr.meta.labels.push(l.clone());
                if FAST_LANE_LABELS.contains(&l.as_str()) {
                    lanes.push(CiLane::Fast);
                } else if l == FULL_LANE_LABEL {
                    lanes.push(CiLane::Full);
                }
            }
        }
        for lane in lanes {
            self.run_checks(number, lane)?;
        }
        Ok(self.pr(number)?.meta.labels.clone())
    }

    /// A person submits a review (`APPROVE` or `REQUEST_CHANGES`), `by`
    /// the person named if known. As on GitHub, nobody reviews their own
    /// pull request.
    pub fn submit_review(
        &mut self,
        number: u32,
        approve: bool,
        by: Option<&str>,
    ) -> Result<u64, OpError> {
        let now = self.now();
        let pr = self.pr_mut(number)?;
        if by.is_some() && by == pr.meta.author.as_deref() {
            return Err(OpError::Invalid(format!(
                "Can not {} your own pull request",
                if approve {
                    "approve"
                } else {
                    "request changes on"
                }
            )));
        }
        pr.review = if approve {
            ReviewState::Approved
        } else {
            ReviewState::ChangesRequested
        };
        let id = number as u64 * 1000 + pr.meta.reviews.len() as u64 + 1;
        pr.meta.reviews.push(Review {
            id,
            approved: approve,
            at: now,
            by: by.map(str::to_string),
        });
        self.say(
            Actor::Responder,
            EntryKind::Review,
            format!(
                "PR #{number} {} by {}",
                if approve {
                    "approved"
                } else {
                    "sent back with changes requested"
                },
                by.unwrap_or("a reviewer")
            ),
        );
        Ok(id)
    }

    /// What an Argo CD sync of `app` picks up: the merged pull request that
    /// ships to `app` whose head sha is `revision`, or without one the
    /// newest merged one not deployed yet.
    pub fn undeployed_merge_for(&self, app: &str, revision: Option<&str>) -> Option<u32> {
        let s = self.sc.service_by_name(app)?;
        (1..=self.pull_request_count()).rev().find(|&n| {
            let pr = &self.prs[n as usize - 1];
            let change = &self.changes[pr.change.index()];
            pr.merged
                && change.ships_to.contains(&s)
                && match revision {
                    // Naming a revision syncs it even if it was deployed
                    // before (a redeploy builds it afresh).
                    Some(r) => r == change.head_sha,
                    None => change.builds.is_empty(),
                }
        })
    }
}
