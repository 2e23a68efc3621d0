//! The Argo CD REST fake: applications (one per simulated service) with
//! sync status, health, the last operation and the deployment history;
//! sync of a merged change and rollback to a history entry.
//!
//! Shapes follow api-reference §3: errors as `{error, code, message}` with
//! grpc-gateway's status mapping; an unknown application is 403 without a
//! `project` query parameter and 404 with one; `operation` is set and
//! `operationState.finishedAt` absent while a sync runs, so a waiting
//! client (`argocd app wait` semantics) sees it finish. A sync of an
//! application deploys the newest merged change that ships to it (every
//! application that builds that change syncs with it), and a rollback to
//! the history entry a change was built from undoes that change on every
//! application it shipped to: a change is one release.

use gameday_sim::prob::Ratio;
use gameday_sim::time::SimTime;
use gameday_sim::world::{AppView, OpError, Release, World};
use serde_json::{json, Value};

use crate::http::{HttpRequest, HttpResponse};
use crate::serve::argocd_token;
use crate::server::Server;
use crate::sim::SharedWorld;
use crate::timebase::Timebase;

/// gRPC status codes used in error bodies (api-reference §3.4).
const INVALID_ARGUMENT: u16 = 3;
const NOT_FOUND: u16 = 5;
const PERMISSION_DENIED: u16 = 7;
const FAILED_PRECONDITION: u16 = 9;
const UNAUTHENTICATED: u16 = 16;
const UNIMPLEMENTED: u16 = 12;

fn error(status: u16, code: u16, message: &str) -> HttpResponse {
    HttpResponse::json(
        status,
        &json!({ "error": message, "code": code, "message": message }),
    )
}

/// Whether `req` carries the session token as a bearer token (Argo CD only
/// accepts JWT-shaped tokens: three dot-separated parts).
fn authorized(req: &HttpRequest, token: &str) -> bool {
    let bearer = req
        .header("authorization")
        .and_then(|v| v.trim().strip_prefix("Bearer "))
        .map(str::trim);
    let cookie = req.header("cookie").and_then(|c| {
        c.split(';')
            .find_map(|kv| kv.trim().strip_prefix("argocd.token="))
    });
    match bearer.or(cookie) {
        Some(t) => t == token && t.split('.').count() == 3,
        None => false,
    }
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
    if req.path == "/api/version" {
        return HttpResponse::json(
            200,
            &json!({ "Version": "v2.13.0+gameday", "BuildDate": "", "GitCommit": "gameday" }),
        );
    }
    if !authorized(req, token) {
        return error(401, UNAUTHENTICATED, "no session information");
    }
    let seg: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
    let project_given = req.query_pairs().iter().any(|(k, _)| k == "project");
    match (req.method.as_str(), seg.as_slice()) {
        ("GET", ["api", "v1", "applications"]) => list(world, tb),
        ("GET", ["api", "v1", "applications", name]) => {
            with_app(world, name, project_given, |w, app| {
                HttpResponse::json(200, &application_json(w, tb, &app))
            })
        }
        ("POST", ["api", "v1", "applications", name, "sync"]) => {
            sync(world, tb, name, req, project_given)
        }
        ("POST", ["api", "v1", "applications", name, "rollback"]) => {
            rollback(world, tb, name, req, project_given)
        }
        // Real endpoints this fake does not serve (resource-tree,
        // managed-resources, events, logs): said so, not "method not
        // allowed", so a client knows to ask differently.
        ("GET", ["api", "v1", "applications", _, rest @ ..]) => error(
            501,
            UNIMPLEMENTED,
            &format!(
                "`{}` of an application is not served by the Argo CD fake (it serves list, get, sync and rollback)",
                rest.join("/")
            ),
        ),
        (_, ["api", "v1", "applications", ..]) => error(405, UNIMPLEMENTED, "method not allowed"),
        _ => error(404, NOT_FOUND, "Not Found"),
    }
}

fn with_app(
    world: &mut World<'_>,
    name: &str,
    project_given: bool,
    f: impl FnOnce(&mut World<'_>, AppView) -> HttpResponse,
) -> HttpResponse {
    match world.application(name) {
        Ok(app) => f(world, app),
        // api-reference §3.4: without `project`, a missing app is 403.
        Err(_) if !project_given => error(403, PERMISSION_DENIED, "permission denied"),
        Err(_) => error(
            404,
            NOT_FOUND,
            &format!("applications.argoproj.io \"{name}\" not found"),
        ),
    }
}

fn iso(tb: &Timebase, t: SimTime) -> String {
    tb.rfc3339(t)
}

fn application_json(world: &World<'_>, tb: &Timebase, app: &AppView) -> Value {
    let target = app
        .canary
        .as_ref()
        .map(|(v, _)| v.clone())
        .unwrap_or_else(|| app.stable.clone());
    let running = app.operation_running;
    let op = app.operation.as_ref();
    let health = if running { "Progressing" } else { "Healthy" };
    let sync_status = if running { "OutOfSync" } else { "Synced" };
    let history: Vec<Value> = app
        .history
        .iter()
        .map(|h| {
            json!({
                "id": h.id,
                "revision": h.revision,
                "deployedAt": iso(tb, h.deployed_at),
                "deployStartedAt": iso(tb, h.deployed_at),
            })
        })
        .collect();
    let operation_state = op.map(|o| {
        let mut state = json!({
            "phase": if o.finished.is_some() { "Succeeded" } else { "Running" },
            "message": if o.finished.is_some() { "successfully synced (all tasks run)" } else { "one or more tasks are running" },
            "startedAt": iso(tb, o.started),
            "operation": { "sync": { "revision": o.revision }, "initiatedBy": { "username": "gameday" } },
            "syncResult": { "revision": o.revision, "resources": [{
                "group": "argoproj.io", "version": "v1alpha1", "kind": "Rollout", "namespace": "prod",
                "name": app.name, "status": "Synced", "syncPhase": "Sync", "hookPhase": "", "message": ""
            }]},
        });
        if let Some(done) = o.finished {
            state["finishedAt"] = json!(iso(tb, done));
        }
        state
    });
    // reconciledAt never precedes finishedAt (api-reference §3.5).
    let reconciled = op
        .and_then(|o| o.finished)
        .unwrap_or(world.now())
        .max(world.now());
    let mut v = json!({
        "metadata": { "name": app.name, "namespace": "argocd", "resourceVersion": world.now().as_millis().to_string() },
        "spec": {
            "project": "default",
            "source": { "repoURL": "https://git.example/gameday/deploy.git", "path": app.name, "targetRevision": "HEAD" },
            "destination": { "server": "https://kubernetes.default.svc", "namespace": "prod" },
        },
        "operation": if running { op.map(|o| json!({ "sync": { "revision": o.revision }, "initiatedBy": { "username": "gameday" } })) } else { None },
        "status": {
            "sync": { "status": sync_status, "revision": target },
            "health": { "status": health },
            "reconciledAt": iso(tb, reconciled),
            "operationState": operation_state,
            "history": history,
            "summary": { "images": [format!("registry.example/{}:{}", app.name, app.stable)] },
            "resources": [{
                "group": "argoproj.io", "version": "v1alpha1", "kind": "Rollout", "namespace": "prod",
                "name": app.name, "status": sync_status, "health": { "status": health }
            }],
        },
    });
    // Real Argo CD omits an absent operation rather than writing null, and
    // clients generated from its swagger reject the null.
    if let Some(o) = v.as_object_mut() {
        if o.get("operation").is_some_and(Value::is_null) {
            o.remove("operation");
        }
    }
    if let Some(st) = v["status"].as_object_mut() {
        if st.get("operationState").is_some_and(Value::is_null) {
            st.remove("operationState");
        }
    }
    v
}

fn list(world: &mut World<'_>, tb: &Timebase) -> HttpResponse {
    let names: Vec<String> = world
        .scenario()
        .services
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let items: Vec<Value> = names
        .iter()
        .filter_map(|n| world.application(n).ok())
        .map(|a| application_json(world, tb, &a))
        .collect();
    HttpResponse::json(200, &json!({ "metadata": {}, "items": items }))
}

fn body(req: &HttpRequest) -> Result<Value, HttpResponse> {
    if req.body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(&req.body)
        .map_err(|e| error(400, INVALID_ARGUMENT, &format!("invalid request body: {e}")))
}

fn sync(
    world: &mut World<'_>,
    tb: &Timebase,
    name: &str,
    req: &HttpRequest,
    project: bool,
) -> HttpResponse {
    let b = match body(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let revision = b["revision"]
        .as_str()
        .filter(|r| !r.is_empty() && *r != "HEAD");
    with_app(world, name, project, |w, app| {
        if app.operation_running {
            return error(
                400,
                FAILED_PRECONDITION,
                "another operation is already in progress",
            );
        }
        let Some(pr) = w.undeployed_merge_for(name, revision) else {
            return error(
                400,
                FAILED_PRECONDITION,
                &match revision {
                    Some(r) => format!("revision {r} is not a merged change that ships to {name}"),
                    None => format!("nothing to sync: no merged change for {name} is waiting"),
                },
            );
        };
        let release = match release_of(&b, name) {
            Ok(r) => r,
            Err(e) => return e,
        };
        match w.deploy_release(pr, &release) {
            Ok(()) => match w.application(name) {
                Ok(app) => HttpResponse::json(200, &application_json(w, tb, &app)),
                Err(e) => op_error(e),
            },
            Err(e) => op_error(e),
        }
    })
}

/// How a sync releases the change: from a `Rollout` among the sync's
/// `manifests` (as `argocd app sync --local` sends them), else a plain
/// deploy of all traffic. Canary `setWeight` steps are whole percents;
/// `pause` and other steps are accepted and ignored, as every step is held
/// until promoted (see [`crate::rollouts`]).
fn release_of(body: &Value, app: &str) -> Result<Release, HttpResponse> {
    let bad = |m: String| error(400, INVALID_ARGUMENT, &m);
    let manifests = match &body["manifests"] {
        Value::Null => return Ok(Release::full()),
        Value::Array(m) => m,
        _ => {
            return Err(bad(
                "manifests: expected a list of YAML or JSON strings".into()
            ))
        }
    };
    for (i, m) in manifests.iter().enumerate() {
        let Some(text) = m.as_str() else {
            return Err(bad(format!("manifests[{i}]: expected a string")));
        };
        let doc: Value = serde_norway::from_str(text)
            .map_err(|e| bad(format!("manifests[{i}]: not valid YAML or JSON: {e}")))?;
        if doc["kind"] != "Rollout" {
            continue;
        }
        if doc["metadata"]["name"].as_str().is_some_and(|n| n != app) {
            return Err(bad(format!(
                "manifests[{i}]: metadata.name: this Rollout is `{}`, not `{app}`",
                doc["metadata"]["name"].as_str().unwrap_or_default()
            )));
        }
        let strategy = &doc["spec"]["strategy"];
        if strategy["blueGreen"].is_object() {
            return Ok(Release::BlueGreen);
        }
        let mut steps = Vec::new();
        if let Some(list) = strategy["canary"]["steps"].as_array() {
            for (j, step) in list.iter().enumerate() {
                let Some(w) = step.get("setWeight") else {
                    continue;
                };
                let weight = w
                    .as_u64()
                    .filter(|&p| p <= 100)
                    .and_then(|p| Ratio::new(p as f64 / 100.0).ok())
                    .ok_or_else(|| {
                        bad(format!(
                            "manifests[{i}]: spec.strategy.canary.steps[{j}].setWeight: expected a whole percent from 0 to 100, got {w}"
                        ))
                    })?;
                steps.push(weight);
            }
        }
        if steps.is_empty() {
            return Ok(Release::full());
        }
        return Ok(Release::Canary { steps });
    }
    Ok(Release::full())
}

fn rollback(
    world: &mut World<'_>,
    tb: &Timebase,
    name: &str,
    req: &HttpRequest,
    project: bool,
) -> HttpResponse {
    let b = match body(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    // `id` is an int64: a JSON number, or a string as grpc-gateway also accepts.
    let id = b["id"]
        .as_u64()
        .or_else(|| b["id"].as_str().and_then(|s| s.parse().ok()));
    let Some(id) = id.and_then(|i| u32::try_from(i).ok()) else {
        return error(400, INVALID_ARGUMENT, "rollback needs a history `id`");
    };
    with_app(world, name, project, |w, app| {
        if app.operation_running {
            return error(
                400,
                FAILED_PRECONDITION,
                "another operation is already in progress",
            );
        }
        // Rolling back to the entry a change was built from undoes that
        // change, on every application it shipped to (one release).
        let result = match w.change_based_on(name, id) {
            Some(pr) => w.rollback_change(pr),
            None => w.rollback_app(name, id),
        };
        match result {
            Ok(()) => match w.application(name) {
                Ok(app) => HttpResponse::json(200, &application_json(w, tb, &app)),
                Err(e) => op_error(e),
            },
            Err(e @ OpError::UnknownRevision { .. }) => error(
                400,
                INVALID_ARGUMENT,
                &format!("application {name} does not have deployment with id {id}"),
            )
            .refusing(&e),
            Err(e) => op_error(e),
        }
    })
}

fn op_error(e: OpError) -> HttpResponse {
    let reason = e.clone();
    let res = match e {
        OpError::Busy(_) => error(
            400,
            FAILED_PRECONDITION,
            "another operation is already in progress",
        ),
        OpError::UnknownService(_) => error(403, PERMISSION_DENIED, "permission denied"),
        other => error(400, FAILED_PRECONDITION, &other.to_string()),
    };
    res.refusing(&reason)
}

/// Mounts the Argo CD fake on `server`.
pub fn mount(server: &Server, world: SharedWorld, token: String) {
    let handler = move |req: &HttpRequest| {
        let mut w = world.lock();
        let own = world.caller(req).map(|c| argocd_token(&c.token));
        let t = own.as_deref().unwrap_or(&token);
        let res = handle_in(req, &mut w, t, &world.timebase());
        world.record("argocd", req, res.status, &w);
        res
    };
    server.handle_with(handler);
}

#[cfg(test)]
mod tests {
    use super::*;
    use gameday_sim::scenario::friday_cascade;
    use gameday_sim::time::SimDuration;

    const TOKEN: &str = "a.b.c";

    fn req(method: &str, path: &str, body: &str) -> HttpRequest {
        HttpRequest::new(method, path)
            .with_header("authorization", format!("Bearer {TOKEN}"))
            .with_body(body)
    }

    #[test]
    fn should_show_an_application_with_history_from_id_zero() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 1);
        let r = handle(
            &req("GET", "/api/v1/applications/payment", ""),
            &mut w,
            TOKEN,
        );
        assert_eq!(r.status, 200);
        let v = r.json_body();
        assert_eq!(v["status"]["sync"]["status"], "Synced");
        assert_eq!(v["status"]["history"][0]["id"], 0);
        assert_eq!(v["status"]["history"][1]["revision"], "2026.11.20-1");
        // Never synced: no operation and no operation state, omitted as
        // real Argo CD does (a null breaks swagger-generated clients).
        assert!(v.get("operation").is_none(), "{v}");
        assert!(v["status"].get("operationState").is_none(), "{v}");
        assert!(!r.body.contains("null"), "no null anywhere: {}", r.body);
    }

    #[test]
    fn should_roll_back_and_let_a_waiting_client_see_the_operation_finish() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 1);
        let r = handle(
            &req(
                "POST",
                "/api/v1/applications/payment/rollback",
                r#"{"id":0}"#,
            ),
            &mut w,
            TOKEN,
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json_body();
        assert_eq!(v["status"]["operationState"]["phase"], "Running");
        assert!(v["status"]["operationState"]["finishedAt"].is_null());
        assert!(!v["operation"].is_null());
        // A second operation is refused while this one runs.
        let again = handle(
            &req(
                "POST",
                "/api/v1/applications/payment/rollback",
                r#"{"id":0}"#,
            ),
            &mut w,
            TOKEN,
        );
        assert_eq!(again.status, 400);
        assert_eq!(again.json_body()["code"], FAILED_PRECONDITION);
        w.advance_to(SimTime::START + SimDuration::from_mins(10))
            .unwrap();
        let v = handle(
            &req("GET", "/api/v1/applications/payment", ""),
            &mut w,
            TOKEN,
        )
        .json_body();
        assert_eq!(v["status"]["operationState"]["phase"], "Succeeded");
        assert!(
            v.get("operation").is_none(),
            "omitted, not null, once the sync is done: {v}"
        );
        assert!(
            v["status"]["reconciledAt"].as_str()
                >= v["status"]["operationState"]["finishedAt"].as_str()
        );
        assert_eq!(v["status"]["history"][2]["revision"], "2026.11.13-2");
        // The rollback cured the fault that came with the last release.
        assert!(w.true_error_ratio(sc.service_by_name("payment").unwrap()) < 0.001);
    }

    #[test]
    fn should_answer_errors_in_argo_cds_shape() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 1);
        let cases: [(&str, &str, &str, u16); 8] = [
            ("GET", "/api/v1/applications/nope", "", 403),
            ("GET", "/api/v1/applications/nope?project=default", "", 404),
            (
                "POST",
                "/api/v1/applications/payment/rollback",
                r#"{"id":99}"#,
                400,
            ),
            (
                "POST",
                "/api/v1/applications/payment/rollback",
                "{not json",
                400,
            ),
            ("POST", "/api/v1/applications/payment/sync", "{}", 400),
            ("DELETE", "/api/v1/applications/payment", "", 405),
            ("GET", "/api/v1/applications/payment/resource-tree", "", 501),
            (
                "GET",
                "/api/v1/applications/payment/managed-resources",
                "",
                501,
            ),
        ];
        for (m, p, b, status) in cases {
            let r = handle(&req(m, p, b), &mut w, TOKEN);
            assert_eq!(r.status, status, "{m} {p}: {}", r.body);
            let v = r.json_body();
            assert!(
                v["message"].is_string() && v["error"].is_string() && v["code"].is_number(),
                "{v}"
            );
        }
        let mut anonymous = req("GET", "/api/v1/applications/payment", "");
        anonymous.headers.clear();
        assert_eq!(handle(&anonymous, &mut w, TOKEN).status, 401);
    }

    #[test]
    fn should_read_the_release_from_a_synced_rollout_manifest() {
        let manifest = |strategy: &str| {
            json!({ "manifests": [format!(
                "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: payment\nspec:\n  strategy:\n{strategy}"
            )] })
        };
        let canary = manifest("    canary:\n      steps:\n      - setWeight: 10\n      - pause: {}\n      - setWeight: 100\n");
        assert_eq!(
            release_of(&canary, "payment").unwrap(),
            Release::Canary {
                steps: vec![Ratio::new(0.1).unwrap(), Ratio::ONE]
            }
        );
        let bg = manifest("    blueGreen:\n      activeService: payment\n");
        assert_eq!(release_of(&bg, "payment").unwrap(), Release::BlueGreen);
        assert_eq!(release_of(&json!({}), "payment").unwrap(), Release::full());

        let bad = manifest("    canary:\n      steps:\n      - setWeight: 150\n");
        let e = release_of(&bad, "payment").unwrap_err();
        assert_eq!(e.status, 400);
        assert!(
            e.body
                .contains("manifests[0]: spec.strategy.canary.steps[0].setWeight"),
            "{}",
            e.body
        );
        let other = json!({ "manifests": ["kind: Rollout\nmetadata:\n  name: login\n"] });
        assert!(release_of(&other, "payment")
            .unwrap_err()
            .body
            .contains("metadata.name"));
        let broken = json!({ "manifests": ["kind: [Rollout"] });
        assert!(release_of(&broken, "payment")
            .unwrap_err()
            .body
            .contains("manifests[0]"));
        let not_list = json!({ "manifests": "kind: Rollout" });
        assert_eq!(release_of(&not_list, "payment").unwrap_err().status, 400);
    }

    #[test]
    fn should_undo_a_change_everywhere_when_rolled_back_to_its_base() {
        use gameday_sim::control::{ControlPlane, InProcess, WaitFor};
        let sc = friday_cascade();
        let mut w = World::new(&sc, 4);
        w.advance_to(SimTime::START + SimDuration::from_mins(10))
            .unwrap();
        let culprit = w.top_culprit().unwrap();
        let pr = w.open_pull_request(culprit, None).unwrap();
        w.merge(pr.number).unwrap();
        w.deploy(pr.number, Ratio::ONE).unwrap();
        let idle = WaitFor::AppsIdle {
            apps: pr.apps.clone(),
        };
        InProcess::new(&mut w)
            .wait(&idle, SimDuration::from_mins(60))
            .unwrap();
        let lead = &pr.apps[0];
        let app = w.application(lead).unwrap();
        let base = app
            .history
            .iter()
            .rev()
            .find(|h| h.pr.is_none())
            .unwrap()
            .id;
        let r = handle(
            &req(
                "POST",
                &format!("/api/v1/applications/{lead}/rollback"),
                &format!("{{\"id\":{base}}}"),
            ),
            &mut w,
            TOKEN,
        );
        assert_eq!(r.status, 200, "{}", r.body);
        InProcess::new(&mut w)
            .wait(&idle, SimDuration::from_mins(60))
            .unwrap();
        for a in &pr.apps {
            assert!(!w.application(a).unwrap().stable.contains("+pr"), "{a}");
        }
    }
}
