//! The seeds behind a sweep's numbers: a strategy's worst replays (the
//! highest MTTRs, where the tail comes from) and its failed replays, each
//! with the seed that replays it. Scores are in sweep order: index `i` is
//! seed `seed_of(base, i)`.

use schemars::JsonSchema;
use serde::Serialize;

use super::censor::MttrObservation;
use super::{Outcome, Score};
use crate::engine::sweep::seed_of;

/// One replay of the tail.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct WorstSeed {
    pub seed: u64,
    /// As the summaries count it: an unrestored replay at the horizon.
    pub mttr_seconds: f64,
    /// Not restored within the horizon: the true MTTR is longer.
    pub censored: bool,
    pub outcome: Outcome,
}

/// A replay that broke (the control plane refused a request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct FailedSeed {
    pub seed: u64,
    pub reason: String,
}

/// The `k` counted replays with the highest MTTR, highest first; equal
/// MTTRs in seed order.
pub fn worst(scores: &[Score], base: u64, k: usize) -> Vec<WorstSeed> {
    let mut all: Vec<(u64, MttrObservation, &Score)> = scores
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((seed_of(base, i as u64), MttrObservation::of(s)?, s)))
        .collect();
    all.sort_by(|a, b| {
        b.1.seconds
            .total_cmp(&a.1.seconds)
            .then(b.1.censored.cmp(&a.1.censored))
            .then(a.0.cmp(&b.0))
    });
    all.into_iter()
        .take(k)
        .map(|(seed, o, s)| WorstSeed {
            seed,
            mttr_seconds: o.seconds,
            censored: o.censored,
            outcome: s.outcome.clone(),
        })
        .collect()
}

/// Every failed replay, in seed order.
pub fn failed(scores: &[Score], base: u64) -> Vec<FailedSeed> {
    scores
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match &s.outcome {
            Outcome::Failed(why) => Some(FailedSeed {
                seed: seed_of(base, i as u64),
                reason: why.clone(),
            }),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::fixtures::{restored_after, with_outcome};

    #[test]
    fn should_list_the_highest_mttrs_first_and_break_ties_by_seed() {
        let scores = vec![
            restored_after(Some(600)),                                   // seed 10
            restored_after(None),                                        // 11
            with_outcome(Outcome::Failed("refused".into()), Some(9999)), // 12
            restored_after(Some(60)),                                    // 13
            with_outcome(Outcome::Stopped("bound".into()), None),        // 14
            restored_after(Some(600)),                                   // 15
        ];
        let w = worst(&scores, 10, 3);
        let seeds: Vec<u64> = w.iter().map(|w| w.seed).collect();
        assert_eq!(seeds, [11, 14, 10]);
        assert!(w[0].censored && w[1].censored && !w[2].censored);
        assert_eq!(w[1].outcome, Outcome::Stopped("bound".into()));
        assert_eq!(w[2].mttr_seconds, 600.0);
        assert_eq!(worst(&scores, 10, 10).len(), 5, "the failed one is no tail");
    }

    #[test]
    fn should_list_every_failed_replay_with_its_seed() {
        let scores = vec![
            restored_after(Some(60)),
            with_outcome(Outcome::Failed("a".into()), None),
            with_outcome(Outcome::Failed("b".into()), None),
        ];
        assert_eq!(
            failed(&scores, u64::MAX),
            [
                FailedSeed {
                    seed: 0,
                    reason: "a".into()
                },
                FailedSeed {
                    seed: 1,
                    reason: "b".into()
                }
            ]
        );
    }
}
