//! The wall clock a drill's world runs on, injected: [`SystemClock`] for
//! real drills, [`ManualClock`] for tests that move time by hand.
//!
//! This is the only place a drill reads the host's clock; `gameday-sim`
//! never does.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A source of wall-clock time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// A monotonic instant: what drill time is measured with.
    fn now(&self) -> Instant;
    /// Milliseconds since the Unix epoch now: read once, when a drill
    /// starts, to anchor the timestamps the fakes publish.
    fn unix_ms(&self) -> i64;
}

/// The host's clocks.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn unix_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis().min(i64::MAX as u128) as i64)
            .unwrap_or(0)
    }
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct ManualClock {
    base: Instant,
    unix_base_ms: i64,
    elapsed: Mutex<Duration>,
}

impl ManualClock {
    /// A clock whose Unix time reads `unix_base_ms` until advanced.
    pub fn new(unix_base_ms: i64) -> Self {
        ManualClock {
            base: Instant::now(),
            unix_base_ms,
            elapsed: Mutex::new(Duration::ZERO),
        }
    }

    /// Moves the clock `d` forward.
    pub fn advance(&self, d: Duration) {
        let mut e = self.elapsed.lock().unwrap_or_else(|p| p.into_inner());
        *e = e.saturating_add(d);
    }

    fn elapsed(&self) -> Duration {
        *self.elapsed.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.base + self.elapsed()
    }
    fn unix_ms(&self) -> i64 {
        self.unix_base_ms + self.elapsed().as_millis().min(i64::MAX as u128) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_move_a_manual_clock_only_when_advanced() {
        let c = ManualClock::new(1_000);
        let t0 = c.now();
        assert_eq!(c.now(), t0);
        c.advance(Duration::from_millis(250));
        assert_eq!(c.now() - t0, Duration::from_millis(250));
        assert_eq!(c.unix_ms(), 1_250);
    }
}
