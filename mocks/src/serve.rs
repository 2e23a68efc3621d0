//! Starts every fake on its own loopback port, over one shared world.

use std::net::{IpAddr, SocketAddr, TcpListener};

use wiremock::MockServer;

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
    pub server: MockServer,
}

/// Binds `fake` on `bind:port` and mounts it over `world`. Port 0 picks a
/// free port. The server keeps no log of the requests it served (wiremock
/// would keep every request, 401s and 404s included, for the life of a
/// `mocks` or `drill` process: memory growing with every request); a
/// drill's journal is the record.
pub async fn start(
    fake: Fake,
    bind: IpAddr,
    port: u16,
    world: SharedWorld,
    token: &str,
) -> std::io::Result<Running> {
    start_with(fake, TcpListener::bind((bind, port))?, world, token, false).await
}

/// Mounts `fake` on `listener`. Without `record`, the server keeps no log
/// of the requests it served (for long automated sessions).
pub async fn start_with(
    fake: Fake,
    listener: TcpListener,
    world: SharedWorld,
    token: &str,
    record: bool,
) -> std::io::Result<Running> {
    let address = listener.local_addr()?;
    let builder = MockServer::builder().listener(listener);
    let builder = if record {
        builder
    } else {
        builder.disable_request_recording()
    };
    let server = builder.start().await;
    let t = token.to_string();
    match fake {
        Fake::Gameday => crate::gameday::mount(&server, world, t).await,
        Fake::GitHub => crate::github::mount(&server, world, t).await,
        Fake::ArgoCd => crate::argocd::mount(&server, world, argocd_token(token)).await,
        Fake::Rollouts => crate::rollouts::mount(&server, world, t).await,
        Fake::Unleash => crate::unleash_mount::mount(&server, world, t).await,
        Fake::Prometheus => crate::prometheus_mount::mount(&server, world).await,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn should_keep_no_log_of_the_requests_served() {
        let world = SharedWorld::new(gameday_sim::scenario::friday_cascade(), 1);
        let running = start(
            Fake::Prometheus,
            "127.0.0.1".parse().unwrap(),
            0,
            world,
            "t",
        )
        .await
        .unwrap();
        let url = format!("http://{}/api/v1/query?query=up", running.address);
        let status = tokio::task::spawn_blocking(move || {
            reqwest::blocking::get(url).map(|r| r.status().as_u16())
        })
        .await
        .unwrap()
        .unwrap();
        assert_eq!(status, 200);
        // Recording off: wiremock keeps nothing, however long it runs.
        assert!(running.server.received_requests().await.is_none());
    }
}
