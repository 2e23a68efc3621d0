//! Scoring: what a replay cost, read from the world's ground truth.
//!
//! Per replay ([`Score`]): time to detect, acknowledge, mitigate, restore
//! (MTTR) and fully resolve; regressions and the changes that caused them;
//! hotfixes, rollbacks and deployments; failed requests by cause; revenue
//! lost; error budget consumed. Over many seeds: [`summary`] (with the
//! censoring of unrestored replays in [`censor`]), [`paired`] differences
//! between two strategies on the same seeds, and the [`seeds`] behind the
//! tails and the failures.

pub mod censor;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod paired;
pub mod runbook;
pub mod seeds;
pub mod summary;

use serde::Serialize;

use crate::scenario::ServiceId;
use crate::strategy::Ended;
use crate::time::{SimDuration, SimTime};
use crate::world::code::DefectOrigin;
use crate::world::journal::{Actor, EntryKind};
use crate::world::traffic::Root;
use crate::world::{DeploymentOutcome, World};

/// Failed requests split by what caused them. They add up to the total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FailedByCause {
    /// Background errors a service has on a good day.
    pub baseline: u64,
    /// The injected fault(s), on the faulty service itself.
    pub original_fault: u64,
    /// Latent bugs in the responders' own changes, on the service they hit.
    pub regression: u64,
    /// Failures of a dependency (whatever its root cause) seen by a caller.
    pub dependency: u64,
}

impl FailedByCause {
    pub fn total(&self) -> u64 {
        self.baseline + self.original_fault + self.regression + self.dependency
    }
}

/// One regression: a latent bug shipped by a response change that failed
/// requests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Regression {
    /// The pull request that carried it.
    pub pr: u32,
    /// Where the bug lives.
    pub host: String,
    /// Whose requests it failed.
    pub service: String,
    /// Requests it failed, directly and through dependencies.
    pub failed_requests: u64,
}

/// Error budget consumed by the incident on one service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetUse {
    pub service: String,
    /// Failed requests beyond the baseline, over the service's error budget
    /// for one SLO window (1.0 = the whole budget).
    pub consumed: f64,
}

/// How a replay ended, read from the ground truth and from how the
/// response ended. It cannot contradict [`Score::mttr`]: `Restored` exactly
/// when `mttr` is `Some`.
/// `NoImpact`, `Restored`, `NotRestored` and `Stopped` are counted in a
/// strategy's statistics; `NotApplicable` and `Failed` are counted apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "status", content = "reason")]
pub enum Outcome {
    /// No service ever left its SLO: there was nothing to restore.
    NoImpact,
    /// Every service came back within its SLO and stayed there for the
    /// stability window before the horizon (a later relapse is counted in
    /// [`Score::relapses`]).
    Restored,
    /// The horizon came first, with the responders still at work (or
    /// waiting for a page that never came): the MTTR is censored at the
    /// horizon.
    NotRestored,
    /// The policy ended the response (a bound such as `max_hotfixes`, or a
    /// `stop` reaction) before service was restored; the reason is the
    /// journal's line. The MTTR is censored at the horizon.
    Stopped(String),
    /// The policy cannot act on this scenario at all (decided before its
    /// first action, e.g. no flag guards the faulty path).
    NotApplicable(String),
    /// The replay broke: the control plane refused a request in the middle
    /// of the response. A bug in the runner or the model, counted (never
    /// dropped) and reported with its seed.
    Failed(String),
}

impl Outcome {
    /// Whether the replay counts in the strategy's statistics (it could
    /// act, and did not break).
    pub fn counted(&self) -> bool {
        !matches!(self, Outcome::NotApplicable(_) | Outcome::Failed(_))
    }

    /// The outcome in words, e.g. `not restored within 8h00m`.
    pub fn describe(&self, horizon: &str) -> String {
        match self {
            Outcome::NoImpact => "no impact: every service stayed within its SLO".into(),
            Outcome::Restored => "restored".into(),
            Outcome::NotRestored => format!("not restored within {horizon}"),
            Outcome::Stopped(why) => format!("stopped by the policy: {why}"),
            Outcome::NotApplicable(why) => format!("not applicable: {why}"),
            Outcome::Failed(why) => format!("replay failed: {why}"),
        }
    }
}

/// The score of one replay.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub outcome: Outcome,
    /// Whether the strategy could act at all.
    pub applicable: bool,
    /// First moment a service fell outside its SLO.
    pub impact_start: Option<SimTime>,
    /// Impact start to the first alert firing.
    pub time_to_detect: Option<SimDuration>,
    /// First alert to its acknowledgement.
    pub time_to_acknowledge: Option<SimDuration>,
    /// Impact start until the original fault(s) stopped failing requests
    /// (contained by a flag or rollback, or cured) for at least the
    /// stability window.
    pub time_to_mitigate: Option<SimDuration>,
    /// Impact start until every service was within its SLO and stayed so
    /// for the stability window (the first such moment; a later relapse
    /// shows up in `relapses` and `failed_after_restore`). `None`: not
    /// restored before the horizon.
    pub mttr: Option<SimDuration>,
    /// Times some service left its SLO again after service was restored.
    pub relapses: u32,
    /// Requests the incident failed (baseline errors excluded) after
    /// service was restored: what a late relapse cost.
    pub failed_after_restore: u64,
    /// Impact start until the root cause was cured (not merely contained),
    /// every service healthy and the responders' last operation finished.
    pub time_to_resolve: Option<SimDuration>,
    pub regressions: Vec<Regression>,
    /// Deployments of the responders' changes that reached traffic.
    pub hotfixes: u32,
    pub rollbacks: u32,
    pub flag_flips: u32,
    /// Deployments that reached traffic and needed remediation (rollback,
    /// abort, switch back, or a hotfix for a regression they caused).
    pub failed_deployments: u32,
    pub requests: u64,
    pub failed_requests: FailedByCause,
    /// Failed requests whose root cause is a regression, wherever they
    /// failed: the blast radius of the response's own mistakes.
    pub regression_blast_radius: u64,
    pub revenue_lost: f64,
    pub error_budget: Vec<BudgetUse>,
    /// When the replay stopped.
    pub ended_at: SimTime,
}

impl Score {
    /// Reads the score off a finished world.
    pub fn from_world(world: &World<'_>, ended: Ended, ended_at: SimTime) -> Score {
        let sc = world.scenario();

        let impact_start = world
            .health_log
            .iter()
            .find(|(_, _, ok)| !ok)
            .map(|(t, _, _)| *t);
        let first_alert = world
            .journal
            .first(crate::world::journal::EntryKind::AlertFiring)
            .map(|e| e.at);
        let first_ack = world
            .journal
            .first(crate::world::journal::EntryKind::Acknowledge)
            .map(|e| e.at);
        let since_impact = |t: Option<SimTime>| -> Option<SimDuration> { Some(t? - impact_start?) };

        // Restoration: the start of the first stretch in which every
        // service stayed healthy for a stability window. A later relapse is
        // scored as what it is (a regression, more failed requests), not by
        // moving the restoration back.
        let window = sc.stability_window;
        let stretches = world.healthy_stretches(ended_at);
        let restored_at = impact_start.and_then(|impact| {
            stretches
                .iter()
                .find(|&&(a, b)| a >= impact && b - a >= window)
                .map(|&(a, _)| a)
        });
        let mttr = since_impact(restored_at);
        let outcome = match ended {
            Ended::NotApplicable(why) => Outcome::NotApplicable(why),
            Ended::Failed(why) => Outcome::Failed(why),
            _ if impact_start.is_none() => Outcome::NoImpact,
            _ if restored_at.is_some() => Outcome::Restored,
            Ended::Stopped(why) => Outcome::Stopped(why),
            Ended::Horizon | Ended::Settled => Outcome::NotRestored,
        };
        let applicable = !matches!(outcome, Outcome::NotApplicable(_));
        // After restoration: each later stretch of all-healthy that ended
        // before the replay did ended in a relapse.
        let (relapses, failed_after_restore) = match restored_at {
            Some(at) => (
                stretches
                    .iter()
                    .filter(|&&(a, b)| a >= at && b < ended_at)
                    .count() as u32,
                world.incident_failures() - world.incident_failures_at(at),
            ),
            None => (0, 0),
        };

        let mitigated_at = world.original_impact_contained(window, ended_at);
        let time_to_mitigate = since_impact(mitigated_at);

        // The responders' last operation: what changes the world, not their
        // acknowledgements, diagnoses and notes.
        let last_action = world
            .journal
            .entries()
            .iter()
            .rev()
            .find(|e| {
                matches!(e.actor, Actor::Responder | Actor::Pipeline | Actor::Flags)
                    && !matches!(
                        e.kind,
                        EntryKind::Acknowledge
                            | EntryKind::Diagnose
                            | EntryKind::Decision
                            | EntryKind::Stop
                            | EntryKind::Verify
                    )
            })
            .map(|e| e.at);
        let time_to_resolve = if world.faults_cured() && restored_at.is_some() {
            since_impact(Some(
                last_action
                    .unwrap_or(ended_at)
                    .max(restored_at.unwrap_or(ended_at)),
            ))
        } else {
            None
        };

        // Failed requests by cause.
        let mut failed = FailedByCause::default();
        let mut requests = 0;
        let mut revenue_lost = 0.0;
        let mut error_budget = Vec::new();
        let mut by_defect: Vec<(usize, u64)> = Vec::new();
        for s in sc.service_ids() {
            let tally = &world.tally[s.index()];
            requests += tally.requests;
            let mut incident_failures = 0;
            for &(cause, k) in &tally.by_cause {
                match (cause.root, cause.via) {
                    (Root::Baseline, _) => failed.baseline += k,
                    (_, Some(_)) => failed.dependency += k,
                    (Root::Fault(_) | Root::Damage(_), None) => failed.original_fault += k,
                    (Root::Regression(_), None) => failed.regression += k,
                }
                if cause.root != Root::Baseline {
                    incident_failures += k;
                }
                if let Root::Regression(d) = cause.root {
                    match by_defect.iter_mut().find(|(x, _)| *x == d.index()) {
                        Some(e) => e.1 += k,
                        None => by_defect.push((d.index(), k)),
                    }
                }
            }
            let svc = sc.service(s);
            revenue_lost += incident_failures as f64 * svc.value_per_request;
            let budget = svc.error_budget_requests();
            error_budget.push(BudgetUse {
                service: svc.name.clone(),
                consumed: if budget > 0.0 {
                    incident_failures as f64 / budget
                } else {
                    0.0
                },
            });
        }
        by_defect.sort();
        let regressions: Vec<Regression> = by_defect
            .iter()
            .filter_map(|&(d, k)| {
                let defect = &world.defects[d];
                let DefectOrigin::Change(c) = defect.origin else {
                    return None;
                };
                Some(Regression {
                    pr: world.changes[c.index()].number,
                    host: sc.service(defect.host).name.clone(),
                    service: sc.service(defect.victim).name.clone(),
                    failed_requests: k,
                })
            })
            .collect();
        let regression_blast_radius = regressions.iter().map(|r| r.failed_requests).sum();

        let reached: Vec<_> = world
            .deployments
            .iter()
            .filter(|d| d.reached_traffic)
            .collect();
        Score {
            outcome,
            applicable,
            impact_start,
            time_to_detect: since_impact(first_alert),
            time_to_acknowledge: match (first_alert, first_ack) {
                (Some(a), Some(k)) => Some(k - a),
                _ => None,
            },
            time_to_mitigate,
            mttr,
            relapses,
            failed_after_restore,
            time_to_resolve,
            regressions,
            hotfixes: reached.len() as u32,
            rollbacks: world.counts.rollbacks
                + world
                    .deployments
                    .iter()
                    .filter(|d| d.outcome == DeploymentOutcome::Aborted && d.reached_traffic)
                    .count() as u32,
            flag_flips: world.counts.flag_flips,
            failed_deployments: reached.iter().filter(|d| d.remediated).count() as u32,
            requests,
            failed_requests: failed,
            regression_blast_radius,
            revenue_lost,
            error_budget,
            ended_at,
        }
    }

    /// Services that suffered a regression, deduplicated, in order.
    pub fn regressed_services(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .regressions
            .iter()
            .map(|r| r.service.as_str())
            .collect();
        v.dedup();
        v
    }
}

impl World<'_> {
    /// When the injected faults first stopped failing requests for at least
    /// `window` (ground truth, from the transitions the world logged).
    pub(crate) fn original_impact_contained(
        &self,
        window: SimDuration,
        ended_at: SimTime,
    ) -> Option<SimTime> {
        let log = &self.original_impact_log;
        log.iter().enumerate().find_map(|(i, &(t, hurting))| {
            if hurting {
                return None;
            }
            let until = log.get(i + 1).map(|e| e.0).unwrap_or(ended_at);
            (until - t >= window).then_some(t)
        })
    }

    /// Whether every injected fault is gone from the builds that serve
    /// traffic (not merely switched off by a flag) and any data it damaged
    /// is repaired.
    pub(crate) fn faults_cured(&self) -> bool {
        let sc = self.scenario();
        sc.fault_ids().all(|f| {
            if self.fault_onset(f).is_none() {
                // Dormant: an optional fault nobody injected.
                return true;
            }
            let d = crate::world::code::DefectId(f.index() as u32);
            let defect = &self.defects[d.index()];
            if let Some(damage) = self.damage_of[f.index()] {
                let data = &self.defects[damage.index()];
                if data.active_from.is_some() && !data.repaired {
                    return false;
                }
            }
            let host: ServiceId = defect.host;
            !self
                .cohorts(host)
                .iter()
                .any(|(v, _)| self.versions[v.index()].defects.binary_search(&d).is_ok())
        })
    }
}
