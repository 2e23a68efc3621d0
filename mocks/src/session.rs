//! A session of fakes for automated use: every fake on its own free
//! loopback port over one world, in a private tokio runtime, and a replay
//! of a strategy through them with the HTTP control plane.

use std::net::{Ipv4Addr, TcpListener};

use gameday_sim::control::CpError;
use gameday_sim::engine::{conclude, respond, Replay};
use gameday_sim::scenario::Scenario;
use gameday_sim::strategy::Policy;

use crate::client::{Endpoints, HttpControlPlane};
use crate::serve::{self, Fake, Running};
use crate::sim::SharedWorld;

/// Running fakes. Dropping it stops them.
#[derive(Debug)]
pub struct Session {
    // Servers before the runtime: they shut down while it still runs.
    servers: Vec<Running>,
    token: String,
    runtime: tokio::runtime::Runtime,
}

impl Session {
    /// Serves every fake over `world` on 127.0.0.1, on ports the system
    /// picks, without request logs.
    pub fn start(world: SharedWorld, token: &str) -> std::io::Result<Session> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let servers = runtime.block_on(async {
            let mut servers = Vec::new();
            for fake in Fake::ALL {
                let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
                servers.push(serve::start_with(fake, listener, world.clone(), token).await?);
            }
            Ok::<_, std::io::Error>(servers)
        })?;
        Ok(Session {
            servers,
            token: token.to_string(),
            runtime,
        })
    }

    /// Where each fake listens.
    pub fn endpoints(&self) -> Endpoints {
        let url = |fake: Fake| {
            self.servers
                .iter()
                .find(|r| r.fake == fake)
                .map(|r| format!("http://{}", r.address))
                .unwrap_or_default()
        };
        Endpoints {
            github: url(Fake::GitHub),
            argocd: url(Fake::ArgoCd),
            rollouts: url(Fake::Rollouts),
            prometheus: url(Fake::Prometheus),
            unleash: url(Fake::Unleash),
            gameday: url(Fake::Gameday),
            token: self.token.clone(),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let servers = std::mem::take(&mut self.servers);
        self.runtime.block_on(async move { drop(servers) });
    }
}

/// A replay over HTTP, with what it cost.
#[derive(Debug)]
pub struct HttpReplay {
    pub replay: Replay,
    /// HTTP requests the control plane sent.
    pub requests: u64,
}

/// Replays `policy` on `scenario` with `seed`, the strategy acting only
/// through the fakes over loopback HTTP. The result is byte-identical to
/// [`gameday_sim::engine::replay`].
pub fn http_replay(scenario: &Scenario, policy: &Policy, seed: u64) -> Result<HttpReplay, CpError> {
    let world = SharedWorld::new(scenario.clone(), seed);
    let session = Session::start(world.clone(), "gameday-replay")
        .map_err(|e| CpError::Transport(format!("cannot start the fakes: {e}")))?;
    let mut cp = HttpControlPlane::new(session.endpoints())?;
    let outcome = respond(&mut cp, scenario, policy, seed);
    drop(session);
    let mut w = world.lock();
    let score = conclude(&mut w, outcome);
    Ok(HttpReplay {
        replay: Replay::of(&w, policy, seed, score, cp.calls()),
        requests: cp.requests(),
    })
}
