//! The GitHub fake's reads that SDKs make first: the repository
//! (PyGithub's `get_repo`, octocrab's and octokit's `repos.get`), the
//! authenticated user, the rate limit, and a pull request's labels as an
//! issue's.

use super::*;

/// The repository every pull request lives in.
pub(super) fn repo(ctx: Ctx<'_, '_>, owner: &str, name: &str) -> HttpResponse {
    let base = &ctx.base;
    let id = id_of(&format!("{owner}/{name}"));
    HttpResponse::json(
        200,
        &json!({
            "id": id,
            "node_id": format!("R_{id}"),
            "name": name,
            "full_name": format!("{owner}/{name}"),
            "owner": user_json(owner),
            "private": true,
            "fork": false,
            "archived": false,
            "disabled": false,
            "visibility": "private",
            "default_branch": "main",
            "url": base,
            "html_url": base.replace("/repos/", "/"),
            "pulls_url": format!("{base}/pulls{{/number}}"),
            "issues_url": format!("{base}/issues{{/number}}"),
            "labels_url": format!("{base}/labels{{/name}}"),
            "git_refs_url": format!("{base}/git/refs{{/sha}}"),
            "created_at": iso(ctx.tb, gameday_sim::time::SimTime::START),
            "updated_at": iso(ctx.tb, ctx.world.now()),
            "pushed_at": iso(ctx.tb, ctx.world.now()),
            "permissions": { "admin": false, "maintain": false, "push": true, "triage": true, "pull": true },
        }),
    )
}

/// `GET /user`: the caller (a drill's player, else the on-call engineer).
pub(super) fn user(caller: Caller<'_>) -> HttpResponse {
    HttpResponse::json(200, &user_json(caller.name.unwrap_or(ENGINEER)))
}

/// `GET /rate_limit`: plenty left; the fake never limits.
pub(super) fn rate_limit(tb: &Timebase, now: gameday_sim::time::SimTime) -> HttpResponse {
    let reset = tb.unix_seconds(now).floor() as i64 + 3600;
    let core = json!({ "limit": 5000, "used": 0, "remaining": 5000, "reset": reset });
    HttpResponse::json(
        200,
        &json!({ "resources": { "core": core, "search": core, "graphql": core }, "rate": core }),
    )
}

/// `GET /issues/{n}/labels`: a pull request's labels (it is an issue too).
pub(super) fn issue_labels(ctx: Ctx<'_, '_>, n: u32) -> HttpResponse {
    match ctx.world.rest_pull(n) {
        Ok(p) => HttpResponse::json(
            200,
            &Value::Array(p.labels.iter().map(|l| label_json(&ctx.base, l)).collect()),
        ),
        Err(e) => op_error(e),
    }
}
