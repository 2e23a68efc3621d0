//! The tables Markdown and HTML both show, as rows of text, so the two
//! formats cannot drift apart: a replay's score and the scenario's
//! services, libraries, dependencies, flags and faults.

use crate::format::{duration_ms, money, ratio, seconds, slo, Clock};
use crate::wire::{RunReport, ScenarioSummary};

/// A titled table: headers, the first right-aligned column, the rows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    pub title: &'static str,
    pub headers: &'static [&'static str],
    pub right_from: usize,
    pub rows: Vec<Vec<String>>,
}

/// A replay's score as (measure, value) rows; only the outcome when the
/// strategy could not act.
pub(crate) fn score_rows(r: &RunReport) -> Vec<Vec<String>> {
    let s = &r.score;
    let clock = Clock::new(&r.scenario_summary.start);
    let horizon = seconds(r.scenario_summary.horizon_seconds);
    let outcome = s.outcome.describe(&horizon);
    let mut rows = vec![vec!["outcome".to_string(), outcome]];
    if !s.applicable {
        return rows;
    }
    let f = &s.failed_requests;
    rows.extend([
        vec![
            "impact started".into(),
            s.impact_start
                .map(|t| clock.label(t))
                .unwrap_or_else(|| "-".into()),
        ],
        vec!["time to detect".into(), duration_ms(s.time_to_detect)],
        vec![
            "time to acknowledge".into(),
            duration_ms(s.time_to_acknowledge),
        ],
        vec!["time to mitigate".into(), duration_ms(s.time_to_mitigate)],
        vec![
            "MTTR".into(),
            match s.mttr {
                Some(_) => duration_ms(s.mttr),
                None => format!("not restored within {horizon}"),
            },
        ],
        vec![
            "time to full resolution".into(),
            duration_ms(s.time_to_resolve),
        ],
        vec!["hotfixes shipped".into(), s.hotfixes.to_string()],
        vec!["rollbacks".into(), s.rollbacks.to_string()],
        vec!["flag flips".into(), s.flag_flips.to_string()],
        vec![
            "failed deployments".into(),
            format!("{} of {}", s.failed_deployments, s.hotfixes),
        ],
        vec![
            "failed requests".into(),
            format!("{} of {}", f.total(), s.requests),
        ],
        vec!["revenue lost".into(), money(s.revenue_lost)],
    ]);
    rows
}

/// The scenario's tables: services always, the others when not empty.
pub(crate) fn scenario_tables(sc: &ScenarioSummary) -> Vec<Table> {
    let mut tables = vec![Table {
        title: "Services",
        headers: &[
            "service",
            "version",
            "requests/s",
            "SLO",
            "baseline errors",
            "value/request",
        ],
        right_from: 2,
        rows: sc
            .services
            .iter()
            .map(|s| {
                vec![
                    s.name.clone(),
                    s.version.clone(),
                    format!("{}", s.rps),
                    slo(s.slo),
                    ratio(s.baseline_error_ratio),
                    format!("${}", s.value_per_request),
                ]
            })
            .collect(),
    }];
    tables.push(Table {
        title: "Shared libraries",
        headers: &["shared library", "linked by"],
        right_from: 2,
        rows: sc
            .libraries
            .iter()
            .map(|l| vec![l.name.clone(), l.used_by.join(", ")])
            .collect(),
    });
    tables.push(Table {
        title: "Dependencies",
        headers: &["caller", "calls", "coupling"],
        right_from: 2,
        rows: sc
            .dependencies
            .iter()
            .map(|d| vec![d.caller.clone(), d.callee.clone(), ratio(d.coupling)])
            .collect(),
    });
    tables.push(Table {
        title: "Feature flags",
        headers: &["flag", "guards", "state", "rollout"],
        right_from: 3,
        rows: sc
            .flags
            .iter()
            .map(|f| {
                vec![
                    f.name.clone(),
                    format!("{} ({})", f.service, f.path),
                    if f.enabled { "on" } else { "off" }.to_string(),
                    ratio(f.rollout),
                ]
            })
            .collect(),
    });
    tables.push(Table {
        title: "Faults",
        headers: &["fault", "where", "onset", "effect", "origin"],
        right_from: 5,
        rows: sc
            .faults
            .iter()
            .map(|f| {
                vec![
                    f.name.clone(),
                    match &f.path {
                        Some(p) => format!("{} ({p})", f.service),
                        None => f.service.clone(),
                    },
                    seconds(f.onset_seconds),
                    f.effect.clone(),
                    f.origin.replace('_', " "),
                ]
            })
            .collect(),
    });
    tables.retain(|t| t.title == "Services" || !t.rows.is_empty());
    tables
}
