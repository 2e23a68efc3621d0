//! What a report says about the scenario it came from: services, shared
//! libraries, dependencies, flags, faults and the alert rule, and the
//! assumptions that drive the answer: the team's timings and the risk of
//! a change (whether a fix cures, what catches a latent bug, which bugs a
//! change may carry).

use gameday_sim::dist::DurationDist;
use gameday_sim::scenario::{FaultOrigin, Scenario};
use gameday_sim::time::SimTime;
use schemars::JsonSchema;
use serde::Serialize;

/// The scenario behind a report, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ScenarioSummary {
    pub name: String,
    pub description: String,
    /// Wall-clock date and time of virtual instant zero, e.g. `2026-11-20T16:47:00`.
    pub start: String,
    /// Replays stop here at the latest.
    pub horizon_seconds: f64,
    /// How often counters are scraped and the alert rule evaluated.
    pub scrape_interval_seconds: f64,
    /// How long every service must stay within its SLO to count as restored.
    pub stability_window_seconds: f64,
    pub services: Vec<ServiceInfo>,
    pub libraries: Vec<LibraryInfo>,
    pub dependencies: Vec<DependencyInfo>,
    pub flags: Vec<FlagInfo>,
    pub faults: Vec<FaultInfo>,
    pub alert: AlertInfo,
    /// How long each step of the response takes, in the order of the
    /// scenario's `team:` section.
    pub team_timings: Vec<TimingInfo>,
    pub risk: RiskInfo,
}

/// How long one step of the response takes: a fixed time, a uniform range
/// or a lognormal with a median and a 90th percentile.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct TimingInfo {
    /// e.g. `acknowledge`, `ci_fast`, `flag_propagation`.
    pub step: String,
    /// The distribution as the scenario gives it, e.g. `~3m (p90 8m)`,
    /// `4m..6m`, `20s`.
    pub distribution: String,
    pub median_seconds: f64,
    pub p90_seconds: f64,
}

/// How risky a change is, and how likely each safety net catches a bug.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct RiskInfo {
    /// Chance a fix actually cures what it targets.
    pub fix_cures: f64,
    /// Chance each check catches a latent bug a change carries.
    pub review_catch: f64,
    pub fast_ci_catch: f64,
    pub full_ci_catch: f64,
    pub smoke_test_catch: f64,
    /// The latent bugs a change to each component may carry.
    pub latent_bugs: Vec<LatentBugInfo>,
}

/// One entry of the risk table: changing `component` may plant a bug in
/// `host`'s build that fails `service`'s requests.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct LatentBugInfo {
    /// The service or shared library changed.
    pub component: String,
    /// Whose requests the bug fails.
    pub service: String,
    /// The service whose build carries it.
    pub host: String,
    pub probability: f64,
    /// What it does, in words.
    pub effect: String,
    /// From the build taking traffic to the bug biting.
    pub delay: String,
}

/// A service taking traffic.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ServiceInfo {
    pub name: String,
    /// Mean requests per second.
    pub rps: f64,
    /// Share of requests failing on a good day.
    pub baseline_error_ratio: f64,
    /// Availability objective, e.g. 0.999.
    pub slo: f64,
    /// Largest error ratio within the SLO (1 - slo).
    pub max_error_ratio: f64,
    /// Revenue of one successful request.
    pub value_per_request: f64,
    pub version: String,
    pub previous_version: String,
}

/// A shared library and the services that link it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct LibraryInfo {
    pub name: String,
    pub used_by: Vec<String>,
}

/// `caller` calls `callee` and sees `coupling` of its failures.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct DependencyInfo {
    pub caller: String,
    pub callee: String,
    pub coupling: f64,
}

/// A feature flag guarding one code path of one service.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct FlagInfo {
    pub name: String,
    pub service: String,
    pub path: String,
    /// Whether it is on when the scenario starts.
    pub enabled: bool,
    /// Share of traffic on the guarded path while on.
    pub rollout: f64,
}

/// An injected fault.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct FaultInfo {
    pub name: String,
    pub service: String,
    pub path: Option<String>,
    /// Seconds after the start; `null` for an optional fault, dormant
    /// until a drill's facilitator injects it.
    pub onset_seconds: Option<f64>,
    /// What it does, in words, e.g. "15% of requests fail".
    pub effect: String,
    /// `last_release` (a rollback cures it) or `predates`.
    pub origin: String,
    /// The flag guarding its code path, if one does.
    pub guarded_by: Option<String>,
    /// Data it damages stays wrong after a rollback, until repaired.
    pub irreversible: bool,
    /// What a fix written under pressure (customers still failing) changes.
    pub fix_touches: Vec<String>,
    /// What a fix written once the impact is contained changes.
    pub calm_fix_touches: Vec<String>,
}

/// The alert rule applied to every service: error ratio over `window`
/// above `threshold` for `for`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct AlertInfo {
    pub name: String,
    pub window_seconds: f64,
    pub threshold: f64,
    pub for_seconds: f64,
}

impl ScenarioSummary {
    /// Summarises a validated scenario.
    pub fn of(sc: &Scenario) -> ScenarioSummary {
        let name = |s| sc.service(s).name.clone();
        ScenarioSummary {
            name: sc.name.clone(),
            description: sc.description.clone(),
            start: sc.clock.start().strftime("%Y-%m-%dT%H:%M:%S").to_string(),
            horizon_seconds: sc.horizon.as_secs_f64(),
            scrape_interval_seconds: sc.scrape_interval.as_secs_f64(),
            stability_window_seconds: sc.stability_window.as_secs_f64(),
            services: sc
                .services
                .iter()
                .map(|s| ServiceInfo {
                    name: s.name.clone(),
                    rps: s.rps,
                    baseline_error_ratio: s.baseline_error.get(),
                    slo: s.slo.get(),
                    max_error_ratio: s.error_budget_ratio(),
                    value_per_request: s.value_per_request,
                    version: s.version.clone(),
                    previous_version: s.previous_version.clone(),
                })
                .collect(),
            libraries: sc
                .libraries
                .iter()
                .map(|l| LibraryInfo {
                    name: l.name.clone(),
                    used_by: l.users.iter().map(|&s| name(s)).collect(),
                })
                .collect(),
            dependencies: sc
                .dependencies
                .iter()
                .map(|d| DependencyInfo {
                    caller: name(d.caller),
                    callee: name(d.callee),
                    coupling: d.coupling.get(),
                })
                .collect(),
            flags: sc
                .flags
                .iter()
                .map(|f| FlagInfo {
                    name: f.name.clone(),
                    service: name(f.service),
                    path: f.path.clone(),
                    enabled: f.enabled,
                    rollout: f.rollout.get(),
                })
                .collect(),
            faults: sc
                .faults
                .iter()
                .map(|f| FaultInfo {
                    name: f.name.clone(),
                    service: name(f.service),
                    path: f.path.clone(),
                    onset_seconds: f.onset.at().map(|t| (t - SimTime::START).as_secs_f64()),
                    effect: f.effect.to_string(),
                    origin: match f.origin {
                        FaultOrigin::LastRelease => "last_release",
                        FaultOrigin::Predates => "predates",
                    }
                    .to_string(),
                    guarded_by: f.guarded_by.map(|g| sc.flag(g).name.clone()),
                    irreversible: f.irreversible,
                    fix_touches: f
                        .fix_touches
                        .iter()
                        .map(|&c| sc.component_name(c).to_string())
                        .collect(),
                    calm_fix_touches: f
                        .calm_fix_touches
                        .iter()
                        .map(|&c| sc.component_name(c).to_string())
                        .collect(),
                })
                .collect(),
            alert: AlertInfo {
                name: sc.team.alert.name.clone(),
                window_seconds: sc.team.alert.window.as_secs_f64(),
                threshold: sc.team.alert.threshold.get(),
                for_seconds: sc.team.alert.for_duration.as_secs_f64(),
            },
            team_timings: team_timings(sc),
            risk: RiskInfo {
                fix_cures: sc.risk.fix_cures.get(),
                review_catch: sc.risk.review_catch.get(),
                fast_ci_catch: sc.risk.fast_ci_catch.get(),
                full_ci_catch: sc.risk.full_ci_catch.get(),
                smoke_test_catch: sc.risk.smoke_catch.get(),
                latent_bugs: sc
                    .risk
                    .components
                    .iter()
                    .flat_map(|(c, risks)| {
                        risks.iter().map(move |r| LatentBugInfo {
                            component: sc.component_name(*c).to_string(),
                            service: name(r.victim),
                            host: name(r.host),
                            probability: r.probability.get(),
                            effect: r.effect.to_string(),
                            delay: r.delay.to_string(),
                        })
                    })
                    .collect(),
            },
        }
    }

    /// The timing of that step.
    pub fn timing(&self, step: &str) -> Option<&TimingInfo> {
        self.team_timings.iter().find(|t| t.step == step)
    }

    /// The service of that name.
    pub fn service(&self, name: &str) -> Option<&ServiceInfo> {
        self.services.iter().find(|s| s.name == name)
    }
}

/// The team's timings, in the order of the scenario file's `team:` section.
fn team_timings(sc: &Scenario) -> Vec<TimingInfo> {
    let t = &sc.team;
    let mut steps: Vec<(&str, &DurationDist)> = vec![
        ("acknowledge", &t.acknowledge),
        ("diagnose", &t.diagnose),
        ("write_fix", &t.write_fix),
        ("review", &t.review),
        ("ci_fast", &t.ci_fast),
        ("ci_full", &t.ci_full),
        ("deploy", &t.deploy),
        ("rollback", &t.rollback),
        ("traffic_switch", &t.traffic_switch),
        ("smoke_test", &t.smoke_test),
        ("canary_bake", &t.canary_bake),
        ("flag_propagation", &t.flag_propagation),
    ];
    if let Some(repair) = &t.repair {
        steps.push(("repair", repair));
    }
    steps
        .into_iter()
        .map(|(step, d)| TimingInfo {
            step: step.to_string(),
            distribution: d.to_string(),
            median_seconds: d.median().as_secs_f64(),
            p90_seconds: p90(d),
        })
        .collect()
}

/// The 90th percentile of a duration distribution, in seconds.
fn p90(d: &DurationDist) -> f64 {
    match *d {
        DurationDist::Fixed(x) => x.as_secs_f64(),
        DurationDist::Uniform { min, max } => {
            min.as_secs_f64() + 0.9 * (max.as_secs_f64() - min.as_secs_f64())
        }
        DurationDist::LogNormal { p90, .. } => p90.as_secs_f64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_show_the_assumptions_of_the_friday_scenario() {
        let s = ScenarioSummary::of(&gameday_sim::scenario::friday_cascade());
        let ack = s.timing("acknowledge").unwrap();
        assert_eq!((ack.median_seconds, ack.p90_seconds), (180.0, 480.0));
        let ci = s.timing("ci_fast").unwrap();
        assert_eq!((ci.median_seconds, ci.p90_seconds), (300.0, 348.0));
        assert_eq!(s.risk.fix_cures, 0.75);
        assert_eq!(s.risk.full_ci_catch, 0.75);
        let errkit: Vec<&LatentBugInfo> = s
            .risk
            .latent_bugs
            .iter()
            .filter(|b| b.component == "errkit")
            .collect();
        assert_eq!(errkit.len(), 2);
        assert_eq!(
            (errkit[0].service.as_str(), errkit[0].probability),
            ("login", 0.6)
        );
        let f = &s.faults[0];
        assert_eq!(f.fix_touches, ["errkit"]);
        assert_eq!(f.calm_fix_touches, ["payment"]);
        assert_eq!(f.guarded_by.as_deref(), Some("payment_processing_v2"));
        assert!(!f.irreversible);
    }
}
