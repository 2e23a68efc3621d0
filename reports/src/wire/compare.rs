//! The comparison of several strategies over many seeds, as JSON.
//!
//! Schema version 2 (version 1 had no `scenario_summary` and no
//! `mttr_quantiles`): everything of version 1 is still there, unchanged.

use gameday_sim::scenario::Scenario;
use gameday_sim::score::summary::{self, summarize_all, Summary};
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

/// One point of a distribution: a share `q` of the replays had an MTTR of
/// at most `seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct QuantilePoint {
    pub q: f64,
    pub seconds: f64,
}

/// One strategy over many seeds: the simulator's summary, and its MTTR
/// distribution.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct StrategySummary {
    #[serde(flatten)]
    pub summary: Summary,
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
        StrategySummary {
            summary: s,
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
            let stat = s.summary.mttr_seconds.unwrap();
            assert_eq!(q.len(), MTTR_QUANTILE_STEPS + 1);
            assert_eq!(q[10].q, 0.5);
            assert_eq!(q[10].seconds, stat.p50);
            assert_eq!(q[18].seconds, stat.p90);
            assert!(q.windows(2).all(|w| w[0].seconds <= w[1].seconds));
        }
    }
}
