//! The JSON Schema of scenario files, generated from the raw types so it
//! cannot drift from what the parser accepts. Published by `gameday schema`
//! and committed as `scenarios/scenario.schema.json`.

use super::raw::RawScenario;

/// The scenario JSON Schema (draft 2020-12).
pub fn json_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(RawScenario);
    schema.insert("title".into(), "gameday scenario".into());
    schema.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_schema_is_up_to_date() {
        let committed = include_str!("../../../scenarios/scenario.schema.json");
        let committed: serde_json::Value = serde_json::from_str(committed).unwrap();
        assert!(
            committed == json_schema(),
            "scenarios/scenario.schema.json is stale; regenerate it with \
             `cargo run -- schema > scenarios/scenario.schema.json`"
        );
    }
}
