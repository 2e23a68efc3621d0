//! How many replays each number covers: the header's coverage line and
//! the table of replays by outcome, with relapses.

use crate::format::percent;
use crate::wire::{CompareReport, StrategySummary};

/// The seeds a comparison ran, e.g. `seeds 1-1000`.
pub fn seeds(r: &CompareReport) -> String {
    let last = r.base_seed.wrapping_add(r.runs.saturating_sub(1));
    if r.runs == 1 {
        format!("seed {}", r.base_seed)
    } else {
        format!("seeds {}-{}", r.base_seed, last)
    }
}

/// What the measures cover, for the header: `every replay of every
/// strategy counted`, or the strategies that fell short and why.
pub fn coverage(r: &CompareReport) -> String {
    let short: Vec<String> = r
        .strategies
        .iter()
        .filter(|s| s.summary.counted_runs != s.summary.runs)
        .map(|s| {
            let o = &s.summary.outcomes;
            let mut why = Vec::new();
            if o.failed > 0 {
                why.push(format!("{} failed", o.failed));
            }
            if o.not_applicable > 0 {
                why.push(format!("{} not applicable", o.not_applicable));
            }
            format!(
                "{} {} of {} ({})",
                s.summary.name,
                s.summary.counted_runs,
                s.summary.runs,
                why.join(", ")
            )
        })
        .collect();
    if short.is_empty() {
        if r.runs == 1 {
            "counted: the replay of every strategy".to_string()
        } else {
            format!("counted: all {} replays of every strategy", r.runs)
        }
    } else if short.len() == r.strategies.len() {
        format!("counted: {}", short.join("; "))
    } else {
        format!("counted: {}; the others all {}", short.join("; "), r.runs)
    }
}

/// Headers of the replay counts table.
pub const COUNT_HEADERS: [&str; 12] = [
    "strategy",
    "replays",
    "counted",
    "restored",
    "not restored",
    "stopped by policy",
    "no impact",
    "failed",
    "not applicable",
    "with a relapse",
    "relapses/replay",
    "failed after restore",
];

/// What the counts table's columns mean.
pub const COUNT_LEGEND: &str = "counted: the replays every measure covers (not applicable and failed ones are left out, and listed). \
restored, not restored (the horizon came first), stopped by policy (a bound such as max_hotfixes, or a stop reaction) and no impact add up to counted. \
failed: the control plane refused a request mid-replay, a bug in the runner or the model; each is listed with its seed. \
with a relapse: share of counted replays in which a service left its SLO again after restoration; relapses/replay and failed after restore (requests) are means per counted replay.";

/// One strategy's row of the counts table.
pub fn count_cells(s: &StrategySummary) -> Vec<String> {
    let m = &s.summary;
    let o = &m.outcomes;
    let relapses = |text: String| {
        if m.counted_runs == 0 {
            "-".into()
        } else {
            text
        }
    };
    vec![
        m.name.clone(),
        m.runs.to_string(),
        m.counted_runs.to_string(),
        o.restored.to_string(),
        o.not_restored.to_string(),
        o.stopped.to_string(),
        o.no_impact.to_string(),
        o.failed.to_string(),
        o.not_applicable.to_string(),
        relapses(percent(m.relapse_rate)),
        relapses(format!("{:.2}", m.relapses_mean)),
        relapses(format!("{:.0}", m.failed_after_restore_mean)),
    ]
}
