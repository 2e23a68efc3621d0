//! gameday's simulator: the scenario model, the discrete-event engine, the
//! response strategies and their scoring.

pub mod control;
pub mod dist;
pub mod engine;
pub mod prob;
pub mod rng;
pub mod scenario;
pub mod score;
pub mod strategy;
pub mod time;
pub mod world;
