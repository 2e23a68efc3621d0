//! The simulated world behind the fakes: one [`World`] shared by every fake
//! of a session, so a merge on the GitHub fake is the deploy Argo CD syncs
//! and the counters Prometheus serves, with the [`Timebase`] they stamp
//! its instants with.

use std::sync::{Arc, Mutex, MutexGuard};

use gameday_sim::control::InProcess;
use gameday_sim::engine::respond;
use gameday_sim::scenario::Scenario;
use gameday_sim::strategy::Policy;
use gameday_sim::time::{SimDuration, SimTime};
use gameday_sim::world::World;

use crate::access::{Access, Credential};
use crate::drill::Driver;
use crate::timebase::Timebase;

/// A world shared between fakes (cheap to clone).
#[derive(Debug, Clone)]
pub struct SharedWorld {
    inner: Arc<Mutex<World<'static>>>,
    /// Locked after the world, never before it, when both are needed.
    timebase: Arc<Mutex<Timebase>>,
    /// In a drill, what drives the world's clock.
    driver: Option<Arc<Driver>>,
    /// In a drill with `--journal`, where requests and events are written.
    recorder: Option<Arc<crate::journal::Recorder>>,
    /// In a drill, who may call (players and the facilitator).
    access: Option<Arc<Access>>,
}

impl SharedWorld {
    /// A fresh world for `scenario` and `seed`. The scenario is kept for
    /// the life of the process, as the fakes' world borrows it.
    pub fn new(scenario: Scenario, seed: u64) -> Self {
        let scenario: &'static Scenario = Box::leak(Box::new(scenario));
        Self::of(World::new(scenario, seed))
    }

    /// Shares a world already built, stamped with its scenario's calendar.
    pub fn of(world: World<'static>) -> Self {
        SharedWorld {
            timebase: Arc::new(Mutex::new(Timebase::Scenario(world.scenario().clock))),
            inner: Arc::new(Mutex::new(world)),
            driver: None,
            recorder: None,
            access: None,
        }
    }

    /// The same world, driven by `driver` (a drill): the control API
    /// answers the drill's endpoints. Clone it into the fakes after this.
    pub fn with_driver(mut self, driver: Arc<Driver>) -> Self {
        self.driver = Some(driver);
        self
    }

    /// The drill's driver, if this world is a drill's.
    pub fn driver(&self) -> Option<&Arc<Driver>> {
        self.driver.as_ref()
    }

    /// A world replayed to `at` after the scenario's start. With a policy,
    /// the responders follow it until `at` and the world stays frozen
    /// there (its horizon); without one, nothing has been done yet and the
    /// world moves on when someone waits.
    pub fn replayed(
        scenario: Scenario,
        seed: u64,
        at: SimDuration,
        policy: Option<&Policy>,
    ) -> Result<Self, String> {
        if at >= scenario.horizon {
            return Err(format!(
                "--at is {at} after the start, past the scenario's horizon ({})",
                scenario.horizon
            ));
        }
        let mut scenario = scenario;
        if policy.is_some() {
            scenario.horizon = at.max(scenario.scrape_interval);
        }
        let scenario: &'static Scenario = Box::leak(Box::new(scenario));
        let mut world = World::new(scenario, seed);
        match policy {
            None => {
                // `at` is before the horizon, so this cannot halt.
                let _ = world.advance_to(SimTime::START + at);
            }
            Some(p) => {
                respond(&mut InProcess::new(&mut world), scenario, p, seed);
            }
        }
        Ok(Self::of(world))
    }

    /// Journals this world's requests and events with `recorder`.
    pub fn with_recorder(mut self, recorder: Arc<crate::journal::Recorder>) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// The same world, called by `access`'s players and facilitator (a
    /// drill): each fake checks a request against the token of the caller
    /// it names, and the journal records the caller.
    pub fn with_access(mut self, access: Arc<Access>) -> Self {
        self.access = Some(access);
        self
    }

    /// The drill's credentials, if it has players.
    pub fn access(&self) -> Option<&Arc<Access>> {
        self.access.as_ref()
    }

    /// The credential `req` names, in a drill (see [`crate::access`]).
    pub fn caller(&self, req: &crate::http::HttpRequest) -> Option<&Credential> {
        self.access.as_ref().and_then(|a| a.identify(req))
    }

    /// The token a fake checks `req` against: its caller's, or the
    /// session's `token` when it names none (and is refused if it needs
    /// one).
    pub fn token_for<'a>(&'a self, req: &crate::http::HttpRequest, token: &'a str) -> &'a str {
        self.caller(req).map_or(token, |c| c.token.as_str())
    }

    /// The drill's journal, if it keeps one.
    pub fn recorder(&self) -> Option<&Arc<crate::journal::Recorder>> {
        self.recorder.as_ref()
    }

    /// Journals a request `fake` answered, with the caller it named, if
    /// the drill keeps a journal. Call it holding the world's lock
    /// (`world` is the locked world).
    pub fn record(
        &self,
        fake: &str,
        req: &crate::http::HttpRequest,
        status: u16,
        world: &World<'_>,
    ) {
        if let Some(r) = &self.recorder {
            let who = self.caller(req).map(|c| c.name.as_str());
            r.request(fake, who, req, status, world);
        }
    }

    /// Exclusive access to the world. A handler that panicked while holding
    /// the lock cannot leave it half-updated in a way that matters more than
    /// refusing every later request, so poisoning is ignored.
    ///
    /// In a drill the world is also brought up to date at its own instant:
    /// the events due at `now` happen before whatever the caller does. A
    /// replay of the drill's journal applies each request after advancing
    /// to its instant, which handles those events first; without this, a
    /// request that raced the driver's next tick (the first one at 0 ms,
    /// or two in one millisecond) would see them after, and the replay
    /// would diverge.
    pub fn lock(&self) -> MutexGuard<'_, World<'static>> {
        let mut w = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if self.driver.is_some() {
            let now = w.now();
            // At the horizon nothing is left to happen; the drill ends.
            let _ = w.advance_to(now);
        }
        w
    }

    /// The timebase the fakes stamp instants with now. Read it while
    /// holding the world's lock, so it matches the world's instant.
    pub fn timebase(&self) -> Timebase {
        self.timebase
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Changes the timebase (a drill starting or resuming). Call it while
    /// holding the world's lock.
    pub fn set_timebase(&self, timebase: Timebase) {
        *self.timebase.lock().unwrap_or_else(|p| p.into_inner()) = timebase;
    }
}
