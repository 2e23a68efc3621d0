//! Liveness: responders never walk away from a broken service. For every
//! built-in preset and for generated policies, a replay that is not
//! restored at the horizon either shows responder, pipeline or flag
//! activity in the last stretch of the horizon, or ends with a journaled
//! policy bound (a `stop` line). The safety half rides along: the outcome
//! never contradicts the MTTR, and a stopped replay says why.
//!
//! "The last stretch" is the longest the team can legitimately be silent:
//! its slowest single task (a lognormal counted at five sigma, far past
//! anything a replay draws), plus the waits of its own loop (a plan's
//! verification, the quiet window before standing down, an alert's window
//! and `for`). A team that goes quiet for longer while a service fails is
//! a liveness bug. Only the pipeline's and responders' completed work
//! counts as activity; an operation still running at the horizon is
//! journaled as it is closed, so it counts too.

use gameday_sim::dist::DurationDist;
use gameday_sim::engine;
use gameday_sim::scenario::Scenario;
use gameday_sim::score::{Outcome, Score};
use gameday_sim::strategy::policy::{Reaction, Step};
use gameday_sim::strategy::presets::{preset, BUILTIN};
use gameday_sim::strategy::{Policy, RunnerConfig};
use gameday_sim::testing::{cases, Case};
use gameday_sim::time::{SimDuration, SimTime};
use gameday_sim::world::journal::{Actor, EntryKind};
use gameday_sim::world::metrics::AlertState;
use gameday_sim::world::World;
use proptest::prelude::*;

use crate::{check, risky_cases, CASES};

/// A duration no draw of `d` exceeds in practice.
fn upper(d: &DurationDist) -> SimDuration {
    match *d {
        DurationDist::Fixed(d) => d,
        DurationDist::Uniform { max, .. } => max,
        DurationDist::LogNormal { mu, sigma, .. } => {
            SimDuration::from_secs_f64((mu + 5.0 * sigma).exp())
        }
    }
}

/// Every wait a step list can hold: bakes and verification windows.
fn step_waits(steps: &[Step], out: &mut Vec<SimDuration>) {
    for s in steps {
        match s {
            Step::Deploy(r) => {
                out.extend(r.stages.iter().filter_map(|s| s.bake.as_ref()).map(upper))
            }
            Step::BlueGreen(b) => out.push(b.watch),
            Step::Verify { within } => out.push(*within),
            Step::If {
                then, otherwise, ..
            } => {
                step_waits(then, out);
                step_waits(otherwise, out);
            }
            _ => {}
        }
    }
}

/// The longest the team can be silent without having walked away.
fn last_stretch(sc: &Scenario, policy: &Policy) -> SimDuration {
    let t = &sc.team;
    let mut waits: Vec<SimDuration> = [
        &t.acknowledge,
        &t.diagnose,
        &t.write_fix,
        &t.review,
        &t.ci_fast,
        &t.ci_full,
        &t.deploy,
        &t.rollback,
        &t.traffic_switch,
        &t.smoke_test,
        &t.canary_bake,
        &t.flag_propagation,
    ]
    .into_iter()
    .chain(t.repair.as_ref())
    .map(upper)
    .collect();
    step_waits(&policy.steps, &mut waits);
    for r in [&policy.on_regression, &policy.on_not_cured] {
        if let Reaction::Run(steps) = r {
            step_waits(steps, &mut waits);
        }
    }
    let cfg = RunnerConfig::for_team(t, sc.stability_window);
    let longest = waits.into_iter().max().unwrap_or(SimDuration::ZERO);
    longest + cfg.verify + cfg.quiet + t.alert.window + t.alert.for_duration + sc.scrape_interval
}

/// When the responders, the pipeline or the flags last did something.
fn last_activity(w: &World<'_>) -> Option<SimTime> {
    w.journal()
        .entries()
        .iter()
        .filter(|e| matches!(e.actor, Actor::Responder | Actor::Pipeline | Actor::Flags))
        .map(|e| e.at)
        .next_back()
}

/// No alert is firing at `end`, and none fired in the stretch before it.
fn unpaged(w: &World<'_>, end: SimTime, stretch: SimDuration) -> bool {
    let sc = w.scenario();
    let firing = sc
        .service_ids()
        .any(|s| matches!(w.alert_state(s), AlertState::Firing { .. }));
    let from = SimTime::START + end.since_start().saturating_sub(stretch);
    let recent = w
        .journal()
        .entries()
        .iter()
        .any(|e| e.kind == EntryKind::AlertFiring && e.at >= from);
    !firing && !recent
}

/// Checks one replay; `Ok(true)` when it was an unrestored one the
/// property had something to say about.
fn live(
    sc: &Scenario,
    policy: &Policy,
    case: &Case,
    w: &World<'_>,
    score: &Score,
) -> Result<bool, TestCaseError> {
    let replay = || {
        format!(
            "gameday run case.yaml --strategy {} --seed {}",
            policy.name, case.seed
        )
    };
    prop_assert_eq!(
        score.mttr.is_some(),
        score.outcome == Outcome::Restored,
        "outcome {:?} contradicts MTTR {:?} ({})",
        &score.outcome,
        score.mttr,
        replay()
    );
    let stops = w
        .journal()
        .entries()
        .iter()
        .filter(|e| e.kind == EntryKind::Stop)
        .count();
    match &score.outcome {
        Outcome::Stopped(why) => {
            prop_assert_eq!(
                stops,
                1,
                "a stopped replay journals its bound once ({})",
                replay()
            );
            prop_assert!(!why.is_empty());
            Ok(false)
        }
        Outcome::NotRestored => {
            prop_assert_eq!(
                stops,
                0,
                "a stop line, yet the outcome is not `stopped` ({})",
                replay()
            );
            let stretch = last_stretch(sc, policy);
            // Unrestored, the replay runs to the horizon: responders that
            // left early would end it sooner.
            let end = SimTime::START + sc.horizon;
            let last = last_activity(w).unwrap_or(SimTime::START);
            let quiet = end.saturating_since(last);
            if unpaged(w, end, stretch) {
                // Nothing the team can see says anything is wrong: the
                // damage is under the alert's threshold. The team is on
                // call, waiting for a page that the scenario's alert rule
                // never sends.
                return Ok(false);
            }
            prop_assert!(
                quiet <= stretch,
                "not restored at the horizon, and nobody acted for the last {} (from {} to {}; \
                 the team may be silent for {} at most): the responders walked away ({})",
                quiet,
                sc.clock.label(last),
                sc.clock.label(end),
                stretch,
                replay()
            );
            Ok(end.since_start() > stretch)
        }
        Outcome::NotApplicable(_) => {
            // Decided before the first action: nothing was changed.
            let acted = w.journal().entries().iter().find(|e| {
                matches!(
                    e.kind,
                    EntryKind::PullRequest
                        | EntryKind::Flag
                        | EntryKind::Rollback
                        | EntryKind::Switch
                        | EntryKind::Repair
                )
            });
            prop_assert!(
                acted.is_none(),
                "not applicable after acting ({:?}) ({})",
                acted,
                replay()
            );
            Ok(false)
        }
        Outcome::Failed(why) => Err(TestCaseError::fail(format!(
            "the replay failed: {why} ({})",
            replay()
        ))),
        _ => Ok(false),
    }
}

/// Every built-in preset that applies, and the case's own policy.
fn policies(sc: &Scenario, case: &Case) -> Vec<Policy> {
    BUILTIN
        .iter()
        .filter_map(|n| preset(n, sc))
        .chain(std::iter::once(case.policy(sc)))
        .collect()
}

fn every_policy_is_live(case: Case) -> Result<bool, TestCaseError> {
    let sc = case.scenario();
    let mut hit = false;
    for policy in policies(&sc, &case) {
        let (w, score, _) = engine::replay_world(&sc, &policy, case.seed);
        hit |= live(&sc, &policy, &case, &w, &score)?;
    }
    Ok(hit)
}

#[test]
fn should_keep_responding_while_a_service_is_broken() {
    check(file!(), CASES, 10, cases(), every_policy_is_live);
}

#[test]
fn should_keep_responding_through_cascades_of_regressions() {
    check(file!(), CASES, 20, risky_cases(), every_policy_is_live);
}
