//! Distributions of human and pipeline durations: fixed, uniform, or
//! lognormal given its median and 90th percentile (how people estimate
//! "usually 5 minutes, sometimes 15").

use rand::Rng;
use rand_distr::{Distribution, LogNormal};
use serde::Serialize;

use crate::time::SimDuration;

/// z-score of the 90th percentile of the standard normal distribution.
const Z90: f64 = 1.281_551_565_544_600_4;

/// How long something takes. Built only through checked constructors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationDist {
    Fixed(SimDuration),
    Uniform {
        min: SimDuration,
        max: SimDuration,
    },
    LogNormal {
        median: SimDuration,
        p90: SimDuration,
        #[serde(skip)]
        mu: f64,
        #[serde(skip)]
        sigma: f64,
    },
}

/// Why a distribution's parameters make no sense.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DistError {
    #[error("uniform bounds are reversed: min {min} is above max {max}")]
    UniformReversed { min: SimDuration, max: SimDuration },
    #[error("lognormal median must be above zero")]
    ZeroMedian,
    #[error("lognormal p90 {p90} must be above the median {median}")]
    P90NotAboveMedian {
        median: SimDuration,
        p90: SimDuration,
    },
}

impl DurationDist {
    pub fn fixed(d: SimDuration) -> Self {
        DurationDist::Fixed(d)
    }

    pub fn uniform(min: SimDuration, max: SimDuration) -> Result<Self, DistError> {
        if min > max {
            return Err(DistError::UniformReversed { min, max });
        }
        Ok(DurationDist::Uniform { min, max })
    }

    pub fn lognormal(median: SimDuration, p90: SimDuration) -> Result<Self, DistError> {
        if median == SimDuration::ZERO {
            return Err(DistError::ZeroMedian);
        }
        if p90 <= median {
            return Err(DistError::P90NotAboveMedian { median, p90 });
        }
        let mu = median.as_secs_f64().ln();
        let sigma = (p90.as_secs_f64().ln() - mu) / Z90;
        Ok(DurationDist::LogNormal {
            median,
            p90,
            mu,
            sigma,
        })
    }

    /// Draws one duration. Always consumes randomness for non-fixed
    /// distributions, so stream positions do not depend on parameters.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        match *self {
            DurationDist::Fixed(d) => d,
            DurationDist::Uniform { min, max } => {
                let u: f64 = rng.random();
                let span = (max.as_millis() - min.as_millis()) as f64;
                SimDuration::from_millis(min.as_millis() + (u * span).round() as u64)
            }
            DurationDist::LogNormal { mu, sigma, .. } => {
                // Parameters were checked at construction: sigma > 0 and finite.
                let secs = LogNormal::new(mu, sigma)
                    .map(|d| d.sample(rng))
                    .unwrap_or_else(|_| mu.exp());
                SimDuration::from_secs_f64(secs)
            }
        }
    }

    /// The median, for summaries and closed-form checks.
    pub fn median(&self) -> SimDuration {
        match *self {
            DurationDist::Fixed(d) => d,
            DurationDist::Uniform { min, max } => {
                SimDuration::from_millis((min.as_millis() + max.as_millis()) / 2)
            }
            DurationDist::LogNormal { median, .. } => median,
        }
    }

    /// A scaled copy ("a rushed review takes half as long").
    pub fn scaled(&self, k: f64) -> DurationDist {
        match *self {
            DurationDist::Fixed(d) => DurationDist::Fixed(d.mul_f64(k)),
            DurationDist::Uniform { min, max } => DurationDist::Uniform {
                min: min.mul_f64(k),
                max: max.mul_f64(k),
            },
            DurationDist::LogNormal { median, p90, .. } => {
                DurationDist::lognormal(median.mul_f64(k), p90.mul_f64(k))
                    .unwrap_or(DurationDist::Fixed(median.mul_f64(k)))
            }
        }
    }
}

impl std::fmt::Display for DurationDist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DurationDist::Fixed(d) => write!(f, "{d}"),
            DurationDist::Uniform { min, max } => write!(f, "{min}..{max}"),
            DurationDist::LogNormal { median, p90, .. } => write!(f, "~{median} (p90 {p90})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, Purpose};

    #[test]
    fn lognormal_matches_its_median_and_p90() {
        let d =
            DurationDist::lognormal(SimDuration::from_mins(5), SimDuration::from_mins(15)).unwrap();
        let mut rng = stream(1, Purpose::Crew, 0, 0);
        let mut xs: Vec<u64> = (0..20_000)
            .map(|_| d.sample(&mut rng).as_millis())
            .collect();
        xs.sort_unstable();
        let median = xs[xs.len() / 2] as f64 / 60_000.0;
        let p90 = xs[xs.len() * 9 / 10] as f64 / 60_000.0;
        assert!((median - 5.0).abs() < 0.25, "median {median}");
        assert!((p90 - 15.0).abs() < 1.0, "p90 {p90}");
    }

    #[test]
    fn uniform_stays_in_bounds() {
        let d =
            DurationDist::uniform(SimDuration::from_secs(10), SimDuration::from_secs(20)).unwrap();
        let mut rng = stream(2, Purpose::Crew, 0, 0);
        for _ in 0..1000 {
            let x = d.sample(&mut rng);
            assert!(x >= SimDuration::from_secs(10) && x <= SimDuration::from_secs(20));
        }
    }

    #[test]
    fn rejects_nonsense_parameters() {
        assert!(
            DurationDist::uniform(SimDuration::from_secs(2), SimDuration::from_secs(1)).is_err()
        );
        assert!(DurationDist::lognormal(SimDuration::ZERO, SimDuration::from_secs(1)).is_err());
        assert!(
            DurationDist::lognormal(SimDuration::from_secs(5), SimDuration::from_secs(5)).is_err()
        );
    }
}
