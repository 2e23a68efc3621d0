//! Proptest generators of random valid scenarios and policies, for
//! property tests of the simulator and of your own policies (`testing`
//! feature).
//!
//! Everything generated is a scenario *file*: a [`ScenarioSpec`] renders
//! itself as YAML and goes through the real parser and validator, so what a
//! test replays is exactly what `gameday run` accepts, and a failing case
//! prints as that file (the `Debug` of [`ScenarioSpec`] and [`Case`] is the
//! YAML), with the command that replays it.
//!
//! Map:
//! - [`scenario`]: [`ScenarioSpec`] and [`scenario_specs`] (service graphs
//!   with shared libraries and acyclic calls, traffic, faults of every
//!   kind, flags, team and pipeline distributions, latent-bug risks);
//! - [`policy`]: [`PolicySpec`] and [`policy_specs`] (step lists, staged
//!   rollouts with weights, bakes and analysis, blue/green, reactions,
//!   hotfix bounds);
//! - [`cases`]: a scenario, a generated policy in it, and a seed;
//! - [`traced_replay`]: a replay that also records the world's ground truth
//!   ([`crate::world::trace`]) for checking properties over time.
//!
//! A property of your own policy in a few lines:
//!
//! ```
//! use gameday_sim::{engine, strategy::presets, testing};
//! use proptest::prelude::*;
//!
//! proptest!(ProptestConfig::with_cases(8), |(spec in testing::scenario_specs(), seed in testing::seeds())| {
//!     let sc = spec.scenario();
//!     let mut mine = presets::preset("staged", &sc).unwrap();
//!     mine.name = "staged-no-chain".into();
//!     mine.max_hotfixes_per_regression = Some(1);
//!     let (world, score, _) = engine::replay_world(&sc, &mine, seed);
//!     prop_assert!(world.in_flight().is_empty());
//!     prop_assert!(score.failed_requests.total() <= score.requests);
//! });
//! ```

pub mod policy;
pub mod scenario;

use std::fmt;

use proptest::prelude::*;

pub use policy::{policy_specs, PolicySpec, POLICY_NAME};
pub use scenario::{scenario_specs, ScenarioSpec};

use crate::engine;
use crate::scenario::Scenario;
use crate::score::Score;
use crate::strategy::Policy;
use crate::world::World;

impl fmt::Debug for ScenarioSpec {
    /// The scenario file itself, so proptest's failure report is a file
    /// `gameday run` accepts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\n---\n{}", self.to_yaml())
    }
}

/// Seeds of replays; shrink towards 0.
pub fn seeds() -> impl Strategy<Value = u64> {
    0u64..1_000_000
}

/// One test case: a scenario whose `policies:` hold one generated policy
/// ([`POLICY_NAME`]), and the seed to replay it on.
#[derive(Clone, PartialEq)]
pub struct Case {
    pub spec: ScenarioSpec,
    pub seed: u64,
}

impl Case {
    /// The generated policy, as written in the file.
    pub fn policy_spec(&self) -> &PolicySpec {
        &self.spec.policies[0]
    }

    /// The validated scenario (panics with the YAML on a generator bug).
    pub fn scenario(&self) -> Scenario {
        self.spec.scenario()
    }

    /// The generated policy, as validation made it.
    pub fn policy(&self, sc: &Scenario) -> Policy {
        sc.policy(&self.policy_spec().name)
            .expect("the generated policy is in the scenario")
    }
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "seed {}", self.seed)?;
        writeln!(
            f,
            "# replay it: save the YAML below as case.yaml, then\n#   gameday run case.yaml --strategy {} --seed {}",
            self.policy_spec().name,
            self.seed
        )?;
        write!(f, "---\n{}", self.spec.to_yaml())
    }
}

/// A random valid scenario with a random valid policy in it, and a seed.
pub fn cases() -> impl Strategy<Value = Case> {
    (scenario_specs(), policy_specs(), seeds()).prop_map(|(mut spec, mut policy, seed)| {
        policy.fit_to_scrape(spec.scrape_interval_secs);
        spec.seed = seed;
        spec.policies = vec![policy];
        Case { spec, seed }
    })
}

/// [`engine::replay_world`] with the world's ground truth recorded
/// ([`World::trace`]) from the start.
pub fn traced_replay<'s>(sc: &'s Scenario, policy: &Policy, seed: u64) -> (World<'s>, Score) {
    let mut world = World::new(sc, seed);
    world.record_trace();
    let (world, score, _) = engine::replay_prepared(world, policy);
    (world, score)
}
