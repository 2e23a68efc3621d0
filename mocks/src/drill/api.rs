//! The gameday control API's drill endpoints, answered before the frozen
//! world's: pause, resume and end the drill; `wait` refused (the clock
//! runs by itself); no diagnosis (no free answers); the journal as the
//! team could see it.
//!
//! | method and path | answer |
//! |---|---|
//! | `GET /gameday/v1/drill` | `{state, speed, now_ms, clock, unix, pauses, paused_ms}` |
//! | `POST /gameday/v1/pause` | the same, `state: "paused"` |
//! | `POST /gameday/v1/resume` | the same, `state: "running"` |
//! | `POST /gameday/v1/end` | the same, `state: "ended"`; the drill stops and prints its score |
//! | `POST /gameday/v1/wait` | 409: the drill's clock runs by itself |
//! | `GET /gameday/v1/diagnose` | 403: no free answers in a drill |
//! | `GET /gameday/v1/journal` | the journal without ground truth ([`super::visible`]) |
//! | `GET /gameday/v1/status` | the facilitator's screen: the live status as a self-refreshing HTML page ([`super::screen`]) |
//! | `POST /gameday/v1/inject` | the control API injects the twist ([`crate::gameday`]) |
//!
//! Every endpoint needs a player's or the facilitator's token, as a bearer
//! token or, so that a browser can open the status page, `?token=T`;
//! pause, resume, end and inject need the facilitator's (403 for a
//! player's: the game master runs the clock and the twists).

use serde_json::{json, Value};

use super::driver::{Driver, DriverError};
use super::screen;
use super::status::Status;
use super::visible::visible;
use crate::access::Role;
use crate::http::{HttpRequest, HttpResponse};
use crate::sim::SharedWorld;

fn error(status: u16, message: &str) -> HttpResponse {
    HttpResponse::json(status, &json!({ "error": message }))
}

/// The drill's state as the endpoints answer it.
pub fn state_json(world: &SharedWorld, driver: &Driver) -> Value {
    let (now, clock, unix) = {
        let w = world.lock();
        let tb = world.timebase();
        (
            w.now(),
            w.scenario().clock.label(w.now()),
            tb.unix_seconds(w.now()),
        )
    };
    let s = driver.state_now();
    let state = match (&s.ended, s.paused) {
        (Some(_), _) => "ended",
        (None, true) => "paused",
        (None, false) => "running",
    };
    json!({
        "state": state,
        "speed": s.speed.get(),
        "now_ms": now.as_millis(),
        "clock": clock,
        "unix": unix,
        "pauses": s.pauses,
        "paused_ms": s.paused_for.as_millis() as u64,
    })
}

fn driver_error(e: DriverError) -> HttpResponse {
    error(409, &e.to_string())
}

/// Whether `req` asks for the facilitator's screen (which the journal
/// leaves out: it reloads itself every few seconds).
pub fn is_screen(req: &HttpRequest) -> bool {
    req.method == "GET" && req.path.trim_end_matches('/') == "/gameday/v1/status"
}

/// Answers `req` if it is a drill endpoint; `None` lets the control API
/// answer it. `caller` is the role of the credential the request carries,
/// if it carries one.
pub fn handle(
    req: &HttpRequest,
    world: &SharedWorld,
    driver: &Driver,
    caller: Option<Role>,
) -> Option<HttpResponse> {
    let path = req.path.trim_end_matches('/');
    let known = matches!(
        path,
        "/gameday/v1/drill"
            | "/gameday/v1/pause"
            | "/gameday/v1/resume"
            | "/gameday/v1/end"
            | "/gameday/v1/wait"
            | "/gameday/v1/diagnose"
            | "/gameday/v1/journal"
            | "/gameday/v1/status"
            | "/gameday/v1/inject"
    );
    if !known {
        return None;
    }
    let Some(role) = caller else {
        return Some(error(401, "missing or wrong bearer token"));
    };
    let facilitators = matches!(
        path,
        "/gameday/v1/pause" | "/gameday/v1/resume" | "/gameday/v1/end" | "/gameday/v1/inject"
    );
    if facilitators && req.method == "POST" && role != Role::Facilitator {
        return Some(error(
            403,
            &format!(
                "only the facilitator may {} the drill (hint: the facilitator's token is printed at the drill's start)",
                path.trim_start_matches("/gameday/v1/")
            ),
        ));
    }
    if path == "/gameday/v1/inject" {
        return None;
    }
    let ok = |world: &SharedWorld| HttpResponse::json(200, &state_json(world, driver));
    Some(match (req.method.as_str(), path) {
        ("GET", "/gameday/v1/drill") => ok(world),
        ("POST", "/gameday/v1/pause") => match driver.pause(world) {
            Ok(_) => ok(world),
            Err(e) => driver_error(e),
        },
        ("POST", "/gameday/v1/resume") => match driver.resume(world) {
            Ok(_) => ok(world),
            Err(e) => driver_error(e),
        },
        ("POST", "/gameday/v1/end") => {
            driver.end(world, "POST /gameday/v1/end");
            ok(world)
        }
        ("POST", "/gameday/v1/wait") => error(
            409,
            &format!(
                "in a drill the clock runs by itself ({} of virtual time per wall second): there is nothing to wait for but time; POST /gameday/v1/pause stops it",
                driver.speed()
            ),
        ),
        ("GET", "/gameday/v1/diagnose") => error(
            403,
            "no free answers in a drill: find the cause from the metrics, the alerts, the deploy history and the pull requests, as in production",
        ),
        ("GET", "/gameday/v1/journal") => {
            let w = world.lock();
            let shown: Vec<_> = w.journal().entries().iter().filter(|e| visible(e)).collect();
            HttpResponse::json(200, &serde_json::to_value(shown).unwrap_or(Value::Null))
        }
        ("GET", "/gameday/v1/status") => {
            let status = Status::of(&world.lock(), &driver.state_now());
            HttpResponse::raw(200, "text/html; charset=utf-8", screen::html(&status))
                .with_header("content-security-policy", screen::CSP)
                .with_header("cache-control", "no-store")
        }
        _ => error(405, "method not allowed"),
    })
}
