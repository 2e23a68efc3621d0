//! Lower bounds marked `≥`: a number that a replay not restored within
//! the horizon enters is at least what is shown, and says so.

use gameday_sim::score::censor::{Bounded, MttrStat};

use crate::wire::StrategySummary;

/// What `≥` means, for every format's legend.
pub const LOWER_BOUND_LEGEND: &str = "≥: a lower bound. A replay not restored within the horizon counts as restored at it \
(its true MTTR is longer), so a mean that includes one, its interval, and a quantile that reaches one are at least the number shown.";

/// `show(value)`, with `≥ ` in front when it is a lower bound.
pub fn bounded(b: Bounded, show: impl Fn(f64) -> String) -> String {
    if b.lower_bound {
        format!("≥ {}", show(b.value))
    } else {
        show(b.value)
    }
}

/// Seconds as minutes with one decimal, marked when a lower bound.
pub fn bounded_minutes(b: Bounded) -> String {
    bounded(b, crate::format::minutes)
}

/// The MTTR mean with its interval, e.g. `12.9 (12.5-13.3)` or
/// `≥ 147.6 (≥ 138.6 to ≥ 157.3)`.
pub fn mean_with_ci(m: &MttrStat) -> String {
    let [lo, hi] = m.ci95();
    if lo.lower_bound || hi.lower_bound {
        format!(
            "{} ({} to {})",
            bounded_minutes(m.mean()),
            bounded_minutes(lo),
            bounded_minutes(hi)
        )
    } else {
        format!(
            "{} ({}-{})",
            bounded_minutes(m.mean()),
            bounded_minutes(lo),
            bounded_minutes(hi)
        )
    }
}

/// Restored within the horizon over the replays with an MTTR: `888/1000`.
pub fn restored(s: &StrategySummary) -> String {
    match &s.summary.mttr_seconds {
        Some(m) => format!("{}/{}", m.restored(), m.stat.n),
        None => "-".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_mark_lower_bounds_and_only_them() {
        let b = |value, lower_bound| Bounded { value, lower_bound };
        assert_eq!(bounded_minutes(b(28800.0, true)), "≥ 480.0");
        assert_eq!(bounded_minutes(b(1290.0, false)), "21.5");
    }
}
