//! The responders' own work: how long they take to acknowledge, diagnose
//! and write a fix. Durations come from the team's distributions, drawn
//! from per-task streams so the n-th diagnosis takes as long whichever
//! strategy the team follows (common random numbers).

use crate::dist::DurationDist;
use crate::rng::{stream, Purpose};
use crate::scenario::Team;
use crate::time::SimDuration;

/// A responder task with its own random stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    Acknowledge = 1,
    Diagnose = 2,
    WriteFix = 3,
    Bake = 4,
}

/// The on-call team's pace.
#[derive(Debug, Clone)]
pub struct Crew {
    seed: u64,
    team: Team,
    done: [u64; 5],
}

impl Crew {
    pub fn new(seed: u64, team: &Team) -> Self {
        Crew {
            seed,
            team: team.clone(),
            done: [0; 5],
        }
    }

    /// How long the next `task` takes.
    pub fn next(&mut self, task: Task) -> SimDuration {
        let dist = match task {
            Task::Acknowledge => self.team.acknowledge,
            Task::Diagnose => self.team.diagnose,
            Task::WriteFix => self.team.write_fix,
            Task::Bake => self.team.canary_bake,
        };
        self.draw(task, &dist)
    }

    /// Draws from `dist` on `task`'s stream (for bakes a policy sets itself).
    pub fn draw(&mut self, task: Task, dist: &DurationDist) -> SimDuration {
        let n = &mut self.done[task as usize];
        *n += 1;
        let mut rng = stream(self.seed, Purpose::Crew, task as u64, *n);
        dist.sample(&mut rng)
    }
}
