//! Random valid scenarios: a [`ScenarioSpec`] mirrors the scenario file
//! field by field (names, not ids; durations as written), renders itself
//! as YAML, and goes through the real parser and validator.
//!
//! The strategies draw a "genome" of independent parts (services, libraries,
//! dependencies, flags, faults, team, risk) whose cross-references are
//! [`Index`]es resolved against whatever exists, so every part shrinks on
//! its own and every shrunk value is still valid: lists lose elements,
//! options become `None`, indices move to the first element, numbers move
//! to their simplest value (no onset delay, fixes that cure, no latent bug).

use std::fmt::Write as _;

use proptest::prelude::*;
use proptest::sample::Index;

use super::policy::PolicySpec;
use crate::scenario::{self, Scenario, ScenarioErrors};

/// Service names, in order (a scenario has at most this many).
pub const SERVICE_NAMES: [&str; 5] = ["api", "auth", "pay", "mail", "search"];
/// Shared library names.
pub const LIBRARY_NAMES: [&str; 2] = ["kit", "core"];
/// Code paths flags may guard besides faults' own paths.
const SPARE_PATH: &str = "beta";

/// A whole scenario file, as written. Its `Debug` is the YAML.
#[derive(Clone, PartialEq)]
pub struct ScenarioSpec {
    pub name: String,
    pub seed: u64,
    pub horizon_mins: u64,
    pub scrape_interval_secs: u64,
    pub stability_window_mins: u64,
    pub services: Vec<ServiceSpec>,
    pub libraries: Vec<LibrarySpec>,
    pub dependencies: Vec<DependencySpec>,
    pub flags: Vec<FlagSpec>,
    pub faults: Vec<FaultSpec>,
    pub team: TeamSpec,
    pub risk: RiskSpec,
    pub policies: Vec<PolicySpec>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceSpec {
    pub name: String,
    pub rps: f64,
    pub baseline_error_ratio: f64,
    pub value_per_request: f64,
    pub slo: f64,
    pub version: String,
    pub previous_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LibrarySpec {
    pub name: String,
    pub used_by: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DependencySpec {
    pub caller: String,
    pub callee: String,
    pub coupling: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FlagSpec {
    pub name: String,
    pub service: String,
    pub path: String,
    pub enabled: bool,
    pub rollout: f64,
    pub fallback: bool,
}

/// `crash`, `{error_ratio}` or `{latency: {added, timeouts}}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EffectSpec {
    Crash,
    ErrorRatio(f64),
    Latency { added_ms: u64, timeouts: f64 },
}

impl EffectSpec {
    /// Whether it fails no request at all (latency without timeouts).
    pub fn fails_none(&self) -> bool {
        matches!(*self, EffectSpec::Latency { timeouts, .. } if timeouts == 0.0)
            || *self == EffectSpec::ErrorRatio(0.0)
    }
}

/// A duration distribution, in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DistSpec {
    Fixed(u64),
    Uniform(u64, u64),
    LogNormal { median: u64, p90: u64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    pub name: String,
    pub onset_secs: u64,
    pub service: String,
    pub path: Option<String>,
    pub effect: EffectSpec,
    /// `last_release` when true, `predates` when false.
    pub last_release: bool,
    pub irreversible: bool,
    pub fix_touches: Option<Vec<String>>,
    pub calm_fix_touches: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TeamSpec {
    pub alert_window_secs: u64,
    pub alert_threshold: f64,
    pub alert_for_secs: u64,
    pub acknowledge: DistSpec,
    pub diagnose: DistSpec,
    pub write_fix: DistSpec,
    pub review: DistSpec,
    pub ci_fast: DistSpec,
    pub ci_full: DistSpec,
    pub deploy: DistSpec,
    pub rollback: DistSpec,
    pub traffic_switch: DistSpec,
    pub smoke_test: DistSpec,
    pub canary_bake: DistSpec,
    pub flag_propagation: DistSpec,
    /// Repairing damaged data (always written, so irreversible faults can
    /// be repaired).
    pub repair: DistSpec,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RiskSpec {
    pub fix_cures: f64,
    pub catch_review: f64,
    pub catch_fast_ci: f64,
    pub catch_full_ci: f64,
    pub catch_smoke_test: f64,
    /// Per component (service or library name), its latent bugs.
    pub components: Vec<(String, Vec<LatentSpec>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LatentSpec {
    pub service: String,
    pub via: Option<String>,
    pub probability: f64,
    pub effect: EffectSpec,
    pub delay: Option<DistSpec>,
}

impl DistSpec {
    /// The largest value it can take, if bounded.
    pub fn max_secs(&self) -> Option<u64> {
        match *self {
            DistSpec::Fixed(s) => Some(s),
            DistSpec::Uniform(_, hi) => Some(hi),
            DistSpec::LogNormal { .. } => None,
        }
    }

    /// The same shape with every duration multiplied by `num / den`
    /// (rounded down, kept valid).
    pub fn scaled(&self, num: u64, den: u64) -> DistSpec {
        let k = |s: u64| s * num / den;
        match *self {
            DistSpec::Fixed(s) => DistSpec::Fixed(k(s)),
            DistSpec::Uniform(a, b) => DistSpec::Uniform(k(a), k(b)),
            DistSpec::LogNormal { median, p90 } => {
                let m = k(median).max(1);
                DistSpec::LogNormal {
                    median: m,
                    p90: k(p90).max(m + 1),
                }
            }
        }
    }
}

/// Rounds to 6 decimals, so the YAML shows what the spec holds.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn permille(x: u32) -> f64 {
    round6(x as f64 / 1000.0)
}

impl ScenarioSpec {
    /// The scenario file.
    pub fn to_yaml(&self) -> String {
        let mut y = String::new();
        let w = &mut y;
        let _ = writeln!(w, "name: {}", q(&self.name));
        let _ = writeln!(w, "seed: {}", self.seed);
        let _ = writeln!(w, "start: 2026-11-20T16:47:00");
        let _ = writeln!(w, "horizon: {}m", self.horizon_mins);
        let _ = writeln!(w, "scrape_interval: {}s", self.scrape_interval_secs);
        let _ = writeln!(w, "stability_window: {}m", self.stability_window_mins);
        let _ = writeln!(w, "services:");
        for s in &self.services {
            let _ = writeln!(w, "  {}:", s.name);
            let _ = writeln!(w, "    rps: {}", s.rps);
            let _ = writeln!(w, "    baseline_error_ratio: {}", s.baseline_error_ratio);
            let _ = writeln!(w, "    value_per_request: {}", s.value_per_request);
            let _ = writeln!(w, "    slo: {}", s.slo);
            let _ = writeln!(w, "    slo_window: 30d");
            let _ = writeln!(w, "    version: {}", q(&s.version));
            if let Some(p) = &s.previous_version {
                let _ = writeln!(w, "    previous_version: {}", q(p));
            }
        }
        if !self.libraries.is_empty() {
            let _ = writeln!(w, "libraries:");
            for l in &self.libraries {
                let _ = writeln!(w, "  {}: {{ used_by: [{}] }}", l.name, l.used_by.join(", "));
            }
        }
        if !self.dependencies.is_empty() {
            let _ = writeln!(w, "dependencies:");
            for d in &self.dependencies {
                let _ = writeln!(
                    w,
                    "  - {{ caller: {}, callee: {}, coupling: {} }}",
                    d.caller, d.callee, d.coupling
                );
            }
        }
        if !self.flags.is_empty() {
            let _ = writeln!(w, "flags:");
            for f in &self.flags {
                let _ = writeln!(
                    w,
                    "  {}: {{ service: {}, path: {}, enabled: {}, rollout: {}, fallback: {} }}",
                    f.name,
                    f.service,
                    q(&f.path),
                    f.enabled,
                    f.rollout,
                    f.fallback
                );
            }
        }
        if !self.faults.is_empty() {
            let _ = writeln!(w, "faults:");
            for f in &self.faults {
                let _ = writeln!(w, "  - name: {}", q(&f.name));
                let _ = writeln!(w, "    onset: {}s", f.onset_secs);
                let _ = writeln!(w, "    service: {}", f.service);
                if let Some(p) = &f.path {
                    let _ = writeln!(w, "    path: {}", q(p));
                }
                let _ = writeln!(w, "    effect: {}", effect(&f.effect));
                let _ = writeln!(
                    w,
                    "    origin: {}",
                    if f.last_release {
                        "last_release"
                    } else {
                        "predates"
                    }
                );
                let _ = writeln!(w, "    irreversible: {}", f.irreversible);
                if let Some(t) = &f.fix_touches {
                    let _ = writeln!(w, "    fix_touches: [{}]", t.join(", "));
                }
                if let Some(t) = &f.calm_fix_touches {
                    let _ = writeln!(w, "    calm_fix_touches: [{}]", t.join(", "));
                }
            }
        }
        let t = &self.team;
        let _ = writeln!(w, "team:");
        let _ = writeln!(
            w,
            "  alert: {{ window: {}s, threshold: {}, for: {}s }}",
            t.alert_window_secs, t.alert_threshold, t.alert_for_secs
        );
        for (key, d) in [
            ("acknowledge", &t.acknowledge),
            ("diagnose", &t.diagnose),
            ("write_fix", &t.write_fix),
            ("review", &t.review),
        ] {
            let _ = writeln!(w, "  {key}: {}", dist(d));
        }
        let _ = writeln!(
            w,
            "  ci: {{ fast: {}, full: {} }}",
            dist(&t.ci_fast),
            dist(&t.ci_full)
        );
        for (key, d) in [
            ("deploy", &t.deploy),
            ("rollback", &t.rollback),
            ("traffic_switch", &t.traffic_switch),
            ("smoke_test", &t.smoke_test),
            ("canary_bake", &t.canary_bake),
            ("flag_propagation", &t.flag_propagation),
            ("repair", &t.repair),
        ] {
            let _ = writeln!(w, "  {key}: {}", dist(d));
        }
        let r = &self.risk;
        let _ = writeln!(w, "risk:");
        let _ = writeln!(w, "  fix_cures: {}", r.fix_cures);
        let _ = writeln!(
            w,
            "  catch: {{ review: {}, fast_ci: {}, full_ci: {}, smoke_test: {} }}",
            r.catch_review, r.catch_fast_ci, r.catch_full_ci, r.catch_smoke_test
        );
        if !r.components.is_empty() {
            let _ = writeln!(w, "  components:");
            for (c, list) in &r.components {
                let _ = writeln!(w, "    {c}:");
                for l in list {
                    let _ = write!(
                        w,
                        "      - {{ service: {}, probability: {}, effect: {}",
                        l.service,
                        l.probability,
                        effect(&l.effect)
                    );
                    if let Some(v) = &l.via {
                        let _ = write!(w, ", via: {v}");
                    }
                    if let Some(d) = &l.delay {
                        let _ = write!(w, ", delay: {}", dist(d));
                    }
                    let _ = writeln!(w, " }}");
                }
            }
        }
        if !self.policies.is_empty() {
            let _ = writeln!(w, "policies:");
            for p in &self.policies {
                p.write_yaml(w);
            }
        }
        y
    }

    /// Parses and validates the YAML, exactly as `gameday run` does.
    pub fn parse(&self) -> Result<Scenario, ScenarioErrors> {
        scenario::parse("generated.yaml", &self.to_yaml())
    }

    /// Like [`ScenarioSpec::parse`], for specs the generators made: an
    /// error is a generator bug, reported with the YAML.
    pub fn scenario(&self) -> Scenario {
        match self.parse() {
            Ok(s) => s,
            Err(e) => panic!(
                "a generated scenario failed validation (a generator bug):\n{e}\n---\n{}",
                self.to_yaml()
            ),
        }
    }

    /// Components (services, then libraries) by name.
    pub fn component_names(&self) -> Vec<String> {
        self.services
            .iter()
            .map(|s| s.name.clone())
            .chain(self.libraries.iter().map(|l| l.name.clone()))
            .collect()
    }
}

/// Double-quoted YAML string (generated names need no escapes).
fn q(s: &str) -> String {
    format!("\"{s}\"")
}

fn effect(e: &EffectSpec) -> String {
    match *e {
        EffectSpec::Crash => "crash".to_string(),
        EffectSpec::ErrorRatio(r) => format!("{{ error_ratio: {r} }}"),
        EffectSpec::Latency { added_ms, timeouts } => {
            format!("{{ latency: {{ added: {added_ms}ms, timeouts: {timeouts} }} }}")
        }
    }
}

pub fn dist(d: &DistSpec) -> String {
    match *d {
        DistSpec::Fixed(s) => format!("{s}s"),
        DistSpec::Uniform(a, b) => format!("{{ uniform: [{a}s, {b}s] }}"),
        DistSpec::LogNormal { median, p90 } => {
            format!("{{ lognormal: {{ median: {median}s, p90: {p90}s }} }}")
        }
    }
}

// ---------------------------------------------------------------------
// Strategies.

/// A duration distribution between `lo` and `hi` seconds; shrinks to a
/// fixed `lo`.
pub fn dist_spec(lo: u64, hi: u64) -> impl Strategy<Value = DistSpec> {
    prop_oneof![
        (lo..=hi).prop_map(DistSpec::Fixed),
        (lo..=hi, 0..=hi - lo).prop_map(|(a, span)| DistSpec::Uniform(a, a + span)),
        (lo.max(1)..=hi, 1..=hi).prop_map(|(m, extra)| DistSpec::LogNormal {
            median: m,
            p90: m + extra,
        }),
    ]
}

/// Every kind of effect the model supports; shrinks to `crash`.
pub fn effect_spec() -> impl Strategy<Value = EffectSpec> {
    prop_oneof![
        Just(EffectSpec::Crash),
        (1u32..=1000).prop_map(|x| EffectSpec::ErrorRatio(permille(x))),
        (50u64..=5000, 0u32..=1000).prop_map(|(ms, t)| EffectSpec::Latency {
            added_ms: ms,
            timeouts: permille(t),
        }),
    ]
}

const SLOS: [f64; 5] = [0.999, 0.99, 0.995, 0.9995, 0.9];
const SCRAPES: [u64; 4] = [15, 5, 10, 30];

#[derive(Debug, Clone)]
struct ServiceGene {
    rps: u32,
    slo: Index,
    baseline_pct_of_budget: u32,
    value_cents: u32,
    previous: bool,
}

fn service_gene() -> impl Strategy<Value = ServiceGene> {
    (
        1u32..=200,
        any::<Index>(),
        0u32..=50,
        0u32..=2000,
        any::<bool>(),
    )
        .prop_map(
            |(rps, slo, baseline_pct_of_budget, value_cents, previous)| ServiceGene {
                rps,
                slo,
                baseline_pct_of_budget,
                value_cents,
                previous,
            },
        )
}

#[derive(Debug, Clone)]
struct FlagGene {
    enabled: bool,
    rollout: u32,
    fallback: bool,
}

fn flag_gene() -> impl Strategy<Value = FlagGene> {
    // Rollout shrinks towards 100% (1000 - x), the plain on/off flag.
    (any::<bool>(), 0u32..=999, any::<bool>()).prop_map(|(off, x, fallback)| FlagGene {
        enabled: !off,
        rollout: 1000 - x,
        fallback,
    })
}

#[derive(Debug, Clone)]
struct FaultGene {
    onset_secs: u64,
    service: Index,
    effect: EffectSpec,
    predates: bool,
    irreversible: bool,
    fix_touches: Option<Vec<Index>>,
    calm_fix_touches: Option<Vec<Index>>,
    guard: Option<FlagGene>,
}

fn fault_gene() -> impl Strategy<Value = FaultGene> {
    (
        0u64..=1800,
        any::<Index>(),
        effect_spec(),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(proptest::collection::vec(any::<Index>(), 1..=2)),
        proptest::option::of(proptest::collection::vec(any::<Index>(), 1..=2)),
        proptest::option::of(flag_gene()),
    )
        .prop_map(
            |(
                onset_secs,
                service,
                effect,
                predates,
                irreversible,
                fix_touches,
                calm_fix_touches,
                guard,
            )| FaultGene {
                onset_secs,
                service,
                effect,
                predates,
                irreversible,
                fix_touches,
                calm_fix_touches,
                guard,
            },
        )
}

#[derive(Debug, Clone)]
struct LatentGene {
    host: Index,
    victim: Index,
    probability: u32,
    effect: EffectSpec,
    delay: Option<DistSpec>,
}

fn latent_gene() -> impl Strategy<Value = LatentGene> {
    (
        any::<Index>(),
        proptest::option::of(any::<Index>()),
        0u32..=1000,
        effect_spec(),
        proptest::option::of(dist_spec(0, 900)),
    )
        .prop_map(|(host, victim, probability, effect, delay)| LatentGene {
            host,
            // `None`: the bug hurts its host's own requests.
            victim: victim.unwrap_or(host),
            probability,
            effect,
            delay,
        })
}

fn team_spec() -> impl Strategy<Value = TeamSpec> {
    let alert = (10u32..=200, 1u64..=10, 0u64..=180);
    let people = (
        dist_spec(10, 600),
        dist_spec(30, 1200),
        dist_spec(60, 1800),
        dist_spec(60, 1800),
    );
    let pipeline = (
        dist_spec(60, 600),
        dist_spec(300, 2400),
        dist_spec(30, 300),
        dist_spec(30, 300),
    );
    let rollout = (
        dist_spec(5, 60),
        dist_spec(60, 600),
        dist_spec(60, 1200),
        dist_spec(1, 60),
    );
    (alert, people, pipeline, rollout, dist_spec(300, 3600)).prop_map(
        |(
            (threshold, window_mins, for_secs),
            (acknowledge, diagnose, write_fix, review),
            (ci_fast, ci_full, deploy, rollback),
            (traffic_switch, smoke_test, canary_bake, flag_propagation),
            repair,
        )| TeamSpec {
            alert_window_secs: window_mins * 60,
            alert_threshold: permille(threshold),
            alert_for_secs: for_secs,
            acknowledge,
            diagnose,
            write_fix,
            review,
            ci_fast,
            ci_full,
            deploy,
            rollback,
            traffic_switch,
            smoke_test,
            canary_bake,
            flag_propagation,
            repair,
        },
    )
}

#[derive(Debug, Clone)]
struct Genome {
    horizon_hours: u64,
    scrape: Index,
    stability_mins: u64,
    services: Vec<ServiceGene>,
    libraries: Vec<Vec<Index>>,
    dependencies: Vec<(Index, Index, u32)>,
    spare_flags: Vec<(Index, FlagGene)>,
    faults: Vec<FaultGene>,
    team: TeamSpec,
    fix_fails: u32,
    catch: (u32, u32, u32, u32),
    risks: Vec<(Index, Vec<LatentGene>)>,
}

fn genome() -> impl Strategy<Value = Genome> {
    use proptest::collection::vec;
    let settings = (2u64..=8, any::<Index>(), 5u64..=20);
    let graph = (
        vec(service_gene(), 1..=SERVICE_NAMES.len()),
        vec(vec(any::<Index>(), 1..=3), 0..=LIBRARY_NAMES.len()),
        vec((any::<Index>(), any::<Index>(), 0u32..=1000), 0..=6),
        vec((any::<Index>(), flag_gene()), 0..=1),
    );
    let faults = vec(fault_gene(), 1..=3);
    let risk = (
        0u32..=1000,
        (0u32..=1000, 0u32..=1000, 0u32..=1000, 0u32..=1000),
        vec((any::<Index>(), vec(latent_gene(), 1..=2)), 0..=4),
    );
    (settings, graph, faults, team_spec(), risk).prop_map(
        |(
            (horizon_hours, scrape, stability_mins),
            (services, libraries, dependencies, spare_flags),
            faults,
            team,
            (fix_fails, catch, risks),
        )| Genome {
            horizon_hours,
            scrape,
            stability_mins,
            services,
            libraries,
            dependencies,
            spare_flags,
            faults,
            team,
            fix_fails,
            catch,
            risks,
        },
    )
}

impl Genome {
    /// Resolves every index against what exists; the result validates.
    fn express(self) -> ScenarioSpec {
        let n = self.services.len();
        let threshold = self.team.alert_threshold;
        let services: Vec<ServiceSpec> = self
            .services
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let slo = SLOS[g.slo.index(SLOS.len())];
                // Within the SLO on a good day, and below the alert
                // threshold so the alert can clear.
                let baseline =
                    ((1.0 - slo) * g.baseline_pct_of_budget as f64 / 100.0).min(threshold / 2.0);
                ServiceSpec {
                    name: SERVICE_NAMES[i].to_string(),
                    rps: g.rps as f64,
                    baseline_error_ratio: round6(baseline),
                    value_per_request: round6(g.value_cents as f64 / 100.0),
                    slo,
                    version: format!("2026.11.{}", 20 - i),
                    previous_version: g.previous.then(|| format!("2026.10.{}", 20 - i)),
                }
            })
            .collect();
        let name_of = |i: usize| SERVICE_NAMES[i].to_string();
        let libraries: Vec<LibrarySpec> = self
            .libraries
            .iter()
            .enumerate()
            .map(|(i, users)| {
                let mut ids: Vec<usize> = users.iter().map(|u| u.index(n)).collect();
                ids.sort();
                ids.dedup();
                LibrarySpec {
                    name: LIBRARY_NAMES[i].to_string(),
                    used_by: ids.into_iter().map(name_of).collect(),
                }
            })
            .collect();
        // Calls go from a later service to an earlier one: acyclic.
        let mut seen = Vec::new();
        let mut dependencies = Vec::new();
        for (a, b, coupling) in &self.dependencies {
            let (a, b) = (a.index(n), b.index(n));
            if a == b {
                continue;
            }
            let (caller, callee) = (a.max(b), a.min(b));
            if seen.contains(&(caller, callee)) {
                continue;
            }
            seen.push((caller, callee));
            dependencies.push(DependencySpec {
                caller: name_of(caller),
                callee: name_of(callee),
                coupling: permille(*coupling),
            });
        }
        let components: Vec<String> = services
            .iter()
            .map(|s| s.name.clone())
            .chain(libraries.iter().map(|l| l.name.clone()))
            .collect();
        let mut flags: Vec<FlagSpec> = Vec::new();
        let mut faults = Vec::new();
        for (i, g) in self.faults.iter().enumerate() {
            let service = g.service.index(n);
            let path = g.guard.as_ref().map(|_| format!("path-{i}"));
            if let (Some(flag), Some(path)) = (&g.guard, &path) {
                flags.push(FlagSpec {
                    name: format!("flag_{i}"),
                    service: name_of(service),
                    path: path.clone(),
                    enabled: flag.enabled,
                    rollout: permille(flag.rollout),
                    fallback: flag.fallback,
                });
            }
            let touch = |list: &Option<Vec<Index>>| {
                list.as_ref().map(|l| {
                    let mut names: Vec<String> = Vec::new();
                    for x in l {
                        let c = components[x.index(components.len())].clone();
                        if !names.contains(&c) {
                            names.push(c);
                        }
                    }
                    names
                })
            };
            let mut fix_touches = touch(&g.fix_touches);
            let calm_fix_touches = touch(&g.calm_fix_touches);
            // Validation refuses a fault no fix can cure: keep the rushed
            // fix on the fault's service unless a calm one cures it after
            // a flag or a rollback contains it.
            let host = name_of(service);
            let reaches = |list: &Option<Vec<String>>| match list {
                None => true,
                Some(l) => l.iter().any(|c| {
                    *c == host
                        || libraries
                            .iter()
                            .any(|lib| lib.name == *c && lib.used_by.contains(&host))
                }),
            };
            let containable = path.is_some() || !g.predates || g.effect.fails_none();
            let curable = reaches(&fix_touches) || (reaches(&calm_fix_touches) && containable);
            if !curable {
                if let Some(l) = &mut fix_touches {
                    l.push(host.clone());
                }
            }
            faults.push(FaultSpec {
                name: format!("fault-{i}"),
                onset_secs: g.onset_secs,
                service: host,
                path,
                effect: g.effect,
                last_release: !g.predates,
                irreversible: g.irreversible,
                fix_touches,
                calm_fix_touches,
            });
        }
        for (i, (s, g)) in self.spare_flags.iter().enumerate() {
            flags.push(FlagSpec {
                name: format!("spare_{i}"),
                service: name_of(s.index(n)),
                path: SPARE_PATH.to_string(),
                enabled: g.enabled,
                rollout: permille(g.rollout),
                fallback: g.fallback,
            });
        }
        let mut risk_components: Vec<(String, Vec<LatentSpec>)> = Vec::new();
        for (c, genes) in &self.risks {
            let ci = c.index(components.len());
            let name = components[ci].clone();
            if risk_components.iter().any(|(x, _)| *x == name) {
                continue;
            }
            // The builds a change to this component produces.
            let ships_to: Vec<String> = if ci < n {
                vec![name.clone()]
            } else {
                libraries[ci - n].used_by.clone()
            };
            let list = genes
                .iter()
                .map(|g| {
                    let host = ships_to[g.host.index(ships_to.len())].clone();
                    let victim = name_of(g.victim.index(n));
                    LatentSpec {
                        via: (host != victim).then(|| host.clone()),
                        service: victim,
                        probability: permille(g.probability),
                        effect: g.effect,
                        delay: g.delay,
                    }
                })
                .collect();
            risk_components.push((name, list));
        }
        let (review, fast, full, smoke) = self.catch;
        ScenarioSpec {
            name: "generated".to_string(),
            seed: 1,
            horizon_mins: self.horizon_hours * 60,
            scrape_interval_secs: SCRAPES[self.scrape.index(SCRAPES.len())],
            stability_window_mins: self.stability_mins,
            services,
            libraries,
            dependencies,
            flags,
            faults,
            team: self.team,
            risk: RiskSpec {
                fix_cures: permille(1000 - self.fix_fails),
                catch_review: permille(review),
                catch_fast_ci: permille(fast),
                catch_full_ci: permille(full),
                catch_smoke_test: permille(smoke),
                components: risk_components,
            },
            policies: Vec::new(),
        }
    }
}

/// Random valid scenarios without policies: 1-5 services, up to two shared
/// libraries, acyclic call dependencies, flags (most guarding a fault's
/// path), 1-3 faults of every effect, origin and reversibility, any team
/// and pipeline distributions, and latent-bug risks per component.
pub fn scenario_specs() -> impl Strategy<Value = ScenarioSpec> {
    genome().prop_map(Genome::express)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    #[test]
    fn should_render_yaml_the_validator_accepts() {
        let mut runner = TestRunner::deterministic();
        for _ in 0..200 {
            let spec = scenario_specs()
                .new_tree(&mut runner)
                .expect("a value")
                .current();
            if let Err(e) = spec.parse() {
                panic!("{e}\n---\n{}", spec.to_yaml());
            }
        }
    }
}
