//! The Argo Rollouts fake, in the shape of the Rollouts dashboard's REST
//! API (`kubectl argo rollouts dashboard`, a grpc-gateway; api-reference
//! §4.4): one Rollout per simulated service in namespace `prod`, its canary
//! steps and phase, and the operations the kubectl plugin offers.
//!
//! | method and path | effect in the world |
//! |---|---|
//! | `GET /api/v1/version` | |
//! | `GET /api/v1/rollouts/prod/info` | every rollout |
//! | `GET /api/v1/rollouts/prod/{name}/info` | phase, strategy, step, weights, replica sets |
//! | `PUT /api/v1/rollouts/prod/{name}/promote` `{"full":bool}` | canary: the next `setWeight` step (the last one, or `full`, makes the new build stable); blue/green: switch traffic to the preview |
//! | `PUT /api/v1/rollouts/prod/{name}/abort` | traffic back to stable (Degraded); after a blue/green switch, back to the previous colour while it is still up (an abort during post-promotion analysis) |
//! | `PUT /api/v1/rollouts/prod/{name}/retry` | an aborted rollout starts again from its first step |
//! | `PUT /api/v1/rollouts/prod/{name}/undo/{revision}` | `0` (the plugin's default, "previous"): undo the newest change, on every application it shipped to; otherwise roll back to Argo CD history entry `revision` |
//!
//! The steps come from the Rollout manifest the change was synced with
//! (Argo CD's sync `manifests`, see [`crate::argocd`]): each `setWeight` is
//! held until promoted, as with `pause: {}` after every step, because the
//! responders (or their analysis) decide when to go on. A change shipping to
//! several services is one release: promoting, aborting or undoing it on
//! one of them acts on all, as the world deploys it as one unit.

use gameday_sim::world::{DeploymentOutcome, OpError, Release, RolloutView, World};
use serde_json::{json, Value};
use wiremock::MockServer;

use crate::http::{mount_routes, HttpRequest, HttpResponse, Route};
use crate::sim::SharedWorld;

/// The namespace every rollout lives in (Argo CD deploys there too).
pub const NAMESPACE: &str = "prod";

// gRPC status codes in grpc-gateway error bodies.
const INVALID_ARGUMENT: u16 = 3;
const NOT_FOUND: u16 = 5;
const FAILED_PRECONDITION: u16 = 9;
const UNIMPLEMENTED: u16 = 12;
const UNAUTHENTICATED: u16 = 16;

fn error(status: u16, code: u16, message: &str) -> HttpResponse {
    HttpResponse::json(
        status,
        &json!({ "error": message, "code": code, "message": message }),
    )
}

fn authorized(req: &HttpRequest, token: &str) -> bool {
    req.header("authorization")
        .and_then(|v| v.trim().strip_prefix("Bearer "))
        .is_some_and(|t| !token.is_empty() && t.trim() == token)
}

/// Handles one request against the world. `token` guards the operations.
pub fn handle(req: &HttpRequest, world: &mut World<'_>, token: &str) -> HttpResponse {
    let seg: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
    if req.method != "GET" && !authorized(req, token) {
        return error(401, UNAUTHENTICATED, "missing or wrong bearer token");
    }
    match (req.method.as_str(), seg.as_slice()) {
        ("GET", ["api", "v1", "version"]) => {
            HttpResponse::json(200, &json!({ "rolloutsVersion": "v1.7.2+gameday" }))
        }
        (_, ["api", "v1", "rollouts", ns, ..]) if *ns != NAMESPACE => error(
            404,
            NOT_FOUND,
            &format!("namespace \"{ns}\" has no rollouts (they live in \"{NAMESPACE}\")"),
        ),
        ("GET", ["api", "v1", "rollouts", _, "info"]) => {
            let names: Vec<String> = world
                .scenario()
                .services
                .iter()
                .map(|s| s.name.clone())
                .collect();
            let items: Vec<Value> = names.iter().map(|n| info(world, n)).collect();
            HttpResponse::json(200, &json!({ "rollouts": items }))
        }
        ("GET", ["api", "v1", "rollouts", _, name, "info"]) => {
            with_rollout(world, name, |w| HttpResponse::json(200, &info(w, name)))
        }
        ("PUT", ["api", "v1", "rollouts", _, name, "promote"]) => {
            let full = match body(req) {
                Ok(b) => b["full"].as_bool().unwrap_or(false),
                Err(e) => return e,
            };
            with_rollout(world, name, |w| promote(w, name, full))
        }
        ("PUT", ["api", "v1", "rollouts", _, name, "abort"]) => {
            with_rollout(world, name, |w| abort(w, name))
        }
        ("PUT", ["api", "v1", "rollouts", _, name, "retry"]) => {
            with_rollout(world, name, |w| retry(w, name))
        }
        ("PUT", ["api", "v1", "rollouts", _, name, "undo", revision]) => {
            let Ok(revision) = revision.parse::<u32>() else {
                return error(
                    400,
                    INVALID_ARGUMENT,
                    &format!("revision: `{revision}` is not a number"),
                );
            };
            with_rollout(world, name, |w| undo(w, name, revision))
        }
        ("PUT", ["api", "v1", "rollouts", _, _, "restart"]) => error(
            501,
            UNIMPLEMENTED,
            "restart is not simulated: pods restarting do not change a build's behaviour",
        ),
        (_, ["api", "v1", "rollouts", ..]) => error(405, UNIMPLEMENTED, "method not allowed"),
        _ => error(404, NOT_FOUND, "Not Found"),
    }
}

fn body(req: &HttpRequest) -> Result<Value, HttpResponse> {
    if req.body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(&req.body)
        .map_err(|e| error(400, INVALID_ARGUMENT, &format!("invalid request body: {e}")))
}

fn with_rollout(
    world: &mut World<'_>,
    name: &str,
    f: impl FnOnce(&mut World<'_>) -> HttpResponse,
) -> HttpResponse {
    if world.scenario().service_by_name(name).is_none() {
        return error(
            404,
            NOT_FOUND,
            &format!("rollouts.argoproj.io \"{name}\" not found"),
        );
    }
    f(world)
}

fn op_error(e: OpError) -> HttpResponse {
    error(400, FAILED_PRECONDITION, &e.to_string())
}

/// The application's newest responders' rollout, or a 400 saying there is
/// none to act on.
fn current(world: &World<'_>, name: &str) -> Result<RolloutView, HttpResponse> {
    match world.rollout(name) {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(error(
            400,
            FAILED_PRECONDITION,
            &format!("rollout \"{name}\" has no update in progress"),
        )),
        Err(e) => Err(op_error(e)),
    }
}

fn ok_info(world: &mut World<'_>, name: &str, r: Result<(), OpError>) -> HttpResponse {
    match r {
        Ok(()) => HttpResponse::json(200, &info(world, name)),
        Err(e) => op_error(e),
    }
}

fn promote(world: &mut World<'_>, name: &str, full: bool) -> HttpResponse {
    let r = match current(world, name) {
        Ok(r) => r,
        Err(e) => return e,
    };
    if r.outcome != DeploymentOutcome::InProgress || r.canary_weight.is_none() {
        return error(
            400,
            FAILED_PRECONDITION,
            &format!("rollout \"{name}\" is not paused: nothing to promote"),
        );
    }
    let result = match &r.release {
        Release::BlueGreen => world.switch(r.pr, true),
        Release::Canary { steps } => match steps.get(r.step + 1) {
            Some(&w) if !full && w.get() < 1.0 => world.set_weight(r.pr, w),
            _ => world.promote(r.pr),
        },
    };
    ok_info(world, name, result)
}

fn abort(world: &mut World<'_>, name: &str) -> HttpResponse {
    let r = match current(world, name) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let result = if r.canary_weight.is_some() {
        world.abort(r.pr)
    } else if r.release == Release::BlueGreen && r.stable && r.standby.is_some() {
        world.switch(r.pr, false)
    } else {
        return error(
            400,
            FAILED_PRECONDITION,
            &format!("rollout \"{name}\" has no update in progress to abort"),
        );
    };
    ok_info(world, name, result)
}

fn retry(world: &mut World<'_>, name: &str) -> HttpResponse {
    let r = match current(world, name) {
        Ok(r) => r,
        Err(e) => return e,
    };
    if r.outcome != DeploymentOutcome::Aborted {
        return error(
            400,
            FAILED_PRECONDITION,
            &format!("rollout \"{name}\" is not aborted: nothing to retry"),
        );
    }
    let result = world.deploy_release(r.pr, &r.release);
    ok_info(world, name, result)
}

fn undo(world: &mut World<'_>, name: &str, revision: u32) -> HttpResponse {
    let result = if revision > 0 {
        world.rollback_app(name, revision)
    } else {
        match world.rollout(name) {
            Ok(Some(r)) if r.outcome != DeploymentOutcome::RolledBack => {
                world.rollback_change(r.pr)
            }
            Ok(_) => match world.previous_release(name) {
                Ok(id) => world.rollback_app(name, id),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        }
    };
    ok_info(world, name, result)
}

/// The dashboard's `RolloutInfo` for one rollout.
pub fn info(world: &World<'_>, name: &str) -> Value {
    let app = match world.application(name) {
        Ok(a) => a,
        Err(_) => return Value::Null,
    };
    let rollout = world.rollout(name).ok().flatten();
    let release = rollout
        .as_ref()
        .map(|r| r.release.clone())
        .unwrap_or_else(Release::full);
    let (strategy, steps) = match &release {
        Release::BlueGreen => ("BlueGreen", Vec::new()),
        Release::Canary { steps } => (
            "Canary",
            steps
                .iter()
                .flat_map(|w| {
                    [
                        json!({ "setWeight": percent(w.get()) }),
                        json!({ "pause": {} }),
                    ]
                })
                .collect(),
        ),
    };
    let canary = app.canary.clone();
    let weight = canary.as_ref().map(|c| c.1).unwrap_or(0.0);
    let (phase, message) = phase(&app.operation_running, rollout.as_ref(), name);
    let step = match (&release, &rollout) {
        (Release::Canary { steps }, Some(r)) if r.canary_weight.is_some() => {
            format!("{}/{}", 2 * r.step + 1, 2 * steps.len())
        }
        (Release::Canary { steps }, _) => format!("{}/{}", 2 * steps.len(), 2 * steps.len()),
        (Release::BlueGreen, _) => String::new(),
    };
    let mut replica_sets = vec![json!({
        "objectMeta": { "name": format!("{name}-{}", app.stable), "namespace": NAMESPACE },
        "status": "Healthy",
        "stable": true,
        "active": release == Release::BlueGreen,
        "canary": false,
        "preview": false,
        "images": [image(name, &app.stable)],
    })];
    if let Some((rev, _)) = &canary {
        replica_sets.push(json!({
            "objectMeta": { "name": format!("{name}-{rev}"), "namespace": NAMESPACE },
            "status": if app.operation_running { "Progressing" } else { "Healthy" },
            "stable": false,
            "active": false,
            "canary": release != Release::BlueGreen,
            "preview": release == Release::BlueGreen,
            "images": [image(name, rev)],
        }));
    }
    if let Some(standby) = rollout.as_ref().and_then(|r| r.standby.clone()) {
        replica_sets.push(json!({
            "objectMeta": { "name": format!("{name}-{standby}"), "namespace": NAMESPACE },
            "status": "ScaledDown",
            "stable": false, "active": false, "canary": false, "preview": false,
            "images": [image(name, &standby)],
        }));
    }
    json!({
        "objectMeta": { "name": name, "namespace": NAMESPACE },
        "status": phase,
        "message": message,
        "strategy": strategy,
        "step": step,
        "setWeight": percent(weight).to_string(),
        "actualWeight": percent(weight).to_string(),
        "ready": 1, "current": 1, "desired": 1, "updated": 1, "available": 1,
        "containers": [{ "name": name, "image": image(name, &canary.map(|c| c.0).unwrap_or(app.stable.clone())) }],
        "replicaSets": replica_sets,
        "steps": steps,
        "analysisRuns": [],
    })
}

fn image(app: &str, build: &str) -> String {
    format!("registry.example/{app}:{build}")
}

/// A weight as Argo Rollouts' whole-percent `setWeight`.
fn percent(w: f64) -> i64 {
    (w * 100.0).round() as i64
}

/// Phase and message, in the order Argo Rollouts computes them (§4.3).
fn phase(busy: &bool, rollout: Option<&RolloutView>, name: &str) -> (&'static str, String) {
    let Some(r) = rollout else {
        return ("Healthy", String::new());
    };
    if r.outcome == DeploymentOutcome::Aborted {
        return (
            "Degraded",
            format!(
                "RolloutAborted: Rollout aborted update to revision {}",
                r.revision
            ),
        );
    }
    if *busy {
        return (
            "Progressing",
            format!("more replicas of {name} need to be updated"),
        );
    }
    match (r.canary_weight, &r.release) {
        (Some(_), Release::BlueGreen) => ("Paused", "BlueGreenPause".into()),
        (Some(_), Release::Canary { .. }) => ("Paused", "CanaryPauseStep".into()),
        _ => ("Healthy", String::new()),
    }
}

/// Mounts the Argo Rollouts fake on `server`.
pub async fn mount(server: &MockServer, world: SharedWorld, token: String) {
    let routes: [Route; 4] = [
        (
            Some("GET"),
            r"^/api/v1/rollouts/[^/]+(/[^/]+)?/info$",
            "rollouts: info",
        ),
        (
            Some("PUT"),
            r"^/api/v1/rollouts/[^/]+/[^/]+/(promote|abort|retry|restart)$",
            "rollouts: promote, abort, retry",
        ),
        (
            Some("PUT"),
            r"^/api/v1/rollouts/[^/]+/[^/]+/undo/[^/]+$",
            "rollouts: undo",
        ),
        (Some("GET"), r"^/api/v1/version$", "rollouts: version"),
    ];
    let handler = move |req: &HttpRequest| handle(req, &mut world.lock(), &token);
    mount_routes(server, &routes, "rollouts: anything else", handler).await;
}
