//! The on-call engineer: acknowledging a page and diagnosing a service.
//! Diagnosis reads ground truth, standing in for a person reading logs and
//! traces; it is the only place a strategy learns what is wrong.

use super::*;
use crate::world::code::{DefectId, DefectOrigin};
use crate::world::journal::{Actor, EntryKind};
use crate::world::traffic::Root;
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

    pub(super) fn culprit_view(&self, d: DefectId, p: f64) -> CulpritView {
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
}
