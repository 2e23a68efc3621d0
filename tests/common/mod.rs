//! Helpers the end-to-end tests share: running the `gameday` binary and
//! reading what it printed.

#![allow(dead_code)] // each test binary uses its own subset

use std::process::{Command, Output};

/// Runs `gameday` with `args`.
pub fn gameday(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(args)
        .output()
        .expect("the gameday binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8 stderr")
}

pub mod browser;
pub mod drill;
pub mod journal;
pub mod net;
pub mod python;
