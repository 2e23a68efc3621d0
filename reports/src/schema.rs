//! The JSON Schemas of the report documents, generated from the wire types
//! so they cannot drift from what `--format json` writes. Published by
//! `gameday schema --report compare|run` and committed as
//! `reports/compare.schema.json` and `reports/run.schema.json`.

use crate::wire::{CompareReport, RunReport};

/// The JSON Schema of `gameday compare --format json` (draft 2020-12).
pub fn compare_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(CompareReport);
    schema.insert("title".into(), "gameday compare report".into());
    schema.into()
}

/// The JSON Schema of `gameday run --format json` (draft 2020-12).
pub fn run_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(RunReport);
    schema.insert("title".into(), "gameday run report".into());
    schema.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_fresh(committed: &str, generated: serde_json::Value, file: &str, kind: &str) {
        let committed: serde_json::Value = serde_json::from_str(committed).unwrap();
        assert!(
            committed == generated,
            "{file} is stale; regenerate it with \
             `cargo run -- schema --report {kind} > {file}`"
        );
    }

    #[test]
    fn committed_schemas_are_up_to_date() {
        assert_fresh(
            include_str!("../compare.schema.json"),
            compare_schema(),
            "reports/compare.schema.json",
            "compare",
        );
        assert_fresh(
            include_str!("../run.schema.json"),
            run_schema(),
            "reports/run.schema.json",
            "run",
        );
    }

    #[test]
    fn schemas_name_the_version_field() {
        for schema in [compare_schema(), run_schema()] {
            let required = schema["required"].as_array().unwrap();
            assert!(required.iter().any(|r| r == "schema_version"), "{schema}");
        }
    }
}
