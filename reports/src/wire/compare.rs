//! The comparison of several strategies over many seeds, as JSON.
//!
//! Schema version 2 (version 1 had no `scenario_summary` and no
//! `mttr_quantiles`): everything of version 1 is still there, unchanged.

use gameday_sim::scenario::Scenario;
use gameday_sim::score::summary::{self, summarize_all, FailedMeans, Stat, Summary};
use gameday_sim::score::Score;
use schemars::JsonSchema;
use serde::Serialize;

use super::ScenarioSummary;

/// Version of the compare JSON document.
pub const SCHEMA_VERSION: u32 = 2;

/// Quantiles the MTTR distribution is published at: 0%, 5%, ..., 100%.
pub const MTTR_QUANTILE_STEPS: usize = 20;

/// Several strategies replayed on the same seeds, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CompareReport {
    /// Version of this document's shape; see the module docs.
    pub schema_version: u32,
    /// The scenario's name.
    pub scenario: String,
    /// Replays per strategy.
    pub runs: u64,
    /// Run `i` used seed `base_seed + i`.
    pub base_seed: u64,
    pub strategies: Vec<StrategySummary>,
    pub scenario_summary: ScenarioSummary,
}

/// Distribution of one measure over the replays.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct StatReport {
    /// Observations it is based on.
    pub n: usize,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    /// Bootstrap 95% confidence interval of the mean.
    pub ci95: [f64; 2],
}

/// Mean failed requests per replay, by cause.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct FailedMeansReport {
    /// Background errors a service has on a good day.
    pub baseline: f64,
    /// The injected fault(s), on the faulty service itself.
    pub original_fault: f64,
    /// Latent bugs in the responders' own changes, on the service they hit.
    pub regression: f64,
    /// Failures of a dependency seen by a caller.
    pub dependency: f64,
}

impl FailedMeansReport {
    /// Failed requests the incident caused (everything but the baseline).
    pub fn incident(&self) -> f64 {
        self.original_fault + self.regression + self.dependency
    }
}

/// One point of a distribution: a share `q` of the replays had an MTTR of
/// at most `seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct QuantilePoint {
    pub q: f64,
    pub seconds: f64,
}

/// One strategy over many seeds.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct StrategySummary {
    pub name: String,
    /// False when the strategy could not act on any seed (e.g. no flag
    /// guards the faulty path); the measures are then empty.
    pub applicable: bool,
    pub runs: usize,
    pub applicable_runs: usize,
    /// Why it was not applicable, when it was not.
    pub not_applicable_reason: Option<String>,
    /// Replays in which service was restored before the horizon.
    pub restored_runs: usize,
    /// Impact start until every service was within its SLO for the
    /// stability window. Unrestored replays count as restored at the
    /// horizon (so this is a lower bound when `restored_runs <
    /// applicable_runs`).
    pub mttr_seconds: Option<StatReport>,
    pub time_to_detect_seconds: Option<StatReport>,
    pub time_to_acknowledge_seconds: Option<StatReport>,
    pub time_to_mitigate_seconds: Option<StatReport>,
    /// Over the replays that reached full resolution.
    pub time_to_resolve_seconds: Option<StatReport>,
    /// Share of replays with at least one regression caused by the response.
    pub regression_rate: f64,
    /// Bootstrap 95% confidence interval of the regression rate.
    pub regression_rate_ci95: [f64; 2],
    /// Failed requests rooted in regressions, per replay.
    pub regression_blast_radius: Option<StatReport>,
    pub hotfixes_mean: f64,
    pub rollbacks_mean: f64,
    /// Deployments needing remediation over deployments reaching traffic.
    pub change_failure_rate: Option<f64>,
    pub failed_requests_by_cause: Option<FailedMeansReport>,
    /// Revenue lost per replay, in the scenario's currency.
    pub revenue_lost: Option<StatReport>,
    /// The MTTR distribution (same counting as `mttr_seconds`) at 21
    /// quantiles, 0%, 5%, ..., 100% (type-7 interpolation, like NumPy's
    /// default): enough for a CDF or a box plot, without one number per
    /// replay. Empty when not applicable.
    pub mttr_quantiles: Vec<QuantilePoint>,
}

impl CompareReport {
    /// Summarises a sweep: `scores[i]` are the replays of strategy
    /// `names[i]` on seeds `base_seed..base_seed + runs`. The bootstrap
    /// intervals are seeded from `base_seed`, as `gameday compare` always
    /// has, so the same sweep gives the same report.
    pub fn build(
        sc: &Scenario,
        names: &[&str],
        scores: &[Vec<Score>],
        runs: u64,
        base_seed: u64,
    ) -> CompareReport {
        let summaries = summarize_all(names, scores, base_seed);
        let strategies = summaries
            .into_iter()
            .zip(scores)
            .map(|(s, scores)| StrategySummary::of(s, scores))
            .collect();
        CompareReport {
            schema_version: SCHEMA_VERSION,
            scenario: sc.name.clone(),
            runs,
            base_seed,
            strategies,
            scenario_summary: ScenarioSummary::of(sc),
        }
    }
}

impl StatReport {
    fn of(s: Stat) -> StatReport {
        StatReport {
            n: s.n,
            mean: s.mean,
            p50: s.p50,
            p90: s.p90,
            ci95: s.ci95,
        }
    }
}

impl StrategySummary {
    fn of(s: Summary, scores: &[Score]) -> StrategySummary {
        let mut mttr: Vec<f64> = scores.iter().filter_map(summary::mttr_seconds).collect();
        mttr.sort_by(f64::total_cmp);
        let mttr_quantiles = if mttr.is_empty() {
            Vec::new()
        } else {
            (0..=MTTR_QUANTILE_STEPS)
                .map(|i| {
                    let q = i as f64 / MTTR_QUANTILE_STEPS as f64;
                    QuantilePoint {
                        q,
                        seconds: summary::quantile(&mttr, q),
                    }
                })
                .collect()
        };
        let stat = |x: Option<Stat>| x.map(StatReport::of);
        StrategySummary {
            name: s.name,
            applicable: s.applicable,
            runs: s.runs,
            applicable_runs: s.applicable_runs,
            not_applicable_reason: s.not_applicable_reason,
            restored_runs: s.restored_runs,
            mttr_seconds: stat(s.mttr_seconds),
            time_to_detect_seconds: stat(s.time_to_detect_seconds),
            time_to_acknowledge_seconds: stat(s.time_to_acknowledge_seconds),
            time_to_mitigate_seconds: stat(s.time_to_mitigate_seconds),
            time_to_resolve_seconds: stat(s.time_to_resolve_seconds),
            regression_rate: s.regression_rate,
            regression_rate_ci95: s.regression_rate_ci95,
            regression_blast_radius: stat(s.regression_blast_radius),
            hotfixes_mean: s.hotfixes_mean,
            rollbacks_mean: s.rollbacks_mean,
            change_failure_rate: s.change_failure_rate,
            failed_requests_by_cause: s.failed_requests_by_cause.map(|f: FailedMeans| {
                FailedMeansReport {
                    baseline: f.baseline,
                    original_fault: f.original_fault,
                    regression: f.regression,
                    dependency: f.dependency,
                }
            }),
            revenue_lost: stat(s.revenue_lost),
            mttr_quantiles,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gameday_sim::engine::sweep::sweep;
    use gameday_sim::strategy::presets::preset;

    fn small() -> (Scenario, Vec<&'static str>, Vec<Vec<Score>>) {
        let sc = gameday_sim::scenario::friday_cascade();
        let names = vec!["direct", "rollback"];
        let policies: Vec<_> = names.iter().map(|n| preset(n, &sc).unwrap()).collect();
        let scores = sweep(&sc, &policies, 12, 1, 1).unwrap();
        (sc, names, scores)
    }

    #[test]
    fn should_serialize_the_simulators_summary_fields_unchanged() {
        let (sc, names, scores) = small();
        let report = CompareReport::build(&sc, &names, &scores, 12, 1);
        let sim = summarize_all(&names, &scores, 1);
        for (ours, theirs) in report.strategies.iter().zip(&sim) {
            let mut ours = serde_json::to_value(ours).unwrap();
            ours.as_object_mut().unwrap().remove("mttr_quantiles");
            assert_eq!(ours, serde_json::to_value(theirs).unwrap());
        }
    }

    #[test]
    fn should_publish_mttr_quantiles_matching_the_summary() {
        let (sc, names, scores) = small();
        let report = CompareReport::build(&sc, &names, &scores, 12, 1);
        for s in &report.strategies {
            let q = &s.mttr_quantiles;
            let stat = s.mttr_seconds.unwrap();
            assert_eq!(q.len(), MTTR_QUANTILE_STEPS + 1);
            assert_eq!(q[10].q, 0.5);
            assert_eq!(q[10].seconds, stat.p50);
            assert_eq!(q[18].seconds, stat.p90);
            assert!(q.windows(2).all(|w| w[0].seconds <= w[1].seconds));
        }
    }
}
