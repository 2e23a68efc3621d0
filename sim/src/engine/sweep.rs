//! Many seeds, many strategies: replays in parallel (rayon) and collects
//! scores in a fixed order, so the output is the same whatever the number
//! of threads.

use crate::scenario::Scenario;
use crate::score::Score;
use crate::strategy::Policy;
use rayon::prelude::*;

/// Seed of run `i` of a sweep starting at `base`.
pub fn seed_of(base: u64, i: u64) -> u64 {
    base.wrapping_add(i)
}

/// Scores of `runs` replays of each policy, seeds `base..base+runs`.
/// `threads` = 0 uses rayon's default. Results are in policy order, then
/// seed order, regardless of scheduling.
pub fn sweep(
    scenario: &Scenario,
    policies: &[Policy],
    runs: u64,
    base: u64,
    threads: usize,
) -> Result<Vec<Vec<Score>>, rayon::ThreadPoolBuildError> {
    sweep_with_progress(scenario, policies, runs, base, threads, &|_| {})
}

/// As [`sweep`], calling `progress(n)` from the worker threads as `n` more
/// replays finish (in no particular order; the sum reaches
/// `runs * policies.len()`). The callback sees counts only, so it cannot
/// change the results.
pub fn sweep_with_progress(
    scenario: &Scenario,
    policies: &[Policy],
    runs: u64,
    base: u64,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Vec<Score>>, rayon::ThreadPoolBuildError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    Ok(pool.install(|| {
        policies
            .iter()
            .map(|p| {
                (0..runs)
                    .into_par_iter()
                    .map(|i| {
                        let score = crate::engine::replay_world(scenario, p, seed_of(base, i)).1;
                        progress(1);
                        score
                    })
                    .collect()
            })
            .collect()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::friday_cascade;
    use crate::strategy::presets::preset;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn should_report_every_replay_once_and_give_the_same_scores() {
        let sc = friday_cascade();
        let policies = vec![
            preset("rollback", &sc).unwrap(),
            preset("blue-green", &sc).unwrap(),
        ];
        let done = AtomicU64::new(0);
        let counted = sweep_with_progress(&sc, &policies, 6, 3, 2, &|n| {
            done.fetch_add(n, Ordering::Relaxed);
        })
        .unwrap();
        assert_eq!(done.load(Ordering::Relaxed), 12);
        assert_eq!(counted, sweep(&sc, &policies, 6, 3, 1).unwrap());
    }
}
