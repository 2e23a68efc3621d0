//! Reports of gameday results, in every format people and programs read:
//! a terminal table, Markdown, versioned JSON with a published schema,
//! self-contained HTML with charts, and JUnit XML gates on budgets.
//!
//! Results come in as the simulator's types and are turned once into the
//! wire types of [`wire`]; every renderer reads those, so all formats show
//! the same numbers.
//!
//! ```
//! use gameday_reports::{markdown, wire::{Origin, RunReport}};
//! use gameday_sim::{engine, scenario, strategy::presets};
//!
//! let sc = scenario::friday_cascade();
//! let direct = presets::preset("direct", &sc).unwrap();
//! let replay = engine::replay(&sc, &direct, 4);
//! let report = RunReport::build(&sc, &replay, Origin::embedded("0.1.0"));
//! assert!(markdown::run_markdown(&report).contains("| MTTR |"));
//! ```
//!
//! Map of the crate:
//! - [`wire`]: the JSON documents (`schema_version`ed) and their builders;
//! - [`schema`]: their JSON Schemas;
//! - [`json`], [`table`], [`markdown`], [`html`], [`junit`]: the renderers;
//! - [`columns`], [`cover`]: the cells and sentences they share (what each
//!   number covers, lower bounds marked `≥`, paired answers, seeds);
//! - [`chart`]: the SVG charts the HTML embeds;
//! - [`budget`]: limits and the verdicts JUnit and the exit code report.

pub mod budget;
pub mod chart;
pub mod columns;
pub mod cover;
pub mod format;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
mod rows;
pub mod schema;
pub mod table;
pub mod wire;

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// plotters refused to draw; a bug in a chart, not in the input.
    #[error("cannot draw the {chart} chart: {message}")]
    Chart {
        chart: &'static str,
        message: String,
    },
    #[error("cannot encode the report as JSON: {0}")]
    Json(#[from] serde_json::Error),
}
