//! The GitHub fake's CI: check runs and their re-runs, the combined
//! status, and the smoke-test workflow's dispatch.

use super::*;

pub(super) fn rerequest(ctx: Ctx<'_, '_>, id: &str) -> HttpResponse {
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
pub(super) fn dispatch(ctx: Ctx<'_, '_>, workflow: &str, req: &HttpRequest) -> HttpResponse {
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

/// Whether `r` names a commit the repository has: main's, or a branch's
/// (by name or sha). GitHub answers 422 for any other.
fn known_commit(world: &World<'_>, r: &str) -> bool {
    let r = r.strip_prefix("heads/").unwrap_or(r);
    r == BASE_SHA || r == "main" || world.branch_sha(r).is_some() || world.pull_by_ref(r).is_some()
}

pub(super) fn check_runs(ctx: Ctx<'_, '_>, r: &str) -> HttpResponse {
    let Some(n) = ctx.world.pull_by_ref(r) else {
        if !known_commit(ctx.world, r) {
            return HttpResponse::json(
                422,
                &json!({ "message": format!("No commit found for SHA: {r}"), "documentation_url": DOCS }),
            );
        }
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

pub(super) fn combined_status(ctx: Ctx<'_, '_>, r: &str) -> HttpResponse {
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
