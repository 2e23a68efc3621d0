//! The drill's keys on its terminal: `p` pauses and resumes, `q` (or
//! Ctrl-C, which raw mode delivers as a key) ends. Only when stdin is a
//! terminal; the terminal is put back as it was when the drill ends.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::terminal;
use gameday_mocks::drill::Driver;
use gameday_mocks::sim::SharedWorld;

/// Raw mode, left when dropped.
struct Raw;

impl Drop for Raw {
    fn drop(&mut self) {
        let _ = terminal::disable_raw_mode();
    }
}

/// Starts reading keys on a thread until the drill ends; `None` when the
/// terminal cannot be put in raw mode.
pub fn spawn(world: SharedWorld, driver: Arc<Driver>) -> Option<JoinHandle<()>> {
    terminal::enable_raw_mode().ok()?;
    Some(std::thread::spawn(move || {
        let _raw = Raw;
        while driver.state_now().ended.is_none() {
            match event::poll(Duration::from_millis(100)) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(_) => return,
            }
            let Ok(Event::Key(k)) = event::read() else {
                continue;
            };
            if k.kind != KeyEventKind::Press {
                continue;
            }
            match k.code {
                KeyCode::Char('p') | KeyCode::Char('P') => {
                    let paused = driver.state_now().paused;
                    let _ = if paused {
                        driver.resume(&world)
                    } else {
                        driver.pause(&world)
                    };
                }
                KeyCode::Char('q') | KeyCode::Char('Q') => driver.end(&world, "the q key"),
                KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                    driver.end(&world, "Ctrl-C")
                }
                _ => {}
            }
        }
    }))
}
