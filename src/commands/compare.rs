//! `gameday compare`: many seeds, several strategies, one table.

use gameday_sim::engine::sweep::sweep;
use gameday_sim::score::summary::{summarize_all, Summary};
use gameday_sim::strategy::Policy;
use serde::Serialize;

use super::{all_policies, load, policy, write_stdout};
use crate::cli::{CompareArgs, CompareFormat};
use crate::Failure;

/// Version of the compare JSON document.
pub const SCHEMA_VERSION: u32 = 1;

/// The compare result as JSON.
#[derive(Debug, Serialize)]
pub struct CompareReport {
    pub schema_version: u32,
    pub scenario: String,
    pub runs: u64,
    pub base_seed: u64,
    pub strategies: Vec<Summary>,
}

pub fn compare(args: CompareArgs) -> Result<(), Failure> {
    let sc = load(args.scenario.as_deref())?;
    let policies: Vec<Policy> = if args.strategies.trim() == "all" {
        all_policies(&sc)
    } else {
        let mut v = Vec::new();
        for name in args
            .strategies
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let p = policy(&sc, name)?;
            if !v.iter().any(|q: &Policy| q.name == p.name) {
                v.push(p);
            }
        }
        if v.is_empty() {
            return Err(Failure::input(
                "error: --strategies: no strategy named (hint: `all` or a comma-separated list)",
            ));
        }
        v
    };
    let scores = sweep(&sc, &policies, args.runs, args.base_seed, args.threads)
        .map_err(|e| Failure::runtime(format!("error: cannot start worker threads: {e}")))?;
    let names: Vec<&str> = policies.iter().map(|p| p.name.as_str()).collect();
    let summaries = summarize_all(&names, &scores, args.base_seed);
    let report = CompareReport {
        schema_version: SCHEMA_VERSION,
        scenario: sc.name.clone(),
        runs: args.runs,
        base_seed: args.base_seed,
        strategies: summaries,
    };
    let text = match args.format {
        CompareFormat::Json => {
            let mut s = serde_json::to_string_pretty(&report)
                .map_err(|e| Failure::runtime(format!("error: {e}")))?;
            s.push('\n');
            s
        }
        CompareFormat::Table => crate::table::compare_table(&report),
    };
    write_stdout(&text)
}
