//! The gameday control API: what no real service offers but a simulated
//! incident needs — the virtual clock and waiting on it, the pager's
//! acknowledgement, the on-call engineer's diagnosis, and the journal.
//!
//! | method and path | body / query | answer |
//! |---|---|---|
//! | `GET /gameday/v1/clock` | | `{now_ms, unix, clock}` |
//! | `POST /gameday/v1/wait` | `{until, timeout_ms}` (`until` as in `WaitFor`, e.g. `{"alert_firing":{"except":[]}}` or `"time"`) | `{waited: "met"\|"timed_out", now_ms}`; 409 at the horizon |
//! | `POST /gameday/v1/acknowledge` | `{service}` | 204 |
//! | `GET /gameday/v1/diagnose?service=S` | | the diagnosis |
//! | `POST /gameday/v1/repair` | `{service}` | 204: a repair of the service's damaged data starts (the team's `repair` time); 400 when the scenario has no repair or one is running |
//! | `POST /gameday/v1/notes` | `{kind: "decision"\|"stop", text}` | 204: the note goes in the journal |
//! | `POST /gameday/v1/inject` | `{fault, at}` (a clock time like `17:45` or `+40m` from the start), `{fault, after}` (e.g. `"2m"` from now) or `{fault}` (now) | `{fault, at_ms, clock}`: one of the scenario's optional faults starts then; in a drill only the facilitator may |
//! | `GET /gameday/v1/journal` | | every journal entry so far |
//!
//! Over a frozen world virtual time moves only through `wait`, never with
//! wall-clock time. In a drill the clock runs by itself and
//! [`crate::drill::api`] answers first: pause, resume, end; `wait` and
//! `diagnose` refused; the journal without ground truth.

use gameday_sim::control::{ControlPlane, CpError, InProcess, Note, WaitFor};
use gameday_sim::time::SimDuration;
use gameday_sim::world::{OpError, World};
use serde_json::{json, Value};

use crate::http::{HttpRequest, HttpResponse};
use crate::server::Server;
use crate::sim::SharedWorld;
use crate::timebase::Timebase;

fn error(status: u16, message: &str) -> HttpResponse {
    HttpResponse::json(status, &json!({ "error": message }))
}

pub(crate) fn authorized(req: &HttpRequest, token: &str) -> bool {
    req.header("authorization")
        .and_then(|v| v.trim().strip_prefix("Bearer "))
        .is_some_and(|t| !token.is_empty() && t.trim() == token)
}

fn op_error(e: OpError) -> HttpResponse {
    let reason = e.clone();
    let res = match e {
        OpError::UnknownService(s) => error(404, &format!("unknown service `{s}`")),
        other => error(400, &other.to_string()),
    };
    res.refusing(&reason)
}

/// Handles one request against the world, on the scenario's calendar.
pub fn handle(req: &HttpRequest, world: &mut World<'_>, token: &str) -> HttpResponse {
    let tb = Timebase::Scenario(world.scenario().clock);
    handle_in(req, world, token, &tb)
}

/// Handles one request against the world, stamping times through `tb`.
pub fn handle_in(
    req: &HttpRequest,
    world: &mut World<'_>,
    token: &str,
    tb: &Timebase,
) -> HttpResponse {
    if !authorized(req, token) {
        return error(401, "missing or wrong bearer token");
    }
    let path = req.path.trim_end_matches('/');
    match (req.method.as_str(), path) {
        ("GET", "/gameday/v1/clock") => {
            let now = world.now();
            let clock = world.scenario().clock;
            HttpResponse::json(
                200,
                &json!({ "now_ms": now.as_millis(), "unix": tb.unix_seconds(now), "clock": clock.label(now) }),
            )
        }
        ("POST", "/gameday/v1/wait") => wait(req, world),
        ("POST", "/gameday/v1/acknowledge") => {
            let body: Value = match serde_json::from_slice(&req.body) {
                Ok(v) => v,
                Err(e) => return error(400, &format!("invalid JSON body: {e}")),
            };
            let Some(service) = body["service"].as_str() else {
                return error(400, "`service` is required");
            };
            match world.acknowledge(service) {
                Ok(()) => HttpResponse::empty(204),
                Err(e) => op_error(e),
            }
        }
        ("POST", "/gameday/v1/repair") => {
            let body: Value = match serde_json::from_slice(&req.body) {
                Ok(v) => v,
                Err(e) => return error(400, &format!("invalid JSON body: {e}")),
            };
            let Some(service) = body["service"].as_str() else {
                return error(400, "`service` is required");
            };
            match world.repair(service) {
                Ok(()) => HttpResponse::empty(204),
                Err(e) => op_error(e),
            }
        }
        ("POST", "/gameday/v1/notes") => {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Body {
                kind: Note,
                text: String,
            }
            match serde_json::from_slice::<Body>(&req.body) {
                Ok(b) => {
                    world.note(b.kind, &b.text);
                    HttpResponse::empty(204)
                }
                Err(e) => error(400, &format!("invalid note: {e}")),
            }
        }
        ("POST", "/gameday/v1/inject") => inject(req, world),
        ("GET", "/gameday/v1/diagnose") => {
            let Some(service) = req
                .query_pairs()
                .into_iter()
                .find(|(k, _)| k == "service")
                .map(|(_, v)| v)
            else {
                return error(400, "the `service` query parameter is required");
            };
            match world.diagnose(&service) {
                Ok(d) => HttpResponse::json(200, &serde_json::to_value(d).unwrap_or(Value::Null)),
                Err(e) => op_error(e),
            }
        }
        ("GET", "/gameday/v1/journal") => HttpResponse::json(
            200,
            &serde_json::to_value(world.journal().entries()).unwrap_or(Value::Null),
        ),
        (
            _,
            "/gameday/v1/clock"
            | "/gameday/v1/wait"
            | "/gameday/v1/acknowledge"
            | "/gameday/v1/diagnose"
            | "/gameday/v1/repair"
            | "/gameday/v1/notes"
            | "/gameday/v1/inject"
            | "/gameday/v1/journal",
        ) => error(405, "method not allowed"),
        _ => error(404, "not found"),
    }
}

/// `POST /gameday/v1/inject {fault, at | after}`: starts one of the
/// scenario's optional faults at a clock time or offset from the start
/// (`at`, as `--handover`), after a span from now (`after`), or now.
fn inject(req: &HttpRequest, world: &mut World<'_>) -> HttpResponse {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        fault: String,
        #[serde(default)]
        at: Option<String>,
        #[serde(default)]
        after: Option<String>,
    }
    let body: Body = match serde_json::from_slice(&req.body) {
        Ok(b) => b,
        Err(e) => {
            return error(
                400,
                &format!(
                    "invalid inject request: {e} (hint: {{\"fault\": \"NAME\", \"after\": \"2m\"}})"
                ),
            )
        }
    };
    let clock = world.scenario().clock;
    let at = match (&body.at, &body.after) {
        (Some(_), Some(_)) => return error(400, "give `at` or `after`, not both"),
        (Some(at), None) => match clock.moment(at) {
            Ok(d) => gameday_sim::time::SimTime::START + d,
            Err(e) => return error(400, &format!("at: {e}")),
        },
        (None, Some(after)) => match humantime::parse_duration(after.trim()) {
            Ok(d) => {
                world.now() + SimDuration::from_millis(d.as_millis().min(u64::MAX as u128) as u64)
            }
            Err(e) => {
                return error(
                    400,
                    &format!("after: cannot read `{after}`: {e} (hint: a span like 90s or 5m)"),
                )
            }
        },
        (None, None) => world.now(),
    };
    match world.inject(&body.fault, at) {
        Ok(_) => HttpResponse::json(
            200,
            &json!({ "fault": body.fault, "at_ms": at.as_millis(), "clock": clock.label(at) }),
        ),
        Err(e) => op_error(e),
    }
}

fn wait(req: &HttpRequest, world: &mut World<'_>) -> HttpResponse {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        until: WaitFor,
        timeout_ms: u64,
    }
    let body: Body = match serde_json::from_slice(&req.body) {
        Ok(b) => b,
        Err(e) => return error(400, &format!("invalid wait request: {e}")),
    };
    let mut cp = InProcess::new(world);
    let outcome = cp.wait(&body.until, SimDuration::from_millis(body.timeout_ms));
    let now = world.now().as_millis();
    match outcome {
        Ok(w) => HttpResponse::json(200, &json!({ "waited": w, "now_ms": now })),
        Err(CpError::Halted) => HttpResponse::json(
            409,
            &json!({ "error": "the replay reached its horizon", "now_ms": now }),
        ),
        Err(e) => error(400, &e.to_string()),
    }
}

/// Mounts the gameday control API on `server`.
pub fn mount(server: &Server, world: SharedWorld, token: String) {
    let handler = move |req: &HttpRequest| {
        let token = world.token_for(req, &token);
        if let Some(driver) = world.driver() {
            let caller = match world.access() {
                Some(_) => world.caller(req).map(|c| c.role),
                None => authorized(req, token).then_some(crate::access::Role::Facilitator),
            };
            if let Some(res) = crate::drill::api::handle(req, &world, driver, caller) {
                // The facilitator's screen reloads itself every few
                // seconds: a view, not the team's, so not journaled.
                if !crate::drill::api::is_screen(req) {
                    world.record("gameday", req, res.status, &world.lock());
                }
                return res;
            }
        }
        let mut w = world.lock();
        let res = handle_in(req, &mut w, token, &world.timebase());
        world.record("gameday", req, res.status, &w);
        res
    };
    server.handle_with(handler);
}

#[cfg(test)]
mod tests {
    use super::*;
    use gameday_sim::scenario::friday_cascade;

    fn req(method: &str, path: &str, body: &str) -> HttpRequest {
        HttpRequest::new(method, path)
            .with_header("authorization", "Bearer t")
            .with_body(body)
    }

    #[test]
    fn should_advance_virtual_time_only_when_asked_to_wait() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 4);
        let clock = handle(&req("GET", "/gameday/v1/clock", ""), &mut w, "t").json_body();
        assert_eq!(clock["now_ms"], 0);
        assert_eq!(clock["clock"], "Fri 16:47:00");
        let r = handle(
            &req(
                "POST",
                "/gameday/v1/wait",
                r#"{"until":{"alert_firing":{"except":[]}},"timeout_ms":600000}"#,
            ),
            &mut w,
            "t",
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json_body()["waited"], "met");
        assert!(w.alert_firing("payment"));
        let d = handle(
            &req("GET", "/gameday/v1/diagnose?service=payment", ""),
            &mut w,
            "t",
        )
        .json_body();
        assert_eq!(d["culprits"][0]["flag"], "payment_processing_v2");
    }

    #[test]
    fn should_reject_bad_requests_without_panicking() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 4);
        let cases: [(&str, &str, &str, u16); 5] = [
            ("POST", "/gameday/v1/wait", "{", 400),
            (
                "POST",
                "/gameday/v1/wait",
                r#"{"until":"soon","timeout_ms":1}"#,
                400,
            ),
            ("GET", "/gameday/v1/diagnose", "", 400),
            ("GET", "/gameday/v1/diagnose?service=nope", "", 404),
            ("GET", "/gameday/v1/wait", "", 405),
        ];
        for (m, p, b, status) in cases {
            let r = handle(&req(m, p, b), &mut w, "t");
            assert_eq!(r.status, status, "{m} {p}: {}", r.body);
        }
        let mut anon = req("GET", "/gameday/v1/clock", "");
        anon.headers.clear();
        assert_eq!(handle(&anon, &mut w, "t").status, 401);
    }
}
