//! The small HTTP vocabulary the fakes share: a request as the handlers see
//! it, a response they return, and the adapter that lets wiremock serve a
//! handler (`wiremock::Respond`).

use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

/// A request, as the fakes' handlers see it.
#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// The raw query string (without `?`).
    pub query: String,
    /// Header names lowercased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A request for `target`, a path with an optional `?query`.
    pub fn new(method: &str, target: &str) -> Self {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        HttpRequest {
            method: method.to_string(),
            path: path.to_string(),
            query: query.to_string(),
            ..HttpRequest::default()
        }
    }

    /// Adds a header (its name lowercased, as received requests have them).
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Query parameters, decoded.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }
}

impl From<&wiremock::Request> for HttpRequest {
    fn from(r: &wiremock::Request) -> Self {
        HttpRequest {
            method: r.method.as_str().to_string(),
            path: r.url.path().to_string(),
            query: r.url.query().unwrap_or("").to_string(),
            headers: r
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_ascii_lowercase(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: r.body.clone(),
        }
    }
}

/// A header on refusals that carries the simulation's reason (URL-encoded),
/// so gameday's HTTP control plane reports a refusal in the same words as
/// the in-process one; the body keeps the real service's shape and message.
pub const REFUSAL_HEADER: &str = "x-gameday-refusal";

/// A response from a fake.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    /// A JSON response.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        HttpResponse {
            status,
            content_type: "application/json; charset=utf-8",
            headers: Vec::new(),
            body: body.to_string(),
        }
    }

    /// A response with a body already encoded as `content_type`.
    pub fn raw(status: u16, content_type: &'static str, body: impl Into<String>) -> Self {
        HttpResponse {
            status,
            content_type,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// A plain-text response.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        HttpResponse {
            status,
            content_type: "text/plain; charset=utf-8",
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// An empty response.
    pub fn empty(status: u16) -> Self {
        HttpResponse {
            status,
            content_type: "text/plain; charset=utf-8",
            headers: Vec::new(),
            body: String::new(),
        }
    }

    /// Adds the simulation's own reason for refusing a request
    /// ([`REFUSAL_HEADER`]), beside the service's message in the body.
    pub fn refusing(self, reason: &gameday_sim::world::OpError) -> Self {
        let encoded: String =
            form_urlencoded::byte_serialize(reason.to_string().as_bytes()).collect();
        self.with_header(REFUSAL_HEADER, encoded)
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// The body parsed as JSON (for tests).
    pub fn json_body(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// Serves a handler through wiremock.
pub struct Handler<F>(pub F);

impl<F> std::fmt::Debug for Handler<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Handler")
    }
}

impl<F> Respond for Handler<F>
where
    F: Fn(&HttpRequest) -> HttpResponse + Send + Sync,
{
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let req = HttpRequest::from(request);
        let res = (self.0)(&req);
        let mut t = ResponseTemplate::new(res.status);
        for (k, v) in &res.headers {
            t = t.insert_header(k.as_str(), v.as_str());
        }
        t.set_body_raw(res.body.into_bytes(), res.content_type)
    }
}

/// One named endpoint of a fake: an optional method, a path regex, a name.
pub type Route = (Option<&'static str>, &'static str, &'static str);

/// Mounts `handler` on `server` once per route (so wiremock's request log
/// names the endpoint) and once more, at the lowest priority, for anything
/// else, so unknown paths get the fake's own error shape.
pub async fn mount_routes<F>(server: &MockServer, routes: &[Route], fallback: &str, handler: F)
where
    F: Fn(&HttpRequest) -> HttpResponse + Clone + Send + Sync + 'static,
{
    for &(m, path, name) in routes {
        let mock = match m {
            Some(m) => Mock::given(method(m)).and(path_regex(path)),
            None => Mock::given(path_regex(path)),
        };
        mock.respond_with(Handler(handler.clone()))
            .with_priority(1)
            .named(name)
            .mount(server)
            .await;
    }
    Mock::given(path_regex(".*"))
        .respond_with(Handler(handler))
        .with_priority(u8::MAX)
        .named(fallback)
        .mount(server)
        .await;
}
