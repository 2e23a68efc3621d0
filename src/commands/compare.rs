//! `gameday compare`: many seeds, several strategies, one report.

use gameday_reports::wire::compare::BaselineError;
use gameday_reports::wire::{CompareReport, Sweep};
use gameday_sim::engine::sweep::sweep_with_progress;
use gameday_sim::strategy::Policy;

use super::{all_policies, load_with_origin, policy};
use crate::cli::CompareArgs;
use crate::progress::Progress;
use crate::Failure;

pub fn compare(args: CompareArgs) -> Result<(), Failure> {
    let (sc, origin) = load_with_origin(args.scenario.as_deref())?;
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
    let names: Vec<&str> = policies.iter().map(|p| p.name.as_str()).collect();
    // An unknown baseline is known before a single replay runs.
    if let Some(b) = args.baseline.as_deref() {
        if !names.contains(&b) {
            let e = BaselineError::Unknown {
                name: b.to_string(),
                known: names.iter().map(|n| n.to_string()).collect(),
                in_scenario: sc.policy(b).is_some(),
            };
            return Err(Failure::input(format!("error: {e}")));
        }
    }
    let progress = Progress::new(args.runs.saturating_mul(policies.len() as u64));
    let scores = sweep_with_progress(
        &sc,
        &policies,
        args.runs,
        args.base_seed,
        args.threads,
        &|n| progress.advance(n),
    )
    .map_err(|e| Failure::runtime(format!("error: cannot start worker threads: {e}")))?;
    progress.stage("bootstrapping confidence intervals");
    let sweep = Sweep {
        scenario: &sc,
        names: &names,
        scores: &scores,
        runs: args.runs,
        base_seed: args.base_seed,
    };
    let report = CompareReport::build(&sweep, origin, args.baseline.as_deref());
    progress.finish();
    let report = report.map_err(|e| Failure::input(format!("error: {e}")))?;
    super::report::emit_compare(&sc, &report, args.format, &args.report)
}
