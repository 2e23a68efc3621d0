//! The Unleash fake (to be written).
