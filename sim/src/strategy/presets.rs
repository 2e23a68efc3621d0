//! The built-in strategies, each a preset of [`Policy`].

use super::policy::Policy;
use crate::scenario::Scenario;

/// Names of the built-in strategies, in the order reports list them.
pub const BUILTIN: [&str; 6] = [
    "direct",
    "reviewed",
    "flag-disable",
    "staged",
    "blue-green",
    "rollback",
];

/// The built-in policy called `name`, if there is one.
pub fn preset(name: &str, scenario: &Scenario) -> Option<Policy> {
    let _ = (name, scenario);
    None
}
