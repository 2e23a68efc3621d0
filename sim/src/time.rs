//! Virtual time: instants and durations of the simulated clock, and how to
//! print them as wall-clock times of the incident ("Fri 16:47:00").
//!
//! Time is integer milliseconds since the scenario's start, so arithmetic is
//! exact and replays are bit-for-bit reproducible. Nothing in `sim` reads the
//! host's clock.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

use serde::{Deserialize, Serialize};

/// A span of virtual time, in milliseconds. Never negative.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SimDuration(u64);

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);

    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms)
    }
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * 1000)
    }
    pub const fn from_mins(m: u64) -> Self {
        SimDuration(m * 60_000)
    }
    /// Rounds a non-negative number of seconds to the millisecond; negative
    /// or non-finite inputs become zero.
    pub fn from_secs_f64(s: f64) -> Self {
        if s.is_finite() && s > 0.0 {
            SimDuration((s * 1000.0).round() as u64)
        } else {
            SimDuration(0)
        }
    }
    pub const fn as_millis(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }
    pub fn saturating_sub(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(other.0))
    }
    pub fn mul_f64(self, k: f64) -> SimDuration {
        SimDuration::from_secs_f64(self.as_secs_f64() * k)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(rhs.0))
    }
}

impl fmt::Display for SimDuration {
    /// Compact human form: `45s`, `12m30s`, `2h05m`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total_s = self.0 / 1000;
        let ms = self.0 % 1000;
        let (h, m, s) = (total_s / 3600, (total_s / 60) % 60, total_s % 60);
        if h > 0 {
            write!(f, "{h}h{m:02}m")
        } else if m > 0 {
            if s > 0 {
                write!(f, "{m}m{s:02}s")
            } else {
                write!(f, "{m}m")
            }
        } else if s == 0 && ms % 100 != 0 {
            // Under a second and finer than a tenth: `1ms`, `250ms`, never
            // a `0.0s` that reads as nothing.
            write!(f, "{ms}ms")
        } else if ms > 0 && s < 10 {
            write!(f, "{}.{}s", s, ms / 100)
        } else {
            write!(f, "{s}s")
        }
    }
}

/// An instant of virtual time: milliseconds since the scenario's start.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SimTime(u64);

impl SimTime {
    pub const START: SimTime = SimTime(0);

    pub const fn from_millis(ms: u64) -> Self {
        SimTime(ms)
    }
    pub const fn as_millis(self) -> u64 {
        self.0
    }
    /// Time elapsed since the scenario's start.
    pub const fn since_start(self) -> SimDuration {
        SimDuration(self.0)
    }
    /// `self - earlier`, or zero if `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, rhs: SimDuration) {
        self.0 = self.0.saturating_add(rhs.0);
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, rhs: SimTime) -> SimDuration {
        self.saturating_since(rhs)
    }
}

/// Maps virtual instants onto the incident's calendar, for timelines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WallClock {
    start: jiff::civil::DateTime,
}

impl WallClock {
    pub fn new(start: jiff::civil::DateTime) -> Self {
        WallClock { start }
    }
    pub fn start(&self) -> jiff::civil::DateTime {
        self.start
    }
    /// The civil date-time of a virtual instant (saturating at the calendar's end).
    pub fn at(&self, t: SimTime) -> jiff::civil::DateTime {
        let span = jiff::SignedDuration::from_millis(t.as_millis().min(i64::MAX as u64) as i64);
        self.start
            .checked_add(span)
            .unwrap_or(jiff::civil::DateTime::MAX)
    }
    /// The moment `text` names, after the start: a clock time like 17:30
    /// or 17:30:15 (on the start's day, or the next day if earlier than
    /// the start), or an offset like +45m. The error says what was wrong
    /// and shows both forms.
    pub fn moment(&self, text: &str) -> Result<SimDuration, String> {
        let text = text.trim();
        if let Some(offset) = text.strip_prefix('+') {
            return humantime::parse_duration(offset.trim())
                .map(|d| SimDuration::from_millis(d.as_millis().min(u64::MAX as u128) as u64))
                .map_err(|e| {
                    format!("cannot read `{text}`: {e} (hint: a clock time like 17:30 or an offset like +45m)")
                });
        }
        let time: jiff::civil::Time = text.parse().map_err(|e| {
            format!("cannot read `{text}` as a clock time: {e} (hint: 17:30, 17:30:15 or +45m)")
        })?;
        let mut when = self.start.date().to_datetime(time);
        if when < self.start {
            when = when
                .checked_add(jiff::Span::new().days(1))
                .map_err(|e| e.to_string())?;
        }
        let ms = self.start.duration_until(when).as_millis().max(0);
        Ok(SimDuration::from_millis(ms as u64))
    }

    /// "Fri 16:47:00"
    pub fn label(&self, t: SimTime) -> String {
        self.at(t).strftime("%a %H:%M:%S").to_string()
    }
    /// RFC 3339 in UTC, as REST APIs write timestamps: "2026-11-20T16:47:00Z".
    pub fn rfc3339(&self, t: SimTime) -> String {
        self.at(t).strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    /// Seconds since the Unix epoch, treating the scenario's civil start as UTC.
    /// This is the `time` the Prometheus fake speaks.
    pub fn unix_seconds(&self, t: SimTime) -> f64 {
        let start = self
            .start
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(0);
        (start as f64 + t.as_millis() as f64) / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_compactly() {
        assert_eq!(SimDuration::from_secs(45).to_string(), "45s");
        assert_eq!(SimDuration::from_secs(750).to_string(), "12m30s");
        assert_eq!(SimDuration::from_mins(5).to_string(), "5m");
        assert_eq!(SimDuration::from_secs(7500).to_string(), "2h05m");
        assert_eq!(SimDuration::from_millis(1500).to_string(), "1.5s");
        assert_eq!(SimDuration::from_millis(1).to_string(), "1ms", "never 0.0s");
        assert_eq!(SimDuration::from_millis(250).to_string(), "250ms");
        assert_eq!(SimDuration::from_millis(500).to_string(), "0.5s");
        assert_eq!(SimDuration::ZERO.to_string(), "0s");
    }

    #[test]
    fn wall_clock_labels_weekday_and_time() {
        let start: jiff::civil::DateTime = "2026-11-20T16:47:00".parse().unwrap();
        let clock = WallClock::new(start);
        assert_eq!(clock.label(SimTime::START), "Fri 16:47:00");
        assert_eq!(
            clock.label(SimTime::START + SimDuration::from_mins(30)),
            "Fri 17:17:00"
        );
        assert_eq!(
            clock.label(SimTime::START + SimDuration::from_mins(8 * 60)),
            "Sat 00:47:00"
        );
        assert_eq!(
            clock.rfc3339(SimTime::START + SimDuration::from_secs(5)),
            "2026-11-20T16:47:05Z"
        );
    }

    #[test]
    fn subtraction_saturates() {
        let a = SimTime::from_millis(10);
        let b = SimTime::from_millis(20);
        assert_eq!(a - b, SimDuration::ZERO);
        assert_eq!(b - a, SimDuration::from_millis(10));
    }
}
