//! The drill journal: append-only JSON Lines, one line per request to a
//! fake and per simulated event, flushed as it is written, so a drill
//! killed at any moment loses at most the line being written.
//!
//! The first line is the [`Header`]: the scenario's text and SHA-256, the
//! seed, the speed, the handover and the gameday version, so the journal
//! alone is enough to score and replay the drill ([`replay`]). Every other
//! line is a [`Line`]: a request (who, what, the answer's status, at which
//! virtual and wall time), a simulated event (what the world's own journal
//! said), a facilitator action (pause, resume), or the end.
//!
//! The format, one JSON object per line, tagged by `kind`:
//!
//! ```text
//! {"kind":"header","format":"gameday-drill-journal","version":1,...}
//! {"kind":"request","at_ms":61000,"wall_ms":1764680461000,"fake":"unleash","player":"ana","method":"POST",...}
//! {"kind":"event","at_ms":61000,"wall_ms":...,"actor":"flags","event":"flag","text":"flag payment_processing_v2 turned off"}
//! {"kind":"end","at_ms":...,"wall_ms":...,"reason":"ended by the facilitator"}
//! ```
//!
//! Limits: a journaled request body is at most [`MAX_BODY`] bytes (cut
//! there), a line at most [`MAX_LINE`] bytes and a journal at most
//! [`MAX_JOURNAL_BYTES`] when read back.

mod read;
pub mod record;
pub mod replay;
mod write;

use serde::{Deserialize, Serialize};

pub use read::{read, read_str, Journal, JournalError};
pub use record::Recorder;
pub use write::JournalWriter;

/// The `format` field of every header.
pub const FORMAT: &str = "gameday-drill-journal";

/// Version of the line shapes.
pub const VERSION: u32 = 1;

/// Longest request body kept in a journal, in bytes.
pub const MAX_BODY: usize = 1 << 20;

/// Largest journal a reader accepts, in bytes (an 8-hour drill with 20
/// dashboards polling every second writes a few hundred megabytes).
pub const MAX_JOURNAL_BYTES: u64 = 2 << 30;

/// Longest line a reader accepts, in bytes (the header carries the whole
/// scenario, which validation bounds well below this).
pub const MAX_LINE: usize = 16 << 20;

/// The first line: everything needed to rebuild the drill's world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`] for journals this build writes.
    pub version: u32,
    /// Version of the gameday binary that wrote the journal.
    pub gameday_version: String,
    /// The scenario file as given, `None` for the embedded Friday cascade.
    pub scenario_file: Option<String>,
    /// The scenario's text, byte for byte.
    pub scenario_text: String,
    /// SHA-256 of `scenario_text`, lowercase hex.
    pub scenario_sha256: String,
    pub seed: u64,
    /// Virtual seconds per wall second.
    pub speed: f64,
    /// With a takeover: the strategy that played until `handover_ms`.
    pub strategy: Option<String>,
    pub handover_ms: Option<u64>,
    /// The players' names (`--player`), none when one team played and
    /// facilitated; their tokens are never written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub players: Vec<String>,
    /// Unix milliseconds when the drill started.
    pub started_wall_ms: u64,
}

/// What a line is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Line {
    Header(Header),
    /// A request a fake answered.
    Request(Request),
    /// An event of the simulated world (its own journal's entry).
    Event(Event),
    /// The facilitator paused or resumed the clock.
    Pause {
        at_ms: u64,
        wall_ms: u64,
        player: Option<String>,
    },
    Resume {
        at_ms: u64,
        wall_ms: u64,
        player: Option<String>,
    },
    /// The drill ended (horizon, facilitator, interrupt).
    End {
        at_ms: u64,
        wall_ms: u64,
        reason: String,
    },
}

/// One request to a fake, as answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Virtual time the request was handled at (milliseconds since the
    /// scenario's start).
    pub at_ms: u64,
    /// Unix milliseconds it arrived at.
    pub wall_ms: u64,
    /// `prometheus`, `unleash`, `github`, `argocd`, `gameday`, `rollouts`.
    pub fake: String,
    /// Who made it (the player whose token it carried), if known.
    pub player: Option<String>,
    pub method: String,
    pub path: String,
    /// The raw query string, without `?`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub query: String,
    /// The body as text; requests to the fakes are JSON or form data.
    /// A body that is not UTF-8 is kept as `body_hex` instead.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_hex: Option<String>,
    /// The `Content-Type` it came with, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The answer's status code.
    pub status: u16,
}

/// One event of the simulated world.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at_ms: u64,
    pub wall_ms: u64,
    /// `responder`, `pipeline`, `flags`, or a service's name.
    pub actor: String,
    /// The entry's kind, e.g. `alert_firing`.
    pub event: String,
    pub text: String,
}

impl Event {
    /// The journal's record of a world journal entry, written at `wall_ms`.
    pub fn of(e: &gameday_sim::world::journal::Entry, wall_ms: u64) -> Event {
        Event {
            at_ms: e.at.as_millis(),
            wall_ms,
            actor: e.actor.to_string(),
            event: serde_json::to_value(e.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            text: e.text.clone(),
        }
    }

    /// Whether it records the same event as `other` (wall times aside).
    pub fn same_as(&self, other: &Event) -> bool {
        (self.at_ms, &self.actor, &self.event, &self.text)
            == (other.at_ms, &other.actor, &other.event, &other.text)
    }
}

/// `query` with the value of every `token` parameter (a browser's way to
/// carry its credential, see [`crate::access`]) replaced: the journal is
/// shared after a drill, its tokens are not.
fn redacted(query: &str) -> String {
    let pairs = || form_urlencoded::parse(query.as_bytes());
    if !pairs().any(|(k, _)| k == "token") {
        return query.to_string();
    }
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs().map(|(k, v)| {
            let v = if k == "token" { "redacted".into() } else { v };
            (k, v)
        }))
        .finish()
}

impl Request {
    /// The journal's record of `req`, answered with `status` at virtual
    /// time `at_ms` and wall time `wall_ms`. A body over [`MAX_BODY`] is
    /// kept only up to it: a replay of that request then answers
    /// differently and says where (the fakes do not cap bodies yet).
    pub fn of(
        fake: &str,
        player: Option<&str>,
        req: &crate::http::HttpRequest,
        status: u16,
        at_ms: u64,
        wall_ms: u64,
    ) -> Request {
        let body = &req.body[..req.body.len().min(MAX_BODY)];
        let (text, hex) = match std::str::from_utf8(body) {
            Ok(s) => (s.to_string(), None),
            Err(_) => (String::new(), Some(hex(body))),
        };
        Request {
            at_ms,
            wall_ms,
            fake: fake.to_string(),
            player: player.map(str::to_string),
            method: req.method.clone(),
            path: req.path.clone(),
            query: redacted(&req.query),
            body: text,
            body_hex: hex,
            content_type: req.header("content-type").map(str::to_string),
            status,
        }
    }

    /// The request again, without its credentials (a journal keeps none).
    pub fn to_http(&self) -> Result<crate::http::HttpRequest, String> {
        let body = match &self.body_hex {
            Some(h) => unhex(h).ok_or_else(|| format!("body_hex `{h}` is not hex"))?,
            None => self.body.clone().into_bytes(),
        };
        let mut req = crate::http::HttpRequest {
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            headers: Vec::new(),
            body,
        };
        if let Some(ct) = &self.content_type {
            req = req.with_header("content-type", ct.clone());
        }
        Ok(req)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests;
