//! Checked numeric newtypes: probabilities and ratios in [0, 1].
//!
//! A bare `f64` never carries a probability across a module boundary: the
//! constructor checks the range once, so the engine can trust the value.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A number in the closed interval [0, 1]: a probability, a share of traffic
/// or an error ratio.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Ratio(f64);

/// Why a number is not a valid [`Ratio`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{value} is outside [0, 1]")]
pub struct OutOfRange {
    pub value: f64,
}

impl Ratio {
    pub const ZERO: Ratio = Ratio(0.0);
    pub const ONE: Ratio = Ratio(1.0);

    pub fn new(value: f64) -> Result<Ratio, OutOfRange> {
        if (0.0..=1.0).contains(&value) {
            Ok(Ratio(value))
        } else {
            Err(OutOfRange { value })
        }
    }
    /// Clamps into [0, 1]; NaN becomes 0. For values computed by the engine,
    /// never for user input.
    pub fn clamped(value: f64) -> Ratio {
        if value.is_nan() {
            Ratio(0.0)
        } else {
            Ratio(value.clamp(0.0, 1.0))
        }
    }
    pub fn get(self) -> f64 {
        self.0
    }
    pub fn complement(self) -> Ratio {
        Ratio(1.0 - self.0)
    }
}

impl TryFrom<f64> for Ratio {
    type Error = OutOfRange;
    fn try_from(v: f64) -> Result<Self, Self::Error> {
        Ratio::new(v)
    }
}

impl From<Ratio> for f64 {
    fn from(r: Ratio) -> f64 {
        r.0
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = self.0 * 100.0;
        if pct == 0.0 || pct >= 10.0 {
            write!(f, "{pct:.0}%")
        } else if pct >= 1.0 {
            write!(f, "{pct:.1}%")
        } else {
            write!(f, "{pct:.2}%")
        }
    }
}

/// A probability is a ratio read as a chance.
pub type Probability = Ratio;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_out_of_range() {
        assert!(Ratio::new(1.5).is_err());
        assert!(Ratio::new(-0.1).is_err());
        assert!(Ratio::new(f64::NAN).is_err());
        assert_eq!(Ratio::new(0.25).unwrap().get(), 0.25);
    }

    #[test]
    fn prints_as_percentage() {
        assert_eq!(Ratio::new(0.15).unwrap().to_string(), "15%");
        assert_eq!(Ratio::new(0.015).unwrap().to_string(), "1.5%");
        assert_eq!(Ratio::new(0.001).unwrap().to_string(), "0.10%");
    }
}
