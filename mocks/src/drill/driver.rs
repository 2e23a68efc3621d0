//! The wall-clock driver of a drill: moves the shared world's virtual
//! time so that virtual elapsed = speed × wall elapsed, not counting the
//! time spent paused, in bounded steps so the fakes' requests get the
//! world's lock in between; and pauses, resumes and ends the drill.
//!
//! This is the drill's clock seam: the world itself only ever sees
//! `advance_to(t)`, exactly as in a replay. Lock order, everywhere: the
//! world, then the driver's state, then the timebase.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use gameday_sim::time::{SimDuration, SimTime};

use super::clock::Clock;
use super::speed::Speed;
use crate::sim::SharedWorld;
use crate::timebase::{DrillTime, Timebase, TooManyPauses};

/// Why a drill ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The world reached the scenario's horizon.
    Horizon,
    /// Someone ended it; the text says who or how (`POST
    /// /gameday/v1/end`, the `q` key, Ctrl-C).
    EndedBy(String),
}

/// What one [`Driver::tick`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tick {
    /// Advanced one bounded step and is still behind the wall clock: tick
    /// again soon.
    Behind,
    /// The world is where the wall clock says it should be.
    CaughtUp,
    /// Paused: virtual time stands still.
    Paused,
    /// The drill is over.
    Ended(Ending),
}

/// A pause, resume or end that cannot be done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DriverError {
    #[error("the drill has ended")]
    Ended,
    #[error(transparent)]
    TooManyPauses(#[from] TooManyPauses),
}

/// Where a drill stands, for status lines and the control API.
#[derive(Debug, Clone, PartialEq)]
pub struct DrillState {
    pub speed: Speed,
    pub paused: bool,
    pub ended: Option<Ending>,
    /// Wall time spent paused so far.
    pub paused_for: Duration,
    pub pauses: u32,
}

#[derive(Debug)]
struct State {
    /// The virtual instant and the wall instant the current run started at.
    run_from: (SimTime, Instant),
    paused_since: Option<Instant>,
    paused_for: Duration,
    pauses: u32,
    ended: Option<Ending>,
    timebase: DrillTime,
}

/// Drives a shared world on a clock.
#[derive(Debug)]
pub struct Driver {
    clock: Arc<dyn Clock>,
    speed: Speed,
    /// The most virtual time one tick advances under the world's lock.
    max_step: SimDuration,
    /// The drill's wall start, and the Unix time read then.
    anchor: (Instant, i64),
    state: Mutex<State>,
}

impl Driver {
    /// The default bound on one step: a scrape interval's worth of events
    /// at most, so a request waits for the lock no longer than that takes.
    pub fn default_step(world: &SharedWorld) -> SimDuration {
        world.lock().scenario().scrape_interval
    }

    /// Starts driving `world` from its current instant, now; the fakes
    /// stamp times in drill wall time from here on.
    pub fn start(
        world: &SharedWorld,
        clock: Arc<dyn Clock>,
        speed: Speed,
        max_step: SimDuration,
    ) -> Driver {
        let w = world.lock();
        let now = clock.now();
        let unix = clock.unix_ms();
        let timebase = DrillTime::new(speed.get(), w.now(), unix);
        world.set_timebase(Timebase::Drill(timebase.clone()));
        Driver {
            speed,
            max_step: max_step.max(SimDuration::from_millis(1)),
            anchor: (now, unix),
            state: Mutex::new(State {
                run_from: (w.now(), now),
                paused_since: None,
                paused_for: Duration::ZERO,
                pauses: 0,
                ended: None,
                timebase,
            }),
            clock,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn unix_ms_at(&self, at: Instant) -> i64 {
        let since = at.saturating_duration_since(self.anchor.0);
        self.anchor.1 + since.as_millis().min(i64::MAX as u128) as i64
    }

    /// Where the world should be now, as the wall clock says.
    fn target(&self, st: &State, now: Instant) -> SimTime {
        let (from, wall) = st.run_from;
        let ran = now.saturating_duration_since(wall).as_secs_f64();
        from + SimDuration::from_secs_f64(ran * self.speed.get())
    }

    /// Advances the world by at most one bounded step towards where the
    /// wall clock says it should be.
    pub fn tick(&self, world: &SharedWorld) -> Tick {
        let mut w = world.lock();
        let mut st = self.state();
        if let Some(e) = &st.ended {
            return Tick::Ended(e.clone());
        }
        if st.paused_since.is_some() {
            return Tick::Paused;
        }
        let target = self.target(&st, self.clock.now());
        if w.now() >= target {
            return Tick::CaughtUp;
        }
        let goal = target.min(w.now() + self.max_step);
        let halted = w.advance_to(goal).is_err();
        if let Some(r) = world.recorder() {
            r.events(&w);
        }
        if halted {
            st.ended = Some(Ending::Horizon);
            return Tick::Ended(Ending::Horizon);
        }
        if goal < target {
            Tick::Behind
        } else {
            Tick::CaughtUp
        }
    }

    /// Stops virtual time (idempotent). Returns whether it was running.
    pub fn pause(&self, world: &SharedWorld) -> Result<bool, DriverError> {
        let _w = world.lock();
        let mut st = self.state();
        if st.ended.is_some() {
            return Err(DriverError::Ended);
        }
        if st.paused_since.is_some() {
            return Ok(false);
        }
        st.paused_since = Some(self.clock.now());
        st.pauses += 1;
        Ok(true)
    }

    /// Lets virtual time run again from where the world stands
    /// (idempotent). Returns whether it was paused.
    pub fn resume(&self, world: &SharedWorld) -> Result<bool, DriverError> {
        let w = world.lock();
        let mut st = self.state();
        if st.ended.is_some() {
            return Err(DriverError::Ended);
        }
        let Some(since) = st.paused_since else {
            return Ok(false);
        };
        let now = self.clock.now();
        st.timebase.resume(w.now(), self.unix_ms_at(now))?;
        world.set_timebase(Timebase::Drill(st.timebase.clone()));
        st.paused_for += now.saturating_duration_since(since);
        st.paused_since = None;
        st.run_from = (w.now(), now);
        Ok(true)
    }

    /// Ends the drill (the first reason given wins).
    pub fn end(&self, world: &SharedWorld, why: impl Into<String>) {
        let _w = world.lock();
        let mut st = self.state();
        if st.ended.is_none() {
            if let Some(since) = st.paused_since.take() {
                st.paused_for += self.clock.now().saturating_duration_since(since);
            }
            st.ended = Some(Ending::EndedBy(why.into()));
        }
    }

    /// Where the drill stands.
    pub fn state_now(&self) -> DrillState {
        let st = self.state();
        let paused_for = st.paused_for
            + st.paused_since
                .map(|s| self.clock.now().saturating_duration_since(s))
                .unwrap_or_default();
        DrillState {
            speed: self.speed,
            paused: st.paused_since.is_some(),
            ended: st.ended.clone(),
            paused_for,
            pauses: st.pauses,
        }
    }

    pub fn speed(&self) -> Speed {
        self.speed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::clock::ManualClock;
    use gameday_sim::scenario::friday_cascade;

    fn drill(speed: f64) -> (SharedWorld, Arc<ManualClock>, Driver) {
        let world = SharedWorld::new(friday_cascade(), 4);
        let clock = Arc::new(ManualClock::new(1_700_000_000_000));
        let step = Driver::default_step(&world);
        let d = Driver::start(&world, clock.clone(), Speed::new(speed).unwrap(), step);
        (world, clock, d)
    }

    /// Ticks until the driver stops being behind.
    fn settle(world: &SharedWorld, d: &Driver) -> (Tick, u32) {
        let mut n = 0;
        loop {
            n += 1;
            match d.tick(world) {
                Tick::Behind => continue,
                other => return (other, n),
            }
        }
    }

    fn now_ms(world: &SharedWorld) -> u64 {
        world.lock().now().as_millis()
    }

    #[test]
    fn should_apply_the_events_due_now_before_a_request_sees_the_world() {
        // A request that comes before the driver's first tick (or between
        // two ticks in one millisecond) sees the world as a replay will:
        // with the events due at its instant done.
        let (world, _clock, d) = drill(60.0);
        let world = world.with_driver(Arc::new(d));
        let w = world.lock();
        assert_eq!(w.now().as_millis(), 0);
        let first = w.journal().entries().first().map(|e| e.text.clone());
        assert!(
            first.as_deref().is_some_and(|t| t.contains("begins")),
            "the fault due at 0 ms has begun: {first:?}"
        );
    }

    #[test]
    fn should_run_virtual_time_at_speed_times_wall_time() {
        let (world, clock, d) = drill(60.0);
        assert_eq!(d.tick(&world), Tick::CaughtUp);
        clock.advance(Duration::from_secs(2));
        settle(&world, &d);
        assert_eq!(now_ms(&world), 120_000, "2 wall seconds at 60x");
        // The fakes' now is the wall clock's now.
        let tb = world.timebase();
        assert_eq!(tb.unix_ms(world.lock().now()), 1_700_000_002_000);
    }

    #[test]
    fn should_advance_in_bounded_steps_so_requests_get_the_lock() {
        let (world, clock, d) = drill(600.0);
        clock.advance(Duration::from_secs(1));
        let first = d.tick(&world);
        assert_eq!(first, Tick::Behind);
        assert_eq!(now_ms(&world), 15_000, "one scrape interval per step");
        let (last, steps) = settle(&world, &d);
        assert_eq!(last, Tick::CaughtUp);
        assert_eq!(steps, 600 / 15 - 1);
        assert_eq!(now_ms(&world), 600_000);
    }

    #[test]
    fn should_not_count_paused_time() {
        let (world, clock, d) = drill(10.0);
        clock.advance(Duration::from_secs(3));
        settle(&world, &d);
        assert!(d.pause(&world).unwrap());
        assert!(!d.pause(&world).unwrap(), "pausing twice is harmless");
        clock.advance(Duration::from_secs(100));
        assert_eq!(d.tick(&world), Tick::Paused);
        assert_eq!(now_ms(&world), 30_000);
        assert!(d.resume(&world).unwrap());
        clock.advance(Duration::from_secs(1));
        settle(&world, &d);
        assert_eq!(now_ms(&world), 40_000, "the pause cost no virtual time");
        let s = d.state_now();
        assert_eq!((s.paused, s.pauses), (false, 1));
        assert_eq!(s.paused_for, Duration::from_secs(100));
        // Timestamps after the pause are wall-clock now again.
        let t = world.lock().now();
        assert_eq!(world.timebase().unix_ms(t), 1_700_000_104_000);
    }

    #[test]
    fn should_end_at_the_horizon() {
        let (world, clock, d) = drill(600.0);
        let horizon = world.lock().horizon().as_millis();
        clock.advance(Duration::from_millis(horizon / 600 + 1_000));
        let (last, _) = settle(&world, &d);
        assert_eq!(last, Tick::Ended(Ending::Horizon));
        assert_eq!(now_ms(&world), horizon);
        assert_eq!(d.pause(&world), Err(DriverError::Ended));
    }

    #[test]
    fn should_end_when_asked_and_keep_the_first_reason() {
        let (world, _clock, d) = drill(1.0);
        d.pause(&world).unwrap();
        d.end(&world, "POST /gameday/v1/end");
        d.end(&world, "Ctrl-C");
        let why = Ending::EndedBy("POST /gameday/v1/end".into());
        assert_eq!(d.tick(&world), Tick::Ended(why.clone()));
        assert_eq!(d.state_now().ended, Some(why));
        assert_eq!(d.resume(&world), Err(DriverError::Ended));
    }
}
