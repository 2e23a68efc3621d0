//! Blocking JSON over HTTP for the control plane: one reqwest client, the
//! services' auth schemes, and their error bodies turned into
//! [`CpError`]s that carry the service's own message.

use std::time::Duration;

use gameday_sim::control::CpError;
use gameday_sim::world::OpError;
use reqwest::blocking::{Client, RequestBuilder};
use reqwest::Method;
use serde_json::Value;

/// How a service wants its token.
#[derive(Debug, Clone, Copy)]
pub(super) enum Auth<'a> {
    /// `Authorization: Bearer <token>` (GitHub, Argo CD, Rollouts, gameday).
    Bearer(&'a str),
    /// `Authorization: <token>`, as Unleash's admin API wants it.
    Raw(&'a str),
    None,
}

/// A request body.
#[derive(Debug, Clone)]
pub(super) enum Body<'a> {
    Empty,
    Json(&'a Value),
    Form(&'a [(&'a str, &'a str)]),
}

/// The HTTP client, counting the requests it sends.
#[derive(Debug)]
pub(super) struct Transport {
    client: Client,
    requests: u64,
}

impl Transport {
    pub(super) fn new() -> Result<Self, CpError> {
        let client = Client::builder()
            // The fakes are on loopback: a proxy from the environment
            // would only get in the way.
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| CpError::Transport(format!("cannot build the HTTP client: {e}")))?;
        Ok(Transport {
            client,
            requests: 0,
        })
    }

    pub(super) fn requests(&self) -> u64 {
        self.requests
    }

    /// Sends a request; a 2xx answer's body as JSON (`Null` when empty),
    /// anything else as the error the service reported.
    pub(super) fn send(
        &mut self,
        method: Method,
        url: &str,
        auth: Auth<'_>,
        body: Body<'_>,
    ) -> Result<Value, CpError> {
        self.requests += 1;
        let mut req: RequestBuilder = self.client.request(method.clone(), url);
        req = match auth {
            Auth::Bearer(t) => req.bearer_auth(t),
            Auth::Raw(t) => req.header("authorization", t),
            Auth::None => req,
        };
        req = match body {
            Body::Empty => req,
            Body::Json(v) => req.json(v),
            Body::Form(pairs) => req.form(pairs),
        };
        let res = req
            .send()
            .map_err(|e| CpError::Transport(format!("{method} {url}: {e}")))?;
        let status = res.status().as_u16();
        let reason = res
            .headers()
            .get(crate::http::REFUSAL_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                form_urlencoded::parse(format!("r={v}").as_bytes())
                    .map(|(_, r)| r.into_owned())
                    .collect::<String>()
            });
        let text = res
            .text()
            .map_err(|e| CpError::Transport(format!("{method} {url}: reading the answer: {e}")))?;
        let json = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| {
                CpError::Transport(format!("{method} {url}: answer is not JSON ({e}): {text}"))
            })?
        };
        if (200..300).contains(&status) {
            Ok(json)
        } else {
            Err(refusal(status, reason, &json, &text))
        }
    }
}

/// Why a request was refused: the simulation's reason when the fake gave
/// it, else the service's message (GitHub's and Argo's `message`,
/// Prometheus' and gameday's `error`).
fn refusal(status: u16, reason: Option<String>, json: &Value, text: &str) -> CpError {
    if let Some(reason) = reason {
        return CpError::Refused(OpError::Remote(reason));
    }
    let message = json["message"]
        .as_str()
        .or_else(|| json["error"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| format!("HTTP {status}: {text}"));
    CpError::Refused(OpError::Remote(message))
}
