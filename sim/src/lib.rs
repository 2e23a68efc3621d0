//! gameday's simulator: the scenario model, the discrete-event engine, the
//! response strategies and their scoring.
//!
//! A replay in four lines — the embedded Friday cascade, the rushed direct
//! hotfix, seed 11:
//!
//! ```
//! use gameday_sim::{engine, scenario, strategy::presets};
//!
//! let sc = scenario::friday_cascade();
//! let direct = presets::preset("direct", &sc).unwrap();
//! let replay = engine::replay(&sc, &direct, 11);
//! assert!(replay.score.regressions.iter().any(|r| r.service == "login"));
//! ```
//!
//! Map of the crate:
//! - [`scenario`]: YAML in, a validated [`scenario::Scenario`] out;
//! - [`world`]: the simulated world and its event loop (traffic, builds,
//!   defects, scraped series, alerts, the pipeline, rollouts, flags);
//! - [`control`]: the control plane strategies act through;
//! - [`strategy`]: policies, the built-in presets and the runner;
//! - [`engine`]: one replay, and sweeps over many seeds;
//! - [`score`]: per-replay scores and many-seed summaries;
//! - [`time`], [`prob`], [`dist`], [`rng`]: virtual time, checked ratios,
//!   duration distributions and seeded random streams;
//! - `testing` (feature `testing`): proptest generators of random valid
//!   scenarios and policies, and traced replays for property tests.
//!
//! Nothing here reads the wall clock, iterates a `HashMap` into output or
//! draws randomness outside [`rng`]: the same scenario, strategy and seed
//! always give the same bytes.

pub mod control;
pub mod dist;
pub mod engine;
pub mod prob;
pub mod rng;
pub mod scenario;
pub mod score;
pub mod strategy;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;
pub mod world;
