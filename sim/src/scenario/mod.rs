//! Scenario files: YAML in, a validated [`Scenario`] out.
//!
//! Parsing happens in passes, so that every problem is reported with the
//! file, line, column and the path of the field:
//! 1. [`raw`] deserializes YAML into plain structs that only check types and
//!    reject unknown fields, and [`structure`] finds every such error, not
//!    just serde's first;
//! 2. [`validate`] resolves names to ids, parses durations and
//!    distributions, checks ranges and the dependency graph, and collects
//!    every error it finds rather than stopping at the first;
//! 3. [`coherence`] checks the validated model as a whole: no impact before
//!    the first fault, a fix that can cure every fault.
//!
//! The engine never sees YAML: it takes a `&Scenario`.

mod coherence;
mod embedded;
mod error;
pub mod limits;
mod locate;
pub mod model;
mod raw;
pub mod schema;
mod structure;
mod validate;

#[cfg(test)]
mod tests;

pub use embedded::{embedded, Embedded, EMBEDDED, STARTER_NAME, STARTER_YAML};
pub use error::{ScenarioError, ScenarioErrors};
pub use model::*;

/// The embedded Friday cascade (`scenarios/friday-cascade.yaml`), used when
/// no scenario file is given.
pub const FRIDAY_CASCADE_YAML: &str = include_str!("../../../scenarios/friday-cascade.yaml");

/// File name reported for the embedded scenario.
pub const FRIDAY_CASCADE_NAME: &str = "<embedded friday-cascade.yaml>";

/// Parses and validates scenario text. `source` names the file in errors.
pub fn parse(source: &str, text: &str) -> Result<Scenario, ScenarioErrors> {
    if let Err(e) = limits::text(text) {
        return Err(ScenarioErrors::single(ScenarioError {
            file: source.to_string(),
            line: e.line,
            column: e.column,
            path: String::new(),
            message: e.message,
            hint: Some(e.hint),
        }));
    }
    let raw = raw::from_yaml(source, text)?;
    validate::validate(source, text, raw)
}

/// Reads, parses and validates a scenario file.
pub fn load(path: &std::path::Path) -> Result<Scenario, ScenarioErrors> {
    let source = path.display().to_string();
    limits::file_size(&source, path)?;
    let bytes = std::fs::read(path)
        .map_err(|e| ScenarioErrors::single(ScenarioError::io(&source, e.to_string())))?;
    parse(&source, &decode(&source, bytes)?)
}

/// A scenario file's bytes as text: UTF-8 without NUL bytes (YAML allows
/// neither), or an error at the line and column of the first bad byte.
pub fn decode(source: &str, bytes: Vec<u8>) -> Result<String, ScenarioErrors> {
    if let Some(i) = bytes.iter().position(|&b| b == 0) {
        return Err(bad_byte(
            source,
            &bytes,
            i,
            "a NUL byte, which YAML does not allow".into(),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let i = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let message = format!(
            "byte 0x{:02x} is not UTF-8 text",
            bytes.get(i).copied().unwrap_or(0)
        );
        bad_byte(source, bytes, i, message)
    })
}

/// The error for the byte at `offset` of `bytes`, at its line and column.
fn bad_byte(source: &str, bytes: &[u8], offset: usize, message: String) -> ScenarioErrors {
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    ScenarioErrors::single(ScenarioError {
        file: source.to_string(),
        line: Some(line),
        column: Some(column),
        path: String::new(),
        message,
        hint: Some("save the scenario as UTF-8 text".into()),
    })
}

/// The embedded Friday cascade, validated.
pub fn friday_cascade() -> Scenario {
    parse(FRIDAY_CASCADE_NAME, FRIDAY_CASCADE_YAML)
        .unwrap_or_else(|e| panic!("the embedded scenario is invalid (a build bug):\n{e}"))
}
