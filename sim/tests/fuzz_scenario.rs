//! A mutation fuzzer for the scenario loader, run for a fixed budget in
//! CI: every committed corpus file (`tests/corpus/scenario/`) is mutated
//! (bytes flipped, YAML tokens spliced in, ranges cut and doubled) and
//! loaded. The loader must never panic, and must answer every input with
//! a scenario (which must then replay) or with non-empty errors.
//!
//! Budget: `GAMEDAY_FUZZ_CASES` inputs per corpus file (default 512, well
//! under a second for the whole corpus); raise it for a longer hunt, e.g.
//! `GAMEDAY_FUZZ_CASES=20000 cargo test --release -p gameday-sim --test
//! fuzz_scenario`. proptest prints the failing input, shrunk. Add a file
//! to the corpus to steer the fuzzer towards a shape.

use std::path::PathBuf;

use gameday_sim::engine::replay;
use gameday_sim::scenario;
use gameday_sim::strategy::presets;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Tokens that make YAML interesting: structure, anchors, merge keys,
/// tags, numbers at the edges, and what the validator's limits watch.
const TOKENS: &[&str] = &[
    ":",
    "- ",
    "\n",
    "\n  ",
    "\n    ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "&a ",
    "*a",
    "<<: *a",
    "!!str ",
    "!!binary ",
    "? ",
    "|",
    ">",
    "'",
    "\"",
    "#",
    "---\n",
    "...\n",
    "~",
    "null",
    "true",
    "1e300",
    "-1",
    "0",
    "6.1e14",
    "NaN",
    ".inf",
    "0x10",
    "1ms",
    "1000y",
    "90d",
    "payment",
    "login",
    "services",
    "faults",
    "flags",
    "policies",
    "repeat",
    "steps",
    "rps",
    "slo",
    "\u{0}",
    "\u{feff}",
    "\u{301}",
    "pay ment",
    "../",
    "?#",
    "\t",
];

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/scenario");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Splice(usize, usize),
    Cut(usize, usize),
    Double(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(i, t)| Mutation::Splice(i, t)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Cut(i, n)),
        (any::<usize>(), 1usize..256).prop_map(|(i, n)| Mutation::Double(i, n)),
    ]
}

fn apply(mut bytes: Vec<u8>, ms: &[Mutation]) -> Vec<u8> {
    for m in ms {
        let len = bytes.len().max(1);
        match *m {
            Mutation::Flip(i, b) => {
                if !bytes.is_empty() {
                    bytes[i % len] ^= b;
                }
            }
            Mutation::Splice(i, t) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, TOKENS[t].bytes());
            }
            Mutation::Cut(i, n) => {
                let at = i % len;
                let end = (at + n).min(bytes.len());
                if at < end {
                    bytes.drain(at..end);
                }
            }
            Mutation::Double(i, n) => {
                let at = i % len;
                let end = (at + n).min(bytes.len());
                if at < end {
                    let piece = bytes[at..end].to_vec();
                    bytes.splice(end..end, piece);
                }
            }
        }
    }
    bytes
}

/// Loads `bytes` as the CLI does: decoded (UTF-8, no NUL), then parsed.
fn load(bytes: Vec<u8>) -> Result<(), String> {
    let errors = match scenario::decode("fuzz.yaml", bytes) {
        Err(e) => e,
        Ok(text) => match scenario::parse("fuzz.yaml", &text) {
            Ok(sc) => {
                // What validates must also replay: the limits hold.
                if let Some(p) = presets::preset("direct", &sc) {
                    let _ = replay(&sc, &p, 1);
                }
                return Ok(());
            }
            Err(e) => e,
        },
    };
    if errors.is_empty() {
        return Err("an error without any message".into());
    }
    for e in errors.iter() {
        if e.message.trim().is_empty() || e.file != "fuzz.yaml" {
            return Err(format!("an error that says nothing: {e:?}"));
        }
    }
    Ok(())
}

#[test]
fn the_loader_answers_every_mutated_corpus_file_without_panicking() {
    let cases = std::env::var("GAMEDAY_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512);
    for (name, bytes) in corpus() {
        // The corpus itself loads or is refused cleanly.
        load(bytes.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&prop::collection::vec(mutation(), 1..12), |ms| {
                let input = apply(bytes.clone(), &ms);
                let outcome = std::panic::catch_unwind(|| load(input));
                match outcome {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err(TestCaseError::fail(format!("{name}: {e}"))),
                    Err(_) => Err(TestCaseError::fail(format!("{name}: the loader panicked"))),
                }
            })
            .unwrap_or_else(|e| panic!("{e}"));
    }
}
