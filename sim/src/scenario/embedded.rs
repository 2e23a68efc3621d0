//! The scenarios built into the binary: the Friday cascade that every
//! command uses without a file, and the starter that `gameday init`
//! writes. `gameday scenario show NAME` prints either byte for byte.

use super::{FRIDAY_CASCADE_NAME, FRIDAY_CASCADE_YAML};

/// The starter scenario (`scenarios/starter.yaml`): two services, a shared
/// library, one flagged fault, a team and a runbook policy with a
/// conditional step, commented field by field.
pub const STARTER_YAML: &str = include_str!("../../../scenarios/starter.yaml");

/// File name reported for the embedded starter.
pub const STARTER_NAME: &str = "<embedded starter.yaml>";

/// One scenario built into the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Embedded {
    /// What `gameday scenario show` calls it.
    pub name: &'static str,
    /// The file it was built from, under `scenarios/`.
    pub file: &'static str,
    /// Its name in errors.
    pub source: &'static str,
    /// The YAML, exactly as in the file.
    pub yaml: &'static str,
    /// One line about it.
    pub about: &'static str,
}

/// Every embedded scenario, the default one first.
pub const EMBEDDED: [Embedded; 2] = [
    Embedded {
        name: "friday-cascade",
        file: "friday-cascade.yaml",
        source: FRIDAY_CASCADE_NAME,
        yaml: FRIDAY_CASCADE_YAML,
        about: "the default: a payment bug on a Friday, a rushed hotfix to a shared library that breaks login, then email",
    },
    Embedded {
        name: "starter",
        file: "starter.yaml",
        source: STARTER_NAME,
        yaml: STARTER_YAML,
        about: "what `gameday init` writes: two services, a shared library, one flagged fault, a runbook policy",
    },
];

/// The embedded scenario called `name` (`friday` also finds the Friday
/// cascade).
pub fn embedded(name: &str) -> Option<Embedded> {
    let name = name.strip_suffix(".yaml").unwrap_or(name);
    EMBEDDED
        .iter()
        .find(|e| e.name == name || (name == "friday" && e.name == "friday-cascade"))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine;
    use crate::score::Outcome;
    use crate::strategy::presets::{preset, BUILTIN};

    #[test]
    fn should_validate_every_embedded_scenario() {
        for e in EMBEDDED {
            if let Err(errs) = super::super::parse(e.source, e.yaml) {
                panic!("{} does not validate:\n{errs}", e.name);
            }
        }
    }

    #[test]
    fn should_find_scenarios_by_name() {
        assert_eq!(embedded("friday").map(|e| e.name), Some("friday-cascade"));
        assert_eq!(embedded("starter.yaml").map(|e| e.name), Some("starter"));
        assert_eq!(embedded("nope"), None);
    }

    #[test]
    fn should_run_every_strategy_on_the_starter() {
        let sc = super::super::parse(STARTER_NAME, STARTER_YAML).expect("valid");
        assert_eq!(sc.policies.len(), 1);
        let names = BUILTIN.iter().map(|s| s.to_string());
        for name in names.chain(sc.policies.iter().map(|p| p.name.clone())) {
            let policy = sc.policy(&name).or_else(|| preset(&name, &sc)).unwrap();
            let r = engine::replay(&sc, &policy, sc.default_seed);
            match &r.score.outcome {
                Outcome::Restored => assert!(r.score.mttr.is_some(), "{name}"),
                Outcome::NotApplicable(why) => assert!(!why.is_empty(), "{name}"),
                other => panic!("{name} on the starter: {other:?}"),
            }
        }
    }
}
