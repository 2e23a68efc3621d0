//! Progress of long sweeps on stderr: replays done, rate and ETA, shown once
//! a sweep has run for a second (short ones never flash a bar), and only
//! when stderr is a terminal (indicatif hides it otherwise). Never on
//! stdout, and it reads counts only, so it cannot change any result.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// How long a sweep runs before its bar appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    shown: AtomicBool,
}

impl Progress {
    /// A bar for `total` replays, hidden until [`SHOW_AFTER`].
    pub fn new(total: u64) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template(
            "{prefix} [{wide_bar}] {human_pos}/{human_len} replays · {rate} · ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key(
            "rate",
            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}/s", state.per_sec());
            },
        )
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix("replaying");
        Progress {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
        }
    }

    /// Counts `n` more replays done; called from worker threads.
    pub fn advance(&self, n: u64) {
        self.bar.inc(n);
        if !self.shown.load(Ordering::Relaxed)
            && self.started.elapsed() >= SHOW_AFTER
            && !self.shown.swap(true, Ordering::AcqRel)
        {
            // stderr() is hidden when stderr is not a terminal.
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// Says what happens after the replays (the bootstrap intervals).
    pub fn stage(&self, what: &'static str) {
        self.bar.set_prefix(what);
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_count_without_drawing_when_stderr_is_not_watched() {
        let p = Progress::new(10);
        for _ in 0..10 {
            p.advance(1);
        }
        assert_eq!(p.bar.position(), 10);
        p.finish();
    }
}
