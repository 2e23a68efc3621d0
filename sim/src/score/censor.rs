//! Censored MTTRs: a replay not restored within the horizon counts as
//! restored at it, so its true MTTR is longer than the number it enters
//! the statistics with. Every number such a replay reaches is therefore a
//! lower bound, and [`MttrStat`] says which ones are.
//!
//! - [`MttrObservation`]: one replay's MTTR and whether it is censored;
//! - [`censored_quantile`]: a quantile of such observations, with its bound;
//! - [`MttrStat`]: mean, p50, p90 and the mean's interval, each marked.

use schemars::JsonSchema;
use serde::Serialize;

use super::summary::{quantile, Stat};
use super::Score;

/// One replay's MTTR as the summaries count it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MttrObservation {
    pub seconds: f64,
    /// Not restored within the horizon: counted when the replay ended (the
    /// horizon), so the true MTTR is longer.
    pub censored: bool,
}

impl MttrObservation {
    /// The observation of a replay that counts (it could act and did not
    /// break) and had an impact; `None` otherwise.
    pub fn of(s: &Score) -> Option<MttrObservation> {
        if !s.outcome.counted() {
            return None;
        }
        let start = s.impact_start?;
        Some(match s.mttr {
            Some(d) => MttrObservation {
                seconds: d.as_secs_f64(),
                censored: false,
            },
            None => MttrObservation {
                seconds: (s.ended_at - start).as_secs_f64(),
                censored: true,
            },
        })
    }
}

/// Sorts observations for [`censored_quantile`]: by value, an uncensored
/// one before a censored one of the same value (its true value is larger).
pub fn sort_observations(obs: &mut [MttrObservation]) {
    obs.sort_by(|a, b| {
        a.seconds
            .total_cmp(&b.seconds)
            .then(a.censored.cmp(&b.censored))
    });
}

/// A number, and whether it is only a lower bound (the true value may be
/// larger, because a replay not restored in time entered it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct Bounded {
    pub value: f64,
    pub lower_bound: bool,
}

/// The type-7 quantile of sorted observations (see [`sort_observations`]).
/// It is a lower bound when a censored observation ranks at or below the
/// upper of the two points it interpolates between: raising that
/// observation to its true value could only raise the quantile. So the
/// p90 of 1,000 replays is a lower bound once 100 or more were censored,
/// and then (all censored at one horizon) it equals the horizon, except
/// with exactly 100, where it lies between the largest restored MTTR and
/// the horizon.
pub fn censored_quantile(sorted: &[MttrObservation], q: f64) -> Bounded {
    if sorted.is_empty() {
        return Bounded {
            value: f64::NAN,
            lower_bound: false,
        };
    }
    let values: Vec<f64> = sorted.iter().map(|o| o.seconds).collect();
    let hi = ((sorted.len() - 1) as f64 * q).ceil() as usize;
    Bounded {
        value: quantile(&values, q),
        lower_bound: sorted[..=hi].iter().any(|o| o.censored),
    }
}

/// Which numbers of an [`MttrStat`] are lower bounds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct LowerBounds {
    pub mean: bool,
    /// Both ends of the mean's interval.
    pub ci95: bool,
    pub p50: bool,
    pub p90: bool,
}

/// The MTTR over many replays: the plain statistics, how many replays
/// were censored (not restored within the horizon, counted at it), and
/// which numbers are therefore lower bounds.
//
// Renderers print through `mean()`, `p50()`, `p90()` and `ci95()`, which
// carry the bound with the number; the plain `Stat` fields are reachable
// through `Deref` for code that compares numbers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct MttrStat {
    #[serde(flatten)]
    pub stat: Stat,
    /// Replays not restored within the horizon, counted at it.
    pub censored: usize,
    /// Which of `mean`, `ci95`, `p50` and `p90` are lower bounds.
    pub lower_bound: LowerBounds,
}

impl std::ops::Deref for MttrStat {
    type Target = Stat;
    fn deref(&self) -> &Stat {
        &self.stat
    }
}

impl MttrStat {
    /// Summarises observations in seed order; `key` seeds the bootstrap
    /// (as [`Stat::of`]). `None` when empty.
    pub fn of(obs: &[MttrObservation], key: u64) -> Option<MttrStat> {
        let values: Vec<f64> = obs.iter().map(|o| o.seconds).collect();
        let stat = Stat::of(&values, key)?;
        let mut sorted = obs.to_vec();
        sort_observations(&mut sorted);
        let censored = obs.iter().filter(|o| o.censored).count();
        Some(MttrStat {
            stat,
            censored,
            lower_bound: LowerBounds {
                mean: censored > 0,
                ci95: censored > 0,
                p50: censored_quantile(&sorted, 0.5).lower_bound,
                p90: censored_quantile(&sorted, 0.9).lower_bound,
            },
        })
    }

    /// Replays restored within the horizon.
    pub fn restored(&self) -> usize {
        self.stat.n - self.censored
    }

    pub fn mean(&self) -> Bounded {
        Bounded {
            value: self.stat.mean,
            lower_bound: self.lower_bound.mean,
        }
    }

    pub fn p50(&self) -> Bounded {
        Bounded {
            value: self.stat.p50,
            lower_bound: self.lower_bound.p50,
        }
    }

    pub fn p90(&self) -> Bounded {
        Bounded {
            value: self.stat.p90,
            lower_bound: self.lower_bound.p90,
        }
    }

    /// The bootstrap 95% interval of the mean, both ends marked.
    pub fn ci95(&self) -> [Bounded; 2] {
        self.stat.ci95.map(|value| Bounded {
            value,
            lower_bound: self.lower_bound.ci95,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::fixtures::{restored_after, with_outcome, HORIZON_SECONDS};
    use crate::score::Outcome;

    fn obs(restored: &[u64], censored: usize) -> Vec<MttrObservation> {
        let mut scores: Vec<Score> = restored.iter().map(|&s| restored_after(Some(s))).collect();
        scores.extend((0..censored).map(|_| restored_after(None)));
        scores.iter().filter_map(MttrObservation::of).collect()
    }

    #[test]
    fn should_count_an_unrestored_replay_at_the_horizon_as_censored() {
        let o = MttrObservation::of(&restored_after(None)).unwrap();
        assert_eq!(o.seconds, HORIZON_SECONDS as f64);
        assert!(o.censored);
        let stopped = with_outcome(Outcome::Stopped("max_hotfixes".into()), None);
        assert!(MttrObservation::of(&stopped).unwrap().censored);
        let failed = with_outcome(Outcome::Failed("refused".into()), Some(60));
        assert_eq!(MttrObservation::of(&failed), None);
    }

    #[test]
    fn should_mark_p90_exactly_when_it_reaches_the_horizon() {
        // 20 replays, 1 censored: h = 19 * 0.9 = 17.1, points 17 and 18
        // are restored, so the p90 is exact (and below the horizon).
        let restored: Vec<u64> = (1..=19).map(|i| i * 60).collect();
        let m = MttrStat::of(&obs(&restored, 1), 1).unwrap();
        assert!(m.p90().value < HORIZON_SECONDS as f64);
        assert!(!m.p90().lower_bound);
        assert!(!m.p50().lower_bound);
        assert_eq!(m.censored, 1);
        assert_eq!(m.restored(), 19);
        // The mean and its interval include the censored replays.
        assert!(m.mean().lower_bound);
        assert!(m.ci95().iter().all(|b| b.lower_bound));

        // 4 of 20 censored: both points of the p90 are at the horizon.
        let m = MttrStat::of(&obs(&restored[..16], 4), 1).unwrap();
        assert_eq!(m.p90().value, HORIZON_SECONDS as f64);
        assert!(m.p90().lower_bound);
        assert!(!m.p50().lower_bound);
    }

    #[test]
    fn should_mark_a_p90_interpolated_towards_a_censored_replay() {
        // 10 replays, 1 censored: h = 9 * 0.9 = 8.1 interpolates between
        // point 8 (restored) and point 9 (censored).
        let restored: Vec<u64> = (1..=9).map(|i| i * 60).collect();
        let m = MttrStat::of(&obs(&restored, 1), 1).unwrap();
        assert!(m.p90().value > 540.0 && m.p90().value < HORIZON_SECONDS as f64);
        assert!(m.p90().lower_bound);
    }

    #[test]
    fn should_mark_nothing_without_censoring() {
        let m = MttrStat::of(&obs(&[60, 120, 180], 0), 1).unwrap();
        assert_eq!(m.lower_bound, LowerBounds::default());
        assert_eq!(m.censored, 0);
        assert_eq!(m.mean().value, 120.0);
    }

    #[test]
    fn should_rank_a_restored_replay_before_a_censored_one_of_equal_value() {
        let mut v = vec![
            MttrObservation {
                seconds: 5.0,
                censored: true,
            },
            MttrObservation {
                seconds: 5.0,
                censored: false,
            },
            MttrObservation {
                seconds: 1.0,
                censored: false,
            },
        ];
        sort_observations(&mut v);
        assert!(!censored_quantile(&v, 0.5).lower_bound);
        assert!(censored_quantile(&v, 1.0).lower_bound);
    }
}
