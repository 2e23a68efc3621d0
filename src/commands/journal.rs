//! `gameday replay` and `gameday score`: a drill read back from its
//! journal, shown as a replay, or scored beside the strategies.

use std::path::Path;

use gameday_mocks::journal::replay::{replay as replay_journal, ReplayError, Replayed};
use gameday_mocks::journal::{self, Journal};
use gameday_reports::wire::origin::shell_word;
use gameday_reports::wire::{CompareReport, Origin, RunReport, Sweep};
use gameday_sim::engine::{replay_world, Replay};

use gameday_reports::html::debrief::{debrief_html, Debrief};
use gameday_sim::scenario::Scenario;

use super::all_policies;
use super::report::Extras;
use crate::cli::{CompareFormat, ReplayArgs, ScoreArgs};
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
    let runbook = runbook_text(&r, &j, args.format == CompareFormat::Markdown);
    let page = match args.format {
        CompareFormat::Html => Some(debrief(&args.journal, &j, &r, sc, &report)?),
        _ => None,
    };
    let extras = Extras {
        appendix: Some(&runbook),
        html: page.as_deref(),
    };
    super::report::emit_compare_with(sc, &report, args.format, &args.report, extras)
}

/// The HTML debrief: the comparison, the runbook check with its journal
/// lines, and the team's timeline above the best strategy's on one clock.
fn debrief(
    path: &Path,
    j: &Journal,
    r: &Replayed,
    twisted: &Scenario,
    compare: &CompareReport,
) -> Result<String, Failure> {
    let seed = j.header.seed;
    let team = Replay::named(&r.world, TEAM, seed, r.score.clone(), r.requests as u64);
    let team = RunReport::build(r.scenario, &team, origin(j));
    // The best built-in strategy's world, replayed again to draw it: a
    // sweep keeps only scores.
    let best = compare
        .best_except(TEAM)
        .and_then(|s| {
            all_policies(twisted)
                .into_iter()
                .find(|p| p.name == s.summary.name)
        })
        .map(|p| {
            let (world, score, calls) = replay_world(twisted, &p, seed);
            let replay = Replay::named(&world, &p.name, seed, score, calls);
            RunReport::build(twisted, &replay, origin(j))
        });
    let shown = path.display().to_string();
    let command = replay_command(path);
    let d = Debrief {
        journal: &shown,
        replay_command: &command,
        compare,
        team: &team,
        best: best.as_ref(),
    };
    debrief_html(&d, |e| j.line_of_event(e.at_ms, &e.text))
        .map_err(|e| Failure::runtime(format!("error: {e}")))
}

/// `sc` with every optional fault the drill's facilitator injected
/// scheduled where it started in the team's world.
fn with_twists(sc: &Scenario, world: &gameday_sim::world::World<'_>) -> Scenario {
    sc.fault_ids()
        .filter(|&f| sc.fault(f).onset == gameday_sim::scenario::Onset::OnInjection)
        .filter_map(|f| world.fault_onset(f).map(|at| (f, at)))
        .fold(sc.clone(), |acc, (f, at)| acc.with_injected(f, at))
}

/// The team's runbook check, as `gameday run` prints one (in a code block
/// for Markdown).
fn runbook_text(r: &Replayed, j: &Journal, markdown: bool) -> String {
    let check = gameday_sim::score::runbook::check(&r.world);
    let mut text = String::new();
    super::run::runbook_text(
        &mut text,
        "Runbook check (the team; shared/seeds/hotfix-runbook.txt; line: the journal line)",
        &check,
        &r.scenario.clock,
        |e| j.line_of_event(e.at_ms, &e.text),
    );
    if markdown {
        format!("## Runbook check (the team)\n\n```text{text}```\n")
    } else {
        text
    }
}
