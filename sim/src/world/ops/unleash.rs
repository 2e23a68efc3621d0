//! The flag service: toggles that reach the SDKs after a propagation delay,
//! and the safe fallback SDKs use when the service is unreachable.

use super::*;
use crate::rng::{stream, Purpose};
use crate::world::journal::{Actor, EntryKind};
use crate::world::World;

impl World<'_> {
    fn flag_index(&self, name: &str) -> Result<usize, OpError> {
        self.sc
            .flags
            .iter()
            .position(|f| f.name == name)
            .ok_or_else(|| OpError::UnknownFlag(name.to_string()))
    }

    /// Turns a flag on or off in the flag service; SDKs follow after the
    /// team's `flag_propagation` delay. Asking for the state the flag is
    /// already configured in changes nothing (as Unleash answers such a
    /// toggle): no flip, no propagation.
    pub fn set_flag(&mut self, name: &str, enabled: bool) -> Result<(), OpError> {
        let f = self.flag_index(name)?;
        if self.flags[f].configured == enabled {
            return Ok(());
        }
        self.flags[f].configured = enabled;
        self.counts.flag_actions += 1;
        self.counts.flag_flips += 1;
        let mut rng = stream(self.seed, Purpose::Flags, self.counts.flag_actions, 0);
        let d = self.sc.team.flag_propagation.sample(&mut rng);
        self.start_op(OpKind::Flag { flag: f, enabled }, d);
        self.say(
            Actor::Responder,
            EntryKind::Flag,
            format!("flag {name} turned {}", if enabled { "on" } else { "off" }),
        );
        Ok(())
    }

    pub fn flag_enabled(&self, name: &str) -> Result<bool, OpError> {
        let f = self.flag_index(name)?;
        Ok(self.flags[f].configured)
    }

    /// Makes the flag service unreachable (or reachable again): SDKs fall
    /// back to each flag's safe default.
    pub fn set_flag_service_up(&mut self, up: bool) {
        self.invalidate();
        self.flag_service_up = up;
    }

    /// Whether every SDK evaluates the flag as configured.
    pub fn flag_propagated(&self, name: &str) -> bool {
        self.sc
            .flags
            .iter()
            .position(|f| f.name == name)
            .is_none_or(|f| self.flags[f].configured == self.flags[f].effective)
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::friday_cascade;
    use crate::world::World;

    #[test]
    fn a_toggle_to_the_current_state_changes_nothing() {
        let sc = friday_cascade();
        let flag = sc.flags[0].name.clone();
        let mut w = World::new(&sc, 1);
        let on = w.flag_enabled(&flag).unwrap();
        let entries = w.journal().entries().len();
        w.set_flag(&flag, on).unwrap();
        assert_eq!(w.journal().entries().len(), entries, "nothing journaled");
        assert!(w.in_flight().is_empty(), "no propagation started");
        w.set_flag(&flag, !on).unwrap();
        assert_eq!(w.journal().entries().len(), entries + 1);
        assert!(!w.in_flight().is_empty(), "the real change propagates");
        assert!(w.set_flag("no-such-flag", true).is_err());
    }
}
