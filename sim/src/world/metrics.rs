//! Scraped series: Prometheus-like cumulative request counters per service
//! and build, sampled every scrape interval, and the alert rule evaluated
//! over them. Detection emerges from this data, never from ground truth.

use serde::Serialize;

use super::code::VersionId;
use crate::scenario::ServiceId;
use crate::time::{SimDuration, SimTime};

/// Cumulative counters of one service's build at one scrape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counter {
    pub version: VersionId,
    pub requests: u64,
    pub errors: u64,
}

/// All scrapes of one replay, for every service.
#[derive(Debug, Clone, Default)]
pub struct Series {
    /// Scrape instants (index 0 is the zero sample at the start).
    pub times: Vec<SimTime>,
    /// Per service: totals per scrape.
    pub totals: Vec<Vec<(u64, u64)>>,
    /// Per service: per-build counters per scrape, flattened; `starts[s][k]`
    /// is where scrape `k`'s rows begin.
    rows: Vec<Vec<Counter>>,
    starts: Vec<Vec<u32>>,
}

impl Series {
    pub(crate) fn new(services: usize) -> Self {
        Series {
            times: Vec::new(),
            totals: vec![Vec::new(); services],
            rows: vec![Vec::new(); services],
            starts: vec![Vec::new(); services],
        }
    }

    pub(crate) fn begin_scrape(&mut self, t: SimTime) {
        self.times.push(t);
    }

    pub(crate) fn record(&mut self, service: ServiceId, counters: &[Counter]) {
        let s = service.index();
        self.starts[s].push(self.rows[s].len() as u32);
        self.rows[s].extend_from_slice(counters);
        let (req, err) = counters
            .iter()
            .fold((0, 0), |(r, e), c| (r + c.requests, e + c.errors));
        self.totals[s].push((req, err));
    }

    /// Counters of `service` at scrape `k`.
    pub fn at(&self, service: ServiceId, k: usize) -> &[Counter] {
        let s = service.index();
        let start = self.starts[s][k] as usize;
        let end = self.starts[s]
            .get(k + 1)
            .map(|&e| e as usize)
            .unwrap_or(self.rows[s].len());
        &self.rows[s][start..end]
    }

    /// Index of the last scrape at or before `t`.
    pub fn index_at(&self, t: SimTime) -> Option<usize> {
        // Scrapes are regular, so the index is usually a division away.
        if let (Some(&first), Some(&second)) = (self.times.first(), self.times.get(1)) {
            let step = (second - first).as_millis();
            if step > 0 && t >= first {
                let k = (((t - first).as_millis() / step) as usize).min(self.times.len() - 1);
                let fits = self.times[k] <= t && self.times.get(k + 1).is_none_or(|&n| n > t);
                if fits {
                    return Some(k);
                }
            }
        }
        match self.times.binary_search(&t) {
            Ok(i) => Some(i),
            Err(0) => None,
            Err(i) => Some(i - 1),
        }
    }

    /// Increase of (requests, errors) over `window` ending at `t`, for the
    /// builds accepted by `filter` (all builds when `None`).
    pub fn increase(
        &self,
        service: ServiceId,
        t: SimTime,
        window: SimDuration,
        filter: Option<VersionId>,
    ) -> (u64, u64) {
        let Some(end) = self.index_at(t) else {
            return (0, 0);
        };
        let start_t = SimTime::from_millis(t.as_millis().saturating_sub(window.as_millis()));
        let start = self.index_at(start_t).unwrap_or(0);
        let sum = |k: usize| -> (u64, u64) {
            match filter {
                None => self.totals[service.index()][k],
                Some(v) => self
                    .at(service, k)
                    .iter()
                    .filter(|c| c.version == v)
                    .fold((0, 0), |(r, e), c| (r + c.requests, e + c.errors)),
            }
        };
        let (r1, e1) = sum(end);
        let (r0, e0) = sum(start);
        (r1.saturating_sub(r0), e1.saturating_sub(e0))
    }
}

/// Where an alert rule stands for one service.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum AlertState {
    Inactive,
    Pending { since: SimTime },
    Firing { since: SimTime },
}
