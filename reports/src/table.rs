//! The `compare` table for terminals (tabled).

use tabled::settings::{object::Columns, Alignment, Style};
use tabled::{builder::Builder, Table};

use crate::columns::{cells, HEADERS, LEGEND};
use crate::wire::CompareReport;

/// Renders a comparison as an aligned table with a short legend.
pub fn compare_table(report: &CompareReport) -> String {
    let mut b = Builder::default();
    b.push_record(HEADERS);
    for s in &report.strategies {
        b.push_record(cells(s));
    }
    let mut t: Table = b.build();
    t.with(Style::sharp());
    t.modify(Columns::new(1..), Alignment::right());
    format!(
        "{} · {} runs per strategy from seed {}\n{t}\n{LEGEND}\n",
        report.scenario, report.runs, report.base_seed
    )
}
