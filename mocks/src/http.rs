//! The small HTTP vocabulary the fakes share: a request as the handlers see
//! it and a response they return. [`crate::server`] serves them.

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
