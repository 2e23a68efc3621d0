//! Markdown for pull requests, wikis and postmortems: GitHub-flavoured
//! tables of a comparison (what each number covers, the paired answers,
//! the worst and failed seeds) or of one replay, then the scenario and
//! its assumptions.

use std::fmt::Write as _;

use gameday_sim::score::censor::Bounded;

use crate::columns::{cells, HEADERS, LEGEND};
use crate::cover::{self, COUNT_HEADERS, COUNT_LEGEND, FAILED_HEADERS, WORST_HEADERS};
use crate::format::{capitalised, percent, ratio, seconds, Clock};
use crate::rows::{scenario_tables, score_rows};
use crate::wire::{CompareReport, RunReport, ScenarioSummary};

/// Escapes text for a table cell: pipes would end the cell, newlines the row.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

fn table(out: &mut String, headers: &[&str], right_from: usize, rows: &[Vec<String>]) {
    let _ = writeln!(
        out,
        "| {} |",
        headers
            .iter()
            .map(|h| cell(h))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let rule: Vec<&str> = (0..headers.len())
        .map(|i| if i >= right_from { "---:" } else { "---" })
        .collect();
    let _ = writeln!(out, "| {} |", rule.join(" | "));
    for r in rows {
        let _ = writeln!(
            out,
            "| {} |",
            r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
        );
    }
    out.push('\n');
}

/// A comparison as Markdown.
pub fn compare_markdown(r: &CompareReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {}: {} for every strategy\n",
        r.scenario,
        cover::seeds(r)
    );
    let _ = writeln!(
        out,
        "{}. {}.\n",
        capitalised(&cover::coverage(r)),
        capitalised(&r.origin.describe())
    );
    if !r.scenario_summary.description.is_empty() {
        let _ = writeln!(out, "{}\n", r.scenario_summary.description);
    }
    let rows: Vec<Vec<String>> = r.strategies.iter().map(cells).collect();
    table(&mut out, &HEADERS, 1, &rows);
    let _ = writeln!(out, "{LEGEND}\n\n{}\n", cover::LOWER_BOUND_LEGEND);

    let _ = writeln!(out, "## Replays and relapses\n");
    let rows: Vec<Vec<String>> = r.strategies.iter().map(cover::count_cells).collect();
    table(&mut out, &COUNT_HEADERS, 1, &rows);
    let _ = writeln!(out, "{COUNT_LEGEND}\n");

    if let Some(heading) = cover::baseline_heading(r) {
        let _ = writeln!(out, "## Against the baseline\n\n{heading}\n");
        for s in &r.strategies {
            if let Some(v) = &s.versus_baseline {
                let _ = writeln!(out, "- {}", v.answer);
            }
        }
        out.push('\n');
    }

    let _ = writeln!(out, "## Worst seeds\n");
    let _ = writeln!(
        out,
        "The replays with the highest MTTR, each with the command that replays it.\n"
    );
    let rows: Vec<Vec<String>> = cover::worst_rows(r)
        .into_iter()
        .map(|mut row| {
            row[4] = format!("`{}`", row[4]);
            row
        })
        .collect();
    table(&mut out, &WORST_HEADERS, WORST_HEADERS.len(), &rows);

    let _ = writeln!(out, "## Failed replays\n");
    let (failed, more) = cover::failed_rows(r);
    if failed.is_empty() {
        let _ = writeln!(out, "None.\n");
    } else {
        let _ = writeln!(
            out,
            "Left out of every measure: the control plane refused a request mid-replay, a bug in the runner or the model.\n"
        );
        let rows: Vec<Vec<String>> = failed
            .into_iter()
            .map(|mut row| {
                row[3] = format!("`{}`", row[3]);
                row
            })
            .collect();
        table(&mut out, &FAILED_HEADERS, FAILED_HEADERS.len(), &rows);
        for line in more {
            let _ = writeln!(out, "{line}\n");
        }
    }

    let applicable: Vec<_> = r
        .strategies
        .iter()
        .filter(|s| s.summary.applicable)
        .collect();
    let _ = writeln!(out, "## MTTR distribution\n");
    let _ = writeln!(
        out,
        "Minutes; a replay not restored counts as restored at the horizon, so a quantile that reaches one is a lower bound (≥).\n"
    );
    let rows: Vec<Vec<String>> = applicable
        .iter()
        .map(|s| {
            let mut row = vec![s.summary.name.clone()];
            for q in [0.0, 0.25, 0.5, 0.75, 0.9, 1.0] {
                row.push(
                    s.mttr_quantiles
                        .iter()
                        .find(|p| (p.q - q).abs() < 1e-9)
                        .map(|p| {
                            cover::bounded_minutes(Bounded {
                                value: p.seconds,
                                lower_bound: p.lower_bound,
                            })
                        })
                        .unwrap_or_else(|| "-".into()),
                );
            }
            row
        })
        .collect();
    table(
        &mut out,
        &["strategy", "min", "p25", "p50", "p75", "p90", "max"],
        1,
        &rows,
    );

    let _ = writeln!(out, "## Regression rate\n");
    let _ = writeln!(
        out,
        "Share of replays in which the response broke something, with a bootstrap 95% confidence interval.\n"
    );
    let rows: Vec<Vec<String>> = applicable
        .iter()
        .map(|s| {
            vec![
                s.summary.name.clone(),
                percent(s.summary.regression_rate),
                format!(
                    "{}-{}",
                    percent(s.summary.regression_rate_ci95[0]),
                    percent(s.summary.regression_rate_ci95[1])
                ),
            ]
        })
        .collect();
    table(
        &mut out,
        &["strategy", "regression rate", "95% CI"],
        1,
        &rows,
    );

    let _ = writeln!(out, "## Failed requests by cause\n");
    let _ = writeln!(out, "Mean per replay.\n");
    let rows: Vec<Vec<String>> = applicable
        .iter()
        .filter_map(|s| {
            let f = s.summary.failed_requests_by_cause?;
            Some(vec![
                s.summary.name.clone(),
                format!("{:.0}", f.original_fault),
                format!("{:.0}", f.regression),
                format!("{:.0}", f.dependency),
                format!("{:.0}", f.baseline),
                format!("{:.0}", f.incident()),
            ])
        })
        .collect();
    table(
        &mut out,
        &[
            "strategy",
            "original fault",
            "regressions",
            "dependencies",
            "baseline",
            "caused by the incident",
        ],
        1,
        &rows,
    );
    scenario_markdown(&mut out, &r.scenario_summary);
    out
}

/// One replay as Markdown.
pub fn run_markdown(r: &RunReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} · strategy {} · seed {}\n",
        r.scenario, r.strategy, r.seed
    );
    let _ = writeln!(
        out,
        "Replay it with `{}`; {}.\n",
        r.command,
        r.origin.describe()
    );
    if !r.scenario_summary.description.is_empty() {
        let _ = writeln!(out, "{}\n", r.scenario_summary.description);
    }
    let s = &r.score;
    let _ = writeln!(out, "## Score\n");
    let rows = score_rows(r);
    table(&mut out, &["measure", "value"], 2, &rows);

    if s.applicable {
        let _ = writeln!(out, "## Failed requests by cause\n");
        let f = &s.failed_requests;
        let rows = vec![
            vec!["original fault".into(), f.original_fault.to_string()],
            vec!["regressions".into(), f.regression.to_string()],
            vec!["dependencies".into(), f.dependency.to_string()],
            vec!["baseline".into(), f.baseline.to_string()],
        ];
        table(&mut out, &["cause", "failed requests"], 1, &rows);

        let _ = writeln!(out, "## Regressions\n");
        if s.regressions.is_empty() {
            let _ = writeln!(out, "None.\n");
        } else {
            let rows: Vec<Vec<String>> = s
                .regressions
                .iter()
                .map(|g| {
                    vec![
                        format!("#{}", g.pr),
                        g.service.clone(),
                        g.host.clone(),
                        g.failed_requests.to_string(),
                    ]
                })
                .collect();
            table(
                &mut out,
                &["PR", "broke", "bug lives in", "failed requests"],
                3,
                &rows,
            );
        }

        let _ = writeln!(out, "## Error budget consumed\n");
        let rows: Vec<Vec<String>> = s
            .error_budget
            .iter()
            .map(|b| vec![b.service.clone(), percent(b.consumed)])
            .collect();
        table(&mut out, &["service", "of one SLO window"], 1, &rows);
    }

    if s.applicable {
        runbook_markdown(&mut out, r);
    }

    let _ = writeln!(out, "## Timeline\n");
    let rows: Vec<Vec<String>> = r
        .timeline
        .iter()
        .map(|e| vec![e.clock.clone(), e.actor.to_string(), e.text.clone()])
        .collect();
    table(&mut out, &["clock", "who", "what happened"], 3, &rows);
    scenario_markdown(&mut out, &r.scenario_summary);
    out
}

/// The runbook check: a row per rule that applies.
fn runbook_markdown(out: &mut String, r: &RunReport) {
    let _ = writeln!(out, "## Runbook check\n");
    let mut rows = crate::rows::runbook_rows(r, |_| None);
    for row in &mut rows {
        if row[1] == "fail" {
            row[1] = "**fail**".into();
        }
    }
    table(out, &crate::rows::RUNBOOK_HEADERS, 4, &rows);
}

fn scenario_markdown(out: &mut String, sc: &ScenarioSummary) {
    let _ = writeln!(out, "## Scenario `{}`\n", sc.name.replace('`', "'"));
    let _ = writeln!(
        out,
        "Starts {}; horizon {}, scrape interval {}, stability window {}. \
         Alert `{}`: error ratio over {} above {} for {}.\n",
        Clock::new(&sc.start).label(0),
        seconds(sc.horizon_seconds),
        seconds(sc.scrape_interval_seconds),
        seconds(sc.stability_window_seconds),
        sc.alert.name.replace('`', "'"),
        seconds(sc.alert.window_seconds),
        ratio(sc.alert.threshold),
        seconds(sc.alert.for_seconds),
    );
    for t in scenario_tables(sc) {
        let _ = writeln!(out, "### {}\n", t.title);
        table(out, t.headers, t.right_from, &t.rows);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_escape_pipes_and_newlines_in_cells() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
