//! The Unleash fake.
pub mod api;
pub mod bucket;
pub mod state;
