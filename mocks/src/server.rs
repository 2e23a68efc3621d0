//! The HTTP/1.1 server every fake runs on: it reads a request within the
//! bounds below, hands it to the fake's handler off the async workers, and
//! writes the answer. A fake is one handler, `Fn(&HttpRequest) ->
//! HttpResponse`, installed with [`Server::handle_with`].
//!
//! | bound | value | answer |
//! |---|---|---|
//! | request body | [`MAX_BODY_BYTES`] | 413, before the body is read when `Content-Length` says so |
//! | request head (line and headers) | [`MAX_HEAD_BYTES`] | 431, hyper's |
//! | time to send the head | [`HEAD_TIMEOUT`] | the connection is closed |
//! | time to send the body | [`BODY_TIMEOUT`] | 408 |
//! | connections at once | [`MAX_CONNECTIONS`] | later ones wait in the backlog |
//!
//! A malformed request (a body shorter than its `Content-Length`, broken
//! chunked encoding) gets a 400 if the connection still stands, and is
//! otherwise dropped without a word: one bad client must not fill the
//! drill's terminal. The server keeps no log of requests (a drill's
//! journal is the record), so its memory does not grow with traffic.
//!
//! wiremock, which served the fakes before, reads every body whole before
//! any handler runs and panics on a malformed one; it stays what the tests
//! use to fake the world outside gameday (webhooks, a chat bridge).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::{watch, Semaphore};

use crate::http::{HttpRequest, HttpResponse};

/// Largest request body a fake reads (every fake's requests are small
/// JSON or form bodies; a journaled body is cut at the same size).
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// Largest request head (request line and headers).
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// How long a client may take to send a request's head.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a client may take to send a request's body.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections served at once per fake.
pub const MAX_CONNECTIONS: usize = 256;

type Handler = Arc<dyn Fn(&HttpRequest) -> HttpResponse + Send + Sync>;
type Gate = Arc<dyn Fn(&HttpRequest) -> bool + Send + Sync>;

/// What the handler and the optional gate in front of it are, and how
/// long a body may take.
struct Slots {
    handler: OnceLock<Handler>,
    gate: OnceLock<Gate>,
    body_timeout: Duration,
}

/// A running server. Dropping it stops it: no new connection is
/// accepted and the open ones are closed, so nobody acts on the world
/// after (a drill is scored once its fakes are stopped).
pub struct Server {
    address: SocketAddr,
    slots: Arc<Slots>,
    stop: watch::Sender<bool>,
}

impl Server {
    /// Starts serving on `listener` (call inside a tokio runtime). Until a
    /// handler is installed, requests get 503.
    pub fn start(listener: std::net::TcpListener) -> std::io::Result<Server> {
        Server::start_with(listener, BODY_TIMEOUT)
    }

    fn start_with(
        listener: std::net::TcpListener,
        body_timeout: Duration,
    ) -> std::io::Result<Server> {
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let slots = Arc::new(Slots {
            handler: OnceLock::new(),
            gate: OnceLock::new(),
            body_timeout,
        });
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(accept(listener, slots.clone(), stopped));
        Ok(Server {
            address,
            slots,
            stop,
        })
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://ADDRESS`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Installs the fake's handler (once; a second call is ignored).
    pub fn handle_with<F>(&self, handler: F)
    where
        F: Fn(&HttpRequest) -> HttpResponse + Send + Sync + 'static,
    {
        let _ = self.slots.handler.set(Arc::new(handler));
    }

    /// Lets through only the requests `allowed` accepts, judged on the
    /// request's head (its body is not read yet); the others get 401
    /// before the handler sees them (a fake served beyond loopback asks
    /// for the token on reads too). Once; a second call is ignored.
    pub fn gate<F>(&self, allowed: F)
    where
        F: Fn(&HttpRequest) -> bool + Send + Sync + 'static,
    {
        let _ = self.slots.gate.set(Arc::new(allowed));
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("address", &self.address)
            .field("handler", &self.slots.handler.get().is_some())
            .field("gated", &self.slots.gate.get().is_some())
            .finish()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Resolves once the server is stopped (or dropped).
async fn stopping(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|&s| s).await;
}

async fn accept(
    listener: tokio::net::TcpListener,
    handler: Arc<Slots>,
    stopped: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let slot = tokio::select! {
            _ = stopping(stopped.clone()) => return,
            s = slots.clone().acquire_owned() => match s {
                Ok(s) => s,
                Err(_) => return,
            },
        };
        let accepted = tokio::select! {
            _ = stopping(stopped.clone()) => return,
            a = listener.accept() => a,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors, a reset before accept: wait a
                // moment rather than spin.
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let handler = handler.clone();
        let stopped = stopped.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| respond(req, handler.clone()));
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT)
                .max_buf_size(MAX_HEAD_BYTES)
                .serve_connection(TokioIo::new(stream), service);
            // A connection that breaks mid-request ends here, quietly; a
            // stopped server closes it.
            tokio::select! {
                _ = connection => {}
                _ = stopping(stopped) => {}
            }
            drop(slot);
        });
    }
}

async fn respond(
    req: Request<Incoming>,
    slots: Arc<Slots>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Ok(too_large(declared));
    }
    let Some(handler) = slots.handler.get().cloned() else {
        return Ok(plain(503, "503 Service Unavailable: starting\n"));
    };
    let mut request = HttpRequest {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: Vec::new(),
    };
    // The credential travels in the head: a caller without one is refused
    // before its body is read.
    if slots.gate.get().is_some_and(|allowed| !allowed(&request)) {
        return Ok(plain(
            401,
            "401 Unauthorized: this fake is served beyond loopback, so every request needs the token, reads too\n",
        ));
    }
    let read = tokio::time::timeout(
        slots.body_timeout,
        Limited::new(body, MAX_BODY_BYTES).collect(),
    );
    request.body = match read.await {
        Err(_) => {
            return Ok(plain(
                408,
                "408 Request Timeout: the request body did not arrive in time\n",
            ))
        }
        Ok(Ok(b)) => b.to_bytes().to_vec(),
        Ok(Err(e)) if e.is::<LengthLimitError>() => return Ok(too_large(None)),
        Ok(Err(_)) => {
            return Ok(plain(
                400,
                "400 Bad Request: the request body is malformed\n",
            ))
        }
    };
    // Handlers take the world's lock and may compute for a while (a
    // PromQL range query): off the async workers.
    let answer = tokio::task::spawn_blocking(move || handler(&request)).await;
    Ok(match answer {
        Ok(res) => to_hyper(res),
        Err(_) => plain(
            500,
            "500 Internal Server Error: the fake failed on this request\n",
        ),
    })
}

fn too_large(declared: Option<u64>) -> Response<Full<Bytes>> {
    let size = declared.map_or_else(|| "over".to_string(), |n| format!("{n} bytes, over"));
    plain(
        413,
        &format!("413 Content Too Large: the request body is {size} the fakes' limit of {MAX_BODY_BYTES} bytes\n"),
    )
}

fn plain(status: u16, body: &str) -> Response<Full<Bytes>> {
    to_hyper(HttpResponse::text(status, body))
}

fn to_hyper(res: HttpResponse) -> Response<Full<Bytes>> {
    let mut out = Response::new(Full::new(Bytes::from(res.body)));
    *out.status_mut() =
        StatusCode::from_u16(res.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = out.headers_mut();
    if let Ok(v) = hyper::header::HeaderValue::from_str(res.content_type) {
        headers.insert(hyper::header::CONTENT_TYPE, v);
    }
    for (k, v) in &res.headers {
        if let (Ok(k), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(k.as_bytes()),
            hyper::header::HeaderValue::from_str(v),
        ) {
            headers.append(k, v);
        }
    }
    out
}

#[cfg(test)]
mod tests;
