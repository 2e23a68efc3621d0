//! A live `gameday drill` child for a test: started on free ports, its
//! stdout read line by line on a thread, waited on with a bound, and
//! killed if the test panics first.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running drill.
pub struct LiveDrill {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Every stdout line read so far.
    pub seen: Vec<String>,
    /// The first of its six ports (Prometheus; +4 is the control API).
    pub base: u16,
}

impl LiveDrill {
    /// `gameday drill ARGS --port-base B --exit-after 120`, on free ports.
    pub fn start(args: &[&str]) -> LiveDrill {
        let base = super::net::free_port_base();
        let mut child = Command::new(env!("CARGO_BIN_EXE_gameday"))
            .arg("drill")
            .args(args)
            .args(["--port-base", &base.to_string(), "--exit-after", "120"])
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()
            .expect("the gameday binary runs");
        let (tx, lines) = mpsc::channel::<String>();
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        LiveDrill {
            child,
            lines,
            seen: Vec::new(),
            base,
        }
    }

    /// Reads stdout until a line contains `what` (a minute at most) and
    /// returns that line.
    pub fn wait_for(&mut self, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(l) = self.seen.iter().find(|l| l.contains(what)) {
                return l.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => self.seen.push(l),
                Err(_) => panic!("no `{what}` within a minute: {:#?}", self.seen),
            }
        }
    }

    /// Waits for the drill to exit (a minute at most), reading the rest
    /// of its stdout into [`LiveDrill::seen`].
    pub fn finish(&mut self) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("the drill runs") {
                // The reader thread sends the rest, then closes the channel.
                while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(5)) {
                    self.seen.push(l);
                }
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the drill did not exit within a minute: {:#?}",
                self.seen
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for LiveDrill {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
