//! Takeover: the built-in responders play a strategy up to a moment, in
//! process and instantly, then the people take the live incident from
//! that world state.
//!
//! The world keeps the scenario's full horizon (a frozen `mocks
//! --strategy` world is clipped there, which is why waiting on it answers
//! 409); only the responders' control plane stops at the handover: a wait
//! that would cross it ends the response as a horizon would.

use gameday_sim::control::{ControlPlane, CpError, InProcess, Note, WaitFor, Waited};
use gameday_sim::engine::respond;
use gameday_sim::prob::Ratio;
use gameday_sim::scenario::Scenario;
use gameday_sim::strategy::{CiLane, Ended, Policy};
use gameday_sim::time::{SimDuration, SimTime};
use gameday_sim::world::{AppView, Diagnosis, PullRequestView, Release, World};

use crate::sim::SharedWorld;

/// A world where `policy`'s responders acted until `at` after the start,
/// and how their response ended (`Ended::Horizon` when they were still at
/// work at the handover).
pub fn handed_over(
    scenario: Scenario,
    seed: u64,
    at: SimDuration,
    policy: &Policy,
) -> Result<(SharedWorld, Ended), String> {
    let scenario: &'static Scenario = Box::leak(Box::new(scenario));
    let (world, ended) = handed_over_world(scenario, seed, at, policy)?;
    Ok((SharedWorld::of(world), ended))
}

/// [`handed_over`] on a scenario that lives as long as the world: what a
/// replay of a takeover journal rebuilds before the people's requests.
pub fn handed_over_world(
    scenario: &'static Scenario,
    seed: u64,
    at: SimDuration,
    policy: &Policy,
) -> Result<(World<'static>, Ended), String> {
    if at >= scenario.horizon {
        return Err(format!(
            "--handover is {at} after the start, past the scenario's horizon ({})",
            scenario.horizon
        ));
    }
    let mut world = World::new(scenario, seed);
    let handover = SimTime::START + at;
    let ended = {
        let mut cp = UntilHandover {
            inner: InProcess::new(&mut world),
            at: handover,
        };
        respond(&mut cp, scenario, policy, seed)
    };
    // A response that ended early (settled, stopped) leaves the world
    // before the handover; nobody acts in between. `at` is before the
    // horizon, so this cannot halt.
    if world.now() < handover {
        let _ = world.advance_to(handover);
    }
    Ok((world, ended))
}

/// The in-process control plane, closed at the handover.
struct UntilHandover<'w, 's> {
    inner: InProcess<'w, 's>,
    at: SimTime,
}

impl ControlPlane for UntilHandover<'_, '_> {
    fn now(&mut self) -> Result<SimTime, CpError> {
        self.inner.now()
    }
    fn wait(&mut self, until: &WaitFor, timeout: SimDuration) -> Result<Waited, CpError> {
        let now = self.inner.now()?;
        if now >= self.at {
            return Err(CpError::Halted);
        }
        let room = self.at - now;
        if timeout <= room {
            return self.inner.wait(until, timeout);
        }
        match self.inner.wait(until, room)? {
            Waited::TimedOut => Err(CpError::Halted),
            met => Ok(met),
        }
    }
    fn firing_alerts(&mut self) -> Result<Vec<String>, CpError> {
        self.inner.firing_alerts()
    }
    fn error_ratio(
        &mut self,
        service: &str,
        version: Option<&str>,
        window: SimDuration,
    ) -> Result<(Option<f64>, u64), CpError> {
        self.inner.error_ratio(service, version, window)
    }
    fn acknowledge(&mut self, service: &str) -> Result<(), CpError> {
        self.inner.acknowledge(service)
    }
    fn diagnose(&mut self, service: &str) -> Result<Diagnosis, CpError> {
        self.inner.diagnose(service)
    }
    fn open_pull_request(
        &mut self,
        culprit: u32,
        rework_of: Option<u32>,
    ) -> Result<PullRequestView, CpError> {
        self.inner.open_pull_request(culprit, rework_of)
    }
    fn pull_request(&mut self, number: u32) -> Result<PullRequestView, CpError> {
        self.inner.pull_request(number)
    }
    fn request_review(&mut self, number: u32) -> Result<(), CpError> {
        self.inner.request_review(number)
    }
    fn run_checks(&mut self, number: u32, lane: CiLane) -> Result<(), CpError> {
        self.inner.run_checks(number, lane)
    }
    fn merge(&mut self, number: u32) -> Result<(), CpError> {
        self.inner.merge(number)
    }
    fn close_pull_request(&mut self, number: u32) -> Result<(), CpError> {
        self.inner.close_pull_request(number)
    }
    fn application(&mut self, app: &str) -> Result<AppView, CpError> {
        self.inner.application(app)
    }
    fn deploy(&mut self, number: u32, release: &Release) -> Result<(), CpError> {
        self.inner.deploy(number, release)
    }
    fn set_weight(&mut self, number: u32, weight: Ratio) -> Result<(), CpError> {
        self.inner.set_weight(number, weight)
    }
    fn promote(&mut self, number: u32) -> Result<(), CpError> {
        self.inner.promote(number)
    }
    fn abort(&mut self, number: u32) -> Result<(), CpError> {
        self.inner.abort(number)
    }
    fn rollback_change(&mut self, number: u32) -> Result<(), CpError> {
        self.inner.rollback_change(number)
    }
    fn rollback_release(&mut self, app: &str) -> Result<(), CpError> {
        self.inner.rollback_release(app)
    }
    fn switch(&mut self, number: u32, to_new: bool) -> Result<(), CpError> {
        self.inner.switch(number, to_new)
    }
    fn smoke_test(&mut self, number: u32) -> Result<(), CpError> {
        self.inner.smoke_test(number)
    }
    fn set_flag(&mut self, flag: &str, enabled: bool) -> Result<(), CpError> {
        self.inner.set_flag(flag, enabled)
    }
    fn repair(&mut self, service: &str) -> Result<(), CpError> {
        self.inner.repair(service)
    }
    fn note(&mut self, kind: Note, text: &str) -> Result<(), CpError> {
        self.inner.note(kind, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gameday_sim::engine::replay;
    use gameday_sim::scenario::friday_cascade;
    use gameday_sim::strategy::presets::preset;

    #[test]
    fn should_hand_over_the_strategys_world_with_the_full_horizon() {
        let sc = friday_cascade();
        let direct = preset("direct", &sc).unwrap();
        let at = SimDuration::from_mins(43); // 17:30
        let (world, ended) = handed_over(sc.clone(), 11, at, &direct).unwrap();
        assert_eq!(ended, Ended::Horizon, "still at work at the handover");
        let mut w = world.lock();
        assert_eq!(w.now(), SimTime::START + at);
        assert_eq!(w.horizon(), SimTime::START + sc.horizon, "not clipped");
        // The responders' journal up to the handover is the replay's.
        let full = replay(&sc, &direct, 11);
        let mine: Vec<String> = w
            .journal()
            .entries()
            .iter()
            .map(|e| e.text.clone())
            .collect();
        let theirs: Vec<String> = full
            .timeline
            .iter()
            .filter(|e| e.at_ms <= at.as_millis())
            .map(|e| e.entry.text.clone())
            .collect();
        assert_eq!(mine, theirs);
        // And the world moves on when the people wait.
        let later = w.now() + SimDuration::from_mins(1);
        assert!(w.advance_to(later).is_ok());
    }

    #[test]
    fn should_refuse_a_handover_past_the_horizon() {
        let sc = friday_cascade();
        let direct = preset("direct", &sc).unwrap();
        let e = handed_over(sc.clone(), 1, sc.horizon, &direct).unwrap_err();
        assert!(e.contains("--handover") && e.contains("horizon"), "{e}");
    }
}
