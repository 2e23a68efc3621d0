//! Drills: the world runs by itself on the wall clock while people work
//! the incident with their own tools against the fakes.
//!
//! - [`clock`]: the injected wall clock (real, or moved by hand in tests);
//! - [`speed`]: virtual seconds per wall second, bounded;
//! - [`driver`]: advances the shared world with the wall clock, pauses,
//!   resumes and ends the drill: the one clock seam;
//! - [`handover`]: the built-in responders play up to a moment first;
//! - [`api`]: the control API's drill endpoints (pause, resume, end; no
//!   `wait`, no diagnosis);
//! - [`visible`]: the journal as the team could see it;
//! - [`status`]: the live status (clock, alerts, services, in flight,
//!   recent actions), read once for the terminal and the web page;
//! - [`screen`]: the status as a self-contained page for the
//!   facilitator's screen;
//! - [`page`]: pages for alerts that fire or resolve, read off the journal;
//! - [`alertmanager`]: pages in Alertmanager's webhook format, and a sender.
//!
//! The timestamps the fakes publish during a drill are the wall clock's
//! ([`crate::timebase`]).

pub mod alertmanager;
pub mod api;
pub mod clock;
pub mod driver;
pub mod handover;
pub mod page;
pub mod screen;
pub mod speed;
pub mod status;
pub mod visible;

pub use clock::{Clock, ManualClock, SystemClock};
pub use driver::{Driver, Ending, Tick};
pub use speed::Speed;
