//! The scenario file as written: plain serde structs that check types and
//! reject unknown fields, nothing more. Names stay names and durations stay
//! strings, so that validation can point at them.

use std::borrow::Cow;
use std::fmt;

use indexmap::IndexMap;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::error::ScenarioErrors;

/// A duration as written: `30s`, `5m`, `2h`, `30d`, `1h30m`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(transparent)]
pub(crate) struct RawDuration(pub String);

impl JsonSchema for RawDuration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^([0-9]+(\\.[0-9]+)?\\s*(ms|s|m|h|d)\\s*)+$",
            "description": "A duration such as `30s`, `5m`, `2h`, `30d` or `1h30m`.",
            "examples": ["15s", "5m", "2h"]
        })
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
/// A gameday incident scenario.
pub(crate) struct RawScenario {
    /// Short name, used in reports.
    pub name: String,
    /// The seed `gameday run` uses when none is given (default 1).
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub description: String,
    /// Wall-clock date and time of the scenario's start, e.g. `2026-11-20T16:47:00`.
    pub start: String,
    /// Replays stop here at the latest (default 8h).
    #[serde(default)]
    pub horizon: Option<RawDuration>,
    /// How often counters are scraped and alerts evaluated (default 15s).
    #[serde(default)]
    pub scrape_interval: Option<RawDuration>,
    /// How long every service must stay within its SLO to count as restored (default 15m).
    #[serde(default)]
    pub stability_window: Option<RawDuration>,
    /// Services by name.
    pub services: IndexMap<String, RawService>,
    /// Shared libraries by name.
    #[serde(default)]
    pub libraries: IndexMap<String, RawLibrary>,
    #[serde(default)]
    pub dependencies: Vec<RawDependency>,
    /// Feature flags by name.
    #[serde(default)]
    pub flags: IndexMap<String, RawFlag>,
    #[serde(default)]
    pub faults: Vec<RawFault>,
    pub team: RawTeam,
    pub risk: RawRisk,
    /// Response policies of your own, compared beside the built-in strategies.
    #[serde(default)]
    pub policies: Vec<RawPolicy>,
    /// Limits every strategy must stay within; `compare` and `run` exit
    /// with code 3 when one is missed (command-line flags override them).
    #[serde(default)]
    pub budgets: Option<RawBudgets>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
/// Budgets, each optional.
pub(crate) struct RawBudgets {
    /// Most the 90th percentile of MTTR may be, e.g. `45m`.
    #[serde(default)]
    pub max_mttr_p90: Option<RawDuration>,
    /// Most the mean MTTR may be, e.g. `30m`.
    #[serde(default)]
    pub max_mttr_mean: Option<RawDuration>,
    /// Most the share of replays with a regression may be, in [0, 1].
    #[serde(default)]
    pub max_regression_rate: Option<f64>,
    /// Most the mean failed requests per replay caused by the incident may be.
    #[serde(default)]
    pub max_failed_requests: Option<u64>,
    /// Most the mean revenue lost per replay may be.
    #[serde(default)]
    pub max_revenue_lost: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawService {
    /// Mean requests per second.
    pub rps: f64,
    /// Share of requests failing on a good day.
    #[serde(default)]
    pub baseline_error_ratio: f64,
    /// Revenue of one successful request.
    #[serde(default)]
    pub value_per_request: f64,
    /// Availability objective, e.g. 0.999.
    pub slo: f64,
    /// Window of the SLO, e.g. `30d`.
    pub slo_window: RawDuration,
    /// Version deployed at the start.
    pub version: String,
    /// The release before it (the rollback target).
    #[serde(default)]
    pub previous_version: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLibrary {
    /// Services that link this library.
    pub used_by: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDependency {
    pub caller: String,
    pub callee: String,
    /// Share of the callee's failures the caller sees, in [0, 1].
    pub coupling: f64,
}

fn yes() -> bool {
    true
}
fn one() -> f64 {
    1.0
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFlag {
    pub service: String,
    /// The code path the flag guards.
    pub path: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Share of traffic taking the path while on.
    #[serde(default = "one")]
    pub rollout: f64,
    /// What SDKs evaluate when the flag service is down (the safe default).
    #[serde(default)]
    pub fallback: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawOrigin {
    /// Shipped with the current release: a rollback cures it.
    LastRelease,
    /// Older than the previous release: a rollback does not help.
    #[default]
    Predates,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFault {
    pub name: String,
    /// When it starts, after the scenario's start (not for an optional fault).
    #[serde(default)]
    pub onset: Option<RawDuration>,
    /// A twist a drill's facilitator may inject at a moment of their
    /// choosing (`POST /gameday/v1/inject`); dormant everywhere else.
    #[serde(default)]
    pub optional: bool,
    pub service: String,
    /// The code path it lives on (a flag guarding this path contains it).
    #[serde(default)]
    pub path: Option<String>,
    pub effect: RawEffect,
    #[serde(default)]
    pub origin: RawOrigin,
    /// Data corruption: a rollback does not undo it.
    #[serde(default)]
    pub irreversible: bool,
    /// Components (services or libraries) a fix written under pressure changes.
    #[serde(default)]
    pub fix_touches: Option<Vec<String>>,
    /// Components a fix written once the impact is contained changes.
    #[serde(default)]
    pub calm_fix_touches: Option<Vec<String>>,
}

/// `crash`, `{error_ratio: 0.15}` or `{latency: {added: 800ms, timeouts: 0.02}}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawEffect {
    Crash,
    ErrorRatio(f64),
    Latency { added: RawDuration, timeouts: f64 },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLatency {
    added: RawDuration,
    #[serde(default)]
    timeouts: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEffectMap {
    #[serde(default)]
    error_ratio: Option<f64>,
    #[serde(default)]
    latency: Option<RawLatency>,
}

impl<'de> Deserialize<'de> for RawEffect {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEffect;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`crash`, `{error_ratio: R}` or `{latency: {added: D, timeouts: R}}`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawEffect, E> {
                match v {
                    "crash" => Ok(RawEffect::Crash),
                    other => Err(E::unknown_variant(
                        other,
                        &["crash", "error_ratio", "latency"],
                    )),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawEffect, A::Error> {
                let m = RawEffectMap::deserialize(de::value::MapAccessDeserializer::new(map))?;
                match (m.error_ratio, m.latency) {
                    (Some(r), None) => Ok(RawEffect::ErrorRatio(r)),
                    (None, Some(l)) => Ok(RawEffect::Latency {
                        added: l.added,
                        timeouts: l.timeouts,
                    }),
                    _ => Err(de::Error::custom(
                        "an effect needs exactly one of `error_ratio` or `latency`",
                    )),
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for RawEffect {
    fn schema_name() -> Cow<'static, str> {
        "Effect".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let dur = g.subschema_for::<RawDuration>();
        json_schema!({
            "description": "What a defect does to the requests that reach it.",
            "oneOf": [
                { "const": "crash", "description": "Every request fails." },
                { "type": "object", "additionalProperties": false, "required": ["error_ratio"],
                  "properties": { "error_ratio": { "type": "number", "minimum": 0, "maximum": 1 } } },
                { "type": "object", "additionalProperties": false, "required": ["latency"],
                  "properties": { "latency": { "type": "object", "additionalProperties": false,
                    "required": ["added"],
                    "properties": { "added": dur, "timeouts": { "type": "number", "minimum": 0, "maximum": 1 } } } } }
            ]
        })
    }
}

/// A duration distribution: `5m` (fixed), `{fixed: 5m}`, `{uniform: [4m, 6m]}`,
/// `{uniform: {min, max}}` or `{lognormal: {median, p90}}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawDist {
    Fixed(RawDuration),
    Uniform(RawDuration, RawDuration),
    LogNormal {
        median: RawDuration,
        p90: RawDuration,
    },
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawBounds {
    Pair(RawDuration, RawDuration),
    Map { min: RawDuration, max: RawDuration },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLogNormal {
    median: RawDuration,
    p90: RawDuration,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDistMap {
    #[serde(default)]
    fixed: Option<RawDuration>,
    #[serde(default)]
    uniform: Option<RawBounds>,
    #[serde(default)]
    lognormal: Option<RawLogNormal>,
}

impl<'de> Deserialize<'de> for RawDist {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawDist;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration like `5m`, or `{fixed: D}`, `{uniform: [MIN, MAX]}`, `{lognormal: {median: D, p90: D}}`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawDist, E> {
                Ok(RawDist::Fixed(RawDuration(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawDist, E> {
                Err(E::custom(format!(
                    "`{v}` has no unit (hint: write `{v}s` or `{v}m`)"
                )))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawDist, E> {
                self.visit_i64(v as i64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawDist, E> {
                Err(E::custom(format!("`{v}` has no unit (hint: write `{v}s`)")))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawDist, A::Error> {
                let m = RawDistMap::deserialize(de::value::MapAccessDeserializer::new(map))?;
                match (m.fixed, m.uniform, m.lognormal) {
                    (Some(f), None, None) => Ok(RawDist::Fixed(f)),
                    (None, Some(RawBounds::Pair(a, b)), None)
                    | (None, Some(RawBounds::Map { min: a, max: b }), None) => {
                        Ok(RawDist::Uniform(a, b))
                    }
                    (None, None, Some(l)) => Ok(RawDist::LogNormal {
                        median: l.median,
                        p90: l.p90,
                    }),
                    _ => Err(de::Error::custom(
                        "a distribution needs exactly one of `fixed`, `uniform` or `lognormal`",
                    )),
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for RawDist {
    fn schema_name() -> Cow<'static, str> {
        "Distribution".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let dur = g.subschema_for::<RawDuration>();
        json_schema!({
            "description": "How long something takes: a fixed duration, uniform bounds, or a lognormal given its median and 90th percentile.",
            "oneOf": [
                dur,
                { "type": "object", "additionalProperties": false, "required": ["fixed"], "properties": { "fixed": dur } },
                { "type": "object", "additionalProperties": false, "required": ["uniform"], "properties": { "uniform": {
                    "oneOf": [
                        { "type": "array", "items": dur, "minItems": 2, "maxItems": 2 },
                        { "type": "object", "additionalProperties": false, "required": ["min", "max"], "properties": { "min": dur, "max": dur } }
                    ] } } },
                { "type": "object", "additionalProperties": false, "required": ["lognormal"], "properties": { "lognormal": {
                    "type": "object", "additionalProperties": false, "required": ["median", "p90"],
                    "properties": { "median": dur, "p90": dur } } } }
            ]
        })
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAlert {
    #[serde(default = "alert_name")]
    pub name: String,
    /// Window the error ratio is computed over.
    pub window: RawDuration,
    /// Error ratio above which the rule is breached.
    pub threshold: f64,
    /// How long the breach must last before the alert fires.
    #[serde(rename = "for", default)]
    pub for_duration: Option<RawDuration>,
}

fn alert_name() -> String {
    "HighErrorRatio".into()
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCi {
    /// Lint, unit tests of the changed package, scan, build.
    pub fast: RawDist,
    /// Everything, integration tests included.
    pub full: RawDist,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTeam {
    pub alert: RawAlert,
    pub acknowledge: RawDist,
    pub diagnose: RawDist,
    pub write_fix: RawDist,
    pub review: RawDist,
    pub ci: RawCi,
    pub deploy: RawDist,
    pub rollback: RawDist,
    pub traffic_switch: RawDist,
    pub smoke_test: RawDist,
    pub canary_bake: RawDist,
    pub flag_propagation: RawDist,
    /// Restoring damaged data (a restore from backup, a reconciliation
    /// job); required when a fault is `irreversible`.
    #[serde(default)]
    pub repair: Option<RawDist>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCatch {
    pub review: f64,
    pub fast_ci: f64,
    pub full_ci: f64,
    pub smoke_test: f64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRisk {
    /// Chance a fix cures what it targets.
    pub fix_cures: f64,
    /// Chance each safety net catches each problem of a change.
    pub catch: RawCatch,
    /// Per component (service or library): latent bugs a change to it may carry.
    #[serde(default)]
    pub components: IndexMap<String, Vec<RawLatent>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLatent {
    /// Whose requests fail.
    pub service: String,
    /// Whose new build carries the bug (default: `service`).
    #[serde(default)]
    pub via: Option<String>,
    pub probability: f64,
    pub effect: RawEffect,
    /// From the build first taking traffic to the bug biting (default 0s).
    #[serde(default)]
    pub delay: Option<RawDist>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPolicy {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub steps: Vec<RawStep>,
    #[serde(default)]
    pub on_regression: Option<RawReaction>,
    #[serde(default)]
    pub on_not_cured: Option<RawReaction>,
    #[serde(default)]
    pub max_hotfixes: Option<u32>,
    /// Hotfixes shipped for any one regression our changes caused, at most
    /// (1 forbids chaining hotfix after hotfix for it; 0 allows none).
    #[serde(default)]
    pub max_hotfixes_per_regression: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStage {
    /// Share of traffic on the new build, in (0, 1].
    pub weight: f64,
    /// Bake time at this weight (default: the team's `canary_bake`).
    #[serde(default)]
    pub bake: Option<RawDist>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAnalysis {
    pub interval: RawDuration,
    #[serde(default)]
    pub failure_limit: u32,
    pub max_error_ratio: f64,
    #[serde(default = "two")]
    pub max_ratio_to_baseline: f64,
    #[serde(default)]
    pub min_requests: u64,
}

fn two() -> f64 {
    2.0
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRollout {
    pub stages: Vec<RawStage>,
    #[serde(default)]
    pub analysis: Option<RawAnalysis>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBlueGreen {
    #[serde(default = "yes")]
    pub smoke_test: bool,
    #[serde(default)]
    pub watch: Option<RawDuration>,
}

/// A policy step: a bare name, a single-key map, or a conditional
/// `{if: CONDITION, then: [steps], else: [steps]}`.
#[derive(Debug, Clone)]
pub(crate) enum RawStep {
    Named(String),
    Ci(String),
    Deploy(RawRollout),
    BlueGreen(RawBlueGreen),
    Verify(RawDuration),
    If {
        condition: String,
        then: Vec<RawStep>,
        otherwise: Vec<RawStep>,
    },
}

pub(crate) const NAMED_STEPS: [&str; 8] = [
    "diagnose",
    "flag_off",
    "flag_on",
    "rollback",
    "write_fix",
    "review",
    "repair",
    "deploy",
];
const MAP_STEPS: [&str; 5] = ["ci", "deploy", "blue_green", "verify", "if"];
const IF_KEYS: [&str; 3] = ["if", "then", "else"];

impl<'de> Deserialize<'de> for RawStep {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawStep;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a step: one of `diagnose`, `flag_off`, `flag_on`, `rollback`, `write_fix`, `review`, `repair`, `deploy` (straight to 100%), a map with one key `ci`, `deploy`, `blue_green` or `verify`, or `{if: CONDITION, then: [...], else: [...]}`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawStep, E> {
                if NAMED_STEPS.contains(&v) {
                    Ok(RawStep::Named(v.to_string()))
                } else {
                    Err(E::unknown_variant(v, &NAMED_STEPS))
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawStep, A::Error> {
                let Some(key) = map.next_key::<String>()? else {
                    return Err(de::Error::custom("an empty map is not a step"));
                };
                if IF_KEYS.contains(&key.as_str()) {
                    let (mut condition, mut then, mut otherwise) = (None, None, None);
                    let mut key = Some(key);
                    while let Some(k) = key {
                        match k.as_str() {
                            "if" if condition.is_none() => condition = Some(map.next_value()?),
                            "then" if then.is_none() => then = Some(map.next_value()?),
                            "else" if otherwise.is_none() => otherwise = Some(map.next_value()?),
                            "if" | "then" | "else" => {
                                return Err(de::Error::custom(format!(
                                    "`{k}` appears twice in one conditional step"
                                )))
                            }
                            other => return Err(de::Error::unknown_field(other, &IF_KEYS)),
                        }
                        key = map.next_key::<String>()?;
                    }
                    let condition = condition.ok_or_else(|| {
                        de::Error::custom("a conditional step needs `if: CONDITION`")
                    })?;
                    let then = then.ok_or_else(|| {
                        de::Error::custom("a conditional step needs `then: [steps]`")
                    })?;
                    return Ok(RawStep::If {
                        condition,
                        then,
                        otherwise: otherwise.unwrap_or_default(),
                    });
                }
                let step = match key.as_str() {
                    "ci" => RawStep::Ci(map.next_value()?),
                    "deploy" => RawStep::Deploy(map.next_value()?),
                    "blue_green" => RawStep::BlueGreen(map.next_value()?),
                    "verify" => RawStep::Verify(map.next_value()?),
                    other => return Err(de::Error::unknown_variant(other, &MAP_STEPS)),
                };
                if map.next_key::<String>()?.is_some() {
                    return Err(de::Error::custom(
                        "a step is a map with exactly one key (hint: start a new list item with `-`)",
                    ));
                }
                Ok(step)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for RawStep {
    fn schema_name() -> Cow<'static, str> {
        "Step".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let dur = g.subschema_for::<RawDuration>();
        let rollout = g.subschema_for::<RawRollout>();
        let bg = g.subschema_for::<RawBlueGreen>();
        let conditions: Vec<&str> = crate::strategy::Condition::ALL
            .iter()
            .map(|(n, _)| *n)
            .collect();
        json_schema!({
            "description": "One step of a policy.",
            "oneOf": [
                { "enum": NAMED_STEPS },
                {
                    "type": "object",
                    "description": "Run `then` when the condition holds for what the team knows now, `else` otherwise.",
                    "additionalProperties": false,
                    "required": ["if", "then"],
                    "properties": {
                        "if": { "enum": conditions },
                        "then": { "type": "array", "items": { "$ref": "#/$defs/Step" } },
                        "else": { "type": "array", "items": { "$ref": "#/$defs/Step" } }
                    }
                },
                { "type": "object", "additionalProperties": false, "required": ["ci"], "properties": { "ci": { "enum": ["fast", "full"] } } },
                { "type": "object", "additionalProperties": false, "required": ["deploy"], "properties": { "deploy": rollout } },
                { "type": "object", "additionalProperties": false, "required": ["blue_green"], "properties": { "blue_green": bg } },
                { "type": "object", "additionalProperties": false, "required": ["verify"], "properties": { "verify": dur } }
            ]
        })
    }
}

/// `repeat`, `rollback`, `stop` or `{run: [steps]}`.
#[derive(Debug, Clone)]
pub(crate) enum RawReaction {
    Named(String),
    Run(Vec<RawStep>),
}

const REACTIONS: [&str; 4] = ["repeat", "rollback", "stop", "run"];

impl<'de> Deserialize<'de> for RawReaction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawReaction;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`repeat`, `rollback`, `stop` or `{run: [steps]}`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawReaction, E> {
                if REACTIONS[..3].contains(&v) {
                    Ok(RawReaction::Named(v.to_string()))
                } else {
                    Err(E::unknown_variant(v, &REACTIONS))
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawReaction, A::Error> {
                match map.next_key::<String>()?.as_deref() {
                    Some("run") => {
                        let steps = map.next_value()?;
                        if map.next_key::<String>()?.is_some() {
                            return Err(de::Error::custom("`run` must be the only key"));
                        }
                        Ok(RawReaction::Run(steps))
                    }
                    Some(other) => Err(de::Error::unknown_variant(other, &["run"])),
                    None => Err(de::Error::custom("an empty map is not a reaction")),
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for RawReaction {
    fn schema_name() -> Cow<'static, str> {
        "Reaction".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let step = g.subschema_for::<RawStep>();
        json_schema!({
            "oneOf": [
                { "enum": ["repeat", "rollback", "stop"] },
                { "type": "object", "additionalProperties": false, "required": ["run"],
                  "properties": { "run": { "type": "array", "items": step } } }
            ]
        })
    }
}

/// Deserializes the text; on failure, every structural error of the file
/// is found and located ([`super::structure`]).
pub(crate) fn from_yaml(source: &str, text: &str) -> Result<RawScenario, ScenarioErrors> {
    serde_norway::from_str::<RawScenario>(text)
        .map_err(|first| super::structure::errors(source, text, first))
}
