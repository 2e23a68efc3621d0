//! Starts every fake on its own loopback port, over one shared world.

use std::net::{IpAddr, SocketAddr, TcpListener};

use crate::server::Server;

use crate::sim::SharedWorld;

/// The fakes and their default ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fake {
    Gameday,
    GitHub,
    ArgoCd,
    Rollouts,
    Prometheus,
    Unleash,
}

impl Fake {
    /// In `--port-base` order.
    pub const ALL: [Fake; 6] = [
        Fake::Prometheus,
        Fake::Unleash,
        Fake::GitHub,
        Fake::ArgoCd,
        Fake::Gameday,
        Fake::Rollouts,
    ];

    /// Conventional ports: Prometheus 9090, Unleash 4242 and the Argo
    /// Rollouts dashboard 3100 as upstream; the others picked to stay out
    /// of their way.
    pub fn default_port(self) -> u16 {
        match self {
            Fake::Prometheus => 9090,
            Fake::Unleash => 4242,
            Fake::GitHub => 9091,
            Fake::ArgoCd => 9092,
            Fake::Gameday => 9093,
            Fake::Rollouts => 3100,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Fake::Prometheus => "prometheus",
            Fake::Unleash => "unleash",
            Fake::GitHub => "github",
            Fake::ArgoCd => "argocd",
            Fake::Gameday => "gameday",
            Fake::Rollouts => "rollouts",
        }
    }
}

/// A running fake.
#[derive(Debug)]
pub struct Running {
    pub fake: Fake,
    pub address: SocketAddr,
    pub server: Server,
}

/// Binds `fake` on `bind:port` and mounts it over `world`. Port 0 picks a
/// free port. The server keeps no log of the requests it served
/// ([`crate::server`]); a drill's journal is the record.
pub async fn start(
    fake: Fake,
    bind: IpAddr,
    port: u16,
    world: SharedWorld,
    token: &str,
) -> std::io::Result<Running> {
    start_with(fake, TcpListener::bind((bind, port))?, world, token).await
}

/// Mounts `fake` on `listener` (call inside a tokio runtime).
pub async fn start_with(
    fake: Fake,
    listener: TcpListener,
    world: SharedWorld,
    token: &str,
) -> std::io::Result<Running> {
    let server = Server::start(listener)?;
    let address = server.address();
    let t = token.to_string();
    match fake {
        Fake::Gameday => crate::gameday::mount(&server, world, t),
        Fake::GitHub => crate::github::mount(&server, world, t),
        Fake::ArgoCd => crate::argocd::mount(&server, world, argocd_token(token)),
        Fake::Rollouts => crate::rollouts::mount(&server, world, t),
        Fake::Unleash => crate::unleash_mount::mount(&server, world, t),
        Fake::Prometheus => crate::prometheus_mount::mount(&server, world),
    }
    Ok(Running {
        fake,
        address,
        server,
    })
}

/// Argo CD only accepts JWT-shaped bearer tokens (three dot-separated
/// parts), so its token wraps the session token.
pub fn argocd_token(token: &str) -> String {
    format!("gameday.{token}.drill")
}
