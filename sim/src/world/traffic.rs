//! Traffic and failure: who fails and why, and the request counters that
//! accumulate from it.
//!
//! A service's failure probability combines, as independent failures, its
//! baseline error ratio, the active defects on the builds serving its traffic
//! (weighted by each build's traffic share), defects elsewhere whose victim
//! it is, and its dependencies' failures scaled by the coupling factor. Each
//! failure is attributed to the first cause that fired, in a fixed order,
//! so failures always add up over causes.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, Poisson};
use serde::Serialize;

use super::code::{DefectId, VersionId};
use crate::scenario::{FaultId, ServiceId};

/// The root cause of a failed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Root {
    /// The service's ordinary background errors.
    Baseline,
    /// An injected fault.
    Fault(FaultId),
    /// A latent bug planted by one of the responders' changes.
    Regression(DefectId),
}

/// Why a request failed: its root cause and, when it failed because a
/// dependency failed, which dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Cause {
    pub root: Root,
    pub via: Option<ServiceId>,
}

/// The traffic of one build of a service and its failure probabilities.
#[derive(Debug, Clone)]
pub(crate) struct Cohort {
    pub version: VersionId,
    pub share: f64,
    /// Probability that a request fails *first* because of each cause.
    pub causes: Vec<(Cause, f64)>,
    pub fail: f64,
}

/// The failure picture of a service at one instant.
#[derive(Debug, Clone, Default)]
pub(crate) struct Load {
    pub cohorts: Vec<Cohort>,
    /// Share-weighted failure probability per cause (sums to `fail`).
    pub by_cause: Vec<(Cause, f64)>,
    pub fail: f64,
}

/// Turns independent failure probabilities into first-cause probabilities.
pub(crate) fn first_cause(independent: &[(Cause, f64)]) -> (Vec<(Cause, f64)>, f64) {
    let mut out = Vec::with_capacity(independent.len());
    let mut survive = 1.0;
    for &(cause, p) in independent {
        if p <= 0.0 {
            continue;
        }
        let p = p.min(1.0);
        out.push((cause, survive * p));
        survive *= 1.0 - p;
    }
    (out, 1.0 - survive)
}

/// Adds `p` to `cause` in a small association list, keeping first-seen order.
pub(crate) fn add_cause(list: &mut Vec<(Cause, f64)>, cause: Cause, p: f64) {
    if let Some(e) = list.iter_mut().find(|(c, _)| *c == cause) {
        e.1 += p;
    } else {
        list.push((cause, p));
    }
}

/// Counts of one accrual for one cohort.
#[derive(Debug, Clone, Default)]
pub(crate) struct Drawn {
    pub requests: u64,
    pub failures: u64,
    pub by_cause: Vec<(Cause, u64)>,
}

/// Samples `Poisson(rate * seconds)` requests and their failures by cause.
pub(crate) fn draw(rng: &mut ChaCha8Rng, expected: f64, cohort: &Cohort) -> Drawn {
    let requests = poisson(rng, expected);
    let mut out = Drawn {
        requests,
        ..Drawn::default()
    };
    if requests == 0 || cohort.fail <= 0.0 {
        return out;
    }
    let failures = binomial(rng, requests, cohort.fail);
    out.failures = failures;
    if failures == 0 {
        return out;
    }
    // Split the failures over causes: a multinomial by sequential binomials.
    let mut left = failures;
    let mut mass = cohort.fail;
    let last = cohort.causes.len() - 1;
    for (i, &(cause, p)) in cohort.causes.iter().enumerate() {
        if left == 0 {
            break;
        }
        let k = if i == last || mass <= p {
            left
        } else {
            binomial(rng, left, (p / mass).clamp(0.0, 1.0))
        };
        if k > 0 {
            out.by_cause.push((cause, k));
        }
        left -= k;
        mass -= p;
    }
    out
}

fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u64 {
    if lambda <= 0.0 || !lambda.is_finite() {
        return 0;
    }
    match Poisson::new(lambda) {
        Ok(d) => {
            let x: f64 = d.sample(rng);
            x as u64
        }
        Err(_) => lambda.round() as u64,
    }
}

fn binomial(rng: &mut ChaCha8Rng, n: u64, p: f64) -> u64 {
    if p <= 0.0 || n == 0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    match Binomial::new(n, p) {
        Ok(d) => d.sample(rng),
        Err(_) => {
            // Unreachable for p in (0, 1); fall back to one Bernoulli per request.
            (0..n).filter(|_| rng.random::<f64>() < p).count() as u64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, Purpose};

    fn cause(root: Root) -> Cause {
        Cause { root, via: None }
    }

    #[test]
    fn first_cause_probabilities_add_up_to_the_composed_failure() {
        let (list, fail) = first_cause(&[
            (cause(Root::Baseline), 0.1),
            (cause(Root::Fault(FaultId(0))), 0.5),
        ]);
        assert!((fail - (1.0 - 0.9 * 0.5)).abs() < 1e-12);
        let sum: f64 = list.iter().map(|(_, p)| p).sum();
        assert!((sum - fail).abs() < 1e-12);
        assert!((list[1].1 - 0.45).abs() < 1e-12);
    }

    #[test]
    fn drawn_failures_are_conserved_over_causes() {
        let (causes, fail) = first_cause(&[
            (cause(Root::Baseline), 0.01),
            (cause(Root::Fault(FaultId(0))), 0.2),
            (cause(Root::Fault(FaultId(1))), 0.3),
        ]);
        let cohort = Cohort {
            version: VersionId(0),
            share: 1.0,
            causes,
            fail,
        };
        let mut rng = stream(3, Purpose::Traffic, 0, 0);
        for _ in 0..200 {
            let d = draw(&mut rng, 500.0, &cohort);
            let sum: u64 = d.by_cause.iter().map(|(_, k)| k).sum();
            assert_eq!(sum, d.failures);
            assert!(d.failures <= d.requests);
        }
    }
}
