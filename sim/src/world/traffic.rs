//! Traffic and failure: who fails and why, and the request counters that
//! accumulate from it.
//!
//! A service's failure probability combines, as independent failures, its
//! baseline error ratio, the active defects on the builds serving its traffic
//! (weighted by each build's traffic share), defects elsewhere whose victim
//! it is, and its dependencies' failures scaled by the coupling factor. Each
//! failure is attributed to the first cause that fired, in a fixed order,
//! so failures always add up over causes.

use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};
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
    /// Data an injected fault damaged (an `irreversible` fault), failing
    /// requests until repaired.
    Damage(FaultId),
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
    /// Poisson samplers for the last expected volume (successes, then each
    /// cause), rebuilt when the volume changes.
    pub cached_for: f64,
    pub dists: Vec<Option<Poisson<f64>>>,
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

/// Counts of one accrual for one cohort (failures by cause go to a buffer
/// the caller reuses).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Drawn {
    pub requests: u64,
    pub failures: u64,
}

/// Samples one stretch of traffic of a cohort expecting `expected`
/// requests: successes and each cause's failures are independent Poisson
/// draws (thinning of the Poisson arrival process), so requests always equal
/// successes plus the failures of every cause.
pub(crate) fn draw(
    rng: &mut ChaCha8Rng,
    expected: f64,
    cohort: &mut Cohort,
    by_cause: &mut Vec<(Cause, u64)>,
) -> Drawn {
    if cohort.cached_for != expected || cohort.dists.is_empty() {
        cohort.cached_for = expected;
        cohort.dists.clear();
        cohort
            .dists
            .push(poisson_dist(expected * (1.0 - cohort.fail)));
        for &(_, p) in &cohort.causes {
            cohort.dists.push(poisson_dist(expected * p));
        }
    }
    let mut out = Drawn::default();
    by_cause.clear();
    let successes = sample(rng, &cohort.dists[0]);
    for (i, &(cause, _)) in cohort.causes.iter().enumerate() {
        let k = sample(rng, &cohort.dists[i + 1]);
        if k > 0 {
            out.failures += k;
            by_cause.push((cause, k));
        }
    }
    out.requests = successes + out.failures;
    out
}

/// A Poisson distribution of mean `lambda`, or `None` for a zero mean.
fn poisson_dist(lambda: f64) -> Option<Poisson<f64>> {
    if lambda > 0.0 && lambda.is_finite() {
        Poisson::new(lambda).ok()
    } else {
        None
    }
}

fn sample(rng: &mut ChaCha8Rng, d: &Option<Poisson<f64>>) -> u64 {
    match d {
        Some(d) => d.sample(rng) as u64,
        None => 0,
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
        let mut cohort = Cohort {
            version: VersionId(0),
            share: 1.0,
            causes,
            fail,
            cached_for: 0.0,
            dists: Vec::new(),
        };
        let mut rng = stream(3, Purpose::Traffic, 0, 0);
        let mut by_cause = Vec::new();
        for _ in 0..200 {
            let d = draw(&mut rng, 500.0, &mut cohort, &mut by_cause);
            let sum: u64 = by_cause.iter().map(|(_, k)| k).sum();
            assert_eq!(sum, d.failures);
            assert!(d.failures <= d.requests);
        }
    }
}
