//! How the GitHub fake renders the world's objects in GitHub's JSON:
//! pull requests, refs, labels, users, check conclusions.

use super::*;

pub(super) fn ref_json(base: &str, name: &str, sha: &str) -> Value {
    json!({
        "ref": format!("refs/heads/{name}"),
        "node_id": format!("REF_{name}"),
        "url": format!("{base}/git/refs/heads/{name}"),
        "object": { "type": "commit", "sha": sha, "url": format!("{base}/git/commits/{sha}") },
    })
}

pub(super) fn pull_json(world: &World<'_>, tb: &Timebase, base: &str, p: &RestPull) -> Value {
    let labels: Vec<Value> = p.labels.iter().map(|l| label_json(base, l)).collect();
    json!({
        "id": p.number as u64 + 1_000_000,
        "node_id": format!("PR_{}", p.number),
        "number": p.number,
        "url": format!("{base}/pulls/{}", p.number),
        "html_url": format!("{base}/pull/{}", p.number),
        "issue_url": format!("{base}/issues/{}", p.number),
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
pub(super) fn id_of(name: &str) -> u64 {
    name.bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))
        % 1_000_000_007
}

pub(super) fn label_json(base: &str, name: &str) -> Value {
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
pub(super) const REVIEWER: &str = "oncall-reviewer";

/// The login of the simulated on-call engineer who opens pull requests.
pub(super) const ENGINEER: &str = "oncall-engineer";

/// A GitHub user: a drill's player, or one of the simulated people. Every
/// field octocrab's `Author` requires (api-reference §6.4); a player's
/// name is URL-safe (see [`crate::access`]).
pub(super) fn user_json(login: &str) -> Value {
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

pub(super) fn conclusion(c: Option<CheckConclusion>) -> Value {
    match c {
        None => Value::Null,
        Some(CheckConclusion::Success) => json!("success"),
        Some(CheckConclusion::Failure) => json!("failure"),
    }
}
