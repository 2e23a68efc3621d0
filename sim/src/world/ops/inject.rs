//! The facilitator's twist: an optional fault of the scenario (one marked
//! `optional: true`), injected into a live drill at a moment of the game
//! master's choosing. Dormant until then, it is part of no incident: it
//! fails nothing and is not a fault to cure.
//!
//! Nothing is written to the world's journal: the team learns of the
//! twist from the fault's effects, as of any other fault (its onset is
//! ground truth, hidden from the players).

use super::*;
use crate::scenario::{FaultId, Onset};
use crate::world::{Event, World};

impl World<'_> {
    /// Schedules the optional fault `name` to start at `at` (now or
    /// later, before the horizon). Returns the fault's id.
    pub fn inject(&mut self, name: &str, at: SimTime) -> Result<FaultId, OpError> {
        let sc = self.sc;
        let optional: Vec<&str> = sc
            .faults
            .iter()
            .filter(|f| f.onset == Onset::OnInjection)
            .map(|f| f.name.as_str())
            .collect();
        let known = || match optional.as_slice() {
            [] => "the scenario has no optional fault (mark one `optional: true`)".to_string(),
            names => format!("optional faults: {}", names.join(", ")),
        };
        let Some(f) = sc.fault_by_name(name) else {
            return Err(OpError::Invalid(format!(
                "no fault named `{name}`; {}",
                known()
            )));
        };
        if sc.fault(f).onset != Onset::OnInjection {
            return Err(OpError::Invalid(format!(
                "fault `{name}` is not optional: it starts on its own; {}",
                known()
            )));
        }
        if let Some(t) = self.onsets[f.index()] {
            return Err(OpError::Invalid(format!(
                "fault `{name}` is already injected (it starts at {})",
                sc.clock.label(t)
            )));
        }
        if at < self.now() {
            return Err(OpError::Invalid(format!(
                "{} is in the past (it is {} now)",
                sc.clock.label(at),
                sc.clock.label(self.now())
            )));
        }
        if at >= self.horizon() {
            return Err(OpError::Invalid(format!(
                "{} is at or after the horizon ({})",
                sc.clock.label(at),
                sc.clock.label(self.horizon())
            )));
        }
        self.onsets[f.index()] = Some(at);
        self.schedule(at, Event::FaultOnset(f));
        Ok(f)
    }

    /// When fault `f` starts in this world: its scheduled onset, the
    /// moment it was injected, or `None` while it is dormant.
    pub fn fault_onset(&self, f: FaultId) -> Option<SimTime> {
        self.onsets.get(f.index()).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::replay_world;
    use crate::scenario::{friday_cascade, FaultId};
    use crate::strategy::presets;
    use crate::time::{SimDuration, SimTime};
    use crate::world::World;

    const TWIST: &str = "catalog-db-pool-exhausted";

    fn catalog_ratio(w: &mut World<'_>) -> f64 {
        let s = w.scenario().service_by_name("catalog").unwrap();
        w.true_error_ratio(s)
    }

    #[test]
    fn should_keep_an_optional_fault_dormant_until_injected() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 11);
        let f = sc.fault_by_name(TWIST).unwrap();
        w.advance_to(SimTime::START + SimDuration::from_secs(3600))
            .unwrap();
        assert_eq!(w.fault_onset(f), None);
        assert!(catalog_ratio(&mut w) < 0.01, "dormant: catalog is healthy");

        let at = w.now() + SimDuration::from_secs(600);
        assert_eq!(w.inject(TWIST, at), Ok(f));
        assert_eq!(w.fault_onset(f), Some(at));
        w.advance_to(w.now() + SimDuration::from_secs(599)).unwrap();
        assert!(catalog_ratio(&mut w) < 0.01, "not before its moment");
        w.advance_to(at + SimDuration::from_secs(1)).unwrap();
        assert!(catalog_ratio(&mut w) > 0.2, "bites from its moment");
    }

    #[test]
    fn should_refuse_what_cannot_be_injected_naming_the_optional_faults() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 11);
        let later = SimTime::START + SimDuration::from_secs(60);
        let msg = |r: Result<FaultId, super::OpError>| r.unwrap_err().to_string();
        let unknown = msg(w.inject("nope", later));
        assert!(unknown.contains("no fault named `nope`"), "{unknown}");
        assert!(unknown.contains(TWIST), "{unknown}");
        let scheduled = msg(w.inject("payment-v2-declines", later));
        assert!(scheduled.contains("not optional"), "{scheduled}");
        let past_horizon = msg(w.inject(TWIST, w.horizon()));
        assert!(past_horizon.contains("horizon"), "{past_horizon}");
        w.advance_to(later).unwrap();
        let past = msg(w.inject(TWIST, SimTime::START));
        assert!(past.contains("in the past"), "{past}");
        w.inject(TWIST, later).unwrap();
        let twice = msg(w.inject(TWIST, later));
        assert!(twice.contains("already injected"), "{twice}");
    }

    #[test]
    fn should_make_an_injected_fault_part_of_the_incident_the_strategies_face() {
        // The scenario a scored drill gives the strategies: the twist
        // scheduled where the facilitator put it. Rollback cures the
        // payment fault but not the catalog's, so it cannot restore
        // service alone; without the twist, it does.
        let sc = friday_cascade();
        let f = sc.fault_by_name(TWIST).unwrap();
        let twisted = sc.with_injected(f, SimTime::START + SimDuration::from_secs(120));
        let rollback = presets::preset("rollback", &sc).unwrap();
        let (_, plain, _) = replay_world(&sc, &rollback, 11);
        let (w, twist, _) = replay_world(&twisted, &rollback, 11);
        assert!(plain.mttr.is_some(), "{:?}", plain.outcome);
        assert_eq!(w.fault_onset(f), twisted.fault(f).onset.at());
        assert_ne!(plain.mttr, twist.mttr, "the twist is part of the incident");
    }
}
