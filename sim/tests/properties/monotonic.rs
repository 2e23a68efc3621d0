//! Monotonicity under common random numbers: on one seed two variants of a
//! scenario face the same traffic, people and luck, so some comparisons
//! must come out one way on every seed, not just on average.

use gameday_sim::engine;
use gameday_sim::strategy::presets::preset;
use gameday_sim::testing::cases;
use gameday_sim::testing::scenario::round6;
use gameday_sim::time::SimTime;
use gameday_sim::world::journal::EntryKind;
use proptest::prelude::*;

use crate::{check, CASES};

/// A lower alert threshold never detects later, for any policy. Exact:
/// responders do nothing before the first alert, so up to the higher
/// threshold's first alert both worlds are the same, and a series that
/// breaches the higher threshold at a scrape breaches the lower one too
/// (pending spells contain each other, so `for:` fires no later).
#[test]
fn should_detect_no_later_with_a_lower_alert_threshold() {
    check(file!(), CASES, 100, (cases(), 1u32..100), |(case, pct)| {
        let high = case.scenario();
        let baseline = case
            .spec
            .services
            .iter()
            .map(|s| s.baseline_error_ratio)
            .fold(0.0, f64::max);
        let t = case.spec.team.alert_threshold;
        let lowered = round6(baseline + (t - baseline) * pct as f64 / 100.0);
        prop_assume!(lowered > baseline && lowered < t);
        let mut spec = case.spec.clone();
        spec.team.alert_threshold = lowered;
        let low = spec.scenario();
        let first_alert = |sc: &gameday_sim::scenario::Scenario| -> Option<SimTime> {
            let policy = case.policy(sc);
            let r = engine::replay(sc, &policy, case.seed);
            r.timeline
                .iter()
                .find(|e| e.entry.kind == EntryKind::AlertFiring)
                .map(|e| e.entry.at)
        };
        let (h, l) = (first_alert(&high), first_alert(&low));
        if let Some(h) = h {
            let l = l.ok_or_else(|| {
                TestCaseError::fail(format!("threshold {lowered} never fired; {t} did at {h:?}"))
            })?;
            prop_assert!(
                l <= h,
                "threshold {lowered} fired at {l:?}, after {t} at {h:?}"
            );
        }
        Ok(h.is_some())
    });
}

/// A faster pipeline (CI lanes and deploys scaled down) never restores
/// service later under `direct`, when the fix cannot go wrong: one fault,
/// fixes that cure, no latent bugs, no damaged data.
///
/// Narrowed for modelling reasons, not to pass: detection emerges from
/// noisy scraped data at absolute times, so anything that makes the
/// response depend on an alert after the first one breaks exactness. With
/// latent bugs, a regression that starts earlier meets different traffic
/// noise and may be detected later; with a second fault, fixing the first
/// one earlier can lower a caller's error ratio below the alert threshold
/// so the second fault is never paged; a fix that does not cure makes the
/// runner wait on the alert clearing, whose timing is noise; so does data
/// an irreversible fault damaged, which the team repairs in the turn after
/// the page fails to clear. Without those,
/// every draw (people, CI, catches, cures) is the same on both sides, each
/// pipeline duration is a monotone function of the same draw, and the cure
/// lands no later.
#[test]
fn should_restore_no_later_with_a_faster_pipeline() {
    check(
        file!(),
        CASES,
        50,
        (cases(), 1u64..4),
        |(case, quarters)| {
            let mut slow = case.spec.clone();
            slow.faults.truncate(1);
            for f in &mut slow.faults {
                f.irreversible = false;
            }
            slow.risk.components.clear();
            slow.risk.fix_cures = 1.0;
            let mut fast = slow.clone();
            for d in [
                &mut fast.team.ci_fast,
                &mut fast.team.ci_full,
                &mut fast.team.deploy,
            ] {
                *d = d.scaled(quarters, 4);
            }
            let mttr = |spec: &gameday_sim::testing::ScenarioSpec| {
                let sc = spec.scenario();
                let direct = preset("direct", &sc).expect("preset");
                engine::replay(&sc, &direct, case.seed).score.mttr
            };
            let (s, f) = (mttr(&slow), mttr(&fast));
            if let Some(s) = s {
                let f = f.ok_or_else(|| {
                    TestCaseError::fail(format!(
                        "the slow pipeline restored in {s}, the fast one never"
                    ))
                })?;
                prop_assert!(f <= s, "fast pipeline restored in {f}, slow in {s}");
            }
            Ok(s.is_some())
        },
    );
}
