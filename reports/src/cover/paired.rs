//! The paired comparison in words: who beats whom on how many seeds, by
//! how much, with its interval and its censoring.

use gameday_sim::score::paired::{Paired, Verdict};

use crate::wire::compare::BaselineChoice;
use crate::wire::CompareReport;

/// The paired comparison in words, e.g. "flag-disable beats rollback on
/// 870/1000 seeds by 3.2 min on average (95% CI 3.1-3.3)".
pub fn paired_answer(p: &Paired, horizon: &str) -> String {
    let (Some(mean), Some([lo, hi])) = (p.mean_difference_seconds, p.ci95) else {
        return format!(
            "{} and {} share no seed on which both were counted with an impact",
            p.strategy, p.baseline
        );
    };
    let min = |s: f64| format!("{:.1}", s / 60.0);
    let n = p.pairs;
    let mut text = match p.verdict() {
        Verdict::Faster | Verdict::Slower => {
            let faster = p.verdict() == Verdict::Faster;
            let (winner, loser, wins, losses) = if faster {
                (&p.strategy, &p.baseline, p.wins, p.losses)
            } else {
                (&p.baseline, &p.strategy, p.losses, p.wins)
            };
            let (mean, lo, hi) = if faster {
                (-mean, -hi, -lo)
            } else {
                (mean, lo, hi)
            };
            let mut t = format!(
                "{winner} beats {loser} on {wins}/{n} seeds by {} min on average (95% CI {}-{})",
                min(mean),
                min(lo),
                min(hi)
            );
            if losses > 0 || p.ties > 0 {
                t.push_str(&format!(
                    "; {loser} is faster on {losses}, {} tied",
                    p.ties
                ));
            }
            t
        }
        Verdict::Unclear => format!(
            "no clear difference between {} and {}: {} is faster on {}/{n} seeds, slower on {}, {} tied; \
             mean difference {:+.1} min (95% CI {:+.1} to {:+.1})",
            p.strategy,
            p.baseline,
            p.strategy,
            p.wins,
            p.losses,
            p.ties,
            mean / 60.0,
            lo / 60.0,
            hi / 60.0
        ),
    };
    if p.censored_pairs > 0 {
        text.push_str(&format!(
            "; {} of the {n} pairs include a replay not restored within {horizon}, counted at the horizon",
            p.censored_pairs
        ));
    }
    text
}

/// The baseline in words, for the paired section's heading.
/// `None` without a baseline or without another strategy to pair with it.
pub fn baseline_heading(r: &CompareReport) -> Option<String> {
    let b = r.baseline.as_ref()?;
    if r.strategies.iter().all(|s| s.versus_baseline.is_none()) {
        return None;
    }
    let how = match b.chosen {
        BaselineChoice::BestMeanMttr => "the best mean MTTR; --baseline NAME picks another",
        BaselineChoice::Given => "given with --baseline",
    };
    Some(format!(
        "Each strategy against {} ({how}), seed by seed: every strategy faces the same world on a seed, \
         so the difference of two MTTRs on one seed is free of the world's luck. \
         The interval is a percentile bootstrap of the mean difference (1000 resamples, fixed ChaCha8 stream); \
         a replay not restored within the horizon counts at it.",
        b.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paired(wins: usize, ties: usize, losses: usize, mean: f64, ci: [f64; 2]) -> Paired {
        Paired {
            strategy: "rollback".into(),
            baseline: "flag-disable".into(),
            pairs: wins + ties + losses,
            wins,
            ties,
            losses,
            censored_pairs: 0,
            mean_difference_seconds: Some(mean),
            ci95: Some(ci),
        }
    }

    #[test]
    fn should_answer_who_wins_by_how_much() {
        let p = paired(0, 0, 1000, 192.0, [186.0, 198.0]);
        assert_eq!(
            paired_answer(&p, "8h00m"),
            "flag-disable beats rollback on 1000/1000 seeds by 3.2 min on average (95% CI 3.1-3.3)"
        );
        let mut p = paired(880, 20, 100, -120.0, [-130.0, -110.0]);
        p.censored_pairs = 4;
        assert_eq!(
            paired_answer(&p, "8h00m"),
            "rollback beats flag-disable on 880/1000 seeds by 2.0 min on average (95% CI 1.8-2.2); \
             flag-disable is faster on 100, 20 tied; \
             4 of the 1000 pairs include a replay not restored within 8h00m, counted at the horizon"
        );
        let p = paired(40, 10, 50, 6.0, [-30.0, 42.0]);
        assert_eq!(
            paired_answer(&p, "8h00m"),
            "no clear difference between rollback and flag-disable: rollback is faster on 40/100 seeds, \
             slower on 50, 10 tied; mean difference +0.1 min (95% CI -0.5 to +0.7)"
        );
    }
}
