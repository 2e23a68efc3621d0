//! Metric questions, as the Prometheus HTTP API would answer them: firing
//! alerts and error ratios over the scraped series (never ground truth).

use super::*;
use crate::time::{SimDuration, SimTime};
use crate::world::code::VersionId;
use crate::world::metrics::AlertState;
use crate::world::World;

impl World<'_> {
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
}
