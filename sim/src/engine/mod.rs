//! The engine: replays a policy against a scenario on one seed
//! ([`replay`]), and sweeps many seeds and strategies ([`sweep`]).
//!
//! A replay builds a [`World`] and lets a [`Runner`] respond through the
//! in-process control plane until the world settles (every service within
//! its SLO for the stability window, nothing left that could change it),
//! the horizon comes, or the policy ends the response; then it scores the
//! result from the world's ground truth.

pub mod series;
pub mod sweep;

use serde::Serialize;

use crate::control::{ControlPlane, InProcess};
use crate::scenario::Scenario;
use crate::score::Score;
use crate::strategy::crew::Crew;
use crate::strategy::{Ended, Policy, Runner, RunnerConfig};
use crate::world::journal::Entry;
use crate::world::World;

/// One line of a replay's timeline, with its wall-clock time.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    /// Milliseconds since the scenario's start.
    pub at_ms: u64,
    /// The incident's clock, e.g. "Fri 16:47:00".
    pub clock: String,
    #[serde(flatten)]
    pub entry: Entry,
}

/// A finished replay: the score and the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Replay {
    pub scenario: String,
    pub strategy: String,
    pub seed: u64,
    pub score: Score,
    pub timeline: Vec<TimelineEntry>,
    /// Control-plane calls the strategy made.
    pub control_plane_calls: u64,
    /// Requests and errors per scrape interval and service, for charts.
    /// Left out of the replay's own JSON, which the pinned digests in
    /// `tests/digest.rs` hash; the run report carries it.
    #[serde(skip)]
    pub series: Vec<series::ServiceSeries>,
    /// The response judged against the hotfix runbook's order (left out
    /// of the replay's own JSON, like `series`).
    #[serde(skip)]
    pub runbook: crate::score::runbook::RunbookCheck,
}

/// Replays `policy` on `scenario` with `seed`.
pub fn replay(scenario: &Scenario, policy: &Policy, seed: u64) -> Replay {
    let (world, score, calls) = replay_world(scenario, policy, seed);
    Replay::of(&world, policy, seed, score, calls)
}

impl Replay {
    /// The replay record of a finished world.
    pub fn of(world: &World<'_>, policy: &Policy, seed: u64, score: Score, calls: u64) -> Replay {
        Replay::named(world, &policy.name, seed, score, calls)
    }

    /// The replay record of a finished world whose responders were not a
    /// policy (a drill's team), named `strategy`.
    pub fn named(world: &World<'_>, strategy: &str, seed: u64, score: Score, calls: u64) -> Replay {
        let scenario = world.scenario();
        Replay {
            scenario: scenario.name.clone(),
            strategy: strategy.to_string(),
            seed,
            score,
            timeline: world
                .journal()
                .entries()
                .iter()
                .map(|e| TimelineEntry {
                    at_ms: e.at.as_millis(),
                    clock: scenario.clock.label(e.at),
                    entry: e.clone(),
                })
                .collect(),
            control_plane_calls: calls,
            series: series::scrape_series(world),
            runbook: crate::score::runbook::check(world),
        }
    }
}

/// Replays and returns the world as well, for callers that want its series.
pub fn replay_world<'s>(
    scenario: &'s Scenario,
    policy: &Policy,
    seed: u64,
) -> (World<'s>, Score, u64) {
    replay_prepared(World::new(scenario, seed), policy)
}

/// Replays `policy` on a world the caller has prepared, e.g. with a trace
/// recording or the flag service down. A fresh `World::new(scenario, seed)`
/// gives exactly [`replay_world`].
pub fn replay_prepared<'s>(mut world: World<'s>, policy: &Policy) -> (World<'s>, Score, u64) {
    let scenario = world.scenario();
    let seed = world.seed;
    let (outcome, calls) = {
        let mut cp = InProcess::new(&mut world);
        let outcome = respond(&mut cp, scenario, policy, seed);
        (outcome, cp.calls())
    };
    let score = conclude(&mut world, outcome);
    (world, score, calls)
}

/// Lets the responders follow `policy` through any control plane until
/// the world settles, the horizon comes, or the policy ends the response.
pub fn respond<C: ControlPlane>(
    cp: &mut C,
    scenario: &Scenario,
    policy: &Policy,
    seed: u64,
) -> Ended {
    let crew = Crew::new(seed, &scenario.team);
    let cfg = RunnerConfig::for_team(&scenario.team, scenario.stability_window);
    Runner::new(cp, scenario, policy.clone(), crew, cfg).run(scenario.horizon)
}

/// After the response: when the policy stopped it, runs the world on
/// (nobody acting) until it settles or the horizon comes; then stops
/// whatever is still in flight, and scores the replay.
pub fn conclude(world: &mut World<'_>, ended: Ended) -> Score {
    if matches!(ended, Ended::Stopped(_)) {
        while !world.settled() && world.step(world.horizon()).is_ok() {}
    }
    world.abort_in_flight();
    let at = world.now();
    Score::from_world(world, ended, at)
}

#[cfg(test)]
pub(crate) mod tests;
