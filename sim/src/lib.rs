//! gameday's simulator: the scenario model, the discrete-event engine, the
//! response strategies and their scoring.

pub mod dist;
pub mod prob;
pub mod rng;
pub mod scenario;
pub mod strategy;
pub mod time;
