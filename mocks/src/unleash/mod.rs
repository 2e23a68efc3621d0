//! The Unleash fake.
pub mod bucket;
