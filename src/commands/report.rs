//! Renders results in the format asked for, writes them where asked, then
//! holds them to the budgets given: misses go to stderr and make the exit
//! code 3, whatever the format.

use std::time::Duration;

use gameday_reports::budget::{judge_compare, judge_run, Budgets, Verdict};
use gameday_reports::wire::{CompareReport, Origin, RunReport};
use gameday_reports::{html, json, junit, markdown, table, ReportError};
use gameday_sim::engine::Replay;
use gameday_sim::scenario::Scenario;

use crate::cli::{CompareFormat, ReportArgs, RunFormat};
use crate::output::emit;
use crate::Failure;

fn failed(e: ReportError) -> Failure {
    Failure::runtime(format!("error: {e}"))
}

/// The budgets in force: each flag given on the command line, else the
/// scenario's `budgets:` entry for it.
fn budgets(args: &ReportArgs, sc: &Scenario) -> Budgets {
    let cli = args.budgets();
    let file = &sc.budgets;
    let duration = |d: gameday_sim::time::SimDuration| Duration::from_millis(d.as_millis());
    Budgets {
        max_mttr_p90: cli.max_mttr_p90.or(file.max_mttr_p90.map(duration)),
        max_mttr_mean: cli.max_mttr_mean.or(file.max_mttr_mean.map(duration)),
        max_regression_rate: cli
            .max_regression_rate
            .or(file.max_regression_rate.map(|r| r.get())),
        max_failed_requests: cli.max_failed_requests.or(file.max_failed_requests),
        max_revenue_lost: cli.max_revenue_lost.or(file.max_revenue_lost),
    }
}

/// Writes a comparison and enforces the budgets.
pub fn emit_compare(
    sc: &Scenario,
    report: &CompareReport,
    format: CompareFormat,
    args: &ReportArgs,
) -> Result<(), Failure> {
    emit_compare_with(sc, report, format, args, Extras::default())
}

/// What a drill's score adds to a comparison.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras<'a> {
    /// After the table and Markdown reports: text, or Markdown for the
    /// Markdown format.
    pub appendix: Option<&'a str>,
    /// The page the HTML format shows instead of the comparison's.
    pub html: Option<&'a str>,
}

/// [`emit_compare`] with what a drill's score adds.
pub fn emit_compare_with(
    sc: &Scenario,
    report: &CompareReport,
    format: CompareFormat,
    args: &ReportArgs,
    extras: Extras<'_>,
) -> Result<(), Failure> {
    let budgets = budgets(args, sc);
    let verdicts = judge_compare(report, &budgets);
    let text = match format {
        CompareFormat::Table => table::compare_table(report),
        CompareFormat::Markdown => markdown::compare_markdown(report),
        CompareFormat::Json => json::to_json(report).map_err(|e| failed(e.into()))?,
        CompareFormat::Html => match extras.html {
            Some(page) => page.to_string(),
            None => html::compare::compare_html(report).map_err(failed)?,
        },
        CompareFormat::Junit => junit::junit_xml(
            &junit::Suite {
                name: format!("gameday compare {}", report.scenario),
                classname: format!("gameday.{}", report.scenario),
                properties: vec![
                    ("runs", report.runs.to_string()),
                    ("base_seed", report.base_seed.to_string()),
                    (
                        "baseline",
                        report
                            .baseline
                            .as_ref()
                            .map(|b| b.name.clone())
                            .unwrap_or_else(|| "-".into()),
                    ),
                    ("scenario_sha256", report.origin.scenario_sha256.clone()),
                    ("gameday_version", report.origin.gameday_version.clone()),
                ],
                budgets: &budgets,
            },
            &verdicts,
        ),
    };
    let text = match (format, extras.appendix) {
        (CompareFormat::Table | CompareFormat::Markdown, Some(more)) => format!("{text}\n{more}"),
        _ => text,
    };
    emit(&text, args.out.as_deref())?;
    warn_failed(&verdicts);
    enforce(&verdicts, &budgets, format == CompareFormat::Junit)
}

/// Writes a replay and enforces the budgets.
pub fn emit_run(
    sc: &Scenario,
    r: &Replay,
    origin: Origin,
    format: RunFormat,
    args: &ReportArgs,
) -> Result<(), Failure> {
    emit_run_report(sc, r, RunReport::build(sc, r, origin), format, args)
}

/// [`emit_run`] of a report built by the caller (a drill replayed from its
/// journal names its own command).
pub fn emit_run_report(
    sc: &Scenario,
    r: &Replay,
    report: RunReport,
    format: RunFormat,
    args: &ReportArgs,
) -> Result<(), Failure> {
    let budgets = budgets(args, sc);
    let verdict = judge_run(&report, &budgets);
    let text = match format {
        RunFormat::Text => super::run::render_text(sc, r, &report.origin, &report.command),
        RunFormat::Markdown => markdown::run_markdown(&report),
        RunFormat::Json => json::to_json(&report).map_err(|e| failed(e.into()))?,
        RunFormat::Html => html::run::run_html(&report).map_err(failed)?,
        RunFormat::Junit => junit::junit_xml(
            &junit::Suite {
                name: format!("gameday run {}", report.scenario),
                classname: format!("gameday.{}", report.scenario),
                properties: vec![
                    ("strategy", report.strategy.clone()),
                    ("seed", report.seed.to_string()),
                    ("scenario_sha256", report.origin.scenario_sha256.clone()),
                    ("gameday_version", report.origin.gameday_version.clone()),
                ],
                budgets: &budgets,
            },
            std::slice::from_ref(&verdict),
        ),
    };
    emit(&text, args.out.as_deref())?;
    warn_failed(std::slice::from_ref(&verdict));
    enforce(
        std::slice::from_ref(&verdict),
        &budgets,
        format == RunFormat::Junit,
    )
}

/// Says on stderr, whatever the format, that replays failed: the report
/// lists them, but a failed replay is a bug worth a look.
fn warn_failed(verdicts: &[Verdict]) {
    let failed: Vec<&String> = verdicts.iter().flat_map(|v| &v.failed_replays).collect();
    if let Some(first) = failed.first() {
        eprintln!(
            "warning: {} replay{} failed (a bug in the runner or the model) and {} left out of the measures; \
             the report lists each; first: {first}",
            failed.len(),
            if failed.len() == 1 { "" } else { "s" },
            if failed.len() == 1 { "is" } else { "are" },
        );
    }
}

/// Lists the missed budgets on stderr and fails with exit code 3 if any.
fn enforce(verdicts: &[Verdict], budgets: &Budgets, junit: bool) -> Result<(), Failure> {
    if budgets.is_empty() {
        if junit {
            eprintln!(
                "note: no budgets given, so every test case passes \
                 (hint: --max-mttr-p90 45m, --max-regression-rate 0.05, ..., \
                 or a `budgets:` section in the scenario)"
            );
        }
        return Ok(());
    }
    let misses: Vec<String> = verdicts
        .iter()
        .flat_map(|v| {
            v.misses()
                .map(move |c| format!("  {}: {}", v.name, c.message))
        })
        .collect();
    if misses.is_empty() {
        return Ok(());
    }
    let strategies = verdicts.iter().filter(|v| !v.passed()).count();
    Err(Failure::budget(format!(
        "budget missed by {strategies} of {} ({} miss{}):\n{}",
        verdicts.len(),
        misses.len(),
        if misses.len() == 1 { "" } else { "es" },
        misses.join("\n")
    )))
}
