//! Unleash's HTTP API as a pure function: an [`HttpRequest`] and the
//! [`FlagSet`] in, an [`HttpResponse`] (status and JSON body) out.
//!
//! Map:
//! * `GET  /api/client/features`: what SDKs poll (§7.2).
//! * `POST /api/client/register`, `POST /api/client/metrics`: SDK
//!   bookkeeping, accepted and dropped.
//! * `GET  /api/admin/projects/{project}/features/{feature}`: one feature.
//! * `POST /api/admin/projects/{project}/features/{feature}/environments/{env}/on|off` (§7.1).
//!
//! Every `/api/` path needs the raw token in `Authorization`, with no
//! `Bearer` (§7.1, §8.5). Checks run in the order a server would: auth
//! (401), route (404), method (405), body size (413), names and body (400),
//! then the lookup of project, feature and environment (404).

use serde_json::{json, Value};

use crate::http::{HttpRequest, HttpResponse};

use super::state::{Feature, FlagSet, Strategy};

/// `Content-Type` of every JSON body.
pub const JSON: &str = "application/json; charset=utf-8";

/// Bodies larger than this are refused with 413 before being parsed.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The environment the client API serves when the token names none
/// (an admin token `*:*.xxx` or an unstructured one): `production`, the one
/// the simulated services read.
pub const FALLBACK_ENVIRONMENT: &str = "production";

/// Answers in the fake's shapes.
struct Reply;

impl Reply {
    fn json(status: u16, body: &Value) -> HttpResponse {
        HttpResponse::raw(status, JSON, body.to_string())
    }

    fn empty(status: u16) -> HttpResponse {
        HttpResponse::empty(status)
    }

    /// An error in Unleash's shape. §9 marks that shape unverified: from
    /// memory it is `{id?, name, message, details[]}`. `id` is a random
    /// UUID on the real server, so the fake leaves it out to stay
    /// deterministic; `message` is present either way, which is what
    /// clients print.
    fn error(status: u16, name: &str, message: &str) -> HttpResponse {
        Reply::json(
            status,
            &json!({"name": name, "message": message, "details": [{"message": message}]}),
        )
    }

    fn not_found(message: &str) -> HttpResponse {
        Reply::error(404, "NotFoundError", message)
    }

    fn bad_request(message: &str) -> HttpResponse {
        Reply::error(400, "BadDataError", message)
    }
}

/// The endpoints the fake knows, with their path parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route<'a> {
    ClientFeatures,
    ClientRegister,
    ClientMetrics,
    AdminFeatures {
        project: &'a str,
    },
    AdminFeature {
        project: &'a str,
        feature: &'a str,
    },
    AdminToggle {
        project: &'a str,
        feature: &'a str,
        env: &'a str,
        on: bool,
    },
}

impl Route<'_> {
    fn method(self) -> &'static str {
        match self {
            Route::ClientFeatures | Route::AdminFeatures { .. } | Route::AdminFeature { .. } => {
                "GET"
            }
            Route::ClientRegister | Route::ClientMetrics | Route::AdminToggle { .. } => "POST",
        }
    }
}

/// Answers `req` against `flags`, accepting only `token` as credentials.
/// Never panics.
pub fn handle(req: &HttpRequest, flags: &mut FlagSet, token: &str) -> HttpResponse {
    let path = req
        .path
        .split_once('?')
        .map_or(req.path.as_str(), |(p, _)| p);
    let Some(rest) = path.strip_prefix('/') else {
        return Reply::bad_request("the path must start with '/'");
    };
    // Express routes ignore one trailing slash.
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let segments: Vec<&str> = rest.split('/').collect();
    // Unleash's health check: open, as on a real server, for load
    // balancers and SDK readiness probes.
    if segments == ["health"] {
        return match req.method.as_str() {
            "GET" | "HEAD" => HttpResponse::json(200, &json!({ "health": "GOOD" })),
            _ => Reply::error(405, "MethodNotAllowed", "use GET"),
        };
    }
    if segments.first() != Some(&"api") {
        return Reply::not_found(&format!("no endpoint at {path:?}"));
    }
    if req.header("authorization") != Some(token) {
        // Missing, wrong, or sent as "Bearer <token>" (§7.1: the token is raw).
        return Reply::error(
            401,
            "AuthenticationRequired",
            "You must provide a valid API token in the Authorization header (hint: send the raw token, with no \"Bearer\")",
        );
    }
    let Some(route) = route(&segments[1..]) else {
        return Reply::not_found(&format!("no endpoint at {path:?}"));
    };
    if req.method != route.method() {
        return Reply::error(
            405,
            "MethodNotAllowed",
            &format!("{} is not allowed here; use {}", req.method, route.method()),
        );
    }
    if req.body.len() > MAX_BODY_BYTES {
        return Reply::error(413, "ContentTooLarge", "the request body is too large");
    }
    match route {
        Route::ClientFeatures => client_features(&req.query, flags, token),
        Route::ClientRegister | Route::ClientMetrics => accept_json_object(&req.body),
        Route::AdminFeatures { project } => admin_features(flags, project),
        Route::AdminFeature { project, feature } => admin_feature(flags, project, feature),
        Route::AdminToggle {
            project,
            feature,
            env,
            on,
        } => admin_toggle(flags, project, feature, env, on),
    }
}

/// Matches the segments after `/api`.
fn route<'a>(segments: &[&'a str]) -> Option<Route<'a>> {
    match *segments {
        ["client", "features"] => Some(Route::ClientFeatures),
        ["client", "register"] => Some(Route::ClientRegister),
        ["client", "metrics"] => Some(Route::ClientMetrics),
        ["admin", "projects", project, "features"] => Some(Route::AdminFeatures { project }),
        ["admin", "projects", project, "features", feature] => {
            Some(Route::AdminFeature { project, feature })
        }
        ["admin", "projects", project, "features", feature, "environments", env, toggle @ ("on" | "off")] => {
            Some(Route::AdminToggle {
                project,
                feature,
                env,
                on: toggle == "on",
            })
        }
        _ => None,
    }
}

/// Unleash names are URL-friendly: ASCII letters, digits and `-._~`
/// (percent-encoded or other characters are refused with 400).
fn check_name(kind: &str, name: &str) -> Result<(), HttpResponse> {
    let friendly = |c: char| c.is_ascii_alphanumeric() || "-._~".contains(c);
    if name.is_empty() || name.len() > 100 || !name.chars().all(friendly) {
        return Err(Reply::bad_request(&format!(
            "{kind} name {:?} is not URL-friendly (hint: 1 to 100 of A-Z a-z 0-9 - . _ ~)",
            truncate(name)
        )));
    }
    Ok(())
}

/// At most 100 characters of `s`, so error bodies stay small on huge input.
fn truncate(s: &str) -> &str {
    s.char_indices().nth(100).map_or(s, |(i, _)| &s[..i])
}

/// `POST /api/client/register|metrics`: any JSON object is accepted with
/// 202 and an empty body. The status is what Unleash answers as far as we
/// know; §7.2 lists the calls but not their status [unverified].
fn accept_json_object(body: &[u8]) -> HttpResponse {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(_)) => Reply::empty(202),
        Ok(_) => Reply::bad_request("the body must be a JSON object"),
        Err(e) => Reply::bad_request(&format!("the body is not valid JSON: {e}")),
    }
}

/// The environment and project a client token `project:env.secret` is for;
/// `*` or an unstructured token means "any".
fn token_scope(token: &str) -> (Option<&str>, Option<&str>) {
    let Some((scope, _secret)) = token.split_once('.') else {
        return (None, None);
    };
    let Some((project, env)) = scope.split_once(':') else {
        return (None, None);
    };
    let pick = |s: &str| -> bool { s != "*" && !s.is_empty() };
    (
        Some(project).filter(|p| pick(p)),
        Some(env).filter(|e| pick(e)),
    )
}

/// `GET /api/client/features` (§7.2): every feature with `enabled` as in the
/// token's environment, parameters as strings.
fn client_features(query: &str, flags: &FlagSet, token: &str) -> HttpResponse {
    let (token_project, token_env) = token_scope(token);
    let env = token_env.unwrap_or(FALLBACK_ENVIRONMENT);
    if !flags.has_environment(env) {
        return Reply::not_found(&format!("could not find environment {:?}", truncate(env)));
    }
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut projects: Vec<String> = Vec::new();
    let mut name_prefix: Option<String> = None;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match &*key {
            "project" => projects.push(value.into_owned()),
            "namePrefix" => name_prefix = Some(value.into_owned()),
            // `tag` and anything else: not modelled, ignored.
            _ => {}
        }
    }
    if projects.is_empty() {
        projects.extend(token_project.map(str::to_owned));
    }
    let features: Vec<Value> = flags
        .features()
        .filter(|f| projects.is_empty() || projects.contains(&f.project))
        .filter(|f| token_project.is_none_or(|p| p == f.project))
        .filter(|f| name_prefix.as_deref().is_none_or(|p| f.name.starts_with(p)))
        .map(|f| client_feature(f, env))
        .collect();
    // `query` echoes the filters in effect (clientFeaturesQuerySchema:
    // project[], namePrefix, environment, inlineSegmentConstraints).
    let mut echoed = json!({"environment": env, "inlineSegmentConstraints": true});
    if !projects.is_empty() {
        echoed["project"] = json!(projects);
    }
    if let Some(prefix) = name_prefix {
        echoed["namePrefix"] = json!(prefix);
    }
    Reply::json(
        200,
        &json!({"version": 2, "features": features, "segments": [], "query": echoed}),
    )
}

/// One feature as SDKs read it (§7.2).
fn client_feature(f: &Feature, env: &str) -> Value {
    json!({
        "name": f.name,
        "description": f.description,
        "type": f.kind,
        "project": f.project,
        "enabled": f.is_enabled_in(env),
        "stale": false,
        "impressionData": f.impression_data,
        "strategies": f.strategies.iter().map(strategy).collect::<Vec<_>>(),
        "variants": [],
        "dependencies": [],
    })
}

/// A strategy with its parameters as STRINGS: the Rust client reads them
/// into `HashMap<String, String>` and fails on a number (§7.2, §8.5).
fn strategy(s: &Strategy) -> Value {
    let parameters = match s {
        Strategy::FlexibleRollout {
            rollout,
            stickiness,
            group_id,
        } => json!({
            "rollout": rollout.to_string(),
            "stickiness": stickiness,
            "groupId": group_id,
        }),
    };
    json!({
        "name": s.name(),
        "constraints": [],
        "segments": [],
        "parameters": parameters,
        "variants": [],
    })
}

/// The feature called `feature` if it lives in `project`.
fn lookup<'f>(
    flags: &'f FlagSet,
    project: &str,
    feature: &str,
) -> Result<&'f Feature, HttpResponse> {
    check_name("project", project)?;
    check_name("feature", feature)?;
    flags
        .feature(feature)
        .filter(|f| f.project == project)
        .ok_or_else(|| {
            Reply::not_found(&format!(
                "could not find feature {feature:?} in project {project:?}"
            ))
        })
}

/// `GET /api/admin/projects/{project}/features/{feature}`: the feature with
/// its state in every environment.
fn admin_feature(flags: &FlagSet, project: &str, feature: &str) -> HttpResponse {
    match lookup(flags, project, feature) {
        Ok(f) => Reply::json(200, &feature_json(flags, f)),
        Err(response) => response,
    }
}

/// `GET /api/admin/projects/{project}/features`: every feature of the
/// project, each as the single-feature endpoint shows it.
fn admin_features(flags: &FlagSet, project: &str) -> HttpResponse {
    if let Err(response) = check_name("project", project) {
        return response;
    }
    let features: Vec<Value> = flags
        .features()
        .filter(|f| f.project == project)
        .map(|f| feature_json(flags, f))
        .collect();
    Reply::json(200, &json!({ "version": 2, "features": features }))
}

/// A feature with its state in every environment, as the admin API shows it.
fn feature_json(flags: &FlagSet, f: &Feature) -> Value {
    let environments: Vec<Value> = flags
        .environments()
        .map(|env| {
            json!({
                "name": env,
                "enabled": f.is_enabled_in(env),
                "strategies": f.strategies.iter().map(strategy).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "name": f.name,
        "description": f.description,
        "type": f.kind,
        "project": f.project,
        "stale": false,
        "archived": false,
        "impressionData": f.impression_data,
        "environments": environments,
        "variants": [],
    })
}

/// `POST .../environments/{env}/on|off`: 200 with an EMPTY body, although
/// the OpenAPI declares a featureSchema (§7.1).
fn admin_toggle(
    flags: &mut FlagSet,
    project: &str,
    feature: &str,
    env: &str,
    on: bool,
) -> HttpResponse {
    if let Err(response) = check_name("environment", env).and(lookup(flags, project, feature)) {
        return response;
    }
    match flags.set_enabled(feature, env, on) {
        Ok(()) => Reply::empty(200),
        Err(e) => Reply::not_found(&e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unleash::bucket::Rollout;

    const TOKEN: &str = "*:production.secret";
    const TOGGLE: &str = "/api/admin/projects/default/features/checkout-v2/environments";

    fn flags() -> FlagSet {
        let mut flags = FlagSet::new();
        flags
            .insert(Feature::new("checkout-v2").with_rollout(Rollout::new(25).unwrap()))
            .unwrap();
        flags
            .insert(Feature::new("search").with_project("discovery"))
            .unwrap();
        flags
    }

    fn call(flags: &mut FlagSet, method: &str, path: &str, body: &[u8]) -> HttpResponse {
        call_as(flags, method, path, "", body, Some(TOKEN))
    }

    fn call_as(
        flags: &mut FlagSet,
        method: &str,
        path: &str,
        query: &str,
        body: &[u8],
        authorization: Option<&str>,
    ) -> HttpResponse {
        handle(
            &request(method, path, query, body, authorization),
            flags,
            TOKEN,
        )
    }

    fn request(
        method: &str,
        path: &str,
        query: &str,
        body: &[u8],
        authorization: Option<&str>,
    ) -> HttpRequest {
        HttpRequest {
            method: method.into(),
            path: path.into(),
            query: query.into(),
            headers: authorization
                .map(|a| vec![("authorization".to_string(), a.to_string())])
                .unwrap_or_default(),
            body: body.to_vec(),
        }
    }

    fn body(response: &HttpResponse) -> Value {
        serde_json::from_str(&response.body).unwrap()
    }

    fn client_enabled(flags: &mut FlagSet, name: &str) -> bool {
        let r = call(flags, "GET", "/api/client/features", b"");
        assert_eq!(r.status, 200);
        let b = body(&r);
        let features = b["features"].as_array().unwrap();
        let f = features.iter().find(|f| f["name"] == name).unwrap();
        f["enabled"].as_bool().unwrap()
    }

    #[test]
    fn should_answer_client_features_in_the_documented_shape() {
        let mut flags = flags();
        flags
            .set_enabled("checkout-v2", "production", true)
            .unwrap();
        let r = call(&mut flags, "GET", "/api/client/features", b"");
        assert_eq!((r.status, r.content_type), (200, JSON));
        assert_eq!(
            body(&r),
            json!({
                "version": 2,
                "features": [
                    {"name": "checkout-v2", "description": "", "type": "release", "project": "default",
                     "enabled": true, "stale": false, "impressionData": false,
                     "strategies": [{"name": "flexibleRollout", "constraints": [], "segments": [],
                                     "parameters": {"rollout": "25", "stickiness": "default", "groupId": "checkout-v2"},
                                     "variants": []}],
                     "variants": [], "dependencies": []},
                    {"name": "search", "description": "", "type": "release", "project": "discovery",
                     "enabled": false, "stale": false, "impressionData": false,
                     "strategies": [{"name": "flexibleRollout", "constraints": [], "segments": [],
                                     "parameters": {"rollout": "100", "stickiness": "default", "groupId": "search"},
                                     "variants": []}],
                     "variants": [], "dependencies": []},
                ],
                "segments": [],
                "query": {"environment": "production", "inlineSegmentConstraints": true},
            })
        );
    }

    #[test]
    fn should_serialize_every_strategy_parameter_as_a_string() {
        let mut flags = flags();
        let b = body(&call(&mut flags, "GET", "/api/client/features", b""));
        for f in b["features"].as_array().unwrap() {
            for s in f["strategies"].as_array().unwrap() {
                for (key, value) in s["parameters"].as_object().unwrap() {
                    assert!(value.is_string(), "{key} = {value}");
                }
            }
        }
    }

    #[test]
    fn should_toggle_per_environment_with_an_empty_200() {
        let mut flags = flags();
        flags.set_rollout("checkout-v2", Rollout::ALL).unwrap();
        let r = call(&mut flags, "POST", &format!("{TOGGLE}/production/on"), b"");
        assert_eq!(r, Reply::empty(200));
        assert_eq!(r.body, "");
        assert!(flags.is_enabled_for("checkout-v2", "production", "123"));
        assert!(!flags.is_enabled_for("checkout-v2", "development", "123"));
        assert!(client_enabled(&mut flags, "checkout-v2"));

        let r = call(&mut flags, "POST", &format!("{TOGGLE}/production/off"), b"");
        assert_eq!(r, Reply::empty(200));
        assert!(!flags.is_enabled_for("checkout-v2", "production", "123"));
        assert!(!client_enabled(&mut flags, "checkout-v2"));
    }

    #[test]
    fn should_serve_the_environment_the_token_names() {
        let mut flags = flags();
        flags
            .set_enabled("checkout-v2", "development", true)
            .unwrap();
        let dev = "default:development.abc";
        let req = request("GET", "/api/client/features", "", b"", Some(dev));
        let b = body(&handle(&req, &mut flags, dev));
        // The token is scoped to project `default`, so `search` is left out.
        assert_eq!(b["features"].as_array().unwrap().len(), 1);
        assert_eq!(b["features"][0]["enabled"], true);
        assert_eq!(
            b["query"],
            json!({"environment": "development", "inlineSegmentConstraints": true, "project": ["default"]})
        );
        // Production, from TOKEN, still sees it off.
        assert!(!client_enabled(&mut flags, "checkout-v2"));
    }

    #[test]
    fn should_filter_client_features_by_project_and_name_prefix() {
        let mut flags = flags();
        let q = "project=discovery&namePrefix=se";
        let r = call_as(
            &mut flags,
            "GET",
            "/api/client/features",
            q,
            b"",
            Some(TOKEN),
        );
        let b = body(&r);
        assert_eq!(b["features"].as_array().unwrap().len(), 1);
        assert_eq!(b["features"][0]["name"], "search");
        assert_eq!(b["query"]["project"], json!(["discovery"]));
        assert_eq!(b["query"]["namePrefix"], "se");
    }

    #[test]
    fn should_show_one_feature_to_the_admin_api_with_every_environment() {
        let mut flags = flags();
        flags
            .set_enabled("checkout-v2", "production", true)
            .unwrap();
        let r = call(
            &mut flags,
            "GET",
            "/api/admin/projects/default/features/checkout-v2",
            b"",
        );
        assert_eq!(r.status, 200);
        let b = body(&r);
        assert_eq!(b["name"], "checkout-v2");
        assert_eq!(b["environments"][0]["name"], "development");
        assert_eq!(b["environments"][0]["enabled"], false);
        assert_eq!(b["environments"][1]["name"], "production");
        assert_eq!(b["environments"][1]["enabled"], true);
        assert_eq!(
            b["environments"][1]["strategies"][0]["parameters"]["rollout"],
            "25"
        );
    }

    #[test]
    fn should_refuse_missing_wrong_and_bearer_tokens_with_401() {
        let mut flags = flags();
        let bearer = format!("Bearer {TOKEN}");
        for auth in [None, Some(""), Some("nope"), Some(bearer.as_str())] {
            for (method, path) in [
                ("GET", "/api/client/features"),
                (
                    "POST",
                    "/api/admin/projects/default/features/checkout-v2/environments/production/on",
                ),
                ("GET", "/api/nowhere"),
            ] {
                let r = call_as(&mut flags, method, path, "", b"", auth);
                assert_eq!(r.status, 401, "{method} {path} with {auth:?}");
                assert!(body(&r)["message"].is_string());
            }
        }
        assert!(!flags.is_enabled_for("checkout-v2", "production", "123"));
    }

    #[test]
    fn should_answer_each_error_path_with_its_status() {
        let cases: &[(&str, &str, &[u8], u16)] = &[
            ("GET", "/", b"", 404),
            ("GET", "/healthz", b"", 404),
            ("GET", "/api", b"", 404),
            ("GET", "/api/client", b"", 404),
            ("GET", "/api/admin/projects/default/features", b"", 200),
            ("GET", "/api/admin/projects/b%20d/features", b"", 400),
            (
                "POST",
                "/api/admin/projects/default/features/nope/environments/production/on",
                b"",
                404,
            ),
            (
                "POST",
                "/api/admin/projects/other/features/checkout-v2/environments/production/on",
                b"",
                404,
            ),
            (
                "POST",
                "/api/admin/projects/default/features/checkout-v2/environments/staging/on",
                b"",
                404,
            ),
            (
                "POST",
                "/api/admin/projects/default/features/checkout-v2/environments/production/toggle",
                b"",
                404,
            ),
            ("GET", "/api/admin/projects/default/features/nope", b"", 404),
            (
                "GET",
                "/api/admin/projects/default/features/checkout-v2/environments/production/on",
                b"",
                405,
            ),
            ("POST", "/api/client/features", b"", 405),
            (
                "DELETE",
                "/api/admin/projects/default/features/checkout-v2",
                b"",
                405,
            ),
            ("get", "/api/client/features", b"", 405),
            ("GET", "no-slash", b"", 400),
            (
                "GET",
                "/api/admin/projects/default/features/bad%20name",
                b"",
                400,
            ),
            ("GET", "/api/admin/projects/default/features/", b"", 200),
            ("GET", "/api/admin/projects//features/x", b"", 400),
            (
                "POST",
                "/api/admin/projects/default/features/checkout-v2/environments/pr*d/on",
                b"",
                400,
            ),
            ("POST", "/api/client/register", b"{not json", 400),
            ("POST", "/api/client/register", b"[1,2]", 400),
            ("POST", "/api/client/metrics", b"\xff\xfe\x00", 400),
            ("POST", "/api/client/register", b"{\"appName\":\"x\"}", 202),
            ("POST", "/api/client/metrics", b"{}", 202),
            ("GET", "/api/client/features/", b"", 200),
        ];
        for (method, path, body, status) in cases {
            let mut flags = flags();
            let r = call(&mut flags, method, path, body);
            assert_eq!(r.status, *status, "{method} {path}");
            if r.status >= 400 {
                let b: Value = serde_json::from_str(&r.body).unwrap();
                assert!(
                    b["message"].is_string() && b["name"].is_string(),
                    "{}",
                    r.body
                );
                assert_eq!(r.content_type, JSON);
            }
        }
    }

    #[test]
    fn should_list_a_projects_features_as_the_admin_api_does() {
        let mut flags = flags();
        let r = call(
            &mut flags,
            "GET",
            "/api/admin/projects/default/features",
            b"",
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json_body();
        let names: Vec<&str> = v["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert!(!names.is_empty(), "{v}");
        let one = call(
            &mut flags,
            "GET",
            &format!("/api/admin/projects/default/features/{}", names[0]),
            b"",
        );
        assert_eq!(
            v["features"][0],
            one.json_body(),
            "the same shape as one feature"
        );
        let other = call(&mut flags, "GET", "/api/admin/projects/other/features", b"");
        assert_eq!(other.json_body()["features"], json!([]));
    }

    #[test]
    fn should_report_its_health_without_a_token() {
        let mut flags = flags();
        for m in ["GET", "HEAD"] {
            let req = request(m, "/health", "", b"", None);
            let r = handle(&req, &mut flags, "t");
            assert_eq!(r.status, 200, "{m}");
            assert_eq!(r.json_body()["health"], "GOOD");
        }
        let req = request("POST", "/health", "", b"", None);
        assert_eq!(handle(&req, &mut flags, "t").status, 405);
    }

    #[test]
    fn should_404_when_the_token_names_an_unknown_environment() {
        let mut flags = flags();
        let token = "default:staging.abc";
        let req = request("GET", "/api/client/features", "", b"", Some(token));
        assert_eq!(handle(&req, &mut flags, token).status, 404);
    }

    #[test]
    fn should_refuse_huge_bodies_with_413_and_survive_huge_paths() {
        let mut flags = flags();
        let big = vec![b'{'; MAX_BODY_BYTES + 1];
        assert_eq!(
            call(&mut flags, "POST", "/api/client/metrics", &big).status,
            413
        );

        let long = format!(
            "/api/admin/projects/default/features/{}",
            "a".repeat(1 << 20)
        );
        let r = call(&mut flags, "GET", &long, b"");
        assert_eq!(r.status, 400);
        assert!(r.body.len() < 1000, "error bodies stay small");

        let deep = "/x".repeat(1 << 16);
        assert_eq!(
            call(&mut flags, "GET", &format!("/api{deep}"), b"").status,
            404
        );
    }

    #[test]
    fn should_never_panic_on_garbage() {
        let mut flags = flags();
        let garbage = [
            "",
            "/",
            "//",
            "///api",
            "?",
            "/api?x",
            "/api/client/features?project=%ff%fe",
            "/api/admin/projects/d\u{0}/features/é/environments/\u{202e}/on",
            "/api/admin/projects/default/features/checkout-v2/environments/production/on/",
            "/api/admin/projects/default/features/checkout-v2/environments/production/on/extra",
            "/api/admin/projects/ü/features/%/environments/../on",
            "\u{feff}/api",
        ];
        let queries = [
            "",
            "?",
            "&&&",
            "%",
            "project",
            "project=&namePrefix=%zz",
            "a=b=c",
        ];
        let bodies: [&[u8]; 4] = [b"", b"\xc3\x28", b"null", b"{\"a\":"];
        for path in garbage {
            for query in queries {
                for body in bodies {
                    for method in ["GET", "POST", "", "\u{0}"] {
                        let r = call_as(&mut flags, method, path, query, body, Some(TOKEN));
                        assert!((200..600).contains(&r.status));
                        assert!(
                            r.body.is_empty() || serde_json::from_str::<Value>(&r.body).is_ok()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn should_read_token_scopes() {
        assert_eq!(token_scope("*:*.x"), (None, None));
        assert_eq!(
            token_scope("default:production.x"),
            (Some("default"), Some("production"))
        );
        assert_eq!(token_scope("user:abc"), (None, None));
        assert_eq!(token_scope(":.x"), (None, None));
        assert_eq!(token_scope(""), (None, None));
    }
}
