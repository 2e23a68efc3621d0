//! What a report says about the scenario it came from: services, shared
//! libraries, dependencies, flags, faults and the alert rule.

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
    /// Seconds after the start.
    pub onset_seconds: f64,
    /// What it does, in words, e.g. "15% of requests fail".
    pub effect: String,
    /// `last_release` (a rollback cures it) or `predates`.
    pub origin: String,
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
                    onset_seconds: (f.onset - SimTime::START).as_secs_f64(),
                    effect: f.effect.to_string(),
                    origin: match f.origin {
                        FaultOrigin::LastRelease => "last_release",
                        FaultOrigin::Predates => "predates",
                    }
                    .to_string(),
                })
                .collect(),
            alert: AlertInfo {
                name: sc.team.alert.name.clone(),
                window_seconds: sc.team.alert.window.as_secs_f64(),
                threshold: sc.team.alert.threshold.get(),
                for_seconds: sc.team.alert.for_duration.as_secs_f64(),
            },
        }
    }

    /// The service of that name.
    pub fn service(&self, name: &str) -> Option<&ServiceInfo> {
        self.services.iter().find(|s| s.name == name)
    }
}
