//! What the control plane can ask of the world: the pipeline (pull
//! requests, review, CI), deployments (sync, canary weights, promote,
//! abort, rollback, blue/green switch), the flag service, metric queries,
//! and the on-call engineer's acknowledgement and diagnosis.
//!
//! Every request is journaled. Requests that take time start an operation
//! whose duration is drawn from the team's distributions and that completes
//! as a scheduled event.

use rand::Rng;
use serde::Serialize;

use super::code::{Change, ChangeId, Defect, DefectId, DefectOrigin, Target, Version, VersionId};
use super::journal::{Actor, EntryKind};
use super::metrics::AlertState;
use super::traffic::Root;
use super::{Deployment, DeploymentOutcome, World};
use crate::prob::Ratio;
use crate::rng::{stream, Purpose};
use crate::scenario::{Component, ServiceId};
use crate::strategy::CiLane;
use crate::time::{SimDuration, SimTime};

/// Tallies of the responders' actions.
#[derive(Debug, Clone, Default)]
pub(crate) struct Counts {
    pub rollbacks: u32,
    pub flag_flips: u32,
    pub deploy_actions: u64,
    pub flag_actions: u64,
}

#[derive(Debug, Clone)]
pub(crate) enum OpKind {
    Review {
        pr: u32,
    },
    Ci {
        pr: u32,
        lane: CiLane,
    },
    Smoke {
        pr: u32,
    },
    Deploy {
        pr: u32,
        weight: f64,
    },
    Rollback {
        targets: Vec<(ServiceId, VersionId)>,
        pr: Option<u32>,
    },
    Switch {
        pr: u32,
        to_new: bool,
    },
    Flag {
        flag: usize,
        enabled: bool,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Op {
    pub kind: OpKind,
    pub done: bool,
}

/// Review state of a pull request (GitHub's review states).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReviewState {
    None,
    Pending,
    Approved,
    ChangesRequested,
}

/// Conclusion of a check run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckConclusion {
    Success,
    Failure,
}

#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub lane: CiLane,
    pub conclusion: Option<CheckConclusion>,
}

#[derive(Debug, Clone)]
pub(crate) struct PullRequest {
    pub change: ChangeId,
    pub review: ReviewState,
    pub checks: Vec<Check>,
    pub smoke: Option<Option<CheckConclusion>>,
    pub merged: bool,
    pub closed: bool,
}

/// A check run as GitHub reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckView {
    pub name: String,
    /// `None` while queued or in progress.
    pub conclusion: Option<CheckConclusion>,
}

/// A pull request as GitHub reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PullRequestView {
    pub number: u32,
    pub head_sha: String,
    pub title: String,
    pub review: ReviewState,
    pub checks: Vec<CheckView>,
    pub smoke_test: Option<CheckView>,
    pub merged: bool,
    pub closed: bool,
    /// Services (Argo CD applications) the change ships to.
    pub apps: Vec<String>,
}

/// One entry of an Argo CD application's deployment history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryView {
    pub id: u32,
    pub revision: String,
    /// The pull request the build came from, if the responders made it.
    pub pr: Option<u32>,
}

/// An application as Argo CD and Argo Rollouts report it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppView {
    pub name: String,
    pub stable: String,
    /// The canary (or preview) build and its traffic weight.
    pub canary: Option<(String, f64)>,
    /// An operation (sync, rollback, switch) is running.
    pub operation_running: bool,
    pub history: Vec<HistoryView>,
}

/// What the on-call engineer finds when diagnosing a service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    pub service: String,
    /// Culprits, the most damaging first. Empty when nothing beyond
    /// background noise is wrong.
    pub culprits: Vec<CulpritView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CulpritKind {
    /// A defect that was there before the response (the incident's cause).
    Original,
    /// A defect one of our own changes introduced.
    Regression,
}

/// One culprit behind a service's errors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CulpritView {
    /// Opaque handle to pass back when writing a fix.
    pub id: u32,
    pub kind: CulpritKind,
    /// The service whose code carries it (where a fix goes).
    pub host: String,
    /// Its share of the diagnosed service's requests failing.
    pub error_ratio: f64,
    /// The flag guarding its code path, if any.
    pub flag: Option<String>,
    /// For regressions: the pull request that introduced it.
    pub introduced_by: Option<u32>,
    pub summary: String,
}

/// A request the world refuses, in the words of the API that would refuse it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    #[error("unknown service `{0}`")]
    UnknownService(String),
    #[error("unknown flag `{0}`")]
    UnknownFlag(String),
    #[error("unknown culprit {0}")]
    UnknownCulprit(u32),
    #[error("pull request #{0} not found")]
    UnknownPullRequest(u32),
    #[error("pull request #{number} is not mergeable: {reason}")]
    NotMergeable { number: u32, reason: String },
    #[error("pull request #{0} is not merged")]
    NotMerged(u32),
    #[error("pull request #{0} has no rollout in progress")]
    NoRollout(u32),
    #[error("application `{app}` has no history entry {id}")]
    UnknownRevision { app: String, id: u32 },
    #[error("another operation is already running on `{0}`")]
    Busy(String),
    #[error("invalid request: {0}")]
    Invalid(String),
}

impl World<'_> {
    fn service_named(&self, name: &str) -> Result<ServiceId, OpError> {
        self.sc
            .service_by_name(name)
            .ok_or_else(|| OpError::UnknownService(name.to_string()))
    }

    fn pr(&self, number: u32) -> Result<&PullRequest, OpError> {
        number
            .checked_sub(1)
            .and_then(|i| self.prs.get(i as usize))
            .ok_or(OpError::UnknownPullRequest(number))
    }

    fn pr_mut(&mut self, number: u32) -> Result<&mut PullRequest, OpError> {
        number
            .checked_sub(1)
            .and_then(|i| self.prs.get_mut(i as usize))
            .ok_or(OpError::UnknownPullRequest(number))
    }

    fn start_op(&mut self, kind: OpKind, duration: SimDuration) -> u32 {
        self.ops.push(Op { kind, done: false });
        let id = self.ops.len() as u32 - 1;
        let at = self.now() + duration;
        self.schedule_op(at, id);
        id
    }

    fn say(&mut self, actor: Actor, kind: EntryKind, text: impl Into<String>) {
        let now = self.now();
        self.journal.push(now, actor, kind, text);
    }

    // ----- Prometheus -----------------------------------------------------

    /// Services whose alert is firing, with the time it started firing.
    pub fn firing_alerts(&self) -> Vec<(String, SimTime)> {
        self.sc
            .service_ids()
            .filter_map(|s| match self.alerts[s.index()] {
                AlertState::Firing { since } => Some((self.sc.service(s).name.clone(), since)),
                _ => None,
            })
            .collect()
    }

    /// `sum(increase(errors[window])) / sum(increase(requests[window]))` for
    /// a service, optionally one build, over the scraped series. `None` when
    /// no requests were seen; also returns the request count.
    pub fn error_ratio(
        &self,
        service: &str,
        version: Option<&str>,
        window: SimDuration,
    ) -> Result<(Option<f64>, u64), OpError> {
        let s = self.service_named(service)?;
        let filter = match version {
            None => None,
            Some(label) => match self
                .versions
                .iter()
                .position(|v| v.service == s && v.label == label)
            {
                Some(i) => Some(VersionId(i as u32)),
                None => return Ok((None, 0)),
            },
        };
        let (req, err) = self.series.increase(s, self.now(), window, filter);
        Ok((
            if req == 0 {
                None
            } else {
                Some(err as f64 / req as f64)
            },
            req,
        ))
    }

    // ----- the on-call engineer -------------------------------------------

    pub fn acknowledge(&mut self, service: &str) -> Result<(), OpError> {
        self.service_named(service)?;
        self.say(
            Actor::Responder,
            EntryKind::Acknowledge,
            format!("acknowledged the alert on {service}"),
        );
        Ok(())
    }

    /// What is wrong with `service`, in ground truth: the defects failing
    /// its requests, directly or through a dependency.
    pub fn diagnose(&mut self, service: &str) -> Result<Diagnosis, OpError> {
        let s = self.service_named(service)?;
        let mut culprits: Vec<(DefectId, f64)> = Vec::new();
        let by_cause = self.load(s).by_cause.clone();
        for (cause, p) in by_cause {
            let d = match cause.root {
                Root::Baseline => continue,
                Root::Fault(f) => DefectId(f.0),
                Root::Regression(d) => d,
            };
            match culprits.iter_mut().find(|(x, _)| *x == d) {
                Some(e) => e.1 += p,
                None => culprits.push((d, p)),
            }
        }
        // Most damaging first; ties by id, so the order is deterministic.
        culprits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let views: Vec<CulpritView> = culprits
            .into_iter()
            .map(|(d, p)| self.culprit_view(d, p))
            .collect();
        let summary = if views.is_empty() {
            "nothing wrong beyond background errors".to_string()
        } else {
            views
                .iter()
                .map(|c| c.summary.clone())
                .collect::<Vec<_>>()
                .join("; ")
        };
        self.say(
            Actor::Responder,
            EntryKind::Diagnose,
            format!("diagnosed {service}: {summary}"),
        );
        Ok(Diagnosis {
            service: service.to_string(),
            culprits: views,
        })
    }

    fn culprit_view(&self, d: DefectId, p: f64) -> CulpritView {
        let defect = &self.defects[d.index()];
        let host = self.sc.service(defect.host).name.clone();
        let flag = defect.flag.map(|f| self.sc.flag(f).name.clone());
        match defect.origin {
            DefectOrigin::Fault(f) => CulpritView {
                id: d.0,
                kind: CulpritKind::Original,
                host: host.clone(),
                error_ratio: p,
                flag,
                introduced_by: None,
                summary: format!("fault `{}` in {host}", self.sc.fault(f).name),
            },
            DefectOrigin::Change(c) => {
                let number = self.changes[c.index()].number;
                CulpritView {
                    id: d.0,
                    kind: CulpritKind::Regression,
                    host: host.clone(),
                    error_ratio: p,
                    flag,
                    introduced_by: Some(number),
                    summary: format!("a bug PR #{number} introduced in {host}"),
                }
            }
        }
    }

    // ----- GitHub ---------------------------------------------------------

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
        let d = DefectId(culprit);
        let defect = self
            .defects
            .get(d.index())
            .cloned()
            .ok_or(OpError::UnknownCulprit(culprit))?;
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
        let number = self.changes.len() as u32 + 1;
        let change_id = ChangeId(self.changes.len() as u32);
        let previous = match rework_of {
            Some(n) => {
                let c = self.pr(n)?.change;
                if self.changes[c.index()].target_defect != d {
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
                        flag: behind_flag.filter(|_| risk.host == defect.host),
                        delay,
                        active_from: None,
                        in_data: false,
                        repaired: false,
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
            latent = prev
                .latent
                .iter()
                .copied()
                .filter(|d| !prev.caught.contains(d))
                .collect();
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
        let title = format!(
            "hotfix: {} ({})",
            self.culprit_view(d, 0.0).summary,
            touched.join(", ")
        );
        self.changes.push(Change {
            number,
            target,
            target_defect: d,
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
        self.prs.push(PullRequest {
            change: change_id,
            review: ReviewState::None,
            checks: Vec::new(),
            smoke: None,
            merged: false,
            closed: false,
        });
        // A fix for one of our own regressions means the deployment that
        // introduced it needed remediation.
        if let DefectOrigin::Change(c) = defect.origin {
            for dep in self.deployments.iter_mut().filter(|x| x.change == c) {
                dep.remediated = true;
            }
        }
        let text = match rework_of {
            Some(n) => format!("opened PR #{number}, reworking #{n}: {title}"),
            None => format!("opened PR #{number}: {title}"),
        };
        self.say(Actor::Responder, EntryKind::PullRequest, text);
        self.pull_request(number)
    }

    /// Whether defect `d` fails any request right now.
    fn defect_hurting(&mut self, d: DefectId) -> bool {
        let root = match self.defects[d.index()].origin {
            DefectOrigin::Fault(f) => Root::Fault(f),
            DefectOrigin::Change(_) => Root::Regression(d),
        };
        self.sc.service_ids().any(|s| {
            self.load(s)
                .by_cause
                .iter()
                .any(|(c, p)| c.root == root && *p > 0.0)
        })
    }

    pub fn pull_request(&self, number: u32) -> Result<PullRequestView, OpError> {
        let pr = self.pr(number)?;
        let change = &self.changes[pr.change.index()];
        let lane_name = |l: CiLane| match l {
            CiLane::Fast => "ci/fast-path",
            CiLane::Full => "ci/full",
        };
        Ok(PullRequestView {
            number,
            head_sha: change.head_sha.clone(),
            title: format!("hotfix #{number}"),
            review: pr.review,
            checks: pr
                .checks
                .iter()
                .map(|c| CheckView {
                    name: lane_name(c.lane).to_string(),
                    conclusion: c.conclusion,
                })
                .collect(),
            smoke_test: pr.smoke.map(|c| CheckView {
                name: "smoke-test".to_string(),
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
        let dist = match lane {
            CiLane::Fast => &self.sc.team.ci_fast,
            CiLane::Full => &self.sc.team.ci_full,
        };
        let mut rng = stream(self.seed, Purpose::Ci, change.0 as u64 + 1, lane as u64);
        let d = dist.sample(&mut rng);
        self.pr_mut(number)?.checks.push(Check {
            lane,
            conclusion: None,
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
        self.pr_mut(number)?.merged = true;
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

    // ----- Argo CD / Argo Rollouts ----------------------------------------

    fn merged_change(&self, number: u32) -> Result<ChangeId, OpError> {
        let pr = self.pr(number)?;
        if !pr.merged {
            return Err(OpError::NotMerged(number));
        }
        Ok(pr.change)
    }

    fn deploy_duration(&mut self, dist_kind: u64) -> SimDuration {
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

    fn app_busy(&self, s: ServiceId) -> bool {
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
                .filter(|&d| !(change.cures && d == change.target_defect))
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

    fn app_names(&self, services: &[ServiceId]) -> String {
        services
            .iter()
            .map(|&s| self.sc.service(s).name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn deployment_mut(&mut self, number: u32) -> Option<&mut Deployment> {
        self.deployments
            .iter_mut()
            .rev()
            .find(|d| d.number == number)
    }

    /// Sets the canary weight of a change's rollout (a `setWeight` step).
    pub fn set_weight(&mut self, number: u32, weight: Ratio) -> Result<(), OpError> {
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
        self.invalidate();
        for &(s, v) in &builds {
            self.apps[s.index()].canary = Some((v, weight.get(), c));
            if weight.get() > 0.0 {
                self.note_traffic(v);
            }
        }
        if weight.get() > 0.0 {
            if let Some(dep) = self.deployment_mut(number) {
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

    fn make_stable(&mut self, s: ServiceId, v: VersionId) {
        let app = &mut self.apps[s.index()];
        app.canary = None;
        app.stable = v;
        let id = app.history.last().map(|h| h.0).unwrap_or(0) + 1;
        app.history.push((id, v, self.now));
        self.note_traffic(v);
        // A curing fix at 100% also repairs data damaged by its target.
        if let Some(c) = self.versions[v.index()].change {
            let change = &self.changes[c.index()];
            if change.cures {
                let d = change.target_defect;
                if self.defects[d.index()].in_data && self.defects[d.index()].host == s {
                    self.defects[d.index()].repaired = true;
                }
            }
        }
    }

    fn finish_deployment(&mut self, number: u32, outcome: DeploymentOutcome) {
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

    fn start_rollback(
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
        self.start_op(OpKind::Switch { pr: number, to_new }, d);
        Ok(())
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
            history: a
                .history
                .iter()
                .map(|&(id, v, _)| HistoryView {
                    id,
                    revision: self.versions[v.index()].label.clone(),
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
            .ok_or(OpError::UnknownRevision {
                app: app.to_string(),
                id: 0,
            })
    }

    // ----- Unleash --------------------------------------------------------

    pub fn set_flag(&mut self, name: &str, enabled: bool) -> Result<(), OpError> {
        let f = self
            .sc
            .flags
            .iter()
            .position(|f| f.name == name)
            .ok_or_else(|| OpError::UnknownFlag(name.to_string()))?;
        self.flags[f].configured = enabled;
        self.counts.flag_actions += 1;
        self.counts.flag_flips += 1;
        let mut rng = stream(self.seed, Purpose::Flags, self.counts.flag_actions, 0);
        let d = self.sc.team.flag_propagation.sample(&mut rng);
        self.start_op(OpKind::Flag { flag: f, enabled }, d);
        self.say(
            Actor::Responder,
            EntryKind::Flag,
            format!("flag {name} turned {}", if enabled { "on" } else { "off" }),
        );
        Ok(())
    }

    pub fn flag_enabled(&self, name: &str) -> Result<bool, OpError> {
        let f = self
            .sc
            .flags
            .iter()
            .position(|f| f.name == name)
            .ok_or_else(|| OpError::UnknownFlag(name.to_string()))?;
        Ok(self.flags[f].configured)
    }

    /// Makes the flag service unreachable (or reachable again): SDKs fall
    /// back to each flag's safe default.
    pub fn set_flag_service_up(&mut self, up: bool) {
        self.invalidate();
        self.flag_service_up = up;
    }

    // ----- completions ----------------------------------------------------

    pub(crate) fn complete_op(&mut self, id: u32) {
        let kind = self.ops[id as usize].kind.clone();
        self.ops[id as usize].done = true;
        match kind {
            OpKind::Review { pr } => self.finish_review(pr),
            OpKind::Ci { pr, lane } => self.finish_ci(pr, lane),
            OpKind::Smoke { pr } => self.finish_smoke(pr),
            OpKind::Deploy { pr, weight } => self.finish_deploy(pr, weight),
            OpKind::Rollback { targets, pr } => {
                self.invalidate();
                for &(s, v) in &targets {
                    self.make_stable(s, v);
                }
                if let Some(pr) = pr {
                    self.finish_deployment(pr, DeploymentOutcome::RolledBack);
                }
                let text = targets
                    .iter()
                    .map(|&(s, v)| {
                        format!(
                            "{} runs {}",
                            self.sc.service(s).name,
                            self.versions[v.index()].label
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                self.say(
                    Actor::Pipeline,
                    EntryKind::Rollback,
                    format!("rollback done: {text}"),
                );
            }
            OpKind::Switch { pr, to_new } => self.finish_switch(pr, to_new),
            OpKind::Flag { flag, enabled } => {
                self.invalidate();
                self.flags[flag].effective = enabled;
                let name = self.sc.flags[flag].name.clone();
                self.say(
                    Actor::Flags,
                    EntryKind::Flag,
                    format!(
                        "flag {name} is {} everywhere",
                        if enabled { "on" } else { "off" }
                    ),
                );
            }
        }
    }

    /// How many of a change's problems (latent bugs, and not curing its
    /// target) a safety net with catch probability `p` catches.
    /// Caught problems are recorded on the change, so a rework fixes them.
    fn catches<R: Rng>(&mut self, change: ChangeId, p: Ratio, rng: &mut R) -> usize {
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

    /// What the team learns from a failed canary or a switch back: the
    /// change's bugs that bit are known, and so is a fix that did not help.
    fn learn_from_production(&mut self, change: ChangeId) {
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

    fn finish_review(&mut self, number: u32) {
        let Ok(change) = self.pr(number).map(|p| p.change) else {
            return;
        };
        let mut rng = stream(self.seed, Purpose::Review, change.0 as u64 + 1, 1);
        let p = self.sc.risk.review_catch;
        let caught = self.catches(change, p, &mut rng);
        let state = if caught > 0 {
            ReviewState::ChangesRequested
        } else {
            ReviewState::Approved
        };
        if let Ok(pr) = self.pr_mut(number) {
            pr.review = state;
        }
        let text = if caught > 0 {
            format!("review of PR #{number}: changes requested (spotted a bug in a consumer of the change)")
        } else {
            format!("review of PR #{number}: approved")
        };
        self.say(Actor::Pipeline, EntryKind::Review, text);
    }

    fn finish_ci(&mut self, number: u32, lane: CiLane) {
        let Ok(change) = self.pr(number).map(|p| p.change) else {
            return;
        };
        let p = match lane {
            CiLane::Fast => self.sc.risk.fast_ci_catch,
            CiLane::Full => self.sc.risk.full_ci_catch,
        };
        let mut rng = stream(
            self.seed,
            Purpose::Ci,
            change.0 as u64 + 1,
            10 + lane as u64,
        );
        let caught = self.catches(change, p, &mut rng);
        let conclusion = if caught > 0 {
            CheckConclusion::Failure
        } else {
            CheckConclusion::Success
        };
        if let Ok(pr) = self.pr_mut(number) {
            if let Some(check) = pr
                .checks
                .iter_mut()
                .rev()
                .find(|c| c.lane == lane && c.conclusion.is_none())
            {
                check.conclusion = Some(conclusion);
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

    fn finish_smoke(&mut self, number: u32) {
        let Ok(change) = self.pr(number).map(|p| p.change) else {
            return;
        };
        let mut rng = stream(self.seed, Purpose::Smoke, change.0 as u64 + 1, 1);
        let p = self.sc.risk.smoke_catch;
        let caught = self.catches(change, p, &mut rng);
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

    fn finish_deploy(&mut self, number: u32, weight: f64) {
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

    fn finish_switch(&mut self, number: u32, to_new: bool) {
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

    /// Pull requests neither merged nor closed, and rollouts still holding a
    /// canary: what a replay would leave in flight.
    pub fn in_flight(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, pr) in self.prs.iter().enumerate() {
            if !pr.merged && !pr.closed {
                out.push(format!("PR #{} open", i + 1));
            }
        }
        for d in &self.deployments {
            if d.outcome == DeploymentOutcome::InProgress {
                out.push(format!("deployment of PR #{} in progress", d.number));
            }
        }
        for op in &self.ops {
            if !op.done {
                out.push(format!("operation {:?} running", op.kind));
            }
        }
        out
    }

    /// Ends everything still in flight at the end of a replay, journaled.
    pub(crate) fn abort_in_flight(&mut self) {
        let open: Vec<u32> = self
            .prs
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.merged && !p.closed)
            .map(|(i, _)| i as u32 + 1)
            .collect();
        for n in open {
            if let Ok(pr) = self.pr_mut(n) {
                pr.closed = true;
            }
            self.say(
                Actor::Responder,
                EntryKind::PullRequest,
                format!("PR #{n} left open at the end; closed"),
            );
        }
        let running: Vec<u32> = self
            .deployments
            .iter()
            .filter(|d| d.outcome == DeploymentOutcome::InProgress)
            .map(|d| d.number)
            .collect();
        for n in running {
            if let Some(dep) = self.deployment_mut(n) {
                dep.outcome = DeploymentOutcome::Aborted;
            }
            self.say(
                Actor::Pipeline,
                EntryKind::Abort,
                format!("deployment of PR #{n} still in progress at the end; aborted"),
            );
        }
    }
}

impl crate::scenario::Scenario {
    /// Latent-bug risks of changing `component`.
    pub(crate) fn risks_of_component(
        &self,
        component: Component,
    ) -> &[crate::scenario::LatentRisk] {
        self.risk.risks_of(component)
    }
}

impl World<'_> {
    /// Whether every SDK evaluates the flag as configured.
    pub fn flag_propagated(&self, name: &str) -> bool {
        self.sc
            .flags
            .iter()
            .position(|f| f.name == name)
            .is_none_or(|f| self.flags[f].configured == self.flags[f].effective)
    }
}

/// Cheap, allocation-free questions for control planes that wait.
impl World<'_> {
    /// Whether the alert on `service` is firing (false for unknown names).
    pub fn alert_firing(&self, service: &str) -> bool {
        self.sc
            .service_by_name(service)
            .is_some_and(|s| matches!(self.alerts[s.index()], AlertState::Firing { .. }))
    }

    /// Whether any service not named in `except` has a firing alert.
    pub fn any_alert_firing_except(&self, except: &[String]) -> bool {
        self.sc.service_ids().any(|s| {
            matches!(self.alerts[s.index()], AlertState::Firing { .. })
                && !except.iter().any(|e| *e == self.sc.service(s).name)
        })
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

    /// Whether a sync, rollback or switch is running on application `app`.
    pub fn app_busy_named(&self, app: &str) -> bool {
        self.sc
            .service_by_name(app)
            .is_some_and(|s| self.app_busy(s))
    }
}
