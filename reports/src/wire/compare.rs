//! The comparison of several strategies over many seeds, as JSON.
//!
//! Schema version 4: a fault's `onset_seconds` in `scenario_summary` is
//! `null` for an optional fault (a drill's twist, dormant until a
//! facilitator injects it; `gameday score` reports an injected one with
//! the moment it started).
//!
//! Version 3 changed from version 2:
//! - per strategy, what the numbers cover: `counted_runs` and `outcomes`
//!   (no impact, restored, not restored, stopped, not applicable, failed;
//!   they add up to `runs`); `applicable_runs` now includes failed
//!   replays, which no measure counts any more (version 2 averaged them
//!   in);
//! - `mttr_seconds` gains `censored` (replays not restored within the
//!   horizon, counted at it) and `lower_bound` (which of `mean`, `ci95`,
//!   `p50`, `p90` that makes lower bounds); each `mttr_quantiles` point
//!   gains `lower_bound`;
//! - per strategy: `relapses_mean`, `relapse_rate`,
//!   `failed_after_restore_mean`, `worst_seeds` and `failed_replays` (each
//!   with the `gameday run` command that replays it) and `versus_baseline`
//!   (the paired comparison with `baseline`);
//! - at the top: `origin` (gameday version, scenario file, SHA-256 of the
//!   scenario) and `baseline`;
//! - `scenario_summary` gains `team_timings`, `risk` and, per fault,
//!   `guarded_by`, `irreversible`, `fix_touches`, `calm_fix_touches`.
//!
//! Version 2 had added `scenario_summary` and `mttr_quantiles` to version 1.

use gameday_sim::scenario::Scenario;
use gameday_sim::score::censor::{censored_quantile, sort_observations, MttrObservation};
use gameday_sim::score::paired::Paired;
use gameday_sim::score::seeds::{self, FailedSeed, WorstSeed};
use gameday_sim::score::summary::{summarize_all, Summary};
use gameday_sim::score::Score;
use schemars::JsonSchema;
use serde::Serialize;

use super::{Origin, ScenarioSummary};

/// Version of the compare JSON document.
pub const SCHEMA_VERSION: u32 = 4;

/// Quantiles the MTTR distribution is published at: 0%, 5%, ..., 100%.
pub const MTTR_QUANTILE_STEPS: usize = 20;

/// Replays of each strategy's tail a report lists.
pub const WORST_SEEDS: usize = 3;

/// Several strategies replayed on the same seeds, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CompareReport {
    /// Version of this document's shape; see the module docs.
    pub schema_version: u32,
    /// The scenario's name.
    pub scenario: String,
    /// Replays per strategy (each strategy's `counted_runs` says how many
    /// its measures cover).
    pub runs: u64,
    /// Run `i` used seed `base_seed + i`.
    pub base_seed: u64,
    /// Who wrote the report, from which scenario bytes.
    pub origin: Origin,
    /// The strategy every other one is paired with; `null` when no
    /// strategy has a counted replay with an impact.
    pub baseline: Option<BaselineReport>,
    pub strategies: Vec<StrategySummary>,
    pub scenario_summary: ScenarioSummary,
}

/// The baseline of the paired comparisons, and how it was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct BaselineReport {
    pub name: String,
    /// `best_mean_mttr` (the default: the lowest mean MTTR, lower bounds
    /// compared as numbers; the first listed on a tie) or `given`
    /// (`--baseline`).
    pub chosen: BaselineChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BaselineChoice {
    BestMeanMttr,
    Given,
}

/// One point of a distribution: a share `q` of the replays had an MTTR of
/// at most `seconds`; a lower bound when a replay not restored within the
/// horizon enters it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct QuantilePoint {
    pub q: f64,
    pub seconds: f64,
    pub lower_bound: bool,
}

/// One strategy over many seeds: the simulator's summary, its MTTR
/// distribution, the seeds behind its tail and its failures, and how it
/// fares against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct StrategySummary {
    #[serde(flatten)]
    pub summary: Summary,
    /// The MTTR distribution (same counting as `mttr_seconds`) at 21
    /// quantiles, 0%, 5%, ..., 100% (type-7 interpolation, like NumPy's
    /// default): enough for a CDF or a box plot, without one number per
    /// replay. Empty when not applicable.
    pub mttr_quantiles: Vec<QuantilePoint>,
    /// The counted replays with the highest MTTR (at most 3, highest
    /// first, ties in seed order).
    pub worst_seeds: Vec<SeedReport>,
    /// Every replay that failed (the control plane refused a request: a
    /// bug in the runner or the model), in seed order. None of them is in
    /// the measures.
    pub failed_replays: Vec<FailedReplayReport>,
    /// Paired with the baseline on the same seeds; `null` for the baseline
    /// itself and when there is none.
    pub versus_baseline: Option<PairedReport>,
}

/// A replay of the tail and how to replay it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SeedReport {
    #[serde(flatten)]
    pub seed: WorstSeed,
    /// e.g. `gameday run --strategy direct --seed 14`.
    pub command: String,
}

/// A failed replay and how to replay it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct FailedReplayReport {
    #[serde(flatten)]
    pub replay: FailedSeed,
    pub command: String,
}

/// The paired comparison with the baseline, and the answer in words.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct PairedReport {
    #[serde(flatten)]
    pub paired: Paired,
    /// e.g. "flag-disable beats rollback on 870/1000 seeds, by 3.2 min on
    /// average (95% CI 3.1-3.3)".
    pub answer: String,
}

/// Why the baseline asked for cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaselineError {
    /// Not one of the compared strategies; `in_scenario` when the scenario
    /// has a strategy of that name that was not selected.
    Unknown {
        name: String,
        known: Vec<String>,
        in_scenario: bool,
    },
    /// Compared, but with no counted replay with an impact to pair with.
    Unusable {
        name: String,
        why: String,
        usable: Vec<String>,
    },
}

impl std::fmt::Display for BaselineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BaselineError::Unknown {
                name,
                known,
                in_scenario,
            } => {
                write!(
                    f,
                    "--baseline `{name}` is not among the compared strategies (hint: compared: {}",
                    known.join(", ")
                )?;
                if *in_scenario {
                    write!(f, "; add `{name}` to --strategies")?;
                }
                write!(f, ")")
            }
            BaselineError::Unusable { name, why, usable } => write!(
                f,
                "--baseline `{name}` has no counted replay with an impact to pair with ({why}) (hint: choose one of: {})",
                usable.join(", ")
            ),
        }
    }
}

impl std::error::Error for BaselineError {}

/// What was swept: `scores[i]` are the replays of strategy `names[i]` on
/// seeds `base_seed..base_seed + runs`.
#[derive(Debug, Clone, Copy)]
pub struct Sweep<'a> {
    pub scenario: &'a Scenario,
    pub names: &'a [&'a str],
    pub scores: &'a [Vec<Score>],
    pub runs: u64,
    pub base_seed: u64,
}

impl CompareReport {
    /// Summarises a sweep, pairing every strategy with `baseline` (by
    /// default the best mean MTTR). The bootstrap intervals are seeded from
    /// `base_seed`, as `gameday compare` always has, so the same sweep
    /// gives the same report.
    pub fn build(
        sweep: &Sweep<'_>,
        origin: Origin,
        baseline: Option<&str>,
    ) -> Result<CompareReport, BaselineError> {
        let summaries = summarize_all(sweep.names, sweep.scores, sweep.base_seed);
        let base = choose_baseline(&summaries, baseline)?;
        let horizon = sweep.scenario.horizon.to_string();
        let strategies = summaries
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let scores = &sweep.scores[i];
                let versus = base.as_ref().filter(|b| b.0 != i).map(|&(b, _)| {
                    // Its own bootstrap stream per pair of strategies.
                    let key = sweep.base_seed ^ ((i as u64 + 1) << 40) ^ ((b as u64 + 1) << 48);
                    let paired = Paired::of(
                        (sweep.names[i], scores),
                        (sweep.names[b], &sweep.scores[b]),
                        key,
                    );
                    PairedReport {
                        answer: crate::cover::paired_answer(&paired, &horizon),
                        paired,
                    }
                });
                StrategySummary::of(s, scores, sweep.base_seed, &origin, versus)
            })
            .collect();
        Ok(CompareReport {
            schema_version: SCHEMA_VERSION,
            scenario: sweep.scenario.name.clone(),
            runs: sweep.runs,
            base_seed: sweep.base_seed,
            baseline: base.map(|(i, chosen)| BaselineReport {
                name: sweep.names[i].to_string(),
                chosen,
            }),
            origin,
            strategies,
            scenario_summary: ScenarioSummary::of(sweep.scenario),
        })
    }

    /// The strategy of that name.
    pub fn strategy(&self, name: &str) -> Option<&StrategySummary> {
        self.strategies.iter().find(|s| s.summary.name == name)
    }

    /// The strategy with the lowest mean MTTR other than `name` (the first
    /// listed on a tie), as the baseline is chosen: a drill's debrief sets
    /// the team beside the best built-in response, even when the team won.
    pub fn best_except(&self, name: &str) -> Option<&StrategySummary> {
        self.strategies
            .iter()
            .enumerate()
            .filter(|(_, s)| s.summary.name != name)
            .filter_map(|(i, s)| Some((i, s, s.summary.mttr_seconds.as_ref()?.mean)))
            .min_by(|a, b| a.2.total_cmp(&b.2).then(a.0.cmp(&b.0)))
            .map(|(_, s, _)| s)
    }
}

/// The index of the baseline: the one given, or the lowest mean MTTR.
/// `None` when no strategy has an MTTR to compare.
fn choose_baseline(
    summaries: &[Summary],
    given: Option<&str>,
) -> Result<Option<(usize, BaselineChoice)>, BaselineError> {
    let usable: Vec<String> = summaries
        .iter()
        .filter(|s| s.mttr_seconds.is_some())
        .map(|s| s.name.clone())
        .collect();
    let Some(name) = given else {
        let best = summaries
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((i, s.mttr_seconds?.mean)))
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        return Ok(best.map(|(i, _)| (i, BaselineChoice::BestMeanMttr)));
    };
    let Some(i) = summaries.iter().position(|s| s.name == name) else {
        return Err(BaselineError::Unknown {
            name: name.to_string(),
            known: summaries.iter().map(|s| s.name.clone()).collect(),
            in_scenario: false,
        });
    };
    let s = &summaries[i];
    if s.mttr_seconds.is_none() {
        let why = match &s.not_applicable_reason {
            Some(r) => format!("not applicable: {r}"),
            None if s.outcomes.failed > 0 && s.counted_runs == 0 => {
                "every replay failed".to_string()
            }
            None => "no replay had an impact".to_string(),
        };
        return Err(BaselineError::Unusable {
            name: name.to_string(),
            why,
            usable,
        });
    }
    Ok(Some((i, BaselineChoice::Given)))
}

impl StrategySummary {
    fn of(
        s: Summary,
        scores: &[Score],
        base_seed: u64,
        origin: &Origin,
        versus_baseline: Option<PairedReport>,
    ) -> StrategySummary {
        let mut mttr: Vec<MttrObservation> =
            scores.iter().filter_map(MttrObservation::of).collect();
        sort_observations(&mut mttr);
        let mttr_quantiles = if mttr.is_empty() {
            Vec::new()
        } else {
            (0..=MTTR_QUANTILE_STEPS)
                .map(|i| {
                    let q = i as f64 / MTTR_QUANTILE_STEPS as f64;
                    let b = censored_quantile(&mttr, q);
                    QuantilePoint {
                        q,
                        seconds: b.value,
                        lower_bound: b.lower_bound,
                    }
                })
                .collect()
        };
        let worst_seeds = seeds::worst(scores, base_seed, WORST_SEEDS)
            .into_iter()
            .map(|w| SeedReport {
                command: origin.run_command(&s.name, w.seed),
                seed: w,
            })
            .collect();
        let failed_replays = seeds::failed(scores, base_seed)
            .into_iter()
            .map(|f| FailedReplayReport {
                command: origin.run_command(&s.name, f.seed),
                replay: f,
            })
            .collect();
        StrategySummary {
            summary: s,
            mttr_quantiles,
            worst_seeds,
            failed_replays,
            versus_baseline,
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

    fn build(
        sc: &Scenario,
        names: &[&str],
        scores: &[Vec<Score>],
        baseline: Option<&str>,
    ) -> Result<CompareReport, BaselineError> {
        let sweep = Sweep {
            scenario: sc,
            names,
            scores,
            runs: 12,
            base_seed: 1,
        };
        CompareReport::build(&sweep, Origin::embedded("0.1.0"), baseline)
    }

    #[test]
    fn should_pick_the_best_mean_mttr_other_than_the_one_left_out() {
        let (sc, names, scores) = small();
        let report = build(&sc, &names, &scores, None).unwrap();
        let mean = |n: &str| {
            report
                .strategy(n)
                .unwrap()
                .summary
                .mttr_seconds
                .as_ref()
                .unwrap()
                .mean
        };
        let (best, other) = if mean("direct") <= mean("rollback") {
            ("direct", "rollback")
        } else {
            ("rollback", "direct")
        };
        assert_eq!(report.best_except("nobody").unwrap().summary.name, best);
        assert_eq!(report.best_except(best).unwrap().summary.name, other);
        assert_eq!(report.best_except(other).unwrap().summary.name, best);
    }

    #[test]
    fn should_serialize_the_simulators_summary_fields_unchanged() {
        let (sc, names, scores) = small();
        let report = build(&sc, &names, &scores, None).unwrap();
        let sim = summarize_all(&names, &scores, 1);
        for (ours, theirs) in report.strategies.iter().zip(&sim) {
            let mut ours = serde_json::to_value(ours).unwrap();
            let map = ours.as_object_mut().unwrap();
            for added in [
                "mttr_quantiles",
                "worst_seeds",
                "failed_replays",
                "versus_baseline",
            ] {
                assert!(map.remove(added).is_some(), "{added}");
            }
            assert_eq!(ours, serde_json::to_value(theirs).unwrap());
        }
    }

    #[test]
    fn should_publish_mttr_quantiles_matching_the_summary() {
        let (sc, names, scores) = small();
        let report = build(&sc, &names, &scores, None).unwrap();
        for s in &report.strategies {
            let q = &s.mttr_quantiles;
            let stat = s.summary.mttr_seconds.unwrap();
            assert_eq!(q.len(), MTTR_QUANTILE_STEPS + 1);
            assert_eq!(q[10].q, 0.5);
            assert_eq!(q[10].seconds, stat.p50().value);
            assert_eq!(q[18].seconds, stat.p90().value);
            assert_eq!(q[18].lower_bound, stat.p90().lower_bound);
            assert!(q.windows(2).all(|w| w[0].seconds <= w[1].seconds));
        }
    }

    #[test]
    fn should_default_the_baseline_to_the_best_mean_mttr() {
        let (sc, names, scores) = small();
        let report = build(&sc, &names, &scores, None).unwrap();
        let b = report.baseline.as_ref().unwrap();
        assert_eq!(
            (b.name.as_str(), b.chosen),
            ("rollback", BaselineChoice::BestMeanMttr)
        );
        let direct = report.strategy("direct").unwrap();
        let rollback = report.strategy("rollback").unwrap();
        assert!(
            direct.summary.mttr_seconds.unwrap().mean > rollback.summary.mttr_seconds.unwrap().mean
        );
        let vs = direct.versus_baseline.as_ref().unwrap();
        assert_eq!(vs.paired.baseline, "rollback");
        assert_eq!(vs.paired.pairs, 12);
        assert!(rollback.versus_baseline.is_none());

        let given = build(&sc, &names, &scores, Some("direct")).unwrap();
        let b = given.baseline.clone().unwrap();
        assert_eq!(
            (b.name.as_str(), b.chosen),
            ("direct", BaselineChoice::Given)
        );
        assert!(given
            .strategy("rollback")
            .unwrap()
            .versus_baseline
            .is_some());
    }

    #[test]
    fn should_refuse_an_unknown_baseline_naming_the_strategies() {
        let (sc, names, scores) = small();
        let e = build(&sc, &names, &scores, Some("yolo")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--baseline `yolo` is not among the compared strategies (hint: compared: direct, rollback)"
        );
    }

    #[test]
    fn should_list_the_worst_seeds_with_the_command_that_replays_each() {
        let (sc, names, scores) = small();
        let report = build(&sc, &names, &scores, None).unwrap();
        let direct = report.strategy("direct").unwrap();
        assert_eq!(direct.worst_seeds.len(), WORST_SEEDS);
        let w = &direct.worst_seeds[0];
        assert_eq!(direct.summary.mttr_seconds.unwrap().stat.n, 12);
        assert_eq!(
            w.command,
            format!("gameday run --strategy direct --seed {}", w.seed.seed)
        );
        let top = direct.mttr_quantiles.last().unwrap().seconds;
        assert_eq!(w.seed.mttr_seconds, top);
        assert!(direct.failed_replays.is_empty());
    }
}
