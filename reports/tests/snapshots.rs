//! Snapshot tests of the reports people and programs read: Markdown and
//! JSON of a small comparison and of one replay, compared byte for byte
//! with the files under `tests/snapshots/`.
//!
//! When a change to a report is intended, rewrite the files with
//! `UPDATE_SNAPSHOTS=1 cargo test -p gameday-reports --test snapshots`
//! and review the diff. A change to the simulation changes them too (as it
//! changes the pinned digests in `sim/tests/digest.rs`).

use std::path::PathBuf;

use gameday_reports::wire::{CompareReport, Origin, RunReport, Sweep};
use gameday_reports::{json, markdown};
use gameday_sim::engine::{replay, sweep::sweep};
use gameday_sim::scenario::friday_cascade;
use gameday_sim::strategy::presets::preset;

fn check(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e} (hint: create it with UPDATE_SNAPSHOTS=1 cargo test -p gameday-reports --test snapshots)",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .map(|i| i + 1)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()) + 1);
        panic!(
            "{} differs from the rendered report, first at line {line}; if the change is intended, \
             rerun with UPDATE_SNAPSHOTS=1 and review the diff",
            path.display()
        );
    }
}

fn compare_report() -> CompareReport {
    let sc = friday_cascade();
    let names = [
        "direct",
        "reviewed",
        "flag-disable",
        "staged",
        "blue-green",
        "rollback",
    ];
    let policies: Vec<_> = names.iter().map(|n| preset(n, &sc).unwrap()).collect();
    let scores = sweep(&sc, &policies, 20, 1, 1).unwrap();
    let sweep = Sweep {
        scenario: &sc,
        names: &names,
        scores: &scores,
        runs: 20,
        base_seed: 1,
    };
    CompareReport::build(&sweep, origin(), None).unwrap()
}

/// A fixed version, so a release does not change the snapshots.
fn origin() -> Origin {
    Origin::embedded("0.1.0")
}

fn run_report() -> RunReport {
    let sc = friday_cascade();
    let r = replay(&sc, &preset("direct", &sc).unwrap(), 11);
    RunReport::build(&sc, &r, origin())
}

#[test]
fn compare_markdown_is_unchanged() {
    check("compare.md", &markdown::compare_markdown(&compare_report()));
}

#[test]
fn compare_json_is_unchanged() {
    check("compare.json", &json::to_json(&compare_report()).unwrap());
}

#[test]
fn run_markdown_is_unchanged() {
    check("run.md", &markdown::run_markdown(&run_report()));
}

#[test]
fn run_json_is_unchanged() {
    check("run.json", &json::to_json(&run_report()).unwrap());
}
