//! The comparison's columns, shared by the terminal table, Markdown and
//! HTML so every format shows the same numbers the same way.

use crate::cover::{bounded_minutes, mean_with_ci, restored};
use crate::wire::StrategySummary;
use gameday_sim::score::summary::Stat;

/// Column headers, in order.
pub const HEADERS: [&str; 12] = [
    "strategy",
    "restored",
    "MTTR min (95% CI)",
    "p50",
    "p90",
    "mitigate p50",
    "resolve p50",
    "regressions",
    "blast radius",
    "hotfixes",
    "failed deploys",
    "revenue lost",
];

/// What the columns mean, in one paragraph.
pub const LEGEND: &str = "restored: replays back within their SLOs before the horizon, of the counted replays with an impact (the MTTR's denominator). \
MTTR: impact start until every service is back within its SLO for the stability window \
(minutes; mean with bootstrap 95% CI); a replay not restored counts at the horizon. regressions: share of runs in which the response broke something. \
blast radius: mean requests failed by those regressions. mitigate, resolve: over the replays that got there; resolve: until the root cause is fixed and every change has landed. \
failed deploys: change failure rate, deployments that needed a rollback, abort or another hotfix.";

fn minutes(s: Option<&Stat>, f: impl Fn(&Stat) -> f64) -> String {
    s.map(|s| format!("{:.1}", f(s) / 60.0))
        .unwrap_or_else(|| "-".into())
}

/// One strategy's cells, formatted; a strategy that could not act gets its
/// reason in the second cell and empty cells after it.
pub fn cells(s: &StrategySummary) -> Vec<String> {
    if !s.summary.applicable {
        let why = s
            .summary
            .not_applicable_reason
            .clone()
            .unwrap_or_else(|| "not applicable".into());
        let mut r = vec![s.summary.name.clone(), format!("n/a: {why}")];
        r.resize(HEADERS.len(), String::new());
        return r;
    }
    let mttr = s.summary.mttr_seconds.as_ref();
    vec![
        s.summary.name.clone(),
        restored(s),
        mttr.map(mean_with_ci).unwrap_or_else(|| "-".into()),
        mttr.map(|m| bounded_minutes(m.p50()))
            .unwrap_or_else(|| "-".into()),
        mttr.map(|m| bounded_minutes(m.p90()))
            .unwrap_or_else(|| "-".into()),
        minutes(s.summary.time_to_mitigate_seconds.as_ref(), |m| m.p50),
        minutes(s.summary.time_to_resolve_seconds.as_ref(), |m| m.p50),
        format!("{:.1}%", s.summary.regression_rate * 100.0),
        s.summary
            .regression_blast_radius
            .map(|b| format!("{:.0}", b.mean))
            .unwrap_or_else(|| "-".into()),
        format!("{:.2}", s.summary.hotfixes_mean),
        s.summary
            .change_failure_rate
            .map(|c| format!("{:.0}%", c * 100.0))
            .unwrap_or_else(|| "-".into()),
        s.summary
            .revenue_lost
            .map(|r| format!("${:.0}", r.mean))
            .unwrap_or_else(|| "-".into()),
    ]
}
