//! How the fakes turn virtual instants into the timestamps their APIs
//! speak (Prometheus' Unix seconds, GitHub's and Argo CD's RFC 3339).
//!
//! Two timebases:
//! - [`Timebase::Scenario`]: the scenario's own calendar (its start date
//!   and time read as UTC). The frozen `gameday mocks` world and replays
//!   over HTTP use it, so their answers do not depend on the host's clock.
//! - [`Timebase::Drill`]: a live drill, whose world runs on the wall clock.
//!   The drill's wall start is the anchor, and at speed X a virtual span
//!   of `d` is published as `d / X` of wall time, so the world's "now" is
//!   the wall clock's now at any speed: `promtool query instant` with no
//!   `--time`, or Grafana's "last 10 minutes", see the incident. The price
//!   is that at speed X a query window of 5m covers 5·X virtual minutes.
//!
//! A pause stops virtual time while the wall clock goes on; on resume the
//! drill timebase starts a new segment, so timestamps already served never
//! change (as with a real Prometheus) and a pause shows as a gap.
//!
//! The scenario's time of day still labels timelines (journal text, the
//! printed status): that is [`gameday_sim::time::WallClock`], not this.

use gameday_sim::time::{SimTime, WallClock};

/// Pauses a drill can take (each resume adds a segment).
pub const MAX_SEGMENTS: usize = 1024;

/// The mapping from virtual instants to Unix time.
#[derive(Debug, Clone, PartialEq)]
pub enum Timebase {
    /// The scenario's calendar, read as UTC.
    Scenario(WallClock),
    /// A live drill on the wall clock.
    Drill(DrillTime),
}

/// A stretch of a drill during which the world ran without pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    /// The virtual instant the stretch started at.
    from: SimTime,
    /// Unix milliseconds of the wall clock at that instant.
    unix_ms: i64,
}

/// The drill timebase: speed and the stretches between pauses.
#[derive(Debug, Clone, PartialEq)]
pub struct DrillTime {
    speed: f64,
    /// Never empty; `from` strictly increasing.
    segments: Vec<Segment>,
}

/// The drill's timebase is full (see [`MAX_SEGMENTS`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a drill can be paused at most {MAX_SEGMENTS} times")]
pub struct TooManyPauses;

impl DrillTime {
    /// A drill whose world is at `from` when the wall clock reads
    /// `unix_ms`, running at `speed` virtual seconds per wall second
    /// (checked by the caller to be positive and finite).
    pub fn new(speed: f64, from: SimTime, unix_ms: i64) -> Self {
        DrillTime {
            speed,
            segments: vec![Segment { from, unix_ms }],
        }
    }

    /// The world resumes at `from` when the wall clock reads `unix_ms`.
    /// Instants up to `from` keep their timestamps.
    pub fn resume(&mut self, from: SimTime, unix_ms: i64) -> Result<(), TooManyPauses> {
        // Nothing ran since the last resume: that segment only stamps
        // instants after `from`, none served yet, so it can move. The first
        // segment also stamps the history before it, so it stays.
        if self.segments.len() > 1 {
            if let Some(last) = self.segments.last_mut().filter(|l| l.from >= from) {
                last.unix_ms = last.unix_ms.max(unix_ms);
                return Ok(());
            }
        }
        if self.segments.len() >= MAX_SEGMENTS {
            return Err(TooManyPauses);
        }
        self.segments.push(Segment { from, unix_ms });
        Ok(())
    }

    fn unix_ms(&self, t: SimTime) -> i64 {
        // The last segment that started strictly before `t`; instants up to
        // the first segment's start extend it backwards (the history before
        // the drill, e.g. the responders' play before a handover).
        let i = self.segments.partition_point(|s| s.from < t);
        let seg = self.segments[i.saturating_sub(1)];
        let virtual_ms = t.as_millis() as f64 - seg.from.as_millis() as f64;
        seg.unix_ms + (virtual_ms / self.speed).round() as i64
    }
}

impl Timebase {
    /// Unix milliseconds of `t`.
    pub fn unix_ms(&self, t: SimTime) -> i64 {
        match self {
            Timebase::Scenario(clock) => (clock.unix_seconds(t) * 1000.0).round() as i64,
            Timebase::Drill(d) => d.unix_ms(t),
        }
    }

    /// Unix seconds of `t`, as Prometheus writes times.
    pub fn unix_seconds(&self, t: SimTime) -> f64 {
        match self {
            Timebase::Scenario(clock) => clock.unix_seconds(t),
            Timebase::Drill(d) => d.unix_ms(t) as f64 / 1000.0,
        }
    }

    /// RFC 3339 in UTC to the second, as REST APIs write timestamps.
    pub fn rfc3339(&self, t: SimTime) -> String {
        match self {
            Timebase::Scenario(clock) => clock.rfc3339(t),
            Timebase::Drill(d) => jiff::Timestamp::from_millisecond(d.unix_ms(t))
                .unwrap_or(jiff::Timestamp::MAX)
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gameday_sim::time::SimDuration;

    const T0: i64 = 1_700_000_000_000;

    fn at(ms: u64) -> SimTime {
        SimTime::from_millis(ms)
    }

    #[test]
    fn should_keep_the_scenario_calendar_for_frozen_worlds() {
        let clock = WallClock::new("2026-11-20T16:47:00".parse().unwrap());
        let tb = Timebase::Scenario(clock);
        let t = SimTime::START + SimDuration::from_secs(5);
        assert_eq!(tb.rfc3339(t), clock.rfc3339(t));
        assert_eq!(tb.unix_seconds(t), clock.unix_seconds(t));
    }

    #[test]
    fn should_publish_virtual_time_divided_by_speed_after_the_anchor() {
        let tb = Timebase::Drill(DrillTime::new(60.0, at(600_000), T0));
        assert_eq!(tb.unix_ms(at(600_000)), T0);
        // One virtual minute later is one wall second later.
        assert_eq!(tb.unix_ms(at(660_000)), T0 + 1000);
        // History before the anchor (a handover) is compressed too.
        assert_eq!(tb.unix_ms(at(0)), T0 - 10_000);
        assert_eq!(
            tb.rfc3339(at(600_000)),
            jiff::Timestamp::from_millisecond(T0)
                .unwrap()
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        );
    }

    #[test]
    fn should_not_restamp_what_was_served_before_a_pause() {
        let mut d = DrillTime::new(1.0, at(0), T0);
        let before = Timebase::Drill(d.clone()).unix_ms(at(10_000));
        // Paused at 10s virtual for 30s of wall time.
        d.resume(at(10_000), T0 + 40_000).unwrap();
        let tb = Timebase::Drill(d);
        assert_eq!(
            tb.unix_ms(at(10_000)),
            before,
            "the pause instant keeps its stamp"
        );
        assert_eq!(tb.unix_ms(at(11_000)), T0 + 41_000, "after it, now is now");
        assert_eq!(tb.unix_ms(at(5_000)), T0 + 5_000);
    }

    #[test]
    fn should_refuse_pauses_past_the_limit() {
        let mut d = DrillTime::new(1.0, at(0), T0);
        for k in 1..MAX_SEGMENTS as u64 {
            d.resume(at(k), T0 + k as i64 * 10).unwrap();
        }
        assert_eq!(d.resume(at(1_000_000), T0 + 1), Err(TooManyPauses));
    }
}
