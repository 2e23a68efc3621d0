//! The `compare` report for terminals (tabled): the comparison table, the
//! replays each number covers, the paired answers against the baseline,
//! the worst and the failed seeds with the commands that replay them, and
//! the assumptions behind it all.

use std::fmt::Write as _;

use tabled::settings::{object::Columns, Alignment, Style};
use tabled::{builder::Builder, Table};

use crate::columns::{cells, HEADERS, LEGEND};
use crate::cover::{self, COUNT_HEADERS, COUNT_LEGEND, FAILED_HEADERS, WORST_HEADERS};
use crate::format::capitalised;
use crate::wire::CompareReport;

/// An aligned table; columns from `right_from` on are right-aligned.
fn table<S: AsRef<str>>(headers: &[S], rows: &[Vec<String>], right_from: usize) -> Table {
    let mut b = Builder::default();
    b.push_record(headers.iter().map(|h| h.as_ref().to_string()));
    for r in rows {
        b.push_record(r.clone());
    }
    let mut t: Table = b.build();
    t.with(Style::sharp());
    t.modify(Columns::new(right_from..), Alignment::right());
    t
}

/// Renders a comparison for a terminal.
pub fn compare_table(report: &CompareReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} · {} for every strategy · {}",
        report.scenario,
        cover::seeds(report),
        cover::coverage(report)
    );
    let _ = writeln!(out, "{}", capitalised(&report.origin.describe()));
    let rows: Vec<Vec<String>> = report.strategies.iter().map(cells).collect();
    let _ = writeln!(out, "{}", table(&HEADERS, &rows, 1));
    let _ = writeln!(out, "{LEGEND}\n{}\n", cover::LOWER_BOUND_LEGEND);

    let _ = writeln!(out, "Replays and relapses");
    let rows: Vec<Vec<String>> = report.strategies.iter().map(cover::count_cells).collect();
    let _ = writeln!(out, "{}", table(&COUNT_HEADERS, &rows, 1));
    let _ = writeln!(out, "{COUNT_LEGEND}\n");

    if let Some(heading) = cover::baseline_heading(report) {
        let _ = writeln!(out, "Against the baseline\n{heading}");
        for s in &report.strategies {
            if let Some(v) = &s.versus_baseline {
                let _ = writeln!(out, "  - {}", v.answer);
            }
        }
        out.push('\n');
    }

    let _ = writeln!(
        out,
        "Worst seeds (highest MTTR), each with the command that replays it"
    );
    let _ = writeln!(
        out,
        "{}\n",
        table(
            &WORST_HEADERS,
            &cover::worst_rows(report),
            WORST_HEADERS.len()
        )
    );

    let (failed, more) = cover::failed_rows(report);
    if failed.is_empty() {
        let _ = writeln!(out, "Failed replays: none.\n");
    } else {
        let _ = writeln!(
            out,
            "Failed replays (left out of every measure; a bug in the runner or the model)"
        );
        let _ = writeln!(
            out,
            "{}",
            table(&FAILED_HEADERS, &failed, FAILED_HEADERS.len())
        );
        for line in more {
            let _ = writeln!(out, "{line}");
        }
        out.push('\n');
    }

    let _ = writeln!(out, "Assumptions");
    for line in cover::assumptions(&report.scenario_summary) {
        let _ = writeln!(out, "  {line}");
    }
    out
}
