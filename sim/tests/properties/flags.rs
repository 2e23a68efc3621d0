//! Flags: once a flag's "off" has propagated, the code path it guards
//! takes no traffic (no defect on it fails a request), and the propagation
//! took no longer than the team's `flag_propagation` allows; while the
//! flag service is down, every flag evaluates to its safe default.

use gameday_sim::engine;
use gameday_sim::testing::policy::StepSpec;
use gameday_sim::testing::scenario::FlagSpec;
use gameday_sim::testing::{cases, traced_replay, Case};
use gameday_sim::world::journal::{Actor, EntryKind};
use gameday_sim::world::trace::{CompletedOp, Sample};
use gameday_sim::world::traffic::Root;
use gameday_sim::world::World;
use proptest::prelude::*;

use crate::{check, CASES};

/// Root causes of the defects on the code path flag `flag` guards.
fn guarded(w: &World<'_>, flag: usize) -> Vec<Root> {
    let sc = w.scenario();
    let faults = sc
        .fault_ids()
        .filter(|&f| sc.fault(f).guarded_by.map(|g| g.index()) == Some(flag))
        .map(Root::Fault);
    let bugs = w
        .changes()
        .iter()
        .flat_map(|c| c.latent.iter().copied())
        .filter(|&d| w.defect(d).flag.map(|g| g.index()) == Some(flag))
        .map(Root::Regression);
    faults.chain(bugs).collect()
}

fn no_traffic_on(sample: &Sample, roots: &[Root]) -> Option<(usize, f64)> {
    sample.apps.iter().enumerate().find_map(|(i, a)| {
        a.by_cause
            .iter()
            .find(|(c, p)| roots.contains(&c.root) && *p > 0.0)
            .map(|(_, p)| (i, *p))
    })
}

/// Cases where every fault sits on a flagged path and the policy turns the
/// flag off first, as `flag-disable` does.
fn flag_cases() -> impl Strategy<Value = Case> {
    (cases(), any::<bool>()).prop_map(|(mut case, diagnose)| {
        let spec = &mut case.spec;
        for (i, f) in spec.faults.iter_mut().enumerate() {
            if f.path.is_none() {
                let path = format!("path-{i}");
                spec.flags.push(FlagSpec {
                    name: format!("flag_{i}"),
                    service: f.service.clone(),
                    path: path.clone(),
                    enabled: true,
                    rollout: 1.0,
                    fallback: false,
                });
                f.path = Some(path);
            }
        }
        let steps = &mut spec.policies[0].steps;
        if !steps.contains(&StepSpec::FlagOff) {
            steps.insert(0, StepSpec::FlagOff);
            if diagnose {
                steps.insert(0, StepSpec::Diagnose);
            }
        }
        case
    })
}

#[test]
fn should_send_no_traffic_down_a_disabled_path_after_propagation() {
    check(file!(), CASES, 50, flag_cases(), |case| {
        let sc = case.scenario();
        let policy = case.policy(&sc);
        let (w, _) = traced_replay(&sc, &policy, case.seed);
        let trace = w.trace().expect("traced");
        let mut hit = false;
        for (f, flag) in sc.flags.iter().enumerate() {
            let requests: Vec<_> = w
                .journal()
                .entries()
                .iter()
                .filter(|e| {
                    e.actor == Actor::Responder
                        && e.kind == EntryKind::Flag
                        && e.text.starts_with(&format!("flag {} turned", flag.name))
                })
                .collect();
            let done: Vec<_> = trace
                .ops
                .iter()
                .filter_map(|op| match op.kind {
                    CompletedOp::Flag { flag: g, enabled } if g == f => Some((op.at, enabled)),
                    _ => None,
                })
                .collect();
            // Once the last toggle has propagated, it holds to the end: a
            // change requested earlier that arrives later must not undo it.
            // Its completion is the first, at or after the request, setting
            // the state it asked for (an earlier toggle completing at the
            // very instant of the request ran before it; a toggle the
            // horizon cut short never completes).
            if let Some(last) = requests.last() {
                let wanted = last.text.ends_with(" on");
                let propagated = done
                    .iter()
                    .find(|&&(at, enabled)| at >= last.at && enabled == wanted);
                if let Some(&(at, _)) = propagated {
                    for sample in crate::samples_from(&trace.samples, at) {
                        prop_assert_eq!(
                            sample.flags_on[f],
                            wanted,
                            "flag {} was last turned {} at {}, yet evaluates the other way at {}",
                            &flag.name,
                            if wanted { "on" } else { "off" },
                            sc.clock.label(last.at),
                            sc.clock.label(sample.from)
                        );
                    }
                }
            }
            prop_assert!(done.len() <= requests.len());
            let max = case.spec.team.flag_propagation.max_secs();
            for (k, &(at, enabled)) in done.iter().enumerate() {
                // Some request for this state preceded it, within the delay.
                let state = if enabled { " on" } else { " off" };
                let req = requests
                    .iter()
                    .rev()
                    .find(|r| r.at <= at && r.text.ends_with(state))
                    .ok_or_else(|| {
                        TestCaseError::fail(format!("flag {} changed unasked", flag.name))
                    })?;
                if let Some(max) = max {
                    prop_assert!(
                        (at - req.at).as_millis() <= max * 1000,
                        "flag {} took {} to propagate; the team's distribution allows {max}s",
                        flag.name,
                        at - req.at
                    );
                }
                if enabled {
                    continue;
                }
                hit = true;
                // Off everywhere from `at` until it is turned on again.
                // (Completions in the order they ran, ties included.)
                let back_on = done[k + 1..].iter().find(|&&(_, e)| e).map(|&(t, _)| t);
                let roots = guarded(&w, f);
                for sample in trace
                    .samples
                    .iter()
                    .filter(|s| s.from >= at && back_on.is_none_or(|t| s.from < t))
                {
                    prop_assert!(!sample.flags_on[f], "flag {} evaluates on", flag.name);
                    if let Some((s, p)) = no_traffic_on(sample, &roots) {
                        prop_assert!(
                            false,
                            "at {}: flag {} is off, yet its path fails {p} of {}'s requests",
                            sc.clock.label(sample.from),
                            flag.name,
                            sc.services[s].name
                        );
                    }
                }
            }
        }
        Ok(hit)
    });
}

#[test]
fn should_evaluate_flags_to_their_safe_default_while_the_flag_service_is_down() {
    let strategy = (cases(), 0u64..3600);
    check(file!(), CASES, 50, strategy, |(case, down_at_secs)| {
        let sc = case.scenario();
        let policy = case.policy(&sc);
        let mut world = World::new(&sc, case.seed);
        world.record_trace();
        let down_at = gameday_sim::time::SimTime::from_millis(down_at_secs * 1000);
        prop_assume!(world.advance_to(down_at).is_ok());
        world.set_flag_service_up(false);
        let (w, _, _) = engine::replay_prepared(world, &policy);
        let trace = w.trace().expect("traced");
        let roots: Vec<Vec<Root>> = (0..sc.flags.len()).map(|f| guarded(&w, f)).collect();
        for sample in trace.samples.iter().filter(|s| s.from >= down_at) {
            prop_assert!(!sample.flag_service_up);
            for (f, flag) in sc.flags.iter().enumerate() {
                prop_assert_eq!(
                    sample.flags_on[f],
                    flag.fallback_enabled,
                    "flag {} does not evaluate to its fallback",
                    &flag.name
                );
                if !flag.fallback_enabled {
                    prop_assert!(no_traffic_on(sample, &roots[f]).is_none());
                }
            }
        }
        Ok(!sc.flags.is_empty())
    });
}
