//! Per-service request and error counts per scrape interval, read off the
//! world's scraped series after a replay: what a chart of each service's
//! error ratio over time needs, without the per-build detail.
//!
//! Deterministic: the points are differences of the world's cumulative
//! counters, in scrape order, with nothing random or wall-clock in them.

use serde::Serialize;

use crate::time::SimTime;
use crate::world::World;

/// One scrape interval of one service: the requests and errors counted
/// since the previous scrape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScrapePoint {
    /// The scrape closing the interval.
    pub at: SimTime,
    pub requests: u64,
    pub errors: u64,
}

impl ScrapePoint {
    /// Errors over requests in the interval; 0 when nothing was served.
    pub fn error_ratio(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.errors as f64 / self.requests as f64
        }
    }
}

/// The scrape intervals of one service, in time order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceSeries {
    pub service: String,
    pub points: Vec<ScrapePoint>,
}

/// Every service's scrape intervals, in the scenario's service order.
pub fn scrape_series(world: &World<'_>) -> Vec<ServiceSeries> {
    let sc = world.scenario();
    let series = world.series();
    sc.service_ids()
        .map(|s| {
            let totals = &series.totals[s.index()];
            let points = (1..totals.len().min(series.times.len()))
                .map(|k| ScrapePoint {
                    at: series.times[k],
                    requests: totals[k].0.saturating_sub(totals[k - 1].0),
                    errors: totals[k].1.saturating_sub(totals[k - 1].1),
                })
                .collect();
            ServiceSeries {
                service: sc.service(s).name.clone(),
                points,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::replay_world;
    use crate::scenario::friday_cascade;
    use crate::strategy::presets::preset;

    #[test]
    fn should_add_up_to_the_last_scrape_of_every_service() {
        let sc = friday_cascade();
        let (world, _, _) = replay_world(&sc, &preset("direct", &sc).unwrap(), 4);
        let all = scrape_series(&world);
        assert_eq!(all.len(), sc.services.len());
        for (s, series) in sc.service_ids().zip(&all) {
            let last = *world.series().totals[s.index()].last().unwrap();
            let requests: u64 = series.points.iter().map(|p| p.requests).sum();
            let errors: u64 = series.points.iter().map(|p| p.errors).sum();
            assert_eq!((requests, errors), last, "{}", series.service);
            assert_eq!(series.points.len() + 1, world.series().times.len());
            assert!(series.points.windows(2).all(|w| w[0].at < w[1].at));
        }
    }

    #[test]
    fn should_show_the_fault_in_payment_and_not_in_catalog() {
        let sc = friday_cascade();
        let (world, _, _) = replay_world(&sc, &preset("direct", &sc).unwrap(), 4);
        let all = scrape_series(&world);
        let worst = |name: &str| {
            all.iter()
                .find(|s| s.service == name)
                .unwrap()
                .points
                .iter()
                .map(ScrapePoint::error_ratio)
                .fold(0.0, f64::max)
        };
        assert!(worst("payment") > 0.1, "payment fails 15%");
        assert!(worst("catalog") < 0.05, "catalog is not involved");
    }
}
