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
//! | `PUT /api/v1/rollouts/prod/{name}/undo/{revision}` | `0` (the plugin's default, "previous"): back to the build the running one was made from; otherwise to Argo CD history entry `revision`; this application only |
//!
//! The steps come from the Rollout manifest the change was synced with
//! (Argo CD's sync `manifests`, see [`crate::argocd`]): each `setWeight` is
//! held until promoted, as with `pause: {}` after every step, because the
//! responders (or their analysis) decide when to go on. A change shipping to
//! several services is one release: promoting or aborting it on one of them
//! acts on all, as the world deploys it as one unit. (To undo a change on
//! all of them, roll one back in Argo CD to the entry it was built from.)

use gameday_sim::world::{DeploymentOutcome, OpError, Release, RolloutView, World};
use serde_json::{json, Value};

use crate::http::{HttpRequest, HttpResponse};
use crate::server::Server;
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
    error(400, FAILED_PRECONDITION, &e.to_string()).refusing(&e)
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
    let id = if revision > 0 {
        Ok(revision)
    } else {
        world.previous_release(name)
    };
    let result = id.and_then(|id| world.rollback_app(name, id));
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
pub fn mount(server: &Server, world: SharedWorld, token: String) {
    let handler = move |req: &HttpRequest| {
        let mut w = world.lock();
        let res = handle(req, &mut w, world.token_for(req, &token));
        world.record("rollouts", req, res.status, &w);
        res
    };
    server.handle_with(handler);
}

#[cfg(test)]
mod tests {
    use super::*;
    use gameday_sim::control::{ControlPlane, InProcess, WaitFor};
    use gameday_sim::prob::Ratio;
    use gameday_sim::scenario::friday_cascade;
    use gameday_sim::scenario::Scenario;
    use gameday_sim::time::{SimDuration, SimTime};

    const TOKEN: &str = "t0k3n";

    fn req(method: &str, path: &str, body: &str) -> HttpRequest {
        HttpRequest::new(method, path)
            .with_header("authorization", format!("Bearer {TOKEN}"))
            .with_body(body)
    }

    /// A world 10 minutes into the incident with a merged fix for the top
    /// culprit synced as `release`, the sync finished. Returns the app it
    /// leads on.
    fn deployed<'s>(sc: &'s Scenario, release: &Release) -> (World<'s>, u32, String) {
        let mut w = World::new(sc, 4);
        w.advance_to(SimTime::START + SimDuration::from_mins(10))
            .unwrap();
        let culprit = w.top_culprit().expect("the fault is failing requests");
        let pr = w.open_pull_request(culprit, None).unwrap();
        w.merge(pr.number).unwrap();
        w.deploy_release(pr.number, release).unwrap();
        let app = pr.apps[0].clone();
        let mut cp = InProcess::new(&mut w);
        let until = WaitFor::AppsIdle {
            apps: pr.apps.clone(),
        };
        cp.wait(&until, SimDuration::from_mins(60)).unwrap();
        (w, pr.number, app)
    }

    fn canary(steps: &[f64]) -> Release {
        Release::Canary {
            steps: steps.iter().map(|&s| Ratio::new(s).unwrap()).collect(),
        }
    }

    fn path(app: &str, action: &str) -> String {
        format!("/api/v1/rollouts/prod/{app}/{action}")
    }

    #[test]
    fn should_pause_at_each_canary_step_until_promoted() {
        let sc = friday_cascade();
        let (mut w, _, app) = deployed(&sc, &canary(&[0.05, 0.5, 1.0]));
        let info = handle(&req("GET", &path(&app, "info"), ""), &mut w, TOKEN).json_body();
        assert_eq!(info["status"], "Paused");
        assert_eq!(info["message"], "CanaryPauseStep");
        assert_eq!(info["strategy"], "Canary");
        assert_eq!(info["setWeight"], "5");
        assert_eq!(info["step"], "1/6");
        assert_eq!(info["steps"][0]["setWeight"], 5);

        let r = handle(&req("PUT", &path(&app, "promote"), "{}"), &mut w, TOKEN);
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json_body()["setWeight"], "50");
        assert_eq!(r.json_body()["step"], "3/6");

        // The last step is 100%: promoting makes the new build stable.
        let r = handle(&req("PUT", &path(&app, "promote"), "{}"), &mut w, TOKEN);
        let info = r.json_body();
        assert_eq!(info["status"], "Healthy");
        assert_eq!(info["setWeight"], "0");
        assert!(w.application(&app).unwrap().stable.contains("+pr"));

        let r = handle(&req("PUT", &path(&app, "promote"), "{}"), &mut w, TOKEN);
        assert_eq!(r.status, 400, "nothing left to promote");
    }

    #[test]
    fn should_promote_fully_skipping_the_remaining_steps() {
        let sc = friday_cascade();
        let (mut w, _, app) = deployed(&sc, &canary(&[0.05, 0.25, 0.5, 1.0]));
        let r = handle(
            &req("PUT", &path(&app, "promote"), r#"{"full":true}"#),
            &mut w,
            TOKEN,
        );
        assert_eq!(r.json_body()["status"], "Healthy");
        assert!(w.application(&app).unwrap().canary.is_none());
    }

    #[test]
    fn should_abort_to_degraded_and_retry_from_the_first_step() {
        let sc = friday_cascade();
        let (mut w, _, app) = deployed(&sc, &canary(&[0.1, 1.0]));
        let r = handle(&req("PUT", &path(&app, "abort"), ""), &mut w, TOKEN);
        let info = r.json_body();
        assert_eq!(info["status"], "Degraded");
        assert!(info["message"]
            .as_str()
            .unwrap()
            .starts_with("RolloutAborted: Rollout aborted update to revision"));
        assert!(w.application(&app).unwrap().canary.is_none());

        let r = handle(&req("PUT", &path(&app, "retry"), ""), &mut w, TOKEN);
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json_body()["status"], "Progressing");
        let r = handle(&req("PUT", &path(&app, "retry"), ""), &mut w, TOKEN);
        assert_eq!(r.status, 400, "only an aborted rollout can be retried");
    }

    #[test]
    fn should_switch_blue_green_on_promote_and_back_on_abort() {
        let sc = friday_cascade();
        let (mut w, pr, app) = deployed(&sc, &Release::BlueGreen);
        let info = handle(&req("GET", &path(&app, "info"), ""), &mut w, TOKEN).json_body();
        assert_eq!(info["strategy"], "BlueGreen");
        assert_eq!(info["message"], "BlueGreenPause");
        assert_eq!(info["replicaSets"][1]["preview"], true);

        let r = handle(&req("PUT", &path(&app, "promote"), "{}"), &mut w, TOKEN);
        assert_eq!(r.status, 200, "{}", r.body);
        let mut cp = InProcess::new(&mut w);
        cp.wait(
            &WaitFor::AppsIdle {
                apps: vec![app.clone()],
            },
            SimDuration::from_mins(30),
        )
        .unwrap();
        assert!(w
            .application(&app)
            .unwrap()
            .stable
            .ends_with(&format!("+pr{pr}")));

        let r = handle(&req("PUT", &path(&app, "abort"), ""), &mut w, TOKEN);
        assert_eq!(r.status, 200, "{}", r.body);
        let mut cp = InProcess::new(&mut w);
        cp.wait(
            &WaitFor::AppsIdle {
                apps: vec![app.clone()],
            },
            SimDuration::from_mins(30),
        )
        .unwrap();
        assert!(!w.application(&app).unwrap().stable.contains("+pr"));
    }

    #[test]
    fn should_undo_to_the_previous_build_on_this_application_only() {
        let sc = friday_cascade();
        let (mut w, pr, app) = deployed(&sc, &Release::full());
        let apps = w.pull_request(pr).unwrap().apps;
        assert!(apps.len() > 1, "the fix ships to several apps: {apps:?}");
        let r = handle(&req("PUT", &path(&app, "undo/0"), ""), &mut w, TOKEN);
        assert_eq!(r.status, 200, "{}", r.body);
        let mut cp = InProcess::new(&mut w);
        cp.wait(
            &WaitFor::AppsIdle { apps: apps.clone() },
            SimDuration::from_mins(60),
        )
        .unwrap();
        assert!(!w.application(&app).unwrap().stable.contains("+pr"));
        assert!(w.application(&apps[1]).unwrap().stable.contains("+pr"));
        let r = handle(&req("PUT", &path(&app, "undo/99"), ""), &mut w, TOKEN);
        assert_eq!(r.status, 400, "{}", r.body);
    }

    #[test]
    fn should_refuse_bad_requests_in_grpc_gateway_shape() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 1);
        let cases = [
            (req("GET", "/api/v1/rollouts/prod/nope/info", ""), 404),
            (req("GET", "/api/v1/rollouts/default/payment/info", ""), 404),
            (
                req("PUT", "/api/v1/rollouts/prod/payment/promote", "{"),
                400,
            ),
            (
                req("PUT", "/api/v1/rollouts/prod/payment/promote", "{}"),
                400,
            ),
            (req("PUT", "/api/v1/rollouts/prod/payment/undo/x", ""), 400),
            (req("PUT", "/api/v1/rollouts/prod/payment/restart", ""), 501),
            (req("DELETE", "/api/v1/rollouts/prod/payment/info", ""), 405),
            (req("GET", "/nothing", ""), 404),
        ];
        for (r, status) in cases {
            let res = handle(&r, &mut w, TOKEN);
            assert_eq!(res.status, status, "{} {}: {}", r.method, r.path, res.body);
            let v = res.json_body();
            assert!(
                v["message"].is_string() && v["code"].is_number(),
                "{}",
                res.body
            );
        }
        let mut anonymous = req("PUT", "/api/v1/rollouts/prod/payment/abort", "");
        anonymous.headers.clear();
        assert_eq!(handle(&anonymous, &mut w, TOKEN).status, 401);
        // Reading needs no token, as with the dashboard.
        anonymous.method = "GET".into();
        anonymous.path = "/api/v1/rollouts/prod/payment/info".into();
        let info = handle(&anonymous, &mut w, TOKEN);
        assert_eq!(info.status, 200);
        assert_eq!(info.json_body()["status"], "Healthy");
    }
}
