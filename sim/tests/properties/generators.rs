//! Everything the generators make is a scenario file `gameday run`
//! accepts, and it means what the spec says.

use gameday_sim::scenario;
use gameday_sim::testing::{cases, POLICY_NAME};
use proptest::prelude::*;

use crate::{check, CASES};

#[test]
fn should_generate_scenario_files_the_validator_accepts() {
    check(file!(), CASES, CASES, cases(), |case| {
        let yaml = case.spec.to_yaml();
        // The exact text `gameday run case.yaml` would read.
        let sc = scenario::parse("case.yaml", &yaml)
            .map_err(|e| TestCaseError::fail(format!("rejected:\n{e}")))?;
        let spec = &case.spec;
        prop_assert_eq!(sc.services.len(), spec.services.len());
        prop_assert_eq!(sc.libraries.len(), spec.libraries.len());
        prop_assert_eq!(sc.dependencies.len(), spec.dependencies.len());
        prop_assert_eq!(sc.flags.len(), spec.flags.len());
        prop_assert_eq!(sc.faults.len(), spec.faults.len());
        prop_assert_eq!(sc.default_seed, case.seed);
        prop_assert!(sc.policy(POLICY_NAME).is_some());
        // Faults on a flagged path are guarded by that flag.
        for (f, fs) in sc.faults.iter().zip(&spec.faults) {
            let flagged = spec
                .flags
                .iter()
                .any(|fl| Some(&fl.path) == fs.path.as_ref() && fl.service == fs.service);
            prop_assert_eq!(f.guarded_by.is_some(), flagged);
        }
        Ok(true)
    });
}
