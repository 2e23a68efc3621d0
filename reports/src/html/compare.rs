//! The comparison as a page: the table, what each number covers, the
//! paired answers against the baseline, the worst and the failed seeds,
//! the MTTR distribution, the regression rate with its interval, failed
//! requests by cause, and the scenario with its assumptions.

use std::fmt::Write as _;

use super::{escape, figure, page, scenario_section, table};
use crate::chart::{self, causes, cdf, interval};
use crate::columns::{cells, HEADERS, LEGEND};
use crate::cover::{self, COUNT_HEADERS, COUNT_LEGEND, FAILED_HEADERS, WORST_HEADERS};
use crate::format::percent;
use crate::wire::CompareReport;
use crate::ReportError;

/// Renders a comparison as one self-contained HTML page.
pub fn compare_html(r: &CompareReport) -> Result<String, ReportError> {
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<h1>{}: which response restores service fastest?</h1>",
        escape(&r.scenario)
    );
    let _ = writeln!(
        body,
        "<p class=\"lead\">{} for every strategy; every strategy faces the same worlds. {}.</p>",
        escape(&cover::seeds(r)),
        escape(&cover::coverage(r))
    );
    let _ = writeln!(
        body,
        "<p class=\"note\">{}.</p>",
        escape(&r.origin.describe())
    );
    if !r.scenario_summary.description.is_empty() {
        let _ = writeln!(body, "<p>{}</p>", escape(&r.scenario_summary.description));
    }

    body.push_str("<h2>Comparison</h2>\n");
    let rows: Vec<Vec<String>> = r.strategies.iter().map(cells).collect();
    body.push_str(&table(&HEADERS, &rows, 1));
    let _ = writeln!(body, "<p class=\"note\">{}</p>", escape(LEGEND));
    let _ = writeln!(
        body,
        "<p class=\"note\">{}</p>",
        escape(cover::LOWER_BOUND_LEGEND)
    );

    body.push_str("<h2>Replays and relapses</h2>\n");
    let rows: Vec<Vec<String>> = r.strategies.iter().map(cover::count_cells).collect();
    body.push_str(&table(&COUNT_HEADERS, &rows, 1));
    let _ = writeln!(body, "<p class=\"note\">{}</p>", escape(COUNT_LEGEND));

    if let Some(heading) = cover::baseline_heading(r) {
        body.push_str("<h2>Against the baseline</h2>\n");
        let _ = writeln!(body, "<p class=\"note\">{}</p>\n<ul>", escape(&heading));
        for s in &r.strategies {
            if let Some(v) = &s.versus_baseline {
                let _ = writeln!(body, "<li>{}</li>", escape(&v.answer));
            }
        }
        body.push_str("</ul>\n");
    }

    body.push_str("<h2>Worst seeds</h2>\n");
    body.push_str(
        "<p class=\"note\">The replays with the highest MTTR, each with the command that replays it.</p>\n",
    );
    body.push_str(&table(
        &WORST_HEADERS,
        &cover::worst_rows(r),
        WORST_HEADERS.len(),
    ));

    body.push_str("<h2>Failed replays</h2>\n");
    let (failed, more) = cover::failed_rows(r);
    if failed.is_empty() {
        body.push_str("<p>None.</p>\n");
    } else {
        body.push_str(
            "<p class=\"note\">Left out of every measure: the control plane refused a request mid-replay, a bug in the runner or the model.</p>\n",
        );
        body.push_str(&table(&FAILED_HEADERS, &failed, FAILED_HEADERS.len()));
        for line in more {
            let _ = writeln!(body, "<p>{}</p>", escape(&line));
        }
    }

    // Each strategy keeps its position's look in every chart.
    let applicable: Vec<(usize, &crate::wire::StrategySummary)> = r
        .strategies
        .iter()
        .enumerate()
        .filter(|(_, s)| s.summary.applicable)
        .collect();
    let not_applicable: Vec<&str> = r
        .strategies
        .iter()
        .filter(|s| !s.summary.applicable)
        .map(|s| s.summary.name.as_str())
        .collect();
    let skipped = if not_applicable.is_empty() {
        String::new()
    } else {
        format!(
            " Not applicable, so not drawn: {}.",
            not_applicable.join(", ")
        )
    };
    let legend: Vec<(String, String)> = applicable
        .iter()
        .map(|(i, s)| {
            (
                chart::legend_swatch(chart::look(*i), 34),
                s.summary.name.clone(),
            )
        })
        .collect();

    body.push_str("<h2>MTTR distribution</h2>\n");
    let curves: Vec<cdf::Curve<'_>> = applicable
        .iter()
        .map(|(i, s)| cdf::Curve {
            name: &s.summary.name,
            look: *i,
            quantiles: &s.mttr_quantiles,
        })
        .collect();
    let horizon = r.scenario_summary.horizon_seconds / 60.0;
    let svg = cdf::mttr_cdf(&curves, horizon)?;
    let medians: Vec<String> = applicable
        .iter()
        .filter_map(|(_, s)| {
            s.summary
                .mttr_seconds
                .map(|m| format!("{} {} min", s.summary.name, cover::bounded_minutes(m.p50())))
        })
        .collect();
    body.push_str(&figure(
        &svg,
        &legend,
        &format!(
            "Share of replays restored within a number of minutes (further left and higher is better; markers at the quartiles). \
             A replay not restored within the horizon counts as restored at it. Medians: {}.{skipped}",
            medians.join(", ")
        ),
    ));

    body.push_str("<h2>Regression rate</h2>\n");
    let rows: Vec<interval::Row<'_>> = applicable
        .iter()
        .map(|(i, s)| interval::Row {
            name: &s.summary.name,
            look: *i,
            rate: s.summary.regression_rate,
            ci95: s.summary.regression_rate_ci95,
        })
        .collect();
    let svg = interval::regression_rate(&rows)?;
    let rates: Vec<String> = applicable
        .iter()
        .map(|(_, s)| {
            format!(
                "{} {} ({}-{})",
                s.summary.name,
                percent(s.summary.regression_rate),
                percent(s.summary.regression_rate_ci95[0]),
                percent(s.summary.regression_rate_ci95[1])
            )
        })
        .collect();
    body.push_str(&figure(
        &svg,
        &legend,
        &format!(
            "Share of replays in which the response itself broke a service, with a bootstrap 95% confidence interval: {}.",
            rates.join("; ")
        ),
    ));

    body.push_str("<h2>Failed requests by cause</h2>\n");
    let bars: Vec<causes::Bar> = applicable
        .iter()
        .filter_map(|(_, s)| {
            let f = s.summary.failed_requests_by_cause?;
            Some(causes::Bar {
                label: s.summary.name.clone(),
                by_cause: [f.original_fault, f.regression, f.dependency, f.baseline],
            })
        })
        .collect();
    let svg = causes::failed_by_cause(&bars, "failed requests per replay (mean)")?;
    let cause_legend: Vec<(String, String)> = causes::CAUSES
        .iter()
        .map(|(name, color)| (chart::legend_box(*color), name.to_string()))
        .collect();
    body.push_str(&figure(
        &svg,
        &cause_legend,
        "Mean failed requests per replay, by root cause: the injected fault on its own service, \
         bugs the responders' changes brought in, failures seen through a dependency, and the baseline a service has on a good day.",
    ));
    let rows: Vec<Vec<String>> = bars
        .iter()
        .map(|b| {
            let mut row = vec![b.label.clone()];
            row.extend(b.by_cause.iter().map(|v| format!("{v:.0}")));
            row.push(format!("{:.0}", b.by_cause.iter().sum::<f64>()));
            row
        })
        .collect();
    body.push_str(&table(
        &[
            "strategy",
            "original fault",
            "regressions",
            "dependencies",
            "baseline",
            "total",
        ],
        &rows,
        1,
    ));

    body.push_str(&scenario_section(&r.scenario_summary));
    Ok(page(&format!("gameday compare: {}", r.scenario), &body))
}
