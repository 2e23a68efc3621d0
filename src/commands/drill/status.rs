//! The drill's live status on the terminal: the virtual clock (the
//! scenario's time of day), speed, paused or not, firing alerts, each
//! service's measured error ratio and health, what is in flight, and the
//! last journal lines the team could see. A full block for a terminal, one
//! line for a log.

use std::fmt::Write as _;

use gameday_mocks::drill::driver::DrillState;
use gameday_mocks::drill::visible::visible;
use gameday_sim::world::World;

/// Journal lines the block shows.
const RECENT: usize = 6;

fn state_word(s: &DrillState) -> &'static str {
    match (&s.ended, s.paused) {
        (Some(_), _) => "ended",
        (None, true) => "PAUSED",
        (None, false) => "running",
    }
}

struct Row {
    name: String,
    ratio: Option<f64>,
    allowed: f64,
}

fn rows(w: &World<'_>) -> Vec<Row> {
    let sc = w.scenario();
    let window = sc.team.alert.window;
    sc.services
        .iter()
        .map(|s| Row {
            name: s.name.clone(),
            ratio: w
                .error_ratio(&s.name, None, window)
                .ok()
                .and_then(|(r, _)| r),
            allowed: 1.0 - s.slo.get(),
        })
        .collect()
}

fn health(r: &Row) -> &'static str {
    match r.ratio {
        None => "no traffic seen",
        Some(x) if x <= r.allowed => "within SLO",
        Some(_) => "outside SLO",
    }
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.2}%", v * 100.0))
        .unwrap_or_else(|| "-".into())
}

fn firing(w: &World<'_>) -> String {
    let f = w.firing_alerts();
    if f.is_empty() {
        return "none".into();
    }
    f.iter()
        .map(|(s, since)| format!("{s} since {}", w.scenario().clock.label(*since)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The full status block.
pub fn block(w: &World<'_>, s: &DrillState, keys: bool) -> String {
    let sc = w.scenario();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "gameday drill · {} · {} (+{}) · speed {} · {}",
        sc.name,
        sc.clock.label(w.now()),
        w.now().since_start(),
        s.speed,
        state_word(s)
    );
    let _ = writeln!(out, "firing: {}", firing(w));
    let _ = writeln!(
        out,
        "{:<12} {:>12} {:>10}  health",
        "service",
        format!("errors {}", sc.team.alert.window),
        "allowed"
    );
    for r in rows(w) {
        let _ = writeln!(
            out,
            "{:<12} {:>12} {:>10}  {}",
            r.name,
            pct(r.ratio),
            pct(Some(r.allowed)),
            health(&r)
        );
    }
    let flight = w.in_flight();
    let _ = writeln!(
        out,
        "in flight: {}",
        if flight.is_empty() {
            "nothing".into()
        } else {
            flight.join("; ")
        }
    );
    let _ = writeln!(out, "recent:");
    let shown: Vec<_> = w
        .journal()
        .entries()
        .iter()
        .filter(|e| visible(e))
        .collect();
    for e in &shown[shown.len().saturating_sub(RECENT)..] {
        let _ = writeln!(
            out,
            "  {}  {:<10} {}",
            sc.clock.label(e.at),
            e.actor.to_string(),
            e.text
        );
    }
    if keys {
        let _ = writeln!(out, "p pause/resume · q end · Ctrl-C end");
    }
    out
}

/// One status line, for output that is not a terminal.
pub fn line(w: &World<'_>, s: &DrillState) -> String {
    let services: Vec<String> = rows(w)
        .iter()
        .map(|r| format!("{} {}", r.name, pct(r.ratio)))
        .collect();
    format!(
        "[{} +{} · {} · {}] firing: {} · errors: {} · in flight: {}",
        w.scenario().clock.label(w.now()),
        w.now().since_start(),
        s.speed,
        state_word(s),
        firing(w),
        services.join(", "),
        w.in_flight().len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use gameday_mocks::drill::Speed;
    use gameday_sim::scenario::friday_cascade;
    use gameday_sim::time::{SimDuration, SimTime};

    fn state() -> DrillState {
        DrillState {
            speed: Speed::new(10.0).unwrap(),
            paused: false,
            ended: None,
            paused_for: std::time::Duration::ZERO,
            pauses: 0,
        }
    }

    #[test]
    fn should_show_the_clock_the_alert_and_the_services_without_the_culprit() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 4);
        w.advance_to(SimTime::START + SimDuration::from_mins(5))
            .unwrap();
        let b = block(&w, &state(), true);
        assert!(
            b.contains("Fri 16:52:00 (+5m) · speed 10x · running"),
            "{b}"
        );
        assert!(b.contains("firing: payment since Fri 16:48:15"), "{b}");
        assert!(b.contains("outside SLO"), "{b}");
        assert!(!b.contains("payment-v2-declines"), "no free answers: {b}");
        let l = line(&w, &state());
        assert!(l.starts_with("[Fri 16:52:00 +5m · 10x · running]"), "{l}");
    }
}
