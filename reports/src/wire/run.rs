//! One replay as JSON: the score, the timeline, and each service's requests
//! and errors per scrape interval.
//!
//! Schema version 4. Apart from `schema_version`, `series`,
//! `scenario_summary`, `origin` and `command`, the fields are exactly those
//! `gameday run --format json` printed before it had a schema.
//!
//! Changes from version 1: `origin` (gameday version, scenario file,
//! SHA-256 of the scenario) and `command` (the `gameday run` command that
//! replays this report); `scenario_summary` gains `team_timings`, `risk`
//! and, per fault, `guarded_by`, `irreversible`, `fix_touches` and
//! `calm_fix_touches`.
//!
//! Changes from version 3: a fault's `onset_seconds` in
//! `scenario_summary` is `null` for an optional fault (a drill's twist,
//! dormant until a facilitator injects it).
//!
//! Changes from version 2: `runbook`, the runbook check (rules with a
//! verdict, a reason and the deciding journal line; page to first move).

use gameday_sim::engine::Replay;
use gameday_sim::scenario::Scenario;
use gameday_sim::score::censor::Bounded;
use gameday_sim::score::runbook::RunbookCheck;
use gameday_sim::score::Score;
use gameday_sim::world::journal::Actor;
use schemars::JsonSchema;
use serde::Serialize;

use super::{Origin, ScenarioSummary};

/// Version of the run JSON document.
pub const SCHEMA_VERSION: u32 = 4;

/// One replay of one strategy on one seed.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct RunReport {
    /// Version of this document's shape; see the module docs.
    pub schema_version: u32,
    /// The scenario's name.
    pub scenario: String,
    pub strategy: String,
    pub seed: u64,
    pub score: ScoreReport,
    /// Every event of the replay, in order.
    pub timeline: Vec<TimelineItem>,
    /// Control-plane calls the strategy made.
    pub control_plane_calls: u64,
    /// Per service, requests and errors per scrape interval.
    pub series: Vec<ServiceSeriesReport>,
    pub scenario_summary: ScenarioSummary,
    /// Who wrote the report, from which scenario bytes.
    pub origin: Origin,
    /// The command that replays this report, e.g. `gameday run --strategy
    /// direct --seed 4`.
    pub command: String,
    /// The response judged against the hotfix runbook's order: each rule
    /// passed, failed or not applicable, with the journal line deciding it.
    pub runbook: RunbookCheck,
}

/// How the replay ended: the simulator's own outcome, published as is.
pub use gameday_sim::score::Outcome as OutcomeReport;

/// Failed requests split by cause; they add up to the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct FailedByCauseReport {
    pub baseline: u64,
    pub original_fault: u64,
    pub regression: u64,
    pub dependency: u64,
}

impl FailedByCauseReport {
    pub fn total(&self) -> u64 {
        self.baseline + self.original_fault + self.regression + self.dependency
    }
    /// Failed requests the incident caused (everything but the baseline).
    pub fn incident(&self) -> u64 {
        self.original_fault + self.regression + self.dependency
    }
}

/// A latent bug shipped by a response change that failed requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RegressionReport {
    /// The pull request that carried it.
    pub pr: u32,
    /// The service whose build carries the bug.
    pub host: String,
    /// Whose requests it failed.
    pub service: String,
    pub failed_requests: u64,
}

/// Error budget one service consumed.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct BudgetUseReport {
    pub service: String,
    /// Failed requests beyond the baseline over the budget of one SLO
    /// window (1.0 = all of it).
    pub consumed: f64,
}

/// The score of the replay. Instants and durations are milliseconds of
/// virtual time (instants since the scenario's start); `null` when the
/// moment never came.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ScoreReport {
    pub outcome: OutcomeReport,
    /// Whether the strategy could act at all.
    pub applicable: bool,
    /// First moment a service fell outside its SLO.
    pub impact_start: Option<u64>,
    /// Impact start to the first alert firing.
    pub time_to_detect: Option<u64>,
    /// First alert to its acknowledgement.
    pub time_to_acknowledge: Option<u64>,
    /// Impact start until the original fault(s) stopped failing requests
    /// for a stability window.
    pub time_to_mitigate: Option<u64>,
    /// Impact start until every service was within its SLO for the
    /// stability window; `null` when not restored before the horizon.
    pub mttr: Option<u64>,
    /// Times a service left its SLO again after service was restored.
    pub relapses: u32,
    /// Requests the incident failed after service was restored.
    pub failed_after_restore: u64,
    /// Impact start until the root cause was cured and the last change landed.
    pub time_to_resolve: Option<u64>,
    pub regressions: Vec<RegressionReport>,
    /// Deployments of the responders' changes that reached traffic.
    pub hotfixes: u32,
    pub rollbacks: u32,
    pub flag_flips: u32,
    /// Deployments that reached traffic and needed remediation.
    pub failed_deployments: u32,
    pub requests: u64,
    pub failed_requests: FailedByCauseReport,
    /// Failed requests rooted in regressions, wherever they failed.
    pub regression_blast_radius: u64,
    /// In the scenario's currency.
    pub revenue_lost: f64,
    pub error_budget: Vec<BudgetUseReport>,
    /// When the replay stopped.
    pub ended_at: u64,
}

/// Who or what a timeline entry is about: `{"service": NAME}`,
/// `"responder"`, `"pipeline"` or `"flags"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorReport {
    Service(String),
    Responder,
    Pipeline,
    Flags,
}

impl std::fmt::Display for ActorReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ActorReport::Service(s) => write!(f, "{s}"),
            ActorReport::Responder => write!(f, "responder"),
            ActorReport::Pipeline => write!(f, "pipeline"),
            ActorReport::Flags => write!(f, "flags"),
        }
    }
}

/// One event of the replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct TimelineItem {
    /// Milliseconds since the scenario's start.
    pub at_ms: u64,
    /// The incident's clock, e.g. "Fri 16:47:00".
    pub clock: String,
    /// Same as `at_ms`.
    pub at: u64,
    pub actor: ActorReport,
    /// What happened, in snake_case: `fault_onset`, `regression_onset`,
    /// `unhealthy`, `healthy`, `alert_firing`, `alert_resolved`,
    /// `acknowledge`, `diagnose`, `pull_request`, `review`, `ci`, `merge`,
    /// `deploy`, `stage`, `promote`, `abort`, `rollback`, `switch`,
    /// `smoke_test`, `flag`, `verify`, `decision` (new kinds may appear).
    pub kind: String,
    pub text: String,
}

/// Requests and errors of one service per scrape interval. The arrays are
/// parallel: interval `k` ends at `at_ms[k]` and began at the scrape
/// before (the start, for `k = 0`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ServiceSeriesReport {
    pub service: String,
    pub at_ms: Vec<u64>,
    pub requests: Vec<u64>,
    pub errors: Vec<u64>,
}

impl ServiceSeriesReport {
    /// Errors over requests in interval `k`; 0 when nothing was served.
    pub fn error_ratio(&self, k: usize) -> f64 {
        match (self.requests.get(k), self.errors.get(k)) {
            (Some(&r), Some(&e)) if r > 0 => e as f64 / r as f64,
            _ => 0.0,
        }
    }
    /// Errors over requests in the `n` intervals ending with `k` (what an
    /// alert rule over a window of `n` scrapes sees).
    pub fn windowed_error_ratio(&self, k: usize, n: usize) -> f64 {
        let from = (k + 1).saturating_sub(n.max(1));
        let end = (k + 1).min(self.requests.len()).min(self.errors.len());
        if from >= end {
            return 0.0;
        }
        let r: u64 = self.requests[from..end].iter().sum();
        let e: u64 = self.errors[from..end].iter().sum();
        if r == 0 {
            0.0
        } else {
            e as f64 / r as f64
        }
    }
}

impl RunReport {
    /// The report of a finished replay of `sc`, whose file (and the binary
    /// that replayed it) `origin` names.
    pub fn build(sc: &Scenario, r: &Replay, origin: Origin) -> RunReport {
        RunReport {
            command: origin.run_command(&r.strategy, r.seed),
            origin,
            schema_version: SCHEMA_VERSION,
            scenario: r.scenario.clone(),
            strategy: r.strategy.clone(),
            seed: r.seed,
            score: ScoreReport::of(&r.score),
            timeline: r
                .timeline
                .iter()
                .map(|t| TimelineItem {
                    at_ms: t.at_ms,
                    clock: t.clock.clone(),
                    at: t.entry.at.as_millis(),
                    actor: match &t.entry.actor {
                        Actor::Service(s) => ActorReport::Service(s.clone()),
                        Actor::Responder => ActorReport::Responder,
                        Actor::Pipeline => ActorReport::Pipeline,
                        Actor::Flags => ActorReport::Flags,
                    },
                    kind: kind_name(t.entry.kind),
                    text: t.entry.text.clone(),
                })
                .collect(),
            control_plane_calls: r.control_plane_calls,
            runbook: r.runbook.clone(),
            series: r
                .series
                .iter()
                .map(|s| ServiceSeriesReport {
                    service: s.service.clone(),
                    at_ms: s.points.iter().map(|p| p.at.as_millis()).collect(),
                    requests: s.points.iter().map(|p| p.requests).collect(),
                    errors: s.points.iter().map(|p| p.errors).collect(),
                })
                .collect(),
            scenario_summary: ScenarioSummary::of(sc),
        }
    }

    /// The replay's MTTR in seconds as a comparison counts it (an
    /// unrestored replay counts as restored when it ended, and is then a
    /// lower bound); `None` without impact, when the strategy could not act
    /// or when the replay failed.
    pub fn mttr_seconds(&self) -> Option<Bounded> {
        let s = &self.score;
        if !s.outcome.counted() {
            return None;
        }
        let start = s.impact_start?;
        Some(Bounded {
            value: s.mttr.unwrap_or(s.ended_at.saturating_sub(start)) as f64 / 1000.0,
            lower_bound: s.mttr.is_none(),
        })
    }
}

/// The snake_case name the simulator gives an entry kind.
fn kind_name(kind: gameday_sim::world::journal::EntryKind) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{kind:?}"),
    }
}

impl ScoreReport {
    fn of(s: &Score) -> ScoreReport {
        let ms = |d: Option<gameday_sim::time::SimDuration>| d.map(|d| d.as_millis());
        ScoreReport {
            outcome: s.outcome.clone(),
            relapses: s.relapses,
            failed_after_restore: s.failed_after_restore,
            applicable: s.applicable,
            impact_start: s.impact_start.map(|t| t.as_millis()),
            time_to_detect: ms(s.time_to_detect),
            time_to_acknowledge: ms(s.time_to_acknowledge),
            time_to_mitigate: ms(s.time_to_mitigate),
            mttr: ms(s.mttr),
            time_to_resolve: ms(s.time_to_resolve),
            regressions: s
                .regressions
                .iter()
                .map(|r| RegressionReport {
                    pr: r.pr,
                    host: r.host.clone(),
                    service: r.service.clone(),
                    failed_requests: r.failed_requests,
                })
                .collect(),
            hotfixes: s.hotfixes,
            rollbacks: s.rollbacks,
            flag_flips: s.flag_flips,
            failed_deployments: s.failed_deployments,
            requests: s.requests,
            failed_requests: FailedByCauseReport {
                baseline: s.failed_requests.baseline,
                original_fault: s.failed_requests.original_fault,
                regression: s.failed_requests.regression,
                dependency: s.failed_requests.dependency,
            },
            regression_blast_radius: s.regression_blast_radius,
            revenue_lost: s.revenue_lost,
            error_budget: s
                .error_budget
                .iter()
                .map(|b| BudgetUseReport {
                    service: b.service.clone(),
                    consumed: b.consumed,
                })
                .collect(),
            ended_at: s.ended_at.as_millis(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gameday_sim::engine::replay;
    use gameday_sim::strategy::presets::preset;

    #[test]
    fn should_serialize_the_replay_fields_exactly_as_before() {
        let sc = gameday_sim::scenario::friday_cascade();
        for (name, seed) in [("direct", 4), ("flag-disable", 2), ("staged", 3)] {
            let r = replay(&sc, &preset(name, &sc).unwrap(), seed);
            let report = RunReport::build(&sc, &r, Origin::embedded("0.1.0"));
            let mut ours = serde_json::to_value(report).unwrap();
            let map = ours.as_object_mut().unwrap();
            for added in [
                "schema_version",
                "series",
                "scenario_summary",
                "origin",
                "command",
                "runbook",
            ] {
                assert!(map.remove(added).is_some(), "{added}");
            }
            assert_eq!(ours, serde_json::to_value(&r).unwrap(), "{name} {seed}");
        }
    }

    #[test]
    fn should_count_an_unrestored_replay_at_its_end() {
        let sc = gameday_sim::scenario::friday_cascade();
        let r = replay(&sc, &preset("direct", &sc).unwrap(), 4);
        let mut report = RunReport::build(&sc, &r, Origin::embedded("0.1.0"));
        assert_eq!(report.command, "gameday run --strategy direct --seed 4");
        report.score.impact_start = Some(1000);
        report.score.mttr = None;
        report.score.ended_at = 61_000;
        assert_eq!(
            report.mttr_seconds(),
            Some(Bounded {
                value: 60.0,
                lower_bound: true
            })
        );
    }

    #[test]
    fn should_average_errors_over_a_window_of_scrapes() {
        let s = ServiceSeriesReport {
            service: "x".into(),
            at_ms: vec![15, 30, 45],
            requests: vec![100, 100, 0],
            errors: vec![0, 50, 0],
        };
        assert_eq!(s.error_ratio(1), 0.5);
        assert_eq!(s.error_ratio(2), 0.0);
        assert_eq!(s.windowed_error_ratio(1, 2), 0.25);
        assert_eq!(s.windowed_error_ratio(2, 2), 0.5);
        assert_eq!(s.windowed_error_ratio(9, 2), 0.0);
    }
}
