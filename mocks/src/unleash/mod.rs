//! The Unleash fake.
pub mod bucket;
pub mod state;
