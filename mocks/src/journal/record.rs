//! Recording a live drill into its journal: the fakes hand every request
//! they answer to a [`Recorder`] while they hold the world's lock, so the
//! journal's order is the order the world saw; the drill's driver hands it
//! the world after every step, and the world's new events are written.
//!
//! A journal that cannot be written (a full disk) is reported once on
//! stderr and the drill goes on: people are in the middle of an incident.

use std::sync::Mutex;

use gameday_sim::world::World;

use super::{Event, JournalWriter, Line, Request};
use crate::http::HttpRequest;

/// Where a drill's journal goes.
pub struct Recorder {
    state: Mutex<State>,
    /// Unix milliseconds now (the drill's injected wall clock).
    wall_ms: Box<dyn Fn() -> u64 + Send + Sync>,
}

struct State {
    writer: JournalWriter,
    /// World journal entries already written.
    cursor: usize,
    failed: bool,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").finish_non_exhaustive()
    }
}

impl Recorder {
    /// Records into `writer` (its header written), stamping lines with
    /// `wall_ms`; `cursor` world events are already in the journal.
    pub fn new(
        writer: JournalWriter,
        cursor: usize,
        wall_ms: impl Fn() -> u64 + Send + Sync + 'static,
    ) -> Recorder {
        Recorder {
            state: Mutex::new(State {
                writer,
                cursor,
                failed: false,
            }),
            wall_ms: Box::new(wall_ms),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self, st: &mut State, line: &Line) {
        if let Err(e) = st.writer.append(line) {
            if !st.failed {
                st.failed = true;
                eprintln!(
                    "warning: cannot write the drill journal {}: {e}; the drill goes on without it",
                    st.writer.path().display()
                );
            }
        }
    }

    fn sync(&self, st: &mut State, world: &World<'_>) {
        let entries = world.journal().entries();
        let wall = (self.wall_ms)();
        for e in &entries[st.cursor.min(entries.len())..] {
            self.write(st, &Line::Event(Event::of(e, wall)));
        }
        st.cursor = entries.len();
    }

    /// Writes the world's events not yet in the journal.
    pub fn events(&self, world: &World<'_>) {
        let mut st = self.state();
        self.sync(&mut st, world);
    }

    /// Writes a request `fake` answered with `status` for `player` (after
    /// the events that came before it).
    pub fn request(
        &self,
        fake: &str,
        player: Option<&str>,
        req: &HttpRequest,
        status: u16,
        world: &World<'_>,
    ) {
        let mut st = self.state();
        self.sync(&mut st, world);
        let line = Line::Request(Request::of(
            fake,
            player,
            req,
            status,
            world.now().as_millis(),
            (self.wall_ms)(),
        ));
        self.write(&mut st, &line);
    }

    /// Writes the end of the drill (after its last events).
    pub fn end(&self, world: &World<'_>, reason: &str) {
        let mut st = self.state();
        self.sync(&mut st, world);
        let line = Line::End {
            at_ms: world.now().as_millis(),
            wall_ms: (self.wall_ms)(),
            reason: reason.to_string(),
        };
        self.write(&mut st, &line);
    }
}
