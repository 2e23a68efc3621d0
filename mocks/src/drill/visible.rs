//! What the team can see of the journal in a drill: no free answers. The
//! lines that name a fault, a latent bug biting, or a diagnosis are the
//! simulation's ground truth, which in production nobody is handed; the
//! rest (alerts, health seen through metrics, the pipeline, the team's own
//! actions) is what dashboards, pages and deploy history show.

use gameday_sim::world::journal::{Entry, EntryKind};

/// Whether a drill shows `entry` to the team.
pub fn visible(entry: &Entry) -> bool {
    !matches!(
        entry.kind,
        EntryKind::FaultOnset | EntryKind::RegressionOnset | EntryKind::Diagnose
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use gameday_sim::scenario::friday_cascade;
    use gameday_sim::time::{SimDuration, SimTime};
    use gameday_sim::world::World;

    #[test]
    fn should_hide_the_culprit_but_show_the_alert() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 4);
        w.advance_to(SimTime::START + SimDuration::from_mins(5))
            .unwrap();
        let shown: Vec<&Entry> = w
            .journal()
            .entries()
            .iter()
            .filter(|e| visible(e))
            .collect();
        assert!(shown.iter().any(|e| e.kind == EntryKind::AlertFiring));
        assert!(shown.iter().all(|e| !e.text.contains("fault")), "{shown:?}");
    }
}
