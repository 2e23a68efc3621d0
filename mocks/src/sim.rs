//! The simulated world behind the fakes: one [`World`] shared by every fake
//! of a session, so a merge on the GitHub fake is the deploy Argo CD syncs
//! and the counters Prometheus serves.

use std::sync::{Arc, Mutex, MutexGuard};

use gameday_sim::scenario::Scenario;
use gameday_sim::world::World;

/// A world shared between fakes (cheap to clone).
#[derive(Debug, Clone)]
pub struct SharedWorld {
    inner: Arc<Mutex<World<'static>>>,
}

impl SharedWorld {
    /// A fresh world for `scenario` and `seed`. The scenario is kept for
    /// the life of the process, as the fakes' world borrows it.
    pub fn new(scenario: Scenario, seed: u64) -> Self {
        let scenario: &'static Scenario = Box::leak(Box::new(scenario));
        SharedWorld {
            inner: Arc::new(Mutex::new(World::new(scenario, seed))),
        }
    }

    /// Exclusive access to the world. A handler that panicked while holding
    /// the lock cannot leave it half-updated in a way that matters more than
    /// refusing every later request, so poisoning is ignored.
    pub fn lock(&self) -> MutexGuard<'_, World<'static>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}
