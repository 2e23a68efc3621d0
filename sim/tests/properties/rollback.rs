//! Rollback restores the last known good: once a rollback (or a blue/green
//! switch back) completes, every service it touched runs its pre-change
//! build, and the bugs the rolled-back change carried fail no request
//! from that instant on, until a build that carries them takes traffic
//! again (a rework nobody caught re-ships the same bug, legitimately).
//!
//! The model removes a rolled-back bug at the rollback's completion, so
//! this checks "no further errors" from the completion instant, which is
//! stronger than "after one scrape plus propagation": scrapes only delay
//! what the alert sees, and no failure propagates through a dependency
//! once its cause has no traffic.

use gameday_sim::testing::traced_replay;
use gameday_sim::world::trace::CompletedOp;
use gameday_sim::world::traffic::Root;
use proptest::prelude::*;

use crate::{change_of, check, risky_cases, samples_from, served, CASES};

#[test]
fn should_restore_the_last_known_good_build_and_stop_its_bugs() {
    check(file!(), CASES, 30, risky_cases(), |case| {
        let sc = case.scenario();
        let policy = case.policy(&sc);
        let (w, _) = traced_replay(&sc, &policy, case.seed);
        let trace = w.trace().expect("traced");
        let mut hit = false;
        for op in &trace.ops {
            // What each service must run now, and the change undone.
            let (targets, pr) = match &op.kind {
                CompletedOp::Rollback { targets, pr } => (targets.clone(), *pr),
                CompletedOp::Switch { pr, to_new: false } => {
                    (change_of(&w, *pr).bases.clone(), Some(*pr))
                }
                _ => continue,
            };
            hit = true;
            for &(s, v) in &targets {
                let (stable, canary) = op.apps_after[s.index()];
                prop_assert_eq!(
                    stable,
                    v,
                    "at {}: {} runs {} after rolling back, not {}",
                    sc.clock.label(op.at),
                    sc.service(s).name,
                    w.version(stable).label,
                    w.version(v).label
                );
                prop_assert!(canary.is_none(), "a canary survived the rollback");
            }
            let Some(pr) = pr else { continue };
            let change = change_of(&w, pr);
            for &d in &change.latent {
                for sample in samples_from(&trace.samples, op.at) {
                    if served(&w, sample, d) {
                        break; // shipped again by a later build
                    }
                    for (i, app) in sample.apps.iter().enumerate() {
                        let p: f64 = app
                            .by_cause
                            .iter()
                            .filter(|(c, _)| c.root == Root::Regression(d))
                            .map(|(_, p)| p)
                            .sum();
                        prop_assert!(
                            p == 0.0,
                            "at {}: a bug of rolled-back PR #{pr} still fails {p} of {}'s requests",
                            sc.clock.label(sample.from),
                            sc.services[i].name
                        );
                    }
                }
            }
        }
        Ok(hit)
    });
}
