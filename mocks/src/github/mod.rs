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
//!
//! This module routes a request and checks its credentials; `pulls`
//! handles refs and pull requests, `checks` CI and the smoke test,
//! `reads` the repository, the user and the rate limit, `render`
//! GitHub's JSON shapes.

use gameday_sim::world::{
    CheckConclusion, NewPull, OpError, PullAim, RestPull, ReviewState, World, BASE_SHA,
    SMOKE_CHECK_NAME,
};
use serde_json::{json, Value};

use crate::http::{HttpRequest, HttpResponse};
use crate::server::Server;
use crate::sim::SharedWorld;
use crate::timebase::Timebase;

mod checks;
mod pulls;
mod reads;
mod render;

use checks::*;
use pulls::*;
use reads::*;
use render::*;

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
    match (req.method.as_str(), seg.as_slice()) {
        ("GET", ["user"]) => return user(caller),
        ("GET", ["rate_limit"]) => return rate_limit(tb, world.now()),
        _ => {}
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
        ("GET", []) => reads::repo(ctx, owner, repo),
        ("POST", ["git", "refs"]) => create_ref(ctx, req),
        // octokit sends `heads%2Fmain` for `heads/main`.
        ("GET", ["git", "ref", r @ ..]) => get_ref(ctx, &decoded_ref(r)),
        ("POST", ["pulls"]) => create_pull(ctx, req),
        ("GET", ["pulls"]) => list_pulls(ctx, req),
        ("GET", ["issues", n, "labels"]) => with_number(n, |n| issue_labels(ctx, n)),
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
        // A ref may be a branch name with slashes, as sent or encoded.
        ("GET", ["commits", r @ .., "check-runs"]) if !r.is_empty() => {
            check_runs(ctx, &decoded_ref(r))
        }
        ("GET", ["commits", r @ .., "status"]) if !r.is_empty() => {
            combined_status(ctx, &decoded_ref(r))
        }
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

/// A ref from path segments: joined with `/`, and `%2F` (how octokit
/// encodes `heads/main`) read as `/`.
fn decoded_ref(segments: &[&str]) -> String {
    segments.join("/").replace("%2F", "/").replace("%2f", "/")
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
mod tests;
