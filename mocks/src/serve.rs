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
/// ([`crate::server`]); a drill's journal is the record. Bound to an
/// address other than loopback, every request needs a credential (the
/// token, or a player's), reads included: see [`bind_warning`].
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
    if !address.ip().is_loopback() {
        // Served to the network: the incident is nobody else's to read.
        let access = world
            .access()
            .cloned()
            .unwrap_or_else(|| std::sync::Arc::new(crate::access::Access::single(token)));
        server.gate(move |req| access.identify(req).is_some());
    }
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

/// What to print before serving on `bind`, when it is not loopback.
pub fn bind_warning(bind: IpAddr) -> Option<String> {
    (!bind.is_loopback()).then(|| {
        format!(
            "warning: --bind {bind} serves the fakes beyond this machine: anyone who can reach it can call them. \
             Every request now needs the token, reads too (Prometheus and GitHub reads included: \
             give promtool --http.config.file, Grafana a bearer token). Use --bind 127.0.0.1 unless people join from other machines."
        )
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

    fn get(port: u16, auth: Option<&str>) -> String {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let auth = auth
            .map(|a| format!("Authorization: {a}\r\n"))
            .unwrap_or_default();
        let req = format!(
            "GET /api/v1/query?query=http_requests_total HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n"
        );
        s.write_all(req.as_bytes()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn should_ask_for_the_token_on_reads_beyond_loopback_only() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let world = SharedWorld::new(gameday_sim::scenario::friday_cascade(), 1);
        let on = |addr: &str| {
            let listener = TcpListener::bind(addr).unwrap();
            rt.block_on(start_with(Fake::Prometheus, listener, world.clone(), "tok"))
                .unwrap()
        };
        let open = on("127.0.0.1:0");
        let exposed = on("0.0.0.0:0");
        assert!(get(open.address.port(), None).starts_with("HTTP/1.1 200"));
        let refused = get(exposed.address.port(), None);
        assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
        assert!(refused.contains("reads too"), "{refused}");
        // Judged on the head: an anonymous body is never read.
        let anonymous = {
            use std::io::{Read, Write};
            let mut s =
                std::net::TcpStream::connect(("127.0.0.1", exposed.address.port())).unwrap();
            s.write_all(b"POST /api/v1/query HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).unwrap();
            out
        };
        assert!(anonymous.starts_with("HTTP/1.1 401"), "{anonymous}");
        let ok = get(exposed.address.port(), Some("Bearer tok"));
        assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
        assert!(bind_warning("0.0.0.0".parse().unwrap()).is_some());
        assert!(bind_warning("127.0.0.1".parse().unwrap()).is_none());
        assert!(bind_warning("::1".parse().unwrap()).is_none());
    }
}
