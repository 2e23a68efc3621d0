//! Response strategies: declarative policies and the code that carries them
//! out through the control plane.

pub mod policy;
pub mod presets;

pub use policy::*;
pub mod crew;
pub mod runner;

pub use runner::{Ended, Runner, RunnerConfig};
