//! `gameday replay` and `gameday score`: a drill read back from its
//! journal, shown as a replay, or scored beside the strategies.

use std::path::Path;

use gameday_mocks::journal::replay::{replay as replay_journal, ReplayError, Replayed};
use gameday_mocks::journal::{self, Journal};
use gameday_reports::wire::origin::shell_word;
use gameday_reports::wire::{CompareReport, Origin, RunReport, Sweep};
use gameday_sim::engine::{replay_world, Replay};

use super::all_policies;
use crate::cli::{ReplayArgs, ScoreArgs};
use crate::Failure;

/// The name of the drill's team in reports.
pub const TEAM: &str = "team";

fn read(path: &Path) -> Result<Journal, Failure> {
    let j = journal::read(path).map_err(|e| Failure::input(format!("error: {e}")))?;
    if j.torn_tail {
        eprintln!(
            "warning: {}: the last line was cut short (the drill was killed while writing it) and is left out",
            path.display()
        );
    }
    Ok(j)
}

fn replayed(path: &Path, j: &Journal) -> Result<Replayed, Failure> {
    replay_journal(j).map_err(|e| match e {
        ReplayError::Diverged { .. } => Failure::runtime(format!("error: {}: {e}", path.display())),
        other => Failure::input(format!("error: {}: {other}", path.display())),
    })
}

fn origin(j: &Journal) -> Origin {
    let h = &j.header;
    match &h.scenario_file {
        Some(f) => Origin::file(&h.gameday_version, f, h.scenario_text.as_bytes()),
        None => Origin::embedded(&h.gameday_version),
    }
}

fn replay_command(path: &Path) -> String {
    format!("gameday replay {}", shell_word(&path.display().to_string()))
}

pub fn replay(args: ReplayArgs) -> Result<(), Failure> {
    let j = read(&args.journal)?;
    let r = replayed(&args.journal, &j)?;
    let seed = j.header.seed;
    let replay = Replay::named(&r.world, TEAM, seed, r.score.clone(), r.requests as u64);
    let mut report = RunReport::build(r.scenario, &replay, origin(&j));
    report.command = replay_command(&args.journal);
    super::report::emit_run_report(r.scenario, &replay, report, args.format, &args.report)
}

pub fn score(args: ScoreArgs) -> Result<(), Failure> {
    let j = read(&args.journal)?;
    let r = replayed(&args.journal, &j)?;
    let seed = j.header.seed;
    // Every strategy on the drill's seed: the same world, with the twists
    // the facilitator injected where they were injected.
    let twisted = with_twists(r.scenario, &r.world);
    let sc = &twisted;
    let policies = all_policies(sc);
    let mut names: Vec<&str> = vec![TEAM];
    names.extend(policies.iter().map(|p| p.name.as_str()));
    let mut scores = vec![vec![r.score.clone()]];
    scores.extend(policies.iter().map(|p| vec![replay_world(sc, p, seed).1]));
    let sweep = Sweep {
        scenario: sc,
        names: &names,
        scores: &scores,
        runs: 1,
        base_seed: seed,
    };
    let mut report = CompareReport::build(&sweep, origin(&j), None)
        .map_err(|e| Failure::input(format!("error: {e}")))?;
    // The team's seed replays from the journal, not as a strategy.
    if let Some(team) = report
        .strategies
        .iter_mut()
        .find(|s| s.summary.name == TEAM)
    {
        for w in &mut team.worst_seeds {
            w.command = replay_command(&args.journal);
        }
    }
    let runbook = runbook_text(&r, args.format == crate::cli::CompareFormat::Markdown);
    super::report::emit_compare_with(sc, &report, args.format, &args.report, Some(&runbook))
}

/// `sc` with every optional fault the drill's facilitator injected
/// scheduled where it started in the team's world.
fn with_twists(
    sc: &gameday_sim::scenario::Scenario,
    world: &gameday_sim::world::World<'_>,
) -> gameday_sim::scenario::Scenario {
    sc.fault_ids()
        .filter(|&f| sc.fault(f).onset == gameday_sim::scenario::Onset::OnInjection)
        .filter_map(|f| world.fault_onset(f).map(|at| (f, at)))
        .fold(sc.clone(), |acc, (f, at)| acc.with_injected(f, at))
}

/// The team's runbook check, as `gameday run` prints one (in a code block
/// for Markdown).
fn runbook_text(r: &Replayed, markdown: bool) -> String {
    let check = gameday_sim::score::runbook::check(&r.world);
    let mut text = String::new();
    super::run::runbook_text(
        &mut text,
        "Runbook check (the team; shared/seeds/hotfix-runbook.txt)",
        &check,
        &r.scenario.clock,
    );
    if markdown {
        format!("## Runbook check (the team)\n\n```text{text}```\n")
    } else {
        text
    }
}
