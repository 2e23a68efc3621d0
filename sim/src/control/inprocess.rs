//! The in-process control plane: calls go straight to the [`World`], and
//! waiting steps the event loop exactly to the instant a condition holds.

use super::{ControlPlane, CpError, Note, WaitFor, Waited};
use crate::prob::Ratio;
use crate::strategy::CiLane;
use crate::time::{SimDuration, SimTime};
use crate::world::{AppView, Diagnosis, PullRequestView, Release, World};

/// A control plane over a world in the same process.
#[derive(Debug)]
pub struct InProcess<'w, 's> {
    world: &'w mut World<'s>,
    calls: u64,
}

impl<'w, 's> InProcess<'w, 's> {
    pub fn new(world: &'w mut World<'s>) -> Self {
        InProcess { world, calls: 0 }
    }
    /// Control-plane calls made so far.
    pub fn calls(&self) -> u64 {
        self.calls
    }

    /// Whether `until` holds now. Called after every event while waiting,
    /// so it asks the world cheap, allocation-free questions.
    fn holds(&self, until: &WaitFor) -> bool {
        let w = &*self.world;
        match until {
            WaitFor::Time => false,
            WaitFor::AlertFiring { except } => w.any_alert_firing_except(except),
            WaitFor::AlertResolved { service } => !w.alert_firing(service),
            WaitFor::PullRequestSettled { number } => w.pull_request_settled(*number),
            WaitFor::AppsIdle { apps } => apps.iter().all(|a| !w.app_busy_named(a)),
            WaitFor::FlagPropagated { flag } => w.flag_propagated(flag),
            WaitFor::RepairDone { service } => !w.repair_running(service),
            WaitFor::NextPage => w.any_alert_firing_except(&[]),
            WaitFor::AnyOf(all) => all
                .iter()
                .any(|u| !matches!(u, WaitFor::AnyOf(_)) && self.holds(u)),
        }
    }
}

impl ControlPlane for InProcess<'_, '_> {
    fn now(&mut self) -> Result<SimTime, CpError> {
        self.calls += 1;
        Ok(self.world.now())
    }

    fn wait(&mut self, until: &WaitFor, timeout: SimDuration) -> Result<Waited, CpError> {
        self.calls += 1;
        let deadline = self.world.now() + timeout;
        loop {
            if self.holds(until) {
                return Ok(Waited::Met);
            }
            if *until == WaitFor::NextPage && self.world.settled() {
                return Ok(Waited::Settled);
            }
            if self.world.now() >= deadline {
                return Ok(Waited::TimedOut);
            }
            self.world.step(deadline).map_err(|_| CpError::Halted)?;
        }
    }

    fn firing_alerts(&mut self) -> Result<Vec<String>, CpError> {
        self.calls += 1;
        Ok(self
            .world
            .firing_alerts()
            .into_iter()
            .map(|(s, _)| s)
            .collect())
    }

    fn error_ratio(
        &mut self,
        service: &str,
        version: Option<&str>,
        window: SimDuration,
    ) -> Result<(Option<f64>, u64), CpError> {
        self.calls += 1;
        Ok(self.world.error_ratio(service, version, window)?)
    }

    fn acknowledge(&mut self, service: &str) -> Result<(), CpError> {
        self.calls += 1;
        Ok(self.world.acknowledge(service)?)
    }

    fn diagnose(&mut self, service: &str) -> Result<Diagnosis, CpError> {
        self.calls += 1;
        Ok(self.world.diagnose(service)?)
    }

    fn open_pull_request(
        &mut self,
        culprit: u32,
        rework_of: Option<u32>,
    ) -> Result<PullRequestView, CpError> {
        self.calls += 1;
        Ok(self.world.open_pull_request(culprit, rework_of)?)
    }

    fn pull_request(&mut self, number: u32) -> Result<PullRequestView, CpError> {
        self.calls += 1;
        Ok(self.world.pull_request(number)?)
    }

    fn request_review(&mut self, number: u32) -> Result<(), CpError> {
        self.calls += 1;
        Ok(self.world.request_review(number)?)
    }

    fn run_checks(&mut self, number: u32, lane: CiLane) -> Result<(), CpError> {
        self.calls += 1;
        Ok(self.world.run_checks(number, lane)?)
    }

    fn merge(&mut self, number: u32) -> Result<(), CpError> {
        self.calls += 1;
        Ok(self.world.merge(number)?)
    }

    fn close_pull_request(&mut self, number: u32) -> Result<(), CpError> {
        self.calls += 1;
        Ok(self.world.close_pull_request(number)?)
    }

    fn application(&mut self, app: &str) -> Result<AppView, CpError> {
        self.calls += 1;
        Ok(self.world.application(app)?)
    }

    fn deploy(&mut self, number: u32, release: &Release) -> Result<(), CpError> {
        self.calls += 1;
        Ok(self.world.deploy_release(number, release)?)
    }

    fn set_weight(&mut self, number: u32, weight: Ratio) -> Result<(), CpError> {
        self.calls += 1;
        Ok(self.world.set_weight(number, weight)?)
    }

    fn promote(&mut self, number: u32) -> Result<(), CpError> {
        self.calls += 1;
        Ok(self.world.promote(number)?)
    }

    fn abort(&mut self, number: u32) -> Result<(), CpError> {
        self.calls += 1;
        Ok(self.world.abort(number)?)
    }

    fn rollback_change(&mut self, number: u32) -> Result<(), CpError> {
        self.calls += 1;
        Ok(self.world.rollback_change(number)?)
    }

    fn rollback_release(&mut self, app: &str) -> Result<(), CpError> {
        self.calls += 1;
        let id = self.world.previous_release(app)?;
        Ok(self.world.rollback_app(app, id)?)
    }

    fn switch(&mut self, number: u32, to_new: bool) -> Result<(), CpError> {
        self.calls += 1;
        Ok(self.world.switch(number, to_new)?)
    }

    fn smoke_test(&mut self, number: u32) -> Result<(), CpError> {
        self.calls += 1;
        Ok(self.world.smoke_test(number)?)
    }

    fn set_flag(&mut self, flag: &str, enabled: bool) -> Result<(), CpError> {
        self.calls += 1;
        Ok(self.world.set_flag(flag, enabled)?)
    }

    fn repair(&mut self, service: &str) -> Result<(), CpError> {
        self.calls += 1;
        Ok(self.world.repair(service)?)
    }

    fn note(&mut self, kind: Note, text: &str) -> Result<(), CpError> {
        self.calls += 1;
        self.world.note(kind, text);
        Ok(())
    }
}
