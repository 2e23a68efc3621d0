//! The GitHub REST fake (paths with or without GitHub Enterprise's
//! `/api/v3` prefix): branches, pull requests, labels, reviews, check runs,
//! combined status and merges, answered from the simulated pipeline.
//!
//! Bodies carry every field octocrab's models require (api-reference §6.4)
//! and errors always have a `message`. CI runs are started by labels, as in
//! the hotfix runbook: `hotfix` or `ci/fast-path` start the fast lane,
//! `ci/full` the full one. A pull request's body says what it changes:
//! `Fixes: SERVICE[/PATH]` as people write it (the simulation decides
//! whether that cures), or `Culprit: N` from a tool that ran a diagnosis;
//! `Reworks: #N` makes it a rework. Outside a drill a body with neither
//! fixes whatever fails most; a drill refuses it (no free answers).

use gameday_sim::world::{
    CheckConclusion, NewPull, OpError, PullAim, RestPull, ReviewState, World, BASE_SHA,
    SMOKE_CHECK_NAME,
};
use serde_json::{json, Value};

use crate::http::{HttpRequest, HttpResponse};
use crate::server::Server;
use crate::sim::SharedWorld;
use crate::timebase::Timebase;

const DOCS: &str = "https://docs.github.com/rest";

fn error(status: u16, message: &str) -> HttpResponse {
    HttpResponse::json(
        status,
        &json!({ "message": message, "documentation_url": DOCS }),
    )
}

fn validation(resource: &str, field: &str, code: &str, message: &str) -> HttpResponse {
    HttpResponse::json(
        422,
        &json!({
            "message": "Validation Failed",
            "errors": [{ "resource": resource, "field": field, "code": code, "message": message }],
            "documentation_url": DOCS,
        }),
    )
}

fn op_error(e: OpError) -> HttpResponse {
    let reason = e.clone();
    let res = match e {
        OpError::UnknownPullRequest(_) => error(404, "Not Found"),
        OpError::NotMergeable { reason, .. } => {
            error(405, &format!("Pull Request is not mergeable: {reason}"))
        }
        OpError::Invalid(m) => validation("PullRequest", "", "invalid", &m),
        other => validation("PullRequest", "", "invalid", &other.to_string()),
    };
    res.refusing(&reason)
}

/// Handles one request against the world, from `caller`. Times are on
/// the scenario's calendar.
pub fn handle(req: &HttpRequest, world: &mut World<'_>, caller: Caller<'_>) -> HttpResponse {
    let tb = Timebase::Scenario(world.scenario().clock);
    handle_in(req, world, caller, &tb)
}

/// Whether the fake may answer for the people: a frozen `gameday mocks`
/// world may (a pull request with no aim fixes what fails most); a drill
/// may not (the team says what its change does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answers {
    Free,
    Drill,
}

/// Who calls the fake: the token their mutating calls must carry, their
/// name when a drill knows it (a pull request's author, a review's
/// reviewer), and whether the fake may answer for them.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub token: &'a str,
    pub name: Option<&'a str>,
    pub answers: Answers,
}

impl<'a> Caller<'a> {
    /// A caller of a frozen `gameday mocks` world: anonymous, free answers.
    pub fn frozen(token: &'a str) -> Self {
        Caller {
            token,
            name: None,
            answers: Answers::Free,
        }
    }

    /// A drill's player called `name` (if the drill names its callers).
    pub fn player(token: &'a str, name: Option<&'a str>) -> Self {
        Caller {
            token,
            name,
            answers: Answers::Drill,
        }
    }
}

/// Handles one request against the world, stamping times through `tb`.
pub fn handle_in(
    req: &HttpRequest,
    world: &mut World<'_>,
    caller: Caller<'_>,
    tb: &Timebase,
) -> HttpResponse {
    let path = req.path.strip_prefix("/api/v3").unwrap_or(&req.path);
    let seg: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mutating = !matches!(req.method.as_str(), "GET" | "HEAD");
    if mutating && !authorized(req, caller.token) {
        return error(401, "Bad credentials");
    }
    let [_repos @ "repos", owner, repo, rest @ ..] = seg.as_slice() else {
        return error(404, "Not Found");
    };
    // octocrab parses `url` fields as absolute URLs (api-reference §6.4),
    // so links are built from the address the client used.
    let host = req.header("host").unwrap_or("127.0.0.1");
    let prefix = if req.path.starts_with("/api/v3") {
        "/api/v3"
    } else {
        ""
    };
    let base = format!("http://{host}{prefix}/repos/{owner}/{repo}");
    let ctx = Ctx {
        world,
        base,
        tb,
        caller,
    };
    match (req.method.as_str(), rest) {
        ("POST", ["git", "refs"]) => create_ref(ctx, req),
        ("GET", ["git", "ref", r @ ..]) => get_ref(ctx, &r.join("/")),
        ("POST", ["pulls"]) => create_pull(ctx, req),
        ("GET", ["pulls"]) => list_pulls(ctx),
        ("GET", ["pulls", n]) => with_number(n, |n| get_pull(ctx, n)),
        ("PATCH", ["pulls", n]) => with_number(n, |n| update_pull(ctx, n, req)),
        ("GET", ["pulls", n, "reviews"]) => with_number(n, |n| list_reviews(ctx, n)),
        ("POST", ["check-runs", id, "rerequest"]) => rerequest(ctx, id),
        ("POST", ["actions", "workflows", wf, "dispatches"]) => dispatch(ctx, wf, req),
        ("PUT", ["pulls", n, "merge"]) => with_number(n, |n| merge(ctx, n, req)),
        ("GET", ["pulls", n, "merge"]) => with_number(n, |n| is_merged(ctx, n)),
        ("POST", ["pulls", n, "reviews"]) => with_number(n, |n| review(ctx, n, req)),
        ("POST", ["pulls", n, "requested_reviewers"]) => {
            with_number(n, |n| request_reviewers(ctx, n))
        }
        ("POST", ["issues", n, "labels"]) => with_number(n, |n| add_labels(ctx, n, req)),
        ("GET", ["commits", r, "check-runs"]) => check_runs(ctx, r),
        ("GET", ["commits", r, "status"]) => combined_status(ctx, r),
        (
            _,
            ["git", "refs"]
            | ["pulls"]
            | ["pulls", _]
            | ["pulls", _, _]
            | ["issues", _, "labels"]
            | ["check-runs", _, "rerequest"]
            | ["actions", "workflows", _, "dispatches"],
        ) => error(405, "Method Not Allowed"),
        _ => error(404, "Not Found"),
    }
}

struct Ctx<'a, 'w> {
    world: &'a mut World<'w>,
    base: String,
    tb: &'a Timebase,
    caller: Caller<'a>,
}

fn authorized(req: &HttpRequest, token: &str) -> bool {
    let Some(value) = req.header("authorization") else {
        return false;
    };
    let value = value.trim();
    let given = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .or_else(|| value.strip_prefix("token "))
        .unwrap_or("");
    !token.is_empty() && given.trim() == token
}

fn with_number(n: &str, f: impl FnOnce(u32) -> HttpResponse) -> HttpResponse {
    match n.parse::<u32>() {
        Ok(n) if n > 0 => f(n),
        _ => error(404, "Not Found"),
    }
}

fn body_json(req: &HttpRequest) -> Result<Value, HttpResponse> {
    if req.body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&req.body).map_err(|_| error(400, "Problems parsing JSON"))
}

fn iso(tb: &Timebase, t: gameday_sim::time::SimTime) -> String {
    tb.rfc3339(t)
}

fn create_ref(ctx: Ctx<'_, '_>, req: &HttpRequest) -> HttpResponse {
    let body = match body_json(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let (Some(r), Some(sha)) = (body["ref"].as_str(), body["sha"].as_str()) else {
        return validation(
            "Reference",
            "ref",
            "missing_field",
            "`ref` and `sha` are required",
        );
    };
    let Some(name) = r.strip_prefix("refs/heads/").filter(|n| !n.is_empty()) else {
        return validation(
            "Reference",
            "ref",
            "invalid",
            "ref must start with refs/ and have at least two slashes",
        );
    };
    if let Err(e) = ctx.world.create_branch(name, sha) {
        return validation("Reference", "ref", "already_exists", &e.to_string());
    }
    HttpResponse::json(201, &ref_json(&ctx.base, name, sha))
}

fn ref_json(base: &str, name: &str, sha: &str) -> Value {
    json!({
        "ref": format!("refs/heads/{name}"),
        "node_id": format!("REF_{name}"),
        "url": format!("{base}/git/refs/heads/{name}"),
        "object": { "type": "commit", "sha": sha, "url": format!("{base}/git/commits/{sha}") },
    })
}

fn get_ref(ctx: Ctx<'_, '_>, r: &str) -> HttpResponse {
    let name = r.strip_prefix("heads/").unwrap_or(r);
    match ctx.world.branch_sha(name) {
        Some(sha) => HttpResponse::json(200, &ref_json(&ctx.base, name, sha)),
        None => error(404, "Not Found"),
    }
}

fn pull_json(world: &World<'_>, tb: &Timebase, base: &str, p: &RestPull) -> Value {
    let labels: Vec<Value> = p.labels.iter().map(|l| label_json(base, l)).collect();
    json!({
        "id": p.number as u64 + 1_000_000,
        "node_id": format!("PR_{}", p.number),
        "number": p.number,
        "url": format!("{base}/pulls/{}", p.number),
        "html_url": format!("{base}/pull/{}", p.number),
        "state": if p.open { "open" } else { "closed" },
        "title": p.title,
        "body": p.body,
        "user": user_json(p.author.as_deref().unwrap_or(ENGINEER)),
        "labels": labels,
        "draft": false,
        "locked": false,
        "merged": p.merged,
        "mergeable": p.open.then_some(p.mergeable_state == "clean"),
        "mergeable_state": p.mergeable_state,
        "merge_commit_sha": p.merged.then(|| p.head_sha.clone()),
        "created_at": iso(tb, p.created_at),
        "updated_at": iso(tb, p.created_at),
        "merged_at": p.merged_at.map(|t| iso(tb, t)),
        "closed_at": (!p.open).then(|| iso(tb, p.merged_at.unwrap_or(world.now()))),
        "requested_reviewers": if p.review == ReviewState::Pending { vec![user_json(REVIEWER)] } else { Vec::new() },
        "head": { "label": format!("gameday:{}", p.head_ref), "ref": p.head_ref, "sha": p.head_sha },
        "base": { "label": format!("gameday:{}", p.base_ref), "ref": p.base_ref, "sha": BASE_SHA },
    })
}

/// A stable numeric id for a named object (a label, a user).
fn id_of(name: &str) -> u64 {
    name.bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))
        % 1_000_000_007
}

fn label_json(base: &str, name: &str) -> Value {
    let id = id_of(name);
    json!({
        "id": id,
        "node_id": format!("LA_{id}"),
        "url": format!("{base}/labels/{name}"),
        "name": name,
        "description": null,
        "color": if name == "hotfix" { "d73a4a" } else { "ededed" },
        "default": false,
    })
}

/// The login of the simulated reviewer a review request goes to.
const REVIEWER: &str = "oncall-reviewer";
/// The login of the simulated on-call engineer who opens pull requests.
const ENGINEER: &str = "oncall-engineer";

/// A GitHub user: a drill's player, or one of the simulated people. Every
/// field octocrab's `Author` requires (api-reference §6.4); a player's
/// name is URL-safe (see [`crate::access`]).
fn user_json(login: &str) -> Value {
    let id = id_of(login);
    let api = format!("https://api.github.example/users/{login}");
    json!({
        "login": login,
        "id": id,
        "node_id": format!("U_{id}"),
        "type": "User",
        "site_admin": false,
        "gravatar_id": "",
        "url": api,
        "html_url": format!("https://github.example/{login}"),
        "avatar_url": format!("https://github.example/{login}.png"),
        "followers_url": format!("{api}/followers"),
        "following_url": format!("{api}/following{{/other_user}}"),
        "gists_url": format!("{api}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/subscriptions"),
        "organizations_url": format!("{api}/orgs"),
        "repos_url": format!("{api}/repos"),
        "events_url": format!("{api}/events{{/privacy}}"),
        "received_events_url": format!("{api}/received_events"),
    })
}

fn update_pull(ctx: Ctx<'_, '_>, n: u32, req: &HttpRequest) -> HttpResponse {
    let body = match body_json(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    match body["state"].as_str() {
        None => {}
        Some("closed") => {
            if let Err(e) = ctx.world.close_pull_request(n) {
                return op_error(e);
            }
        }
        Some("open") => {
            return validation(
                "PullRequest",
                "state",
                "invalid",
                "reopening is not simulated: open a new pull request",
            )
        }
        Some(other) => {
            return validation(
                "PullRequest",
                "state",
                "invalid",
                &format!("state must be `open` or `closed`, not `{other}`"),
            )
        }
    }
    get_pull_with(ctx, n, 200)
}

fn list_reviews(ctx: Ctx<'_, '_>, n: u32) -> HttpResponse {
    let p = match ctx.world.rest_pull(n) {
        Ok(p) => p,
        Err(e) => return op_error(e),
    };
    let reviews: Vec<Value> = p
        .reviews
        .iter()
        .map(|r| {
            let id = r.id;
            json!({
                "id": id,
                "node_id": format!("PRR_{id}"),
                "user": user_json(r.by.as_deref().unwrap_or(REVIEWER)),
                "body": "",
                "state": if r.approved { "APPROVED" } else { "CHANGES_REQUESTED" },
                "html_url": format!("{}/pull/{n}#pullrequestreview-{id}", ctx.base),
                "pull_request_url": format!("{}/pulls/{n}", ctx.base),
                "commit_id": p.head_sha,
                "submitted_at": iso(ctx.tb, r.at),
            })
        })
        .collect();
    HttpResponse::json(200, &Value::Array(reviews))
}

fn rerequest(ctx: Ctx<'_, '_>, id: &str) -> HttpResponse {
    let Ok(id) = id.parse::<u64>() else {
        return error(404, "Not Found");
    };
    match ctx.world.rerequest_check(id) {
        Ok(_) => HttpResponse::json(201, &json!({})),
        Err(OpError::Invalid(_)) => error(404, "Not Found"),
        Err(e) => op_error(e),
    }
}

/// `workflow_dispatch` of the smoke-test workflow (api-reference §6.3:
/// 204 No Content). The pull request is the one whose head is `ref`, or
/// `inputs.pull_request`.
fn dispatch(ctx: Ctx<'_, '_>, workflow: &str, req: &HttpRequest) -> HttpResponse {
    let body = match body_json(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    if !workflow.starts_with(SMOKE_CHECK_NAME) {
        return error(
            404,
            &format!("Not Found: the only workflow is `{SMOKE_CHECK_NAME}.yml`"),
        );
    }
    let Some(git_ref) = body["ref"].as_str() else {
        return validation("Workflow", "ref", "missing_field", "`ref` is required");
    };
    let input = &body["inputs"]["pull_request"];
    let number = input
        .as_u64()
        .or_else(|| {
            input
                .as_str()
                .and_then(|s| s.trim_start_matches('#').parse().ok())
        })
        .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
        .or_else(|| ctx.world.pull_by_ref(git_ref));
    let Some(n) = number else {
        return validation(
            "Workflow",
            "ref",
            "invalid",
            &format!("no pull request has `{git_ref}` as its head"),
        );
    };
    match ctx.world.smoke_test(n) {
        Ok(()) => HttpResponse::empty(204),
        Err(e) => validation("Workflow", "inputs", "invalid", &e.to_string()),
    }
}

/// The value of a body line `KEY value` (`#` dropped), the first one.
fn trailer_text<'b>(body: &'b str, key: &str) -> Option<&'b str> {
    body.lines().find_map(|l| {
        let v = l.trim().strip_prefix(key)?.trim();
        Some(v.trim_start_matches('#'))
    })
}

fn trailer(body: &str, key: &str) -> Option<u32> {
    trailer_text(body, key)?.parse().ok()
}

/// What a pull request's body says it fixes. People write
/// `Fixes: SERVICE[/PATH]`, the service (and code path) the change
/// touches; the simulation decides whether that cures anything. Tools
/// that ran a diagnosis (the HTTP control plane) name it with
/// `Culprit: N`. Without either, a frozen world aims at whatever fails
/// most, and a drill refuses: that would be a free answer.
fn aim_of(body: &str, answers: Answers) -> Result<PullAim<'_>, String> {
    const HOW: &str = "say what the pull request changes with a body line `Fixes: SERVICE` or `Fixes: SERVICE/PATH` (e.g. `Fixes: payment/charge-v2`)";
    if let Some(v) = trailer_text(body, "Fixes:") {
        let (service, path) = match v.split_once('/') {
            Some((s, p)) => (s.trim(), Some(p.trim()).filter(|p| !p.is_empty())),
            None => (v.trim(), None),
        };
        if service.is_empty() {
            return Err(format!("`Fixes:` names no service: {HOW}"));
        }
        return Ok(PullAim::Changes { service, path });
    }
    match (trailer_text(body, "Culprit:"), answers) {
        (Some(_), Answers::Drill) => Err(format!(
            "`Culprit:` names a diagnosis, and a drill gives none: {HOW}"
        )),
        (Some(v), Answers::Free) => v
            .parse()
            .map(PullAim::Culprit)
            .map_err(|_| format!("`Culprit: {v}` is not a culprit number from a diagnosis")),
        (None, Answers::Drill) => Err(format!("in a drill, {HOW}")),
        (None, Answers::Free) => Ok(PullAim::MostDamaging),
    }
}

fn create_pull(ctx: Ctx<'_, '_>, req: &HttpRequest) -> HttpResponse {
    let body = match body_json(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let title = body["title"].as_str();
    let head = body["head"].as_str();
    let base_ref = body["base"].as_str();
    let (Some(title), Some(head), Some(base_ref)) = (title, head, base_ref) else {
        let missing = ["title", "head", "base"]
            .into_iter()
            .find(|k| body[*k].as_str().is_none())
            .unwrap_or("title");
        return validation(
            "PullRequest",
            missing,
            "missing_field",
            &format!("`{missing}` is required"),
        );
    };
    let text = body["body"].as_str().unwrap_or("");
    let aim = match aim_of(text, ctx.caller.answers) {
        Ok(a) => a,
        Err(m) => return validation("PullRequest", "body", "invalid", &m),
    };
    let pull = NewPull {
        title,
        body: text,
        head,
        base: base_ref,
        author: ctx.caller.name,
    };
    match ctx
        .world
        .open_pull_request_rest(pull, aim, trailer(text, "Reworks:"))
    {
        Ok(n) => match ctx.world.rest_pull(n) {
            Ok(p) => HttpResponse::json(201, &pull_json(ctx.world, ctx.tb, &ctx.base, &p))
                .with_header("location", format!("{}/pulls/{n}", ctx.base)),
            Err(e) => op_error(e),
        },
        Err(OpError::Invalid(m)) if m.starts_with("head") => {
            validation("PullRequest", "head", "invalid", &m)
        }
        Err(OpError::UnknownService(name)) => {
            let known: Vec<&str> = ctx
                .world
                .scenario()
                .services
                .iter()
                .map(|s| s.name.as_str())
                .collect();
            validation(
                "PullRequest",
                "body",
                "invalid",
                &format!(
                    "`Fixes: {name}`: no service `{name}` (services: {})",
                    known.join(", ")
                ),
            )
        }
        Err(e) => op_error(e),
    }
}

fn list_pulls(ctx: Ctx<'_, '_>) -> HttpResponse {
    let pulls: Vec<Value> = (1..=ctx.world.pull_request_count())
        .rev()
        .filter_map(|n| ctx.world.rest_pull(n).ok())
        .filter(|p| p.open)
        .map(|p| pull_json(ctx.world, ctx.tb, &ctx.base, &p))
        .collect();
    HttpResponse::json(200, &Value::Array(pulls))
}

fn get_pull(ctx: Ctx<'_, '_>, n: u32) -> HttpResponse {
    match ctx.world.rest_pull(n) {
        Ok(p) => HttpResponse::json(200, &pull_json(ctx.world, ctx.tb, &ctx.base, &p)),
        Err(e) => op_error(e),
    }
}

fn merge(ctx: Ctx<'_, '_>, n: u32, req: &HttpRequest) -> HttpResponse {
    let body = match body_json(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let p = match ctx.world.rest_pull(n) {
        Ok(p) => p,
        Err(e) => return op_error(e),
    };
    if let Some(sha) = body["sha"].as_str() {
        if sha != p.head_sha {
            return error(
                409,
                "Head branch was modified. Review and try the merge again.",
            );
        }
    }
    match ctx.world.merge(n) {
        Ok(()) => HttpResponse::json(
            200,
            &json!({ "sha": p.head_sha, "merged": true, "message": "Pull Request successfully merged" }),
        ),
        Err(e @ OpError::NotMergeable { .. }) => {
            error(405, "Pull Request is not mergeable").refusing(&e)
        }
        Err(e) => op_error(e),
    }
}

fn is_merged(ctx: Ctx<'_, '_>, n: u32) -> HttpResponse {
    match ctx.world.rest_pull(n) {
        Ok(p) if p.merged => HttpResponse::empty(204),
        _ => error(404, "Not Found"),
    }
}

fn review(ctx: Ctx<'_, '_>, n: u32, req: &HttpRequest) -> HttpResponse {
    let body = match body_json(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let approve = match body["event"].as_str() {
        Some("APPROVE") => true,
        Some("REQUEST_CHANGES") => {
            if body["body"].as_str().is_none_or(str::is_empty) {
                return validation(
                    "PullRequestReview",
                    "body",
                    "missing_field",
                    "a body is required to request changes",
                );
            }
            false
        }
        Some(other) => {
            return validation(
                "PullRequestReview",
                "event",
                "invalid",
                &format!("unsupported event `{other}`; use APPROVE or REQUEST_CHANGES"),
            )
        }
        None => {
            return validation(
                "PullRequestReview",
                "event",
                "missing_field",
                "`event` is required",
            )
        }
    };
    let p = match ctx.world.rest_pull(n) {
        Ok(p) => p,
        Err(e) => return op_error(e),
    };
    match ctx.world.submit_review(n, approve, ctx.caller.name) {
        Ok(id) => HttpResponse::json(
            200,
            &json!({
                "id": id,
                "node_id": format!("PRR_{id}"),
                "user": user_json(ctx.caller.name.unwrap_or(REVIEWER)),
                "body": body["body"].as_str().unwrap_or(""),
                "state": if approve { "APPROVED" } else { "CHANGES_REQUESTED" },
                "html_url": format!("{}/pull/{n}#pullrequestreview-{id}", ctx.base),
                "pull_request_url": format!("{}/pulls/{n}", ctx.base),
                "commit_id": p.head_sha,
                "submitted_at": iso(ctx.tb, ctx.world.now()),
            }),
        ),
        Err(e) => op_error(e),
    }
}

fn request_reviewers(ctx: Ctx<'_, '_>, n: u32) -> HttpResponse {
    if let Err(e) = ctx.world.request_review(n) {
        return op_error(e);
    }
    get_pull_with(ctx, n, 201)
}

fn get_pull_with(ctx: Ctx<'_, '_>, n: u32, status: u16) -> HttpResponse {
    match ctx.world.rest_pull(n) {
        Ok(p) => HttpResponse::json(status, &pull_json(ctx.world, ctx.tb, &ctx.base, &p)),
        Err(e) => op_error(e),
    }
}

fn add_labels(ctx: Ctx<'_, '_>, n: u32, req: &HttpRequest) -> HttpResponse {
    let body = match body_json(req) {
        Ok(b) => b,
        Err(e) => return e,
    };
    // `{"labels": [...]}`, or a bare array of names or of `{name}`.
    let list = match &body {
        Value::Object(m) => m.get("labels").cloned().unwrap_or(Value::Null),
        other => other.clone(),
    };
    let Some(items) = list.as_array() else {
        return validation("Label", "labels", "invalid", "`labels` must be an array");
    };
    let mut names = Vec::new();
    for item in items {
        match item.as_str().or_else(|| item["name"].as_str()) {
            Some(name) if !name.is_empty() => names.push(name.to_string()),
            _ => {
                return validation(
                    "Label",
                    "labels",
                    "invalid",
                    "labels must be non-empty strings",
                )
            }
        }
    }
    match ctx.world.add_labels(n, &names) {
        Ok(all) => HttpResponse::json(
            200,
            &Value::Array(all.iter().map(|l| label_json(&ctx.base, l)).collect()),
        ),
        Err(e) => op_error(e),
    }
}

fn conclusion(c: Option<CheckConclusion>) -> Value {
    match c {
        None => Value::Null,
        Some(CheckConclusion::Success) => json!("success"),
        Some(CheckConclusion::Failure) => json!("failure"),
    }
}

fn check_runs(ctx: Ctx<'_, '_>, r: &str) -> HttpResponse {
    let Some(n) = ctx.world.pull_by_ref(r) else {
        return HttpResponse::json(200, &json!({ "total_count": 0, "check_runs": [] }));
    };
    let p = match ctx.world.rest_pull(n) {
        Ok(p) => p,
        Err(e) => return op_error(e),
    };
    let pr = pull_json(ctx.world, ctx.tb, &ctx.base, &p);
    let runs: Vec<Value> = p
        .checks
        .iter()
        .chain(p.smoke.iter())
        .map(|c| {
            json!({
                "id": c.id,
                "node_id": format!("CR_{}", c.id),
                "name": c.name,
                "head_sha": p.head_sha,
                "status": if c.completed.is_some() { "completed" } else { "in_progress" },
                "conclusion": conclusion(c.conclusion),
                "started_at": iso(ctx.tb, c.started),
                "completed_at": c.completed.map(|t| iso(ctx.tb, t)),
                "url": format!("{}/check-runs/{}", ctx.base, c.id),
                "html_url": format!("{}/runs/{}", ctx.base, c.id),
                "details_url": format!("{}/runs/{}", ctx.base, c.id),
                "output": {
                    "title": c.name,
                    "summary": "",
                    "text": null,
                    "annotations_count": 0,
                    "annotations_url": format!("{}/check-runs/{}/annotations", ctx.base, c.id),
                },
                "check_suite": { "id": c.id },
                "pull_requests": [pr.clone()],
            })
        })
        .collect();
    HttpResponse::json(
        200,
        &json!({ "total_count": runs.len(), "check_runs": runs }),
    )
}

fn combined_status(ctx: Ctx<'_, '_>, r: &str) -> HttpResponse {
    let Some(n) = ctx.world.pull_by_ref(r) else {
        return error(404, "Not Found");
    };
    let p = match ctx.world.rest_pull(n) {
        Ok(p) => p,
        Err(e) => return op_error(e),
    };
    let state_of = |c: Option<CheckConclusion>| match c {
        None => "pending",
        Some(CheckConclusion::Success) => "success",
        Some(CheckConclusion::Failure) => "failure",
    };
    let statuses: Vec<Value> = p
        .checks
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "node_id": format!("SC_{}", c.id),
                "state": state_of(c.conclusion),
                "context": c.name,
                "description": null,
                "target_url": null,
                "url": format!("{}/statuses/{}", ctx.base, p.head_sha),
                "created_at": iso(ctx.tb, c.started),
                "updated_at": iso(ctx.tb, c.completed.unwrap_or(c.started)),
            })
        })
        .collect();
    // api-reference §6.3: failure if any failed, pending if none or any
    // pending, success if all succeeded.
    let state = if p
        .checks
        .iter()
        .any(|c| c.conclusion == Some(CheckConclusion::Failure))
    {
        "failure"
    } else if p.checks.is_empty() || p.checks.iter().any(|c| c.conclusion.is_none()) {
        "pending"
    } else {
        "success"
    };
    HttpResponse::json(
        200,
        &json!({
            "state": state,
            "statuses": statuses,
            "sha": p.head_sha,
            "total_count": p.checks.len(),
            "commit_url": format!("{}/commits/{}", ctx.base, p.head_sha),
            "url": format!("{}/commits/{}/status", ctx.base, p.head_sha),
        }),
    )
}

/// Mounts the GitHub fake on `server`, one named mock per endpoint and a
/// catch-all answering GitHub's 404.
pub fn mount(server: &Server, world: SharedWorld, token: String) {
    let handler = move |req: &HttpRequest| {
        let mut w = world.lock();
        let token = world.token_for(req, &token);
        let caller = match world.driver() {
            Some(_) => Caller::player(token, world.caller(req).map(|c| c.name.as_str())),
            None => Caller::frozen(token),
        };
        let res = handle_in(req, &mut w, caller, &world.timebase());
        world.record("github", req, res.status, &w);
        res
    };
    server.handle_with(handler);
}

#[cfg(test)]
mod tests {
    use super::*;
    use gameday_sim::control::{ControlPlane, InProcess, WaitFor};
    use gameday_sim::scenario::friday_cascade;
    use gameday_sim::time::{SimDuration, SimTime};

    const TOKEN: &str = "t0k3n";
    const REPO: &str = "/api/v3/repos/acme/shop";

    fn req(method: &str, path: &str, body: &str) -> HttpRequest {
        HttpRequest::new(method, &format!("{REPO}{path}"))
            .with_header("authorization", format!("Bearer {TOKEN}"))
            .with_body(body)
    }

    /// A world 10 minutes in, with pull request #1 open for the top culprit.
    fn with_pull(sc: &gameday_sim::scenario::Scenario) -> World<'_> {
        let mut w = World::new(sc, 4);
        w.advance_to(SimTime::START + SimDuration::from_mins(10))
            .unwrap();
        let r = handle(
            &req(
                "POST",
                "/git/refs",
                r#"{"ref":"refs/heads/fix","sha":"abc"}"#,
            ),
            &mut w,
            Caller::frozen(TOKEN),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let r = handle(
            &req(
                "POST",
                "/pulls",
                r#"{"title":"fix","head":"fix","base":"main"}"#,
            ),
            &mut w,
            Caller::frozen(TOKEN),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        w
    }

    fn settle(w: &mut World<'_>) {
        let mut cp = InProcess::new(w);
        cp.wait(
            &WaitFor::PullRequestSettled { number: 1 },
            SimDuration::from_mins(600),
        )
        .unwrap();
    }

    /// Opens a pull request from a new branch with `body`, as `caller`.
    fn open(w: &mut World<'_>, branch: &str, body: &str, caller: Caller<'_>) -> HttpResponse {
        let r = handle(
            &req(
                "POST",
                "/git/refs",
                &format!(r#"{{"ref":"refs/heads/{branch}","sha":"abc"}}"#),
            ),
            w,
            caller,
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let pull =
            json!({ "title": "stop the declines", "head": branch, "base": "main", "body": body });
        handle(&req("POST", "/pulls", &pull.to_string()), w, caller)
    }

    #[test]
    fn should_refuse_a_pull_request_that_leans_on_a_free_answer_in_a_drill() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 4);
        w.advance_to(SimTime::START + SimDuration::from_mins(10))
            .unwrap();
        for (branch, body) in [("a", ""), ("b", "Culprit: 0"), ("c", "Fixes: /charge-v2")] {
            let r = open(&mut w, branch, body, Caller::player(TOKEN, None));
            assert_eq!(r.status, 422, "{body}: {}", r.body);
            let v = r.json_body();
            assert_eq!(v["errors"][0]["field"], "body", "{v}");
            assert!(
                v["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("Fixes: payment/charge-v2"),
                "the message teaches the trailer: {v}"
            );
        }
        assert_eq!(w.changes().len(), 0, "nothing was opened");
    }

    #[test]
    fn should_aim_a_pull_request_where_its_body_says_and_let_the_world_decide() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 4);
        w.advance_to(SimTime::START + SimDuration::from_mins(10))
            .unwrap();
        let team = Caller::player(TOKEN, None);
        // The failing path: aimed at the fault in payment's code.
        let r = open(&mut w, "fix", "Fixes: payment/charge-v2", team);
        assert_eq!(r.status, 201, "{}", r.body);
        assert!(w.changes()[0].target.is_some());
        // A healthy service: a real change that aims at nothing.
        let r = open(&mut w, "guess", "Fixes: email", team);
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(w.changes()[1].target, None, "nothing wrong in email yet");
        // The wrong path of the failing service aims at nothing either.
        let r = open(&mut w, "path", "Fixes: payment/refunds", team);
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(w.changes()[2].target, None);
        // The journal shows the team's title, not the simulation's truth.
        let texts: Vec<&str> = w
            .journal()
            .entries()
            .iter()
            .map(|e| e.text.as_str())
            .filter(|t| t.starts_with("opened PR"))
            .collect();
        assert_eq!(texts.len(), 3, "{texts:?}");
        assert!(
            texts.iter().all(|t| t.ends_with(": stop the declines")),
            "{texts:?}"
        );
        // An unknown service is the author's mistake, named.
        let r = open(&mut w, "typo", "Fixes: paymnet", team);
        assert_eq!(r.status, 422, "{}", r.body);
        let m = r.json_body()["errors"][0]["message"].to_string();
        assert!(
            m.contains("no service `paymnet`") && m.contains("payment"),
            "{m}"
        );
    }

    #[test]
    fn should_name_a_drills_author_and_reviewer_and_refuse_reviewing_your_own() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 4);
        w.advance_to(SimTime::START + SimDuration::from_mins(10))
            .unwrap();
        let ana = Caller::player(TOKEN, Some("ana"));
        let r = open(&mut w, "fix", "Fixes: payment/charge-v2", ana);
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.json_body()["user"]["login"], "ana");
        let approve = r#"{"event":"APPROVE"}"#;
        let r = handle(&req("POST", "/pulls/1/reviews", approve), &mut w, ana);
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("Can not approve your own pull request"));
        let bo = Caller::player(TOKEN, Some("bo"));
        let r = handle(&req("POST", "/pulls/1/reviews", approve), &mut w, bo);
        assert_eq!(r.status, 200, "{}", r.body);
        let reviews = handle(&req("GET", "/pulls/1/reviews", ""), &mut w, bo).json_body();
        assert_eq!(reviews.as_array().map(Vec::len), Some(1), "{reviews}");
        assert_eq!(reviews[0]["user"]["login"], "bo");
        assert_eq!(reviews[0]["state"], "APPROVED");
        let said = w.journal().entries().last().map(|e| e.text.clone());
        assert_eq!(said.as_deref(), Some("PR #1 approved by bo"));
    }

    #[test]
    fn should_label_a_pull_request_with_the_apps_it_ships_to() {
        let sc = friday_cascade();
        let mut w = with_pull(&sc);
        let pull = handle(&req("GET", "/pulls/1", ""), &mut w, Caller::frozen(TOKEN)).json_body();
        let labels: Vec<&str> = pull["labels"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|l| l["name"].as_str())
            .collect();
        assert!(!labels.is_empty());
        assert!(
            labels.iter().all(|l| l.starts_with("deploy/")),
            "{labels:?}"
        );
        let main = handle(
            &req("GET", "/git/ref/heads/main", ""),
            &mut w,
            Caller::frozen(TOKEN),
        );
        assert_eq!(main.json_body()["object"]["sha"], BASE_SHA);
    }

    #[test]
    fn should_show_a_requested_review_until_the_reviewer_answers() {
        let sc = friday_cascade();
        let mut w = with_pull(&sc);
        let r = handle(
            &req(
                "POST",
                "/pulls/1/requested_reviewers",
                r#"{"reviewers":["x"]}"#,
            ),
            &mut w,
            Caller::frozen(TOKEN),
        );
        assert_eq!(
            r.json_body()["requested_reviewers"][0]["login"],
            "oncall-reviewer"
        );
        let reviews = handle(
            &req("GET", "/pulls/1/reviews", ""),
            &mut w,
            Caller::frozen(TOKEN),
        );
        assert_eq!(reviews.json_body(), json!([]));
        settle(&mut w);
        let pull = handle(&req("GET", "/pulls/1", ""), &mut w, Caller::frozen(TOKEN)).json_body();
        assert_eq!(pull["requested_reviewers"], json!([]));
        let reviews = handle(
            &req("GET", "/pulls/1/reviews", ""),
            &mut w,
            Caller::frozen(TOKEN),
        )
        .json_body();
        let state = reviews[0]["state"].as_str().unwrap();
        assert!(
            state == "APPROVED" || state == "CHANGES_REQUESTED",
            "{state}"
        );
        assert!(reviews[0]["user"]["login"].is_string());
    }

    #[test]
    fn should_rerun_a_check_and_close_a_pull_request() {
        let sc = friday_cascade();
        let mut w = with_pull(&sc);
        handle(
            &req("POST", "/issues/1/labels", r#"{"labels":["ci/full"]}"#),
            &mut w,
            Caller::frozen(TOKEN),
        );
        settle(&mut w);
        let sha = w.rest_pull(1).unwrap().head_sha;
        let runs = handle(
            &req("GET", &format!("/commits/{sha}/check-runs"), ""),
            &mut w,
            Caller::frozen(TOKEN),
        );
        let id = runs.json_body()["check_runs"][0]["id"].as_u64().unwrap();
        let r = handle(
            &req("POST", &format!("/check-runs/{id}/rerequest"), ""),
            &mut w,
            Caller::frozen(TOKEN),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(w.rest_pull(1).unwrap().checks.len(), 2);
        // Ids that name no check run, including ones that would alias PR
        // #1's first check if the pull request's number were truncated.
        let aliases = (u32::MAX as u64 + 2) * 1000 + 1;
        for id in [
            "999999".to_string(),
            "0".into(),
            "1000".into(),
            "1999".into(),
            "1003".into(),
            aliases.to_string(),
            u64::MAX.to_string(),
            "-1001".into(),
            "1001x".into(),
        ] {
            let r = handle(
                &req("POST", &format!("/check-runs/{id}/rerequest"), ""),
                &mut w,
                Caller::frozen(TOKEN),
            );
            assert_eq!(r.status, 404, "{id}: {}", r.body);
        }
        assert_eq!(w.rest_pull(1).unwrap().checks.len(), 2, "nothing re-ran");

        let r = handle(
            &req("PATCH", "/pulls/1", r#"{"state":"shut"}"#),
            &mut w,
            Caller::frozen(TOKEN),
        );
        assert_eq!(r.status, 422);
        assert!(r.json_body()["message"].is_string());
        let r = handle(
            &req("PATCH", "/pulls/1", r#"{"state":"closed"}"#),
            &mut w,
            Caller::frozen(TOKEN),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json_body()["state"], "closed");
        assert!(r.json_body()["closed_at"].is_string());
    }

    #[test]
    fn should_run_the_smoke_test_workflow_as_a_check_run() {
        let sc = friday_cascade();
        let mut w = with_pull(&sc);
        let dispatch = r#"{"ref":"fix","inputs":{"pull_request":"1"}}"#;
        // Only a merged change can be smoke-tested.
        let r = handle(
            &req(
                "POST",
                "/actions/workflows/smoke-test.yml/dispatches",
                dispatch,
            ),
            &mut w,
            Caller::frozen(TOKEN),
        );
        assert_eq!(r.status, 422, "{}", r.body);
        w.merge(1).unwrap();
        let r = handle(
            &req(
                "POST",
                "/actions/workflows/smoke-test.yml/dispatches",
                dispatch,
            ),
            &mut w,
            Caller::frozen(TOKEN),
        );
        assert_eq!(r.status, 204, "{}", r.body);
        assert!(r.body.is_empty());
        let sha = w.rest_pull(1).unwrap().head_sha;
        let runs = handle(
            &req("GET", &format!("/commits/{sha}/check-runs"), ""),
            &mut w,
            Caller::frozen(TOKEN),
        )
        .json_body();
        let smoke = runs["check_runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == SMOKE_CHECK_NAME)
            .expect("a smoke-test check run");
        assert_eq!(smoke["status"], "in_progress");
        let r = handle(
            &req("POST", "/actions/workflows/deploy.yml/dispatches", dispatch),
            &mut w,
            Caller::frozen(TOKEN),
        );
        assert_eq!(r.status, 404);
    }
}
