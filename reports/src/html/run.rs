//! One replay as a page: the score, the timeline chart with event markers,
//! the causes of failed requests, the regressions, the event log and the
//! scenario.

use std::fmt::Write as _;

use super::{escape, figure, page, scenario_section, table};
use crate::chart::{self, causes, timeline};
use crate::format::{percent, seconds};
use crate::rows::score_rows;
use crate::wire::{RunReport, ScenarioSummary};
use crate::ReportError;

/// Renders a replay as one self-contained HTML page.
pub fn run_html(r: &RunReport) -> Result<String, ReportError> {
    let sc = &r.scenario_summary;
    let s = &r.score;
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<h1>{} · strategy {} · seed {}</h1>",
        escape(&r.scenario),
        escape(&r.strategy),
        r.seed
    );
    if !sc.description.is_empty() {
        let _ = writeln!(body, "<p class=\"lead\">{}</p>", escape(&sc.description));
    }
    let _ = writeln!(
        body,
        "<p class=\"note\">Replay it with <code>{}</code>; {}.</p>",
        escape(&r.command),
        escape(&r.origin.describe())
    );
    body.push_str("<h2>Score</h2>\n");
    body.push_str(&score_facts(r));

    body.push_str("<h2>Timeline</h2>\n");
    let svg = timeline::timeline(r)?;
    body.push_str(&figure(&svg, &timeline_legend(sc), TIMELINE_CAPTION));

    if s.applicable {
        body.push_str("<h2>Failed requests by cause</h2>\n");
        let f = &s.failed_requests;
        let bars = [causes::Bar {
            label: "this replay".into(),
            by_cause: [
                f.original_fault as f64,
                f.regression as f64,
                f.dependency as f64,
                f.baseline as f64,
            ],
        }];
        let svg = causes::failed_by_cause(&bars, "failed requests")?;
        let cause_legend: Vec<(String, String)> = causes::CAUSES
            .iter()
            .map(|(name, color)| (chart::legend_box(*color), name.to_string()))
            .collect();
        body.push_str(&figure(
            &svg,
            &cause_legend,
            "Every failed request has one root cause: the injected fault on its own service, a bug a response change brought in, \
             a dependency's failure seen by its caller, or the baseline errors of a good day.",
        ));
        let rows = vec![
            vec!["original fault".into(), f.original_fault.to_string()],
            vec!["regressions".into(), f.regression.to_string()],
            vec!["dependencies".into(), f.dependency.to_string()],
            vec!["baseline".into(), f.baseline.to_string()],
            vec!["total".into(), f.total().to_string()],
        ];
        body.push_str(&table(&["cause", "failed requests"], &rows, 1));

        body.push_str("<h3>Regressions</h3>\n");
        if s.regressions.is_empty() {
            body.push_str("<p>None: the response broke nothing.</p>\n");
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
            body.push_str(&table(
                &["PR", "broke", "bug lives in", "failed requests"],
                &rows,
                3,
            ));
        }
        body.push_str("<h3>Error budget consumed</h3>\n");
        let rows: Vec<Vec<String>> = s
            .error_budget
            .iter()
            .map(|b| vec![b.service.clone(), percent(b.consumed)])
            .collect();
        body.push_str(&table(&["service", "of one SLO window"], &rows, 1));
    }

    body.push_str("<h2>Event log</h2>\n");
    body.push_str(&event_log(r));

    body.push_str(&scenario_section(sc));
    Ok(page(
        &format!(
            "gameday run: {} · {} · seed {}",
            r.scenario, r.strategy, r.seed
        ),
        &body,
    ))
}

fn line_swatch(color: plotters::style::RGBColor, width: u32, dash: Option<(u32, u32)>) -> String {
    let dash = dash
        .map(|(a, b)| format!(" stroke-dasharray=\"{a} {b}\""))
        .unwrap_or_default();
    format!(
        "<svg class=\"swatch\" width=\"34\" height=\"14\" viewBox=\"0 0 34 14\" xmlns=\"http://www.w3.org/2000/svg\" aria-hidden=\"true\">\
<line x1=\"0\" y1=\"7\" x2=\"34\" y2=\"7\" stroke=\"{}\" stroke-width=\"{width}\"{dash}/></svg>",
        chart::hex(color)
    )
}

/// What the timeline chart shows, under every timeline figure.
pub(crate) const TIMELINE_CAPTION: &str = "Each service's error ratio over the incident's clock, on a log scale from 0.01% (intervals without errors sit on the floor) to 100%. \
The alert fires when the ratio over the alert window stays above the threshold; the service counts as healthy while its true error ratio is within its SLO. \
Events of a service are marked on its own panel, those of the responders, the pipeline and the flag service on every panel.";

/// The timeline chart's legend: its lines, then every event mark.
pub(crate) fn timeline_legend(sc: &ScenarioSummary) -> Vec<(String, String)> {
    let mut legend: Vec<(String, String)> = vec![
        (
            line_swatch(timeline::RATIO_COLOR, 1, None),
            format!("errors per {} scrape", seconds(sc.scrape_interval_seconds)),
        ),
        (
            line_swatch(timeline::WINDOW_COLOR, 3, None),
            format!(
                "errors over the alert window ({})",
                seconds(sc.alert.window_seconds)
            ),
        ),
        (
            line_swatch(timeline::SLO_LOOK.0, 2, timeline::SLO_LOOK.1),
            "most errors the SLO allows".into(),
        ),
        (
            line_swatch(timeline::ALERT_LOOK.0, 2, timeline::ALERT_LOOK.1),
            "alert threshold".into(),
        ),
    ];
    for m in &timeline::EVENT_MARKS {
        legend.push((
            format!(
                "{}<span class=\"letter\" style=\"color:{}\">{}</span>",
                line_swatch(m.color, 2, m.dash),
                chart::hex(m.color),
                m.letter
            ),
            m.meaning.to_string(),
        ));
    }
    legend
}

/// A replay's score as a list of facts.
pub(crate) fn score_facts(r: &RunReport) -> String {
    let mut out = String::from("<dl class=\"facts score\">");
    for row in &score_rows(r) {
        let _ = write!(
            out,
            "<dt>{}</dt><dd>{}</dd>",
            escape(&row[0]),
            escape(&row[1])
        );
    }
    out.push_str("</dl>\n");
    out
}

/// A replay's events as a table, each with its timeline mark.
pub(crate) fn event_log(r: &RunReport) -> String {
    let rows: Vec<Vec<String>> = r
        .timeline
        .iter()
        .map(|e| {
            let letter = timeline::mark_of(&e.kind)
                .map(|m| m.letter.to_string())
                .unwrap_or_default();
            vec![e.clock.clone(), letter, e.actor.to_string(), e.text.clone()]
        })
        .collect();
    table(&["clock", "mark", "who", "what happened"], &rows, 4)
}
