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
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    Ok(pool.install(|| {
        policies
            .iter()
            .map(|p| {
                (0..runs)
                    .into_par_iter()
                    .map(|i| crate::engine::replay_world(scenario, p, seed_of(base, i)).1)
                    .collect()
            })
            .collect()
    }))
}
