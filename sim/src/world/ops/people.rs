//! The on-call engineer: acknowledging a page, diagnosing a service and
//! repairing damaged data. Diagnosis reads ground truth, standing in for a
//! person reading logs, traces and the deploy history; it is the only
//! place a strategy learns what is wrong.

use super::*;
use crate::prob::Ratio;
use crate::rng::{stream, Purpose};
use crate::scenario::ServiceId;
use crate::world::code::{DefectId, DefectOrigin};
use crate::world::journal::{Actor, EntryKind};
use crate::world::World;

impl World<'_> {
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
    /// its requests, directly or through a dependency (the most damaging
    /// first), then the ones on its own builds that fail nothing right now
    /// (contained by a flag, or corrupting data rather than failing).
    pub fn diagnose(&mut self, service: &str) -> Result<Diagnosis, OpError> {
        let s = self.service_named(service)?;
        // (defect, share of requests failing, via, share of the largest path)
        let mut found: Vec<(DefectId, f64, Option<ServiceId>, f64)> = Vec::new();
        let by_cause = self.load(s).by_cause.clone();
        for (cause, p) in by_cause {
            let Some(d) = self.defect_of_root(cause.root) else {
                continue;
            };
            match found.iter_mut().find(|e| e.0 == d) {
                Some(e) => {
                    e.1 += p;
                    if p > e.3 {
                        e.2 = cause.via;
                        e.3 = p;
                    }
                }
                None => found.push((d, p, cause.via, p)),
            }
        }
        // Most damaging first; ties by id, so the order is deterministic.
        found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut quiet: Vec<DefectId> = self.apps[s.index()]
            .cohorts()
            .flat_map(|(v, _)| self.versions[v.index()].defects.iter().copied())
            .filter(|&d| {
                let defect = &self.defects[d.index()];
                defect.host == s && defect.victim == s && self.active(d)
            })
            .filter(|d| !found.iter().any(|e| e.0 == *d))
            .collect();
        quiet.sort();
        quiet.dedup();
        let views: Vec<CulpritView> = found
            .into_iter()
            .map(|(d, p, via, _)| (d, p, via))
            .chain(quiet.into_iter().map(|d| (d, 0.0, None)))
            .map(|(d, p, via)| self.culprit_view(d, p, via))
            .collect();
        let summary = if views.is_empty() {
            "nothing wrong beyond background errors".to_string()
        } else {
            views.iter().map(finding).collect::<Vec<_>>().join("; ")
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

    /// What a defect is, in a few words: `fault `x` in payment`, `a bug
    /// PR #2 introduced in login that fails email`, `data in payment
    /// damaged by fault `x``.
    pub(super) fn culprit_summary(&self, d: DefectId) -> String {
        let defect = &self.defects[d.index()];
        let host = &self.sc.service(defect.host).name;
        match defect.origin {
            DefectOrigin::Fault(f) if defect.in_data => {
                format!(
                    "data in {host} damaged by fault `{}`",
                    self.sc.fault(f).name
                )
            }
            DefectOrigin::Fault(f) => format!("fault `{}` in {host}", self.sc.fault(f).name),
            DefectOrigin::Change(c) => {
                let number = self.changes[c.index()].number;
                let victim = &self.sc.service(defect.victim).name;
                if victim == host {
                    format!("a bug PR #{number} introduced in {host}")
                } else {
                    format!("a bug PR #{number} introduced in {host} that fails {victim}")
                }
            }
        }
    }

    pub(super) fn culprit_view(&self, d: DefectId, p: f64, via: Option<ServiceId>) -> CulpritView {
        let defect = &self.defects[d.index()];
        let name = |s: ServiceId| self.sc.service(s).name.clone();
        let writer = match defect.origin {
            DefectOrigin::Fault(f) if defect.in_data => Some(DefectId(f.0)),
            _ => None,
        };
        CulpritView {
            id: d.0,
            kind: match defect.origin {
                DefectOrigin::Fault(_) => CulpritKind::Original,
                DefectOrigin::Change(_) => CulpritKind::Regression,
            },
            host: name(defect.host),
            victim: name(defect.victim),
            via: via.map(name),
            error_ratio: p,
            active: p > 0.0 || (defect.writes.is_some() && self.runs_on(d, defect.host)),
            flag: defect.flag.map(|f| self.sc.flag(f).name.clone()),
            introduced_by: match defect.origin {
                DefectOrigin::Change(c) => Some(self.changes[c.index()].number),
                DefectOrigin::Fault(_) => None,
            },
            came_with_last_release: self.came_with_last_release(d),
            data_damage: defect.in_data,
            written_by: writer
                .filter(|&w| self.runs_on(w, defect.host))
                .map(|w| w.0),
            summary: self.culprit_summary(d),
        }
    }

    /// Whether a build serving `d`'s host carries it while the build it was
    /// made from does not: the release that brought it is still running,
    /// and rolling that release back removes it.
    fn came_with_last_release(&self, d: DefectId) -> bool {
        let host = self.defects[d.index()].host;
        let carries = |v: VersionId| self.versions[v.index()].defects.binary_search(&d).is_ok();
        self.apps[host.index()].cohorts().any(|(v, _)| {
            carries(v) && self.versions[v.index()].parent.is_some_and(|p| !carries(p))
        })
    }

    /// The responders' note in the journal.
    pub fn note(&mut self, kind: crate::control::Note, text: &str) {
        let kind = match kind {
            crate::control::Note::Decision => EntryKind::Decision,
            crate::control::Note::Stop => EntryKind::Stop,
        };
        self.say(Actor::Responder, kind, text);
    }

    /// Starts repairing `service`'s damaged data (a restore from backup or
    /// a reconciliation job), taking the team's `repair` time. Damage whose
    /// code still runs when the repair finishes is written again at once.
    pub fn repair(&mut self, service: &str) -> Result<(), OpError> {
        let s = self.service_named(service)?;
        let Some(dist) = self.sc.team.repair else {
            return Err(OpError::Invalid(
                "the scenario's team has no `repair` duration".into(),
            ));
        };
        if self.repairing(s) {
            return Err(OpError::Busy(service.to_string()));
        }
        self.counts.repairs += 1;
        let mut rng = stream(self.seed, Purpose::Repair, s.0 as u64, self.counts.repairs);
        let d = dist.sample(&mut rng);
        self.start_op(OpKind::Repair { service: s }, d);
        self.say(
            Actor::Responder,
            EntryKind::Repair,
            format!("repair of {service}'s data started"),
        );
        Ok(())
    }

    /// Whether a repair of `s`'s data is running.
    pub(crate) fn repairing(&self, s: ServiceId) -> bool {
        self.ops
            .iter()
            .any(|op| !op.done && matches!(op.kind, OpKind::Repair { service } if service == s))
    }

    /// Whether a repair of `service`'s data is running (unknown names: no).
    pub fn repair_running(&self, service: &str) -> bool {
        self.sc
            .service_by_name(service)
            .is_some_and(|s| self.repairing(s))
    }

    pub(super) fn finish_repair(&mut self, s: ServiceId) {
        self.invalidate();
        let mut repaired = Vec::new();
        for i in 0..self.sc.faults.len() {
            let Some(damage) = self.damage_of[i] else {
                continue;
            };
            if self.defects[damage.index()].host != s
                || self.defects[damage.index()].active_from.is_none()
            {
                continue;
            }
            self.defects[damage.index()].repaired = true;
            repaired.push(self.sc.faults[i].name.clone());
        }
        let name = self.sc.service(s).name.clone();
        let text = if repaired.is_empty() {
            format!("repair of {name}'s data done: nothing was damaged")
        } else {
            format!(
                "repair of {name}'s data done: undid the damage of fault `{}`",
                repaired.join("`, `")
            )
        };
        self.say(Actor::Responder, EntryKind::Repair, text);
    }
}

/// One culprit as the diagnosis line says it.
fn finding(c: &CulpritView) -> String {
    if c.data_damage {
        let state = if c.written_by.is_some() {
            "still being written"
        } else {
            "needs a repair"
        };
        return format!(
            "{} of requests fail, from {} ({state})",
            Ratio::clamped(c.error_ratio),
            c.summary
        );
    }
    if !c.active {
        return match &c.flag {
            Some(f) => format!("{} (contained: flag {f} is off)", c.summary),
            None => format!("{} (failing nothing now)", c.summary),
        };
    }
    if c.error_ratio <= 0.0 {
        return format!("{} (corrupting data)", c.summary);
    }
    let through = c
        .via
        .as_ref()
        .map(|v| format!(" through {v}"))
        .unwrap_or_default();
    format!(
        "{} of requests fail{through}, from {}",
        Ratio::clamped(c.error_ratio),
        c.summary
    )
}
