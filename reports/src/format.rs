//! Small formatting helpers every renderer shares: durations, percentages,
//! money, and clock times of the incident.

use gameday_sim::time::SimDuration;

/// A duration in milliseconds as the timeline prints it (`45s`, `12m30s`,
/// `2h05m`), or `-` when absent.
pub fn duration_ms(ms: Option<u64>) -> String {
    ms.map(|ms| SimDuration::from_millis(ms).to_string())
        .unwrap_or_else(|| "-".into())
}

/// A duration given in (fractional) seconds, printed as [`duration_ms`] does.
pub fn seconds(s: f64) -> String {
    duration_ms(Some((s * 1000.0).round() as u64))
}

/// Trims a number to at most `digits` decimals without trailing zeros.
pub fn trim(v: f64, digits: usize) -> String {
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Seconds as minutes with one decimal: `52.3`.
pub fn minutes(seconds: f64) -> String {
    format!("{:.1}", seconds / 60.0)
}

/// A share as a percentage with one decimal: `63.6%`.
pub fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// A small ratio with enough digits to tell 0.05% from 0.5%.
pub fn ratio(share: f64) -> String {
    let pct = share * 100.0;
    if pct == 0.0 || pct >= 10.0 {
        format!("{pct:.0}%")
    } else if pct >= 1.0 {
        format!("{pct:.1}%")
    } else {
        format!("{pct:.2}%")
    }
}

/// An availability objective with the digits it needs: `99.9%`, `99.95%`.
pub fn slo(share: f64) -> String {
    format!("{}%", trim(share * 100.0, 3))
}

/// Money without cents: `$28409`.
pub fn money(amount: f64) -> String {
    format!("${amount:.0}")
}

/// `text` with its first letter upper-case, to open a sentence.
pub fn capitalised(text: &str) -> String {
    let mut c = text.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Maps milliseconds since the scenario's start to the incident's clock.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: Option<jiff::civil::DateTime>,
}

impl Clock {
    /// From the scenario's start as reports carry it (`2026-11-20T16:47:00`);
    /// an unreadable start falls back to offsets like `+12m30s`.
    pub fn new(start: &str) -> Clock {
        Clock {
            start: start.parse().ok(),
        }
    }

    fn at(&self, ms: u64) -> Option<jiff::civil::DateTime> {
        let span = jiff::SignedDuration::from_millis(i64::try_from(ms).ok()?);
        self.start?.checked_add(span).ok()
    }

    /// "Fri 16:47:00"
    pub fn label(&self, ms: u64) -> String {
        match self.at(ms) {
            Some(t) => t.strftime("%a %H:%M:%S").to_string(),
            None => format!("+{}", SimDuration::from_millis(ms)),
        }
    }

    /// "16:47", for chart axes.
    pub fn hhmm(&self, ms: u64) -> String {
        match self.at(ms) {
            Some(t) => t.strftime("%H:%M").to_string(),
            None => format!("+{}", SimDuration::from_millis(ms)),
        }
    }

    /// Minutes since midnight at the start, for placing round clock times.
    pub fn start_minute_of_day(&self) -> Option<f64> {
        self.start
            .map(|s| s.hour() as f64 * 60.0 + s.minute() as f64 + s.second() as f64 / 60.0)
    }

    /// Offsets in minutes from the start, up to `end_min`, that fall on round
    /// clock times (every 5, 10, 15, 30 minutes or 1, 2, 3, 4, 6 hours),
    /// about `max_ticks` of them at most.
    pub fn round_ticks(&self, end_min: f64, max_ticks: usize) -> Vec<f64> {
        let start = self.start_minute_of_day().unwrap_or(0.0);
        let step = [5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 180.0, 240.0, 360.0]
            .into_iter()
            .find(|step| end_min / step <= max_ticks.max(1) as f64)
            .unwrap_or(720.0);
        let first = (start / step).ceil() * step - start;
        let mut ticks = Vec::new();
        let mut t = first;
        while t <= end_min + 1e-9 {
            ticks.push(t);
            t += step;
        }
        ticks
    }

    /// "Fri", the weekday of the start, for axis titles.
    pub fn weekday(&self) -> Option<String> {
        self.start.map(|s| s.strftime("%a").to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_print_the_incident_clock() {
        let c = Clock::new("2026-11-20T16:47:00");
        assert_eq!(c.label(0), "Fri 16:47:00");
        assert_eq!(c.hhmm(13 * 60_000), "17:00");
        assert_eq!(c.weekday().as_deref(), Some("Fri"));
        assert_eq!(Clock::new("soon").label(90_000), "+1m30s");
    }

    #[test]
    fn should_place_ticks_on_round_clock_times() {
        let c = Clock::new("2026-11-20T16:47:00");
        let ticks = c.round_ticks(180.0, 8);
        assert_eq!(ticks.first(), Some(&13.0), "17:00");
        let labels: Vec<String> = ticks
            .iter()
            .map(|m| c.hhmm((m * 60_000.0) as u64))
            .collect();
        assert_eq!(
            labels,
            ["17:00", "17:30", "18:00", "18:30", "19:00", "19:30"]
        );
    }

    #[test]
    fn should_trim_trailing_zeros() {
        assert_eq!(trim(45.0, 1), "45");
        assert_eq!(trim(7.26, 1), "7.3");
        assert_eq!(trim(0.05, 2), "0.05");
    }

    #[test]
    fn should_format_numbers_for_people() {
        assert_eq!(duration_ms(Some(750_000)), "12m30s");
        assert_eq!(duration_ms(None), "-");
        assert_eq!(minutes(3138.0), "52.3");
        assert_eq!(percent(0.636), "63.6%");
        assert_eq!(ratio(0.0005), "0.05%");
        assert_eq!(money(28409.4), "$28409");
        assert_eq!(slo(0.9995), "99.95%");
        assert_eq!(slo(0.999), "99.9%");
        assert_eq!(capitalised("scenario x"), "Scenario x");
    }
}
