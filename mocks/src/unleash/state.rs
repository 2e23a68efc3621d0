//! Flag state of the Unleash fake: features by name, each enabled or not
//! per environment, with a flexibleRollout strategy.
//!
//! Strategies are held per feature and shared by every environment, which
//! is simpler than Unleash (where each environment has its own) and enough
//! for the drills: environments differ only in being on or off.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::bucket::Rollout;

/// The environments a new [`FlagSet`] knows.
pub const DEFAULT_ENVIRONMENTS: [&str; 2] = ["development", "production"];

/// A strategy on a feature. Only flexibleRollout is modelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Strategy {
    /// `flexibleRollout` with its three parameters (§7.3).
    FlexibleRollout {
        /// Percentage of users in.
        rollout: Rollout,
        /// Which context field is hashed: `default`, `userId`, `sessionId`, `random`, ...
        stickiness: String,
        /// Prefix of the hashed key; the feature name by default.
        group_id: String,
    },
}

impl Strategy {
    /// Unleash's strategy name, as sent to clients.
    pub fn name(&self) -> &'static str {
        match self {
            Strategy::FlexibleRollout { .. } => "flexibleRollout",
        }
    }

    /// Whether this strategy enables the feature for `user_id` ("" = none).
    ///
    /// Stickiness `default` and `userId` hash the user id. The fake's only
    /// context field is the user id, so `sessionId`, `random` and custom
    /// fields have no value, which the SDKs treat as off (§7.3), except that
    /// 0% and 100% short-circuit first as in the Rust client.
    fn is_enabled_for(&self, user_id: &str) -> bool {
        match self {
            Strategy::FlexibleRollout {
                rollout,
                stickiness,
                group_id,
            } => {
                if *rollout == Rollout::NONE || *rollout == Rollout::ALL {
                    return *rollout == Rollout::ALL;
                }
                let sticky_value = match stickiness.as_str() {
                    "default" | "userId" if !user_id.is_empty() => Some(user_id),
                    _ => None,
                };
                sticky_value.is_some_and(|id| rollout.includes(group_id, id))
            }
        }
    }
}

/// One feature flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Unleash's feature type: `release`, `experiment`, `operational`, `kill-switch`, `permission`.
    pub kind: String,
    /// Project id; `default` unless set.
    pub project: String,
    /// Whether SDKs emit impression events.
    pub impression_data: bool,
    /// On/off per environment; an environment missing here is off.
    pub enabled: BTreeMap<String, bool>,
    /// Evaluated as an OR; an empty list means "on for everyone" (§7.2).
    pub strategies: Vec<Strategy>,
}

impl Feature {
    /// A `release` feature in project `default`, off everywhere, with
    /// flexibleRollout 100% sticky on `default`, grouped by its name (the
    /// strategy Unleash adds by default).
    pub fn new(name: impl Into<String>) -> Feature {
        let name = name.into();
        Feature {
            strategies: vec![Strategy::FlexibleRollout {
                rollout: Rollout::ALL,
                stickiness: "default".to_owned(),
                group_id: name.clone(),
            }],
            name,
            description: String::new(),
            kind: "release".to_owned(),
            project: "default".to_owned(),
            impression_data: false,
            enabled: BTreeMap::new(),
        }
    }

    /// Sets the project.
    pub fn with_project(mut self, project: impl Into<String>) -> Feature {
        self.project = project.into();
        self
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Feature {
        self.description = description.into();
        self
    }

    /// Sets the rollout of every flexibleRollout strategy.
    pub fn with_rollout(mut self, rollout: Rollout) -> Feature {
        self.set_rollout(rollout);
        self
    }

    /// Turns the feature on in `env`.
    pub fn enabled_in(mut self, env: impl Into<String>) -> Feature {
        self.enabled.insert(env.into(), true);
        self
    }

    /// Whether the feature is on in `env`.
    pub fn is_enabled_in(&self, env: &str) -> bool {
        self.enabled.get(env).copied().unwrap_or(false)
    }

    /// The rollout of the first flexibleRollout strategy, if any.
    #[allow(
        clippy::unnecessary_find_map,
        reason = "stays right when other strategy kinds are modelled"
    )]
    pub fn rollout(&self) -> Option<Rollout> {
        self.strategies.iter().find_map(|s| match s {
            Strategy::FlexibleRollout { rollout, .. } => Some(*rollout),
        })
    }

    fn set_rollout(&mut self, to: Rollout) {
        let mut found = false;
        for s in &mut self.strategies {
            let Strategy::FlexibleRollout { rollout, .. } = s;
            *rollout = to;
            found = true;
        }
        if !found {
            self.strategies.push(Strategy::FlexibleRollout {
                rollout: to,
                stickiness: "default".to_owned(),
                group_id: self.name.clone(),
            });
        }
    }
}

/// Why a change to a [`FlagSet`] was refused. The set is unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlagError {
    /// No feature has this name.
    UnknownFeature(String),
    /// The set does not know this environment.
    UnknownEnvironment(String),
}

impl fmt::Display for FlagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlagError::UnknownFeature(name) => write!(f, "could not find feature {name:?}"),
            FlagError::UnknownEnvironment(env) => write!(f, "could not find environment {env:?}"),
        }
    }
}

impl std::error::Error for FlagError {}

/// All features, by name (iteration is in name order), and the known
/// environments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagSet {
    environments: BTreeSet<String>,
    features: BTreeMap<String, Feature>,
}

impl Default for FlagSet {
    fn default() -> Self {
        FlagSet::new()
    }
}

impl FlagSet {
    /// An empty set knowing [`DEFAULT_ENVIRONMENTS`].
    pub fn new() -> FlagSet {
        FlagSet::with_environments(DEFAULT_ENVIRONMENTS)
    }

    /// An empty set knowing exactly `environments`.
    pub fn with_environments<I, S>(environments: I) -> FlagSet
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        FlagSet {
            environments: environments.into_iter().map(Into::into).collect(),
            features: BTreeMap::new(),
        }
    }

    /// Adds or replaces a feature. Environments it names that the set does
    /// not know are refused.
    pub fn insert(&mut self, feature: Feature) -> Result<(), FlagError> {
        if let Some(env) = feature.enabled.keys().find(|e| !self.has_environment(e)) {
            return Err(FlagError::UnknownEnvironment(env.clone()));
        }
        self.features.insert(feature.name.clone(), feature);
        Ok(())
    }

    /// Whether `env` is known.
    pub fn has_environment(&self, env: &str) -> bool {
        self.environments.contains(env)
    }

    /// Known environments, in name order.
    pub fn environments(&self) -> impl Iterator<Item = &str> {
        self.environments.iter().map(String::as_str)
    }

    /// The feature called `name`.
    pub fn feature(&self, name: &str) -> Option<&Feature> {
        self.features.get(name)
    }

    /// All features, in name order.
    pub fn features(&self) -> impl Iterator<Item = &Feature> {
        self.features.values()
    }

    /// Turns `name` on or off in `env`.
    pub fn set_enabled(&mut self, name: &str, env: &str, on: bool) -> Result<(), FlagError> {
        if !self.has_environment(env) {
            return Err(FlagError::UnknownEnvironment(env.to_owned()));
        }
        let feature = self.feature_mut(name)?;
        feature.enabled.insert(env.to_owned(), on);
        Ok(())
    }

    /// Sets the rollout of `name`'s flexibleRollout strategies, adding one
    /// if it has none.
    pub fn set_rollout(&mut self, name: &str, rollout: Rollout) -> Result<(), FlagError> {
        self.feature_mut(name)?.set_rollout(rollout);
        Ok(())
    }

    /// What an SDK would answer for `name` in `env` for `user_id` (""
    /// for no user): false for a missing feature or environment or a
    /// feature that is off; true when on with no strategies; else the OR
    /// of the strategies (§7.2).
    pub fn is_enabled_for(&self, name: &str, env: &str, user_id: &str) -> bool {
        let Some(feature) = self.features.get(name) else {
            return false;
        };
        if !feature.is_enabled_in(env) {
            return false;
        }
        feature.strategies.is_empty()
            || feature.strategies.iter().any(|s| s.is_enabled_for(user_id))
    }

    fn feature_mut(&mut self, name: &str) -> Result<&mut Feature, FlagError> {
        self.features
            .get_mut(name)
            .ok_or_else(|| FlagError::UnknownFeature(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rollout(p: u32) -> Rollout {
        Rollout::new(p).unwrap()
    }

    fn checkout() -> FlagSet {
        let mut flags = FlagSet::new();
        flags.insert(Feature::new("checkout-v2")).unwrap();
        flags
    }

    #[test]
    fn should_start_off_in_every_environment() {
        let flags = checkout();
        for env in DEFAULT_ENVIRONMENTS {
            assert!(!flags.is_enabled_for("checkout-v2", env, "u1"));
        }
    }

    #[test]
    fn should_toggle_per_environment() {
        let mut flags = checkout();
        flags
            .set_enabled("checkout-v2", "production", true)
            .unwrap();
        assert!(flags.is_enabled_for("checkout-v2", "production", "u1"));
        assert!(!flags.is_enabled_for("checkout-v2", "development", "u1"));

        flags
            .set_enabled("checkout-v2", "production", false)
            .unwrap();
        assert!(!flags.is_enabled_for("checkout-v2", "production", "u1"));
    }

    #[test]
    fn should_refuse_unknown_features_and_environments() {
        let mut flags = checkout();
        let before = flags.clone();
        assert_eq!(
            flags.set_enabled("nope", "production", true),
            Err(FlagError::UnknownFeature("nope".into()))
        );
        assert_eq!(
            flags.set_enabled("checkout-v2", "staging", true),
            Err(FlagError::UnknownEnvironment("staging".into()))
        );
        assert_eq!(
            flags.set_rollout("nope", rollout(5)),
            Err(FlagError::UnknownFeature("nope".into()))
        );
        assert_eq!(
            flags.insert(Feature::new("x").enabled_in("staging")),
            Err(FlagError::UnknownEnvironment("staging".into()))
        );
        assert_eq!(flags, before);
        assert!(!flags.is_enabled_for("nope", "production", "u1"));
        assert!(!flags.is_enabled_for("checkout-v2", "staging", "u1"));
    }

    #[test]
    fn should_bucket_users_by_group_id_and_user_id() {
        // §7.3: "gr1:123" is in bucket 73.
        let mut flags = FlagSet::new();
        let mut feature = Feature::new("f").enabled_in("production");
        feature.strategies = vec![Strategy::FlexibleRollout {
            rollout: rollout(73),
            stickiness: "default".into(),
            group_id: "gr1".into(),
        }];
        flags.insert(feature).unwrap();
        assert!(flags.is_enabled_for("f", "production", "123"));
        flags.set_rollout("f", rollout(72)).unwrap();
        assert!(!flags.is_enabled_for("f", "production", "123"));
    }

    #[test]
    fn should_enable_forty_percent_of_ten_thousand_users() {
        let mut flags = checkout();
        flags
            .set_enabled("checkout-v2", "production", true)
            .unwrap();
        flags.set_rollout("checkout-v2", rollout(40)).unwrap();
        let count = (0..10_000)
            .filter(|i| flags.is_enabled_for("checkout-v2", "production", &format!("user-{i}")))
            .count();
        assert!((3800..=4200).contains(&count), "{count}");
        assert_eq!(count, 3973);
    }

    #[test]
    fn should_be_off_without_a_sticky_value_unless_fully_rolled_out() {
        let mut flags = FlagSet::new();
        let mut feature = Feature::new("f").enabled_in("production");
        feature.strategies = vec![Strategy::FlexibleRollout {
            rollout: rollout(99),
            stickiness: "sessionId".into(),
            group_id: "f".into(),
        }];
        flags.insert(feature).unwrap();
        assert!(!flags.is_enabled_for("f", "production", "u1"));
        flags.set_rollout("f", Rollout::ALL).unwrap();
        assert!(flags.is_enabled_for("f", "production", "u1"));
        // No user at all, default stickiness, partial rollout: off.
        flags.set_rollout("f", rollout(50)).unwrap();
        assert!(!flags.is_enabled_for("f", "production", ""));
    }

    #[test]
    fn should_be_on_for_everyone_with_no_strategies() {
        let mut flags = FlagSet::new();
        let mut feature = Feature::new("f").enabled_in("development");
        feature.strategies.clear();
        flags.insert(feature).unwrap();
        assert!(flags.is_enabled_for("f", "development", ""));
        // set_rollout adds a strategy back.
        flags.set_rollout("f", Rollout::NONE).unwrap();
        assert!(!flags.is_enabled_for("f", "development", "u1"));
    }
}
