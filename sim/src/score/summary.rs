//! Many replays of one strategy, summarised: how many replays each number
//! covers ([`OutcomeCounts`]), mean, median and 90th percentile with a
//! bootstrap 95% confidence interval of the mean (the MTTR's marked where
//! censoring makes them lower bounds, see [`super::censor`]), the
//! regression rate, relapses and the change failure rate.
//!
//! The measures cover the *counted* replays ([`super::Outcome::counted`]):
//! a replay where the strategy could not act, or that failed (the control
//! plane refused a request), is counted apart, never dropped.
//!
//! The bootstrap draws from its own fixed ChaCha8 stream, so summaries are
//! as reproducible as the replays.

use rand::RngCore;
use schemars::JsonSchema;
use serde::Serialize;

use super::censor::{MttrObservation, MttrStat};
use super::{Outcome, Score};
use crate::rng::{stream, Purpose};

/// Bootstrap resamples per interval.
pub const BOOTSTRAP_RESAMPLES: usize = 1000;

/// Distribution of one measure over the replays.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct Stat {
    /// Observations it is based on.
    pub n: usize,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    /// Bootstrap 95% confidence interval of the mean.
    pub ci95: [f64; 2],
}

impl Stat {
    /// Summarises `xs`; `key` seeds the bootstrap. `None` when empty.
    pub fn of(xs: &[f64], key: u64) -> Option<Stat> {
        if xs.is_empty() {
            return None;
        }
        let mut sorted = xs.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = xs.len();
        let mean = xs.iter().sum::<f64>() / n as f64;
        Some(Stat {
            n,
            mean,
            p50: quantile(&sorted, 0.5),
            p90: quantile(&sorted, 0.9),
            ci95: bootstrap_mean_ci(xs, key),
        })
    }
}

/// Linear-interpolated quantile of sorted data (type 7, like NumPy's default).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Percentile bootstrap 95% interval of the mean.
pub fn bootstrap_mean_ci(xs: &[f64], key: u64) -> [f64; 2] {
    let n = xs.len();
    if n < 2 {
        let x = xs.first().copied().unwrap_or(f64::NAN);
        return [x, x];
    }
    let mut rng = stream(key, Purpose::Strategy, 0xB007, n as u64);
    let mut means: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
        .map(|_| {
            let mut sum = 0.0;
            for _ in 0..n {
                // Multiply-high maps a 64-bit draw onto 0..n; its bias
                // (below n / 2^64) is far under the bootstrap's own noise.
                let i = ((rng.next_u64() as u128 * n as u128) >> 64) as usize;
                sum += xs[i];
            }
            sum / n as f64
        })
        .collect();
    means.sort_by(f64::total_cmp);
    [quantile(&means, 0.025), quantile(&means, 0.975)]
}

/// The MTTR of one replay in seconds, as the summaries count it: an
/// unrestored replay counts as restored when it ended (the horizon; see
/// [`MttrObservation`] for the censoring), and a replay without impact,
/// where the strategy could not act, or that failed has none.
pub fn mttr_seconds(s: &Score) -> Option<f64> {
    MttrObservation::of(s).map(|o| o.seconds)
}

/// Replays of one strategy by how they ended; they add up to all replays.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct OutcomeCounts {
    /// No service ever left its SLO.
    pub no_impact: usize,
    /// Service restored within the horizon.
    pub restored: usize,
    /// The horizon came first, the responders still at work.
    pub not_restored: usize,
    /// The policy ended the response (a bound such as `max_hotfixes`, or a
    /// `stop` reaction) before service was restored.
    pub stopped: usize,
    /// The strategy could not act on the scenario; not counted.
    pub not_applicable: usize,
    /// The replay broke (the control plane refused a request mid-response);
    /// not counted, and listed with its seed.
    pub failed: usize,
}

impl OutcomeCounts {
    pub fn of(scores: &[Score]) -> OutcomeCounts {
        let mut c = OutcomeCounts::default();
        for s in scores {
            *match s.outcome {
                Outcome::NoImpact => &mut c.no_impact,
                Outcome::Restored => &mut c.restored,
                Outcome::NotRestored => &mut c.not_restored,
                Outcome::Stopped(_) => &mut c.stopped,
                Outcome::NotApplicable(_) => &mut c.not_applicable,
                Outcome::Failed(_) => &mut c.failed,
            } += 1;
        }
        c
    }

    /// Every replay.
    pub fn total(&self) -> usize {
        self.counted() + self.not_applicable + self.failed
    }

    /// Replays the measures cover.
    pub fn counted(&self) -> usize {
        self.no_impact + self.restored + self.not_restored + self.stopped
    }

    /// Replays in which the strategy could act (counted or failed).
    pub fn applicable(&self) -> usize {
        self.total() - self.not_applicable
    }
}

/// Mean failed requests per replay, by cause.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct FailedMeans {
    /// Background errors a service has on a good day.
    pub baseline: f64,
    /// The injected fault(s), on the faulty service itself.
    pub original_fault: f64,
    /// Latent bugs in the responders' own changes, on the service they hit.
    pub regression: f64,
    /// Failures of a dependency seen by a caller.
    pub dependency: f64,
}

impl FailedMeans {
    /// Failed requests the incident caused (everything but the baseline).
    pub fn incident(&self) -> f64 {
        self.original_fault + self.regression + self.dependency
    }
}

/// One strategy over many seeds.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Summary {
    pub name: String,
    /// False when the strategy could not act on any seed (e.g. no flag
    /// guards the faulty path); the measures are then empty.
    pub applicable: bool,
    /// Every replay of the strategy.
    pub runs: usize,
    /// Replays in which the strategy could act: counted ones and failed
    /// ones.
    pub applicable_runs: usize,
    /// Why it was not applicable, when it was not.
    pub not_applicable_reason: Option<String>,
    /// Replays the measures cover: applicable and not failed.
    pub counted_runs: usize,
    /// Every replay by how it ended (adds up to `runs`).
    pub outcomes: OutcomeCounts,
    /// Replays in which service was restored before the horizon.
    pub restored_runs: usize,
    /// Impact start until every service was within its SLO for the
    /// stability window, over the counted replays with an impact (`n`).
    /// Unrestored replays count as restored at the horizon (`censored` of
    /// them); `lower_bound` says which numbers that makes lower bounds.
    pub mttr_seconds: Option<MttrStat>,
    pub time_to_detect_seconds: Option<Stat>,
    pub time_to_acknowledge_seconds: Option<Stat>,
    pub time_to_mitigate_seconds: Option<Stat>,
    /// Over the replays that reached full resolution.
    pub time_to_resolve_seconds: Option<Stat>,
    /// Share of replays with at least one regression caused by the response.
    pub regression_rate: f64,
    /// Bootstrap 95% confidence interval of the regression rate.
    pub regression_rate_ci95: [f64; 2],
    /// Failed requests rooted in regressions, per replay.
    pub regression_blast_radius: Option<Stat>,
    pub hotfixes_mean: f64,
    pub rollbacks_mean: f64,
    /// Times some service left its SLO again after service was restored,
    /// per counted replay.
    pub relapses_mean: f64,
    /// Share of counted replays with at least one relapse.
    pub relapse_rate: f64,
    /// Requests the incident failed after service was restored, per
    /// counted replay.
    pub failed_after_restore_mean: f64,
    /// Deployments needing remediation over deployments reaching traffic.
    pub change_failure_rate: Option<f64>,
    pub failed_requests_by_cause: Option<FailedMeans>,
    /// Revenue lost per replay, in the scenario's currency.
    pub revenue_lost: Option<Stat>,
}

impl Summary {
    /// Summarises the scores of one strategy. `key` seeds the bootstraps.
    /// Only counted replays ([`Outcome::counted`]) enter the measures.
    pub fn of(name: &str, scores: &[Score], key: u64) -> Summary {
        let ok: Vec<&Score> = scores.iter().filter(|s| s.outcome.counted()).collect();
        let n = ok.len();
        let outcomes = OutcomeCounts::of(scores);
        let reason = scores.iter().find_map(|s| match &s.outcome {
            Outcome::NotApplicable(r) => Some(r.clone()),
            _ => None,
        });
        let secs = |f: &dyn Fn(&Score) -> Option<f64>| -> Vec<f64> {
            ok.iter().filter_map(|s| f(s)).collect()
        };
        let stat = |xs: Vec<f64>, k: u64| Stat::of(&xs, key ^ (k << 32));
        let mttr: Vec<MttrObservation> = ok.iter().filter_map(|s| MttrObservation::of(s)).collect();
        let regressed: Vec<f64> = ok
            .iter()
            .map(|s| if s.regressions.is_empty() { 0.0 } else { 1.0 })
            .collect();
        let mean = |xs: &[f64]| {
            if xs.is_empty() {
                0.0
            } else {
                xs.iter().sum::<f64>() / xs.len() as f64
            }
        };
        let reached: u32 = ok.iter().map(|s| s.hotfixes).sum();
        let failed: u32 = ok.iter().map(|s| s.failed_deployments).sum();
        let by_cause =
            |f: &dyn Fn(&Score) -> u64| mean(&ok.iter().map(|s| f(s) as f64).collect::<Vec<_>>());
        let per_replay =
            |f: &dyn Fn(&Score) -> f64| mean(&ok.iter().map(|s| f(s)).collect::<Vec<_>>());
        Summary {
            name: name.to_string(),
            applicable: outcomes.applicable() > 0,
            runs: scores.len(),
            applicable_runs: outcomes.applicable(),
            not_applicable_reason: if outcomes.applicable() == 0 {
                reason
            } else {
                None
            },
            counted_runs: n,
            outcomes,
            restored_runs: ok.iter().filter(|s| s.mttr.is_some()).count(),
            mttr_seconds: MttrStat::of(&mttr, key ^ (1 << 32)),
            time_to_detect_seconds: stat(secs(&|s| s.time_to_detect.map(|d| d.as_secs_f64())), 2),
            time_to_acknowledge_seconds: stat(
                secs(&|s| s.time_to_acknowledge.map(|d| d.as_secs_f64())),
                3,
            ),
            time_to_mitigate_seconds: stat(
                secs(&|s| s.time_to_mitigate.map(|d| d.as_secs_f64())),
                4,
            ),
            time_to_resolve_seconds: stat(secs(&|s| s.time_to_resolve.map(|d| d.as_secs_f64())), 5),
            regression_rate: mean(&regressed),
            regression_rate_ci95: if n == 0 {
                [0.0, 0.0]
            } else {
                bootstrap_mean_ci(&regressed, key ^ (6 << 32))
            },
            regression_blast_radius: stat(
                ok.iter()
                    .map(|s| s.regression_blast_radius as f64)
                    .collect(),
                7,
            ),
            hotfixes_mean: mean(&ok.iter().map(|s| s.hotfixes as f64).collect::<Vec<_>>()),
            rollbacks_mean: mean(&ok.iter().map(|s| s.rollbacks as f64).collect::<Vec<_>>()),
            relapses_mean: per_replay(&|s| s.relapses as f64),
            relapse_rate: per_replay(&|s| if s.relapses > 0 { 1.0 } else { 0.0 }),
            failed_after_restore_mean: per_replay(&|s| s.failed_after_restore as f64),
            change_failure_rate: (reached > 0).then(|| failed as f64 / reached as f64),
            failed_requests_by_cause: (n > 0).then(|| FailedMeans {
                baseline: by_cause(&|s| s.failed_requests.baseline),
                original_fault: by_cause(&|s| s.failed_requests.original_fault),
                regression: by_cause(&|s| s.failed_requests.regression),
                dependency: by_cause(&|s| s.failed_requests.dependency),
            }),
            revenue_lost: stat(ok.iter().map(|s| s.revenue_lost).collect(), 8),
        }
    }
}

/// Summaries of several strategies' scores, computed in parallel; `key`
/// seeds the bootstraps (strategy `i` uses `key ^ (i + 1)`), so the result
/// does not depend on the number of threads.
pub fn summarize_all(names: &[&str], scores: &[Vec<Score>], key: u64) -> Vec<Summary> {
    use rayon::prelude::*;
    names
        .par_iter()
        .zip(scores.par_iter())
        .enumerate()
        .map(|(i, (name, s))| Summary::of(name, s, key ^ (i as u64 + 1)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&xs, 0.5), 3.0);
        assert_eq!(quantile(&xs, 0.9), 4.6);
        assert_eq!(quantile(&xs, 0.0), 1.0);
    }

    #[test]
    fn bootstrap_interval_brackets_the_mean_and_is_reproducible() {
        let xs: Vec<f64> = (0..200).map(|i| (i % 17) as f64).collect();
        let s = Stat::of(&xs, 9).unwrap();
        assert!(s.ci95[0] < s.mean && s.mean < s.ci95[1]);
        assert_eq!(Stat::of(&xs, 9), Some(s));
        // The interval narrows with more data.
        let more: Vec<f64> = (0..2000).map(|i| (i % 17) as f64).collect();
        let m = Stat::of(&more, 9).unwrap();
        assert!(m.ci95[1] - m.ci95[0] < s.ci95[1] - s.ci95[0]);
    }

    #[test]
    fn should_count_failed_replays_apart_and_keep_them_out_of_the_measures() {
        use crate::score::fixtures::{restored_after, with_outcome};
        let mut scores: Vec<Score> = (1..=8).map(|i| restored_after(Some(i * 60))).collect();
        scores.push(restored_after(None));
        scores.push(with_outcome(Outcome::Stopped("max_hotfixes".into()), None));
        // A failed replay with a huge MTTR would drag the mean up if counted.
        scores.push(with_outcome(
            Outcome::Failed("refused".into()),
            Some(99_999),
        ));
        scores.push(with_outcome(Outcome::NoImpact, None));
        let s = Summary::of("x", &scores, 3);
        assert_eq!(s.runs, 12);
        assert_eq!(s.applicable_runs, 12);
        assert_eq!(s.counted_runs, 11);
        assert_eq!(
            s.outcomes,
            OutcomeCounts {
                no_impact: 1,
                restored: 8,
                not_restored: 1,
                stopped: 1,
                not_applicable: 0,
                failed: 1,
            }
        );
        assert_eq!(s.outcomes.total(), s.runs);
        let m = s.mttr_seconds.unwrap();
        // The no-impact replay has no MTTR; the failed one is left out.
        assert_eq!(m.n, 10);
        assert_eq!(m.censored, 2);
        assert_eq!(m.restored(), s.restored_runs);
        let expected = (36.0 * 60.0 + 2.0 * 8.0 * 3600.0) / 10.0;
        assert!((m.mean - expected).abs() < 1e-9, "{}", m.mean);
        assert!(m.mean().lower_bound);
    }

    #[test]
    fn should_summarise_relapses_over_the_counted_replays() {
        use crate::score::fixtures::restored_after;
        let mut scores: Vec<Score> = (1..=4).map(|i| restored_after(Some(i * 60))).collect();
        scores[0].relapses = 2;
        scores[0].failed_after_restore = 300;
        scores[1].relapses = 1;
        scores[1].failed_after_restore = 100;
        let s = Summary::of("x", &scores, 3);
        assert_eq!(s.relapses_mean, 0.75);
        assert_eq!(s.relapse_rate, 0.5);
        assert_eq!(s.failed_after_restore_mean, 100.0);
    }

    #[test]
    fn should_say_why_a_strategy_that_never_applies_is_not_applicable() {
        use crate::score::fixtures::with_outcome;
        let scores = vec![with_outcome(Outcome::NotApplicable("no flag".into()), None); 3];
        let s = Summary::of("flag-disable", &scores, 1);
        assert!(!s.applicable);
        assert_eq!(s.counted_runs, 0);
        assert_eq!(s.outcomes.not_applicable, 3);
        assert_eq!(s.not_applicable_reason.as_deref(), Some("no flag"));
        assert_eq!(s.mttr_seconds, None);
    }

    #[test]
    fn constant_data_has_a_degenerate_interval() {
        let s = Stat::of(&[5.0; 10], 1).unwrap();
        assert_eq!(s.ci95, [5.0, 5.0]);
        assert_eq!(s.p90, 5.0);
    }
}
