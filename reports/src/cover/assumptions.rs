//! The assumptions that drive the answer, in brief: timing, the team's
//! timings, the risk of a change, the faults and the latent bugs.

use crate::format::{ratio, seconds};
use crate::wire::scenario::FaultInfo;
use crate::wire::ScenarioSummary;

/// The assumptions that drive the answer, one line each: timing, the
/// team's timings, the risk of a change, the faults, the latent bugs.
pub fn assumptions(sc: &ScenarioSummary) -> Vec<String> {
    let mut lines = vec![format!(
        "horizon {}, stability window {}, alert {}: error ratio over {} above {} for {}",
        seconds(sc.horizon_seconds),
        seconds(sc.stability_window_seconds),
        sc.alert.name,
        seconds(sc.alert.window_seconds),
        ratio(sc.alert.threshold),
        seconds(sc.alert.for_seconds)
    )];
    let timings: Vec<String> = sc
        .team_timings
        .iter()
        .map(|t| format!("{} {}", step_label(&t.step), t.distribution))
        .collect();
    lines.push(format!("team: {}", timings.join(", ")));
    let r = &sc.risk;
    lines.push(format!(
        "a fix cures {}; a latent bug is caught by review {}, fast CI {}, full CI {}, smoke test {}",
        ratio(r.fix_cures),
        ratio(r.review_catch),
        ratio(r.fast_ci_catch),
        ratio(r.full_ci_catch),
        ratio(r.smoke_test_catch)
    ));
    for f in &sc.faults {
        lines.push(format!("fault {}", fault_words(f)));
    }
    let bugs: Vec<String> = r
        .latent_bugs
        .iter()
        .map(|b| {
            format!(
                "{} → {}{} {} ({}, after {})",
                b.component,
                b.service,
                if b.host != b.service {
                    format!(" via {}", b.host)
                } else {
                    String::new()
                },
                ratio(b.probability),
                b.effect,
                b.delay
            )
        })
        .collect();
    if !bugs.is_empty() {
        lines.push(format!(
            "latent bugs a change may carry: {}",
            bugs.join("; ")
        ));
    }
    lines
}

/// A step of the team's timings for people: `ci_fast` is `CI fast lane`.
pub fn step_label(step: &str) -> String {
    match step {
        "acknowledge" => "acknowledge a page",
        "write_fix" => "write a fix",
        "ci_fast" => "CI fast lane",
        "ci_full" => "CI full suite",
        "rollback" => "roll back",
        "traffic_switch" => "switch traffic",
        "repair" => "repair data",
        other => return other.replace('_', " "),
    }
    .to_string()
}

/// A fault in words: where, what, where from, and what a fix touches.
fn fault_words(f: &FaultInfo) -> String {
    format!(
        "{} on {}{}{}: {} from {}, {}; {}; a fix under pressure touches {}, a calm fix {}",
        f.name,
        f.service,
        f.path
            .as_ref()
            .map(|p| format!(" ({p})"))
            .unwrap_or_default(),
        f.guarded_by
            .as_ref()
            .map(|g| format!(", guarded by flag {g}"))
            .unwrap_or_default(),
        f.effect,
        f.onset_seconds.map_or_else(
            || "the moment a drill's facilitator injects it (optional)".into(),
            seconds
        ),
        if f.origin == "last_release" {
            "came with the last release"
        } else {
            "predates the last release"
        },
        if f.irreversible {
            "irreversible (damaged data stays wrong until repaired)"
        } else {
            "reversible"
        },
        list_or_none(&f.fix_touches),
        list_or_none(&f.calm_fix_touches)
    )
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "nothing".into()
    } else {
        v.join(", ")
    }
}
