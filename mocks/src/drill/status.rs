//! The drill's live status, read once off the world and the driver: the
//! virtual clock (the scenario's time of day), speed, paused or not,
//! firing alerts, each service's measured error ratio and health, what is
//! in flight, and the last journal lines the team could see.
//!
//! One model, two views: the terminal's block and log line (in the CLI)
//! and the facilitator's web page ([`super::screen`]). Like the journal
//! endpoint, it shows only what the team could see: measured ratios and
//! alerts, never the fault's name or the hidden risk.

use gameday_sim::world::World;

use super::driver::DrillState;
use super::visible::visible;

/// Journal lines the status shows.
pub const RECENT: usize = 6;

/// Running, paused or ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    Running,
    Paused,
    Ended,
}

impl RunState {
    fn of(s: &DrillState) -> RunState {
        match (&s.ended, s.paused) {
            (Some(_), _) => RunState::Ended,
            (None, true) => RunState::Paused,
            (None, false) => RunState::Running,
        }
    }

    /// The word the status shows (a pause stands out).
    pub fn word(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Paused => "PAUSED",
            RunState::Ended => "ended",
        }
    }
}

/// Whether a service meets its SLO over the alert's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    NoTraffic,
    WithinSlo,
    OutsideSlo,
}

impl Health {
    pub fn word(self) -> &'static str {
        match self {
            Health::NoTraffic => "no traffic seen",
            Health::WithinSlo => "within SLO",
            Health::OutsideSlo => "outside SLO",
        }
    }
}

/// One service's row.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRow {
    pub name: String,
    /// The measured error ratio over the alert's window, if it saw traffic.
    pub ratio: Option<f64>,
    /// The error ratio its SLO allows.
    pub allowed: f64,
}

impl ServiceRow {
    pub fn health(&self) -> Health {
        match self.ratio {
            None => Health::NoTraffic,
            Some(x) if x <= self.allowed => Health::WithinSlo,
            Some(_) => Health::OutsideSlo,
        }
    }
}

/// A firing alert: the service and the clock label it fired at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firing {
    pub service: String,
    pub since: String,
}

/// A journal line the team could see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recent {
    pub clock: String,
    pub actor: String,
    pub text: String,
}

/// The drill's status at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub scenario: String,
    /// The scenario's time of day, e.g. `Fri 16:52:00`.
    pub clock: String,
    /// Virtual time since the scenario's start, e.g. `5m`.
    pub since_start: String,
    /// e.g. `10x`.
    pub speed: String,
    pub state: RunState,
    pub firing: Vec<Firing>,
    /// The alert's window the ratios are measured over, e.g. `2m`.
    pub window: String,
    pub services: Vec<ServiceRow>,
    pub in_flight: Vec<String>,
    /// The last [`RECENT`] visible journal lines, oldest first.
    pub recent: Vec<Recent>,
}

impl Status {
    /// Reads the status off `w` (hold the world's lock) and `s`.
    pub fn of(w: &World<'_>, s: &DrillState) -> Status {
        let sc = w.scenario();
        let window = sc.team.alert.window;
        let services = sc
            .services
            .iter()
            .map(|svc| ServiceRow {
                name: svc.name.clone(),
                ratio: w
                    .error_ratio(&svc.name, None, window)
                    .ok()
                    .and_then(|(r, _)| r),
                allowed: 1.0 - svc.slo.get(),
            })
            .collect();
        let firing = w
            .firing_alerts()
            .into_iter()
            .map(|(service, since)| Firing {
                service,
                since: sc.clock.label(since),
            })
            .collect();
        let shown: Vec<_> = w
            .journal()
            .entries()
            .iter()
            .filter(|e| visible(e))
            .collect();
        let recent = shown[shown.len().saturating_sub(RECENT)..]
            .iter()
            .map(|e| Recent {
                clock: sc.clock.label(e.at),
                actor: e.actor.to_string(),
                text: e.text.clone(),
            })
            .collect();
        Status {
            scenario: sc.name.clone(),
            clock: sc.clock.label(w.now()),
            since_start: w.now().since_start().to_string(),
            speed: s.speed.to_string(),
            state: RunState::of(s),
            firing,
            window: window.to_string(),
            services,
            in_flight: w.in_flight(),
            recent,
        }
    }

    /// The firing alerts as one phrase, `none` when nothing fires.
    pub fn firing_phrase(&self) -> String {
        if self.firing.is_empty() {
            return "none".into();
        }
        self.firing
            .iter()
            .map(|f| format!("{} since {}", f.service, f.since))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A ratio as a percentage, `-` when there is none.
pub fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.2}%", v * 100.0))
        .unwrap_or_else(|| "-".into())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::drill::Speed;
    use gameday_sim::scenario::friday_cascade;
    use gameday_sim::time::{SimDuration, SimTime};

    pub(crate) fn state() -> DrillState {
        DrillState {
            speed: Speed::new(10.0).unwrap(),
            paused: false,
            ended: None,
            paused_for: std::time::Duration::ZERO,
            pauses: 0,
        }
    }

    #[test]
    fn should_read_the_clock_the_alert_and_the_services_without_the_culprit() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 4);
        w.advance_to(SimTime::START + SimDuration::from_mins(5))
            .unwrap();
        let s = Status::of(&w, &state());
        assert_eq!(
            (s.clock.as_str(), s.since_start.as_str()),
            ("Fri 16:52:00", "5m")
        );
        assert_eq!(s.state, RunState::Running);
        assert_eq!(s.firing_phrase(), "payment since Fri 16:48:15");
        let payment = s.services.iter().find(|r| r.name == "payment").unwrap();
        assert_eq!(payment.health(), Health::OutsideSlo);
        assert!(s.recent.len() <= RECENT);
        let all = format!("{s:?}");
        assert!(
            !all.contains("payment-v2-declines"),
            "no free answers: {all}"
        );
    }

    #[test]
    fn should_say_paused_and_ended() {
        let sc = friday_cascade();
        let w = World::new(&sc, 4);
        let mut st = state();
        st.paused = true;
        assert_eq!(Status::of(&w, &st).state.word(), "PAUSED");
        st.ended = Some(crate::drill::Ending::Horizon);
        assert_eq!(Status::of(&w, &st).state.word(), "ended");
        assert_eq!(Status::of(&w, &state()).firing_phrase(), "none");
    }
}
