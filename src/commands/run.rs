//! `gameday run`: one replay as a timeline, then its score.

use std::fmt::Write as _;

use gameday_reports::format::capitalised;
use gameday_reports::wire::Origin;
use gameday_sim::engine::{replay, Replay};
use gameday_sim::scenario::Scenario;
use gameday_sim::score::{Outcome, Score};
use gameday_sim::time::SimDuration;

use super::{load_with_origin, policy};
use crate::cli::{RunArgs, Via};
use crate::Failure;

pub fn run(args: RunArgs) -> Result<(), Failure> {
    let (sc, origin) = load_with_origin(args.scenario.as_deref())?;
    let p = policy(&sc, &args.strategy)?;
    let seed = args.seed.unwrap_or(sc.default_seed);
    let r = match args.via {
        Via::InProcess => replay(&sc, &p, seed),
        Via::Http => {
            gameday_mocks::session::http_replay(&sc, &p, seed)
                .map_err(|e| Failure::runtime(format!("error: replay over HTTP failed: {e}")))?
                .replay
        }
    };
    super::report::emit_run(&sc, &r, origin, args.format, &args.report)
}

fn dur(d: Option<SimDuration>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "-".to_string())
}

/// How a drill's outcome reads when people ended it before the horizon
/// (`None` otherwise). Ended early, the world runs on with nobody acting
/// (as after a strategy's stop), so a fix in flight still counts and an
/// unfixed fault keeps failing requests to the horizon. The drill and
/// `gameday replay` of its journal both word it so.
pub fn drill_outcome(sc: &Scenario, s: &Score) -> Option<String> {
    match &s.outcome {
        Outcome::Stopped(why) => Some(format!(
            "not restored: the drill {why}, and with nobody acting after that, not within {}",
            sc.horizon
        )),
        _ => None,
    }
}

/// The score block (`Score` and one line per measure), as `run` and
/// `drill` print it; `outcome` words the outcome line when the caller
/// knows better than the policy vocabulary (a drill ended by people).
pub fn render_score(out: &mut String, sc: &Scenario, s: &Score, outcome: Option<String>) {
    let _ = writeln!(out, "Score");
    let outcome = outcome.unwrap_or_else(|| s.outcome.describe(&sc.horizon.to_string()));
    let line = |out: &mut String, k: &str, v: String| {
        let _ = writeln!(out, "  {k:<26} {v}");
    };
    line(out, "outcome", outcome);
    if s.applicable {
        line(
            out,
            "impact started",
            s.impact_start
                .map(|t| sc.clock.label(t))
                .unwrap_or_else(|| "-".into()),
        );
        line(out, "time to detect", dur(s.time_to_detect));
        line(out, "time to acknowledge", dur(s.time_to_acknowledge));
        line(out, "time to mitigate", dur(s.time_to_mitigate));
        line(
            out,
            "MTTR",
            match s.mttr {
                Some(d) => d.to_string(),
                None => format!("not restored within {}", sc.horizon),
            },
        );
        line(out, "time to full resolution", dur(s.time_to_resolve));
        line(
            out,
            "relapses after restore",
            match s.mttr {
                Some(_) => format!(
                    "{} ({} requests failed after restore)",
                    s.relapses, s.failed_after_restore
                ),
                None => "-".into(),
            },
        );
        line(out, "hotfixes shipped", s.hotfixes.to_string());
        line(out, "rollbacks", s.rollbacks.to_string());
        line(out, "flag flips", s.flag_flips.to_string());
        line(
            out,
            "failed deployments",
            format!("{} of {}", s.failed_deployments, s.hotfixes),
        );
        if s.regressions.is_empty() {
            line(out, "regressions", "none".into());
        } else {
            line(out, "regressions", s.regressions.len().to_string());
            for reg in &s.regressions {
                let _ = writeln!(
                    out,
                    "    PR #{} broke {}{} ({} failed requests)",
                    reg.pr,
                    reg.service,
                    if reg.host != reg.service {
                        format!(" through {}", reg.host)
                    } else {
                        String::new()
                    },
                    reg.failed_requests
                );
            }
        }
        let f = &s.failed_requests;
        line(
            out,
            "failed requests",
            format!(
                "{} of {} (original fault {}, regressions {}, dependencies {}, baseline {})",
                f.total(),
                s.requests,
                f.original_fault,
                f.regression,
                f.dependency,
                f.baseline
            ),
        );
        line(out, "revenue lost", format!("${:.0}", s.revenue_lost));
        let budget: Vec<String> = s
            .error_budget
            .iter()
            .filter(|b| b.consumed > 0.0)
            .map(|b| format!("{} {:.0}%", b.service, b.consumed * 100.0))
            .collect();
        line(
            out,
            "error budget consumed",
            if budget.is_empty() {
                "none".into()
            } else {
                budget.join(", ")
            },
        );
    }
}

/// The timeline with wall-clock times, then the score and where the
/// report came from.
pub fn render_text(sc: &Scenario, r: &Replay, origin: &Origin, command: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} · strategy {} · seed {}",
        r.scenario, r.strategy, r.seed
    );
    if !sc.description.is_empty() {
        let _ = writeln!(out, "{}", sc.description);
    }
    let _ = writeln!(out);
    for e in &r.timeline {
        let _ = writeln!(
            out,
            "{}  {:<10} {}",
            e.clock,
            e.entry.actor.to_string(),
            e.entry.text
        );
    }
    let _ = writeln!(out);
    let outcome = if r.strategy == super::journal::TEAM {
        drill_outcome(sc, &r.score)
    } else {
        None
    };
    render_score(&mut out, sc, &r.score, outcome);
    if r.score.applicable {
        runbook_text(
            &mut out,
            "Runbook check (shared/seeds/hotfix-runbook.txt)",
            &r.runbook,
            &sc.clock,
            |_| None,
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Replay it with: {command}");
    let _ = writeln!(out, "{}", capitalised(&origin.describe()));
    out
}

/// The runbook check, a line per rule that applies.
/// Shared by `run` and `score` (the drill's team).
pub fn runbook_text(
    out: &mut String,
    title: &str,
    check: &gameday_sim::score::runbook::RunbookCheck,
    clock: &gameday_sim::time::WallClock,
    journal_line: impl Fn(&gameday_sim::score::runbook::Evidence) -> Option<usize>,
) {
    use gameday_sim::score::runbook::Verdict;
    use gameday_sim::time::SimTime;
    let _ = writeln!(out, "\n{title}");
    for rule in &check.rules {
        let mark = match rule.verdict {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::NotApplicable => continue,
        };
        let _ = write!(out, "  {mark:<5} {:<18} {}", rule.rule, rule.reason);
        if let Some(e) = &rule.evidence {
            let line = journal_line(e)
                .map(|n| format!("line {n}: "))
                .unwrap_or_default();
            let _ = write!(
                out,
                " [{line}{} {}]",
                clock.label(SimTime::from_millis(e.at_ms)),
                e.text
            );
        }
        let _ = writeln!(out);
    }
    if let Some(ms) = check.page_to_first_mitigation_ms {
        let _ = writeln!(
            out,
            "  {:<5} {:<18} {}",
            "",
            "page to first move",
            gameday_sim::time::SimDuration::from_millis(ms)
        );
    }
}
