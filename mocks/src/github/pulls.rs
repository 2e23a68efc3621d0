//! The GitHub fake's refs and pull requests: branches, opening, editing,
//! reviews, labels (which start CI lanes) and merging.

use super::*;

pub(super) fn create_ref(ctx: Ctx<'_, '_>, req: &HttpRequest) -> HttpResponse {
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

pub(super) fn get_ref(ctx: Ctx<'_, '_>, r: &str) -> HttpResponse {
    let name = r.strip_prefix("heads/").unwrap_or(r);
    match ctx.world.branch_sha(name) {
        Some(sha) => HttpResponse::json(200, &ref_json(&ctx.base, name, sha)),
        None => error(404, "Not Found"),
    }
}

pub(super) fn update_pull(ctx: Ctx<'_, '_>, n: u32, req: &HttpRequest) -> HttpResponse {
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

pub(super) fn list_reviews(ctx: Ctx<'_, '_>, n: u32) -> HttpResponse {
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

/// The value of a body line `KEY value` (`#` dropped), the first one.
pub(super) fn trailer_text<'b>(body: &'b str, key: &str) -> Option<&'b str> {
    body.lines().find_map(|l| {
        let v = l.trim().strip_prefix(key)?.trim();
        Some(v.trim_start_matches('#'))
    })
}

pub(super) fn trailer(body: &str, key: &str) -> Option<u32> {
    trailer_text(body, key)?.parse().ok()
}

/// What a pull request's body says it fixes. People write
/// `Fixes: SERVICE[/PATH]`, the service (and code path) the change
/// touches; the simulation decides whether that cures anything. Tools
/// that ran a diagnosis (the HTTP control plane) name it with
/// `Culprit: N`. Without either, a frozen world aims at whatever fails
/// most, and a drill refuses: that would be a free answer.
pub(super) fn aim_of(body: &str, answers: Answers) -> Result<PullAim<'_>, String> {
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

pub(super) fn create_pull(ctx: Ctx<'_, '_>, req: &HttpRequest) -> HttpResponse {
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

/// `GET /pulls?state=open|closed|all` (open by default, as GitHub).
pub(super) fn list_pulls(ctx: Ctx<'_, '_>, req: &HttpRequest) -> HttpResponse {
    let state = req
        .query_pairs()
        .into_iter()
        .find(|(k, _)| k == "state")
        .map_or_else(|| "open".to_string(), |(_, v)| v);
    let keep: fn(&RestPull) -> bool = match state.as_str() {
        "open" => |p| p.open,
        "closed" => |p| !p.open,
        "all" => |_| true,
        _ => {
            return validation(
                "PullRequest",
                "state",
                "invalid",
                &format!("state `{state}` is none of open, closed, all"),
            )
        }
    };
    let pulls: Vec<Value> = (1..=ctx.world.pull_request_count())
        .rev()
        .filter_map(|n| ctx.world.rest_pull(n).ok())
        .filter(keep)
        .map(|p| pull_json(ctx.world, ctx.tb, &ctx.base, &p))
        .collect();
    HttpResponse::json(200, &Value::Array(pulls))
}

pub(super) fn get_pull(ctx: Ctx<'_, '_>, n: u32) -> HttpResponse {
    match ctx.world.rest_pull(n) {
        Ok(p) => HttpResponse::json(200, &pull_json(ctx.world, ctx.tb, &ctx.base, &p)),
        Err(e) => op_error(e),
    }
}

pub(super) fn merge(ctx: Ctx<'_, '_>, n: u32, req: &HttpRequest) -> HttpResponse {
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

pub(super) fn is_merged(ctx: Ctx<'_, '_>, n: u32) -> HttpResponse {
    match ctx.world.rest_pull(n) {
        Ok(p) if p.merged => HttpResponse::empty(204),
        _ => error(404, "Not Found"),
    }
}

pub(super) fn review(ctx: Ctx<'_, '_>, n: u32, req: &HttpRequest) -> HttpResponse {
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

pub(super) fn request_reviewers(ctx: Ctx<'_, '_>, n: u32) -> HttpResponse {
    if let Err(e) = ctx.world.request_review(n) {
        return op_error(e);
    }
    get_pull_with(ctx, n, 201)
}

pub(super) fn get_pull_with(ctx: Ctx<'_, '_>, n: u32, status: u16) -> HttpResponse {
    match ctx.world.rest_pull(n) {
        Ok(p) => HttpResponse::json(status, &pull_json(ctx.world, ctx.tb, &ctx.base, &p)),
        Err(e) => op_error(e),
    }
}

pub(super) fn add_labels(ctx: Ctx<'_, '_>, n: u32, req: &HttpRequest) -> HttpResponse {
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
