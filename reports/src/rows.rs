//! The tables Markdown and HTML both show, as rows of text, so the two
//! formats cannot drift apart: a replay's score and the scenario's
//! services, libraries, dependencies, flags and faults, and the
//! assumptions: the team's timings and the risk of a change.

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

/// The columns of [`runbook_rows`].
pub(crate) const RUNBOOK_HEADERS: [&str; 4] = ["rule", "verdict", "why", "journal"];

/// The runbook check as rows: a row per rule that applies (verdict `pass`
/// or `fail`), with the event that decides it, then the time from the
/// page to the first move. `journal_line` numbers an event's line in a
/// drill's journal, where there is one.
pub(crate) fn runbook_rows(
    r: &RunReport,
    journal_line: impl Fn(&gameday_sim::score::runbook::Evidence) -> Option<usize>,
) -> Vec<Vec<String>> {
    use gameday_sim::score::runbook::Verdict;
    let clock = Clock::new(&r.scenario_summary.start);
    let mut rows: Vec<Vec<String>> = r
        .runbook
        .rules
        .iter()
        .filter(|rule| rule.verdict != Verdict::NotApplicable)
        .map(|rule| {
            let evidence = rule
                .evidence
                .as_ref()
                .map(|e| {
                    let at = format!("{} {}", clock.label(e.at_ms), e.text);
                    match journal_line(e) {
                        Some(n) => format!("line {n}: {at}"),
                        None => at,
                    }
                })
                .unwrap_or_default();
            let verdict = if rule.verdict == Verdict::Pass {
                "pass"
            } else {
                "fail"
            };
            vec![
                rule.rule.to_string(),
                verdict.to_string(),
                rule.reason.clone(),
                evidence,
            ]
        })
        .collect();
    if let Some(ms) = r.runbook.page_to_first_mitigation_ms {
        rows.push(vec![
            "page to first move".into(),
            String::new(),
            duration_ms(Some(ms)),
            String::new(),
        ]);
    }
    rows
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
        vec![
            "relapses after restore".into(),
            if s.mttr.is_none() {
                "-".into()
            } else {
                format!(
                    "{} ({} requests failed after restore)",
                    s.relapses, s.failed_after_restore
                )
            },
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
        headers: &[
            "fault",
            "where",
            "onset",
            "effect",
            "origin",
            "guarded by",
            "irreversible",
            "fix under pressure touches",
            "calm fix touches",
        ],
        right_from: 9,
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
                    f.onset_seconds
                        .map_or_else(|| "on injection".into(), seconds),
                    f.effect.clone(),
                    f.origin.replace('_', " "),
                    f.guarded_by.clone().unwrap_or_else(|| "-".into()),
                    if f.irreversible { "yes" } else { "no" }.to_string(),
                    f.fix_touches.join(", "),
                    f.calm_fix_touches.join(", "),
                ]
            })
            .collect(),
    });
    tables.push(Table {
        title: "Team timings",
        headers: &["step", "takes", "median", "p90"],
        right_from: 2,
        rows: sc
            .team_timings
            .iter()
            .map(|t| {
                vec![
                    crate::cover::step_label(&t.step),
                    t.distribution.clone(),
                    seconds(t.median_seconds),
                    seconds(t.p90_seconds),
                ]
            })
            .collect(),
    });
    let r = &sc.risk;
    tables.push(Table {
        title: "Change risk",
        headers: &["chance", "value"],
        right_from: 1,
        rows: [
            ("a fix cures what it targets", r.fix_cures),
            ("review catches a latent bug", r.review_catch),
            ("fast CI catches one", r.fast_ci_catch),
            ("full CI catches one", r.full_ci_catch),
            ("smoke test catches one", r.smoke_test_catch),
        ]
        .iter()
        .map(|(k, v)| vec![k.to_string(), ratio(*v)])
        .collect(),
    });
    tables.push(Table {
        title: "Latent bugs a change may carry",
        headers: &[
            "a change to",
            "may break",
            "bug lives in",
            "effect",
            "after",
            "chance",
        ],
        right_from: 5,
        rows: r
            .latent_bugs
            .iter()
            .map(|b| {
                vec![
                    b.component.clone(),
                    b.service.clone(),
                    b.host.clone(),
                    b.effect.clone(),
                    b.delay.clone(),
                    ratio(b.probability),
                ]
            })
            .collect(),
    });
    tables.retain(|t| t.title == "Services" || !t.rows.is_empty());
    tables
}
