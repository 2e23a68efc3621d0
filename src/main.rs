//! `gameday`: replay incident responses on a simulated world and compare
//! them over many seeds.
//!
//! Exit codes: 0 success, 1 runtime failure, 2 invalid input (bad flags, a
//! scenario file that does not validate, an unknown strategy), 3 a budget
//! given with `--max-...` was missed (the report is still written).

mod args;
mod cli;
mod commands;
mod output;
mod progress;

use std::process::ExitCode;

/// An error carrying the exit code it should produce.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// Invalid input: exit code 2.
    pub fn input(message: impl Into<String>) -> Self {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
    /// A budget was missed: exit code 3.
    pub fn budget(message: impl Into<String>) -> Self {
        Failure {
            code: 3,
            message: message.into(),
        }
    }
    /// Something went wrong while running: exit code 1.
    pub fn runtime(message: impl Into<String>) -> Self {
        Failure {
            code: 1,
            message: message.into(),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::runtime(format!("error: {e}"))
    }
}

fn main() -> ExitCode {
    let args = args::parse();
    match commands::dispatch(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            // A closed stdout (e.g. `| head`) is not worth a message.
            if !f.message.is_empty() {
                eprintln!("{}", f.message);
            }
            ExitCode::from(f.code)
        }
    }
}
