//! What the team remembers between turns: each culprit it has worked on
//! and what it tried, the pages it acknowledged, the services it has given
//! up on for now, and the hotfixes it shipped against the policy's bounds.
//!
//! Everything here was learned through the control plane; none of it is
//! the world's ground truth.

use crate::world::{CulpritKind, CulpritView};

/// The last thing the team did about a culprit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tried {
    /// Nothing yet (or the plan changed nothing).
    Nothing,
    /// Shipped a fix: this pull request.
    Shipped(u32),
    /// Rolled a release or a change back.
    RolledBack,
    /// Turned its flag off.
    FlagOff,
    /// Repaired the data it damaged.
    Repaired,
    /// Its fix (this pull request) was rolled back, for a regression it
    /// caused or because it did not cure: from then on it is a new
    /// incident.
    Reverted(u32),
}

impl Tried {
    /// As the journal says it: "after PR #3 shipped".
    pub(super) fn describe(&self) -> String {
        match self {
            Tried::Nothing => "the last attempt".to_string(),
            Tried::Shipped(pr) => format!("PR #{pr} shipped"),
            Tried::RolledBack => "the rollback".to_string(),
            Tried::FlagOff => "turning its flag off".to_string(),
            Tried::Repaired => "the repair".to_string(),
            Tried::Reverted(pr) => format!("PR #{pr} was rolled back"),
        }
    }
}

/// One culprit the team knows about.
#[derive(Debug, Clone)]
pub(super) struct Record {
    pub id: u32,
    pub summary: String,
    /// Plans run against it since it was last new.
    pub attempts: u32,
    pub last: Tried,
    /// Why the team stopped working on it (a bound, `stop`, no move left).
    pub exhausted: Option<String>,
}

/// The team's memory over one replay.
#[derive(Debug, Default)]
pub(super) struct Memory {
    pub records: Vec<Record>,
    /// Services whose current page has been acknowledged.
    pub acked: Vec<String>,
    /// Services whose last diagnosis found nothing but culprits the team
    /// gave up on, with the error ratio measured then: not worked again
    /// until their page clears or they get worse.
    pub blocked: Vec<(String, f64)>,
    /// Services the team has diagnosed at least once.
    pub seen: Vec<String>,
    /// Hotfixes (the team's own changes reaching traffic) shipped.
    pub hotfixes: u32,
    /// The culprit each pull request the team opened targets.
    pub pr_targets: Vec<(u32, u32, CulpritKind)>,
    /// Hotfixes shipped per regression culprit: (culprit id, count).
    pub shipped_for_regression: Vec<(u32, u32)>,
}

impl Memory {
    /// The record of `c`, created on first sight.
    pub fn record(&mut self, c: &CulpritView) -> &mut Record {
        let i = match self.records.iter().position(|r| r.id == c.id) {
            Some(i) => i,
            None => {
                self.records.push(Record {
                    id: c.id,
                    summary: c.summary.clone(),
                    attempts: 0,
                    last: Tried::Nothing,
                    exhausted: None,
                });
                self.records.len() - 1
            }
        };
        &mut self.records[i]
    }

    /// Why the team gave up on culprit `id`, if it did.
    pub fn exhausted(&self, id: u32) -> Option<&str> {
        self.records
            .iter()
            .find(|r| r.id == id)
            .and_then(|r| r.exhausted.as_deref())
    }

    /// A change was rolled back: culprits it had fixed are new incidents
    /// if they come back.
    pub fn reverted(&mut self, pr: u32) {
        for r in &mut self.records {
            if r.last == Tried::Shipped(pr) {
                r.last = Tried::Reverted(pr);
            }
        }
    }

    /// The regression culprit pull request `pr` fixes, if it fixes one.
    pub fn regression_target(&self, pr: u32) -> Option<u32> {
        self.pr_targets
            .iter()
            .find(|t| t.0 == pr)
            .filter(|t| t.2 == CulpritKind::Regression)
            .map(|t| t.1)
    }

    /// Hotfixes shipped so far for regression culprit `id`.
    pub fn shipped_for(&self, id: u32) -> u32 {
        self.shipped_for_regression
            .iter()
            .find(|s| s.0 == id)
            .map_or(0, |s| s.1)
    }

    /// Counts a hotfix shipping: overall, and for the regression it fixes.
    pub fn count_hotfix(&mut self, pr: u32) {
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

    /// Whether `service` is blocked at error ratio `ratio` (a service that
    /// got clearly worse since is looked at again).
    pub fn is_blocked(&self, service: &str, ratio: f64) -> bool {
        self.blocked
            .iter()
            .any(|(s, then)| s == service && ratio <= then * 1.25 + 0.01)
    }

    pub fn block(&mut self, service: &str, ratio: f64) {
        self.blocked.retain(|(s, _)| s != service);
        self.blocked.push((service.to_string(), ratio));
    }
}
