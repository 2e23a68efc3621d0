//! How fast a drill's virtual time runs against the wall clock: a checked
//! newtype, bounded so that a typo cannot make a drill crawl or race.

use std::fmt;
use std::str::FromStr;

/// Virtual seconds per wall second, within [`Speed::MIN`]..=[`Speed::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Speed(f64);

/// A speed outside the bounds, or not a number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--speed: {0}")]
pub struct SpeedError(String);

impl Speed {
    pub const MIN: f64 = 0.1;
    pub const MAX: f64 = 600.0;
    /// Real time.
    pub const REAL_TIME: Speed = Speed(1.0);

    pub fn new(x: f64) -> Result<Speed, SpeedError> {
        if !x.is_finite() || !(Self::MIN..=Self::MAX).contains(&x) {
            return Err(SpeedError(format!(
                "{x} is outside {}..={} (hint: 1 is real time, 10 runs ten virtual minutes a minute, 600 ten virtual minutes a second)",
                Self::MIN,
                Self::MAX
            )));
        }
        Ok(Speed(x))
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

impl FromStr for Speed {
    type Err = SpeedError;
    fn from_str(s: &str) -> Result<Speed, SpeedError> {
        let t = s.trim().trim_end_matches('x');
        let x: f64 = t.parse().map_err(|_| {
            SpeedError(format!(
                "cannot read `{s}` as a number (hint: --speed 1, --speed 10, --speed 0.5)"
            ))
        })?;
        Speed::new(x)
    }
}

impl fmt::Display for Speed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_accept_speeds_within_bounds_and_explain_the_rest() {
        for (text, ok) in [
            ("1", true),
            ("0.1", true),
            ("600", true),
            ("10x", true),
            ("0", false),
            ("601", false),
            ("-2", false),
            ("NaN", false),
            ("fast", false),
        ] {
            let r: Result<Speed, _> = text.parse();
            assert_eq!(r.is_ok(), ok, "{text}: {r:?}");
            if let Err(e) = r {
                assert!(e.to_string().starts_with("--speed: "), "{e}");
                assert!(e.to_string().contains("hint"), "{e}");
            }
        }
        assert_eq!(Speed::REAL_TIME.to_string(), "1x");
    }
}
