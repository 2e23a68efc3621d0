//! The seeds behind the numbers: each strategy's worst replays and its
//! failed ones, as table rows with the command that replays each.

use gameday_sim::score::censor::Bounded;
use gameday_sim::score::Outcome;

use super::bounded_minutes;
use crate::wire::CompareReport;

/// A short name for how a replay ended.
pub fn outcome_label(o: &Outcome) -> &'static str {
    match o {
        Outcome::NoImpact => "no impact",
        Outcome::Restored => "restored",
        Outcome::NotRestored => "not restored",
        Outcome::Stopped(_) => "stopped by the policy",
        Outcome::NotApplicable(_) => "not applicable",
        Outcome::Failed(_) => "failed",
    }
}

/// Headers of the worst seeds table.
pub const WORST_HEADERS: [&str; 5] = ["strategy", "seed", "MTTR min", "outcome", "replay it"];

/// Rows of the worst seeds table: each strategy's tail, highest first.
pub fn worst_rows(r: &CompareReport) -> Vec<Vec<String>> {
    r.strategies
        .iter()
        .flat_map(|s| {
            s.worst_seeds.iter().map(|w| {
                vec![
                    s.summary.name.clone(),
                    w.seed.seed.to_string(),
                    bounded_minutes(Bounded {
                        value: w.seed.mttr_seconds,
                        lower_bound: w.seed.censored,
                    }),
                    outcome_label(&w.seed.outcome).to_string(),
                    w.command.clone(),
                ]
            })
        })
        .collect()
}

/// Headers of the failed replays table.
pub const FAILED_HEADERS: [&str; 4] = ["strategy", "seed", "why", "replay it"];

/// Failed replays listed with their command, per strategy; beyond this
/// many, the rest are listed by seed only.
pub const FAILED_WITH_COMMAND: usize = 10;

/// Rows of the failed replays table, and a line per strategy listing the
/// seeds of the rest (every failed replay is named).
pub fn failed_rows(r: &CompareReport) -> (Vec<Vec<String>>, Vec<String>) {
    let mut rows = Vec::new();
    let mut more = Vec::new();
    for s in &r.strategies {
        let failed = &s.failed_replays;
        for f in failed.iter().take(FAILED_WITH_COMMAND) {
            rows.push(vec![
                s.summary.name.clone(),
                f.replay.seed.to_string(),
                f.replay.reason.clone(),
                f.command.clone(),
            ]);
        }
        if failed.len() > FAILED_WITH_COMMAND {
            let seeds: Vec<String> = failed[FAILED_WITH_COMMAND..]
                .iter()
                .map(|f| f.replay.seed.to_string())
                .collect();
            let first = failed[FAILED_WITH_COMMAND].replay.seed;
            more.push(format!(
                "{} more failed replays of {}, on seeds {} (replay each as `{}`, with its seed)",
                seeds.len(),
                s.summary.name,
                seeds.join(", "),
                r.origin.run_command(&s.summary.name, first)
            ));
        }
    }
    (rows, more)
}
