//! The drill's live status on the terminal, rendered from
//! [`gameday_mocks::drill::status::Status`]: a full block for a terminal
//! that is redrawn every second, one line for a log.

use std::fmt::Write as _;

use gameday_mocks::drill::status::{pct, Status};

/// The full status block; `keys` adds the key legend.
pub fn block(s: &Status, keys: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "gameday drill · {} · {} (+{}) · speed {} · {}",
        s.scenario,
        s.clock,
        s.since_start,
        s.speed,
        s.state.word()
    );
    let _ = writeln!(out, "firing: {}", s.firing_phrase());
    let _ = writeln!(
        out,
        "{:<12} {:>12} {:>10}  health",
        "service",
        format!("errors {}", s.window),
        "allowed"
    );
    for r in &s.services {
        let _ = writeln!(
            out,
            "{:<12} {:>12} {:>10}  {}",
            r.name,
            pct(r.ratio),
            pct(Some(r.allowed)),
            r.health().word()
        );
    }
    let _ = writeln!(
        out,
        "in flight: {}",
        if s.in_flight.is_empty() {
            "nothing".into()
        } else {
            s.in_flight.join("; ")
        }
    );
    let _ = writeln!(out, "recent:");
    for e in &s.recent {
        let _ = writeln!(out, "  {}  {:<10} {}", e.clock, e.actor, e.text);
    }
    if keys {
        let _ = writeln!(out, "p pause/resume · q end · Ctrl-C end");
    }
    out
}

/// One status line, for output that is not a terminal.
pub fn line(s: &Status) -> String {
    let services: Vec<String> = s
        .services
        .iter()
        .map(|r| format!("{} {}", r.name, pct(r.ratio)))
        .collect();
    format!(
        "[{} +{} · {} · {}] firing: {} · errors: {} · in flight: {}",
        s.clock,
        s.since_start,
        s.speed,
        s.state.word(),
        s.firing_phrase(),
        services.join(", "),
        s.in_flight.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use gameday_mocks::drill::driver::DrillState;
    use gameday_mocks::drill::Speed;
    use gameday_sim::scenario::friday_cascade;
    use gameday_sim::time::{SimDuration, SimTime};
    use gameday_sim::world::World;

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
        let s = Status::of(&w, &state());
        let b = block(&s, true);
        assert!(
            b.contains("Fri 16:52:00 (+5m) · speed 10x · running"),
            "{b}"
        );
        assert!(b.contains("firing: payment since Fri 16:48:15"), "{b}");
        assert!(b.contains("outside SLO"), "{b}");
        assert!(b.contains("p pause/resume"), "{b}");
        assert!(!b.contains("payment-v2-declines"), "no free answers: {b}");
        let l = line(&s);
        assert!(l.starts_with("[Fri 16:52:00 +5m · 10x · running]"), "{l}");
    }
}
