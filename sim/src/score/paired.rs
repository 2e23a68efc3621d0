//! Paired comparison of a strategy with a baseline on the same seeds.
//!
//! Seed N gives every strategy the same world (common random numbers), so
//! the difference of two strategies' MTTRs on one seed is free of the
//! world's luck: the mean of those differences has a far narrower
//! interval than the difference of two means, and the share of seeds on
//! which one strategy wins says how often it is the better choice.
//!
//! A seed is a pair when both replays were counted ([`Outcome::counted`])
//! and had an impact. An unrestored replay enters at the horizon, as in
//! the summaries ([`MttrObservation`]); pairs with one are counted in
//! [`Paired::censored_pairs`]. The interval is a percentile bootstrap of
//! the mean difference from a fixed ChaCha8 stream (as every interval of
//! the summaries), so the same sweep gives the same interval.
//!
//! [`Outcome::counted`]: super::Outcome::counted

use schemars::JsonSchema;
use serde::Serialize;

use super::censor::MttrObservation;
use super::summary::bootstrap_mean_ci;
use super::Score;

/// A strategy against a baseline over the seeds both were counted on.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Paired {
    pub strategy: String,
    pub baseline: String,
    /// Seeds on which both replays were counted and had an impact.
    pub pairs: usize,
    /// Pairs on which the strategy restored service sooner than the
    /// baseline.
    pub wins: usize,
    /// Pairs with equal MTTRs (including both not restored in time).
    pub ties: usize,
    /// Pairs on which the strategy restored service later.
    pub losses: usize,
    /// Pairs in which at least one replay was not restored within the
    /// horizon and counts at it: the true gap there may be larger (or, when
    /// both ran out, either way).
    pub censored_pairs: usize,
    /// Mean of (strategy MTTR - baseline MTTR) over the pairs, seconds:
    /// negative when the strategy is faster. `None` without pairs.
    pub mean_difference_seconds: Option<f64>,
    /// Percentile bootstrap 95% interval of that mean. `None` without
    /// pairs.
    pub ci95: Option<[f64; 2]>,
}

/// Which side of zero the mean difference's interval lies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The whole interval is below zero: the strategy is faster.
    Faster,
    /// The whole interval is above zero: the baseline is faster.
    Slower,
    /// The interval contains zero, or there are no pairs.
    Unclear,
}

impl Paired {
    /// Pairs `strategy`'s scores with `baseline`'s seed by seed (index `i`
    /// of both slices is the same seed); `key` seeds the bootstrap.
    pub fn of(strategy: (&str, &[Score]), baseline: (&str, &[Score]), key: u64) -> Paired {
        let mut diffs = Vec::new();
        let (mut wins, mut ties, mut losses, mut censored_pairs) = (0, 0, 0, 0);
        for (s, b) in strategy.1.iter().zip(baseline.1) {
            let (Some(s), Some(b)) = (MttrObservation::of(s), MttrObservation::of(b)) else {
                continue;
            };
            let d = s.seconds - b.seconds;
            match d.total_cmp(&0.0) {
                std::cmp::Ordering::Less => wins += 1,
                std::cmp::Ordering::Equal => ties += 1,
                std::cmp::Ordering::Greater => losses += 1,
            }
            if s.censored || b.censored {
                censored_pairs += 1;
            }
            diffs.push(d);
        }
        let pairs = diffs.len();
        let (mean, ci95) = if pairs == 0 {
            (None, None)
        } else {
            (
                Some(diffs.iter().sum::<f64>() / pairs as f64),
                Some(bootstrap_mean_ci(&diffs, key)),
            )
        };
        Paired {
            strategy: strategy.0.to_string(),
            baseline: baseline.0.to_string(),
            pairs,
            wins,
            ties,
            losses,
            censored_pairs,
            mean_difference_seconds: mean,
            ci95,
        }
    }

    /// Whether the strategy is faster than the baseline, slower, or
    /// neither clearly (at the 95% level).
    pub fn verdict(&self) -> Verdict {
        match self.ci95 {
            Some([_, hi]) if hi < 0.0 => Verdict::Faster,
            Some([lo, _]) if lo > 0.0 => Verdict::Slower,
            _ => Verdict::Unclear,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::fixtures::{restored_after, with_outcome};
    use crate::score::Outcome;

    fn scores(mttrs: &[Option<u64>]) -> Vec<Score> {
        mttrs.iter().map(|&m| restored_after(m)).collect()
    }

    #[test]
    fn should_difference_seed_by_seed_and_count_wins_ties_and_losses() {
        let s = scores(&[Some(60), Some(120), Some(300), Some(600)]);
        let b = scores(&[Some(120), Some(120), Some(240), Some(900)]);
        let p = Paired::of(("s", &s), ("b", &b), 7);
        assert_eq!((p.pairs, p.wins, p.ties, p.losses), (4, 2, 1, 1));
        // (-60 + 0 + 60 - 300) / 4
        assert_eq!(p.mean_difference_seconds, Some(-75.0));
        let [lo, hi] = p.ci95.unwrap();
        assert!(lo <= -75.0 && -75.0 <= hi, "{lo} {hi}");
        assert!(lo >= -300.0 && hi <= 60.0, "within the range of the data");
        assert_eq!(p.censored_pairs, 0);
        assert_eq!(p, Paired::of(("s", &s), ("b", &b), 7), "reproducible");
    }

    #[test]
    fn should_call_a_strategy_faster_when_it_wins_on_every_seed() {
        let s: Vec<Score> = (0..50).map(|i| restored_after(Some(100 + i))).collect();
        let b: Vec<Score> = (0..50).map(|i| restored_after(Some(300 + 2 * i))).collect();
        let p = Paired::of(("s", &s), ("b", &b), 1);
        assert_eq!(p.wins, 50);
        assert_eq!(p.verdict(), Verdict::Faster);
        let q = Paired::of(("b", &b), ("s", &s), 1);
        assert_eq!(q.losses, 50);
        assert_eq!(q.verdict(), Verdict::Slower);
        assert_eq!(
            Paired::of(("s", &s), ("s", &s), 1).verdict(),
            Verdict::Unclear
        );
    }

    #[test]
    fn should_pair_only_seeds_counted_for_both_and_count_censored_pairs() {
        let s = vec![
            restored_after(Some(60)),
            with_outcome(Outcome::Failed("refused".into()), Some(1)),
            restored_after(None),
            restored_after(None),
            with_outcome(Outcome::NoImpact, None),
        ];
        let b = vec![
            restored_after(Some(120)),
            restored_after(Some(120)),
            restored_after(Some(120)),
            restored_after(None),
            restored_after(Some(120)),
        ];
        let p = Paired::of(("s", &s), ("b", &b), 1);
        // Seed 2 failed and seed 5 had no impact for s: no pairs. Seed 3
        // is a loss at the horizon, seed 4 a tie with both at it.
        assert_eq!(p.pairs, 3);
        assert_eq!((p.wins, p.ties, p.losses), (1, 1, 1));
        assert_eq!(p.censored_pairs, 2);
    }

    #[test]
    fn should_have_no_difference_without_pairs() {
        let na = vec![with_outcome(Outcome::NotApplicable("no flag".into()), None); 3];
        let b = scores(&[Some(60), Some(60), Some(60)]);
        let p = Paired::of(("flag-disable", &na), ("b", &b), 1);
        assert_eq!(p.pairs, 0);
        assert_eq!(p.mean_difference_seconds, None);
        assert_eq!(p.verdict(), Verdict::Unclear);
    }
}
