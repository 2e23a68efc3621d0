//! The GitHub fake's handlers, request by request.

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

/// `GET {REPO}{path}` as the frozen session.
fn get(w: &mut World<'_>, path: &str) -> HttpResponse {
    handle(&req("GET", path, ""), w, Caller::frozen(TOKEN))
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

#[test]
fn should_answer_the_reads_sdks_make_first() {
    let sc = friday_cascade();
    let mut w = with_pull(&sc);
    // The repository (PyGithub's get_repo, octokit's repos.get).
    let r = get(&mut w, "");
    assert_eq!(r.status, 200, "{}", r.body);
    let repo = r.json_body();
    assert_eq!(repo["full_name"], "acme/shop");
    assert_eq!(repo["default_branch"], "main");
    assert_eq!(repo["owner"]["login"], "acme");
    // The user and the rate limit live at the API's root.
    let root = |w: &mut World<'_>, path: &str| {
        let r = HttpRequest::new("GET", &format!("/api/v3{path}"))
            .with_header("authorization", format!("Bearer {TOKEN}"));
        handle(&r, w, Caller::frozen(TOKEN))
    };
    assert_eq!(
        root(&mut w, "/user").json_body()["login"],
        "oncall-engineer"
    );
    let rate = root(&mut w, "/rate_limit").json_body();
    assert_eq!(rate["resources"]["core"]["remaining"], 5000);
    // A pull request is an issue: its labels, and the issue_url that
    // PyGithub's add_to_labels follows.
    let labels = get(&mut w, "/issues/1/labels");
    assert_eq!(labels.status, 200, "{}", labels.body);
    assert!(labels.json_body().as_array().is_some_and(|l| !l.is_empty()));
    let pull = get(&mut w, "/pulls/1").json_body();
    assert!(
        pull["issue_url"].as_str().unwrap().ends_with("/issues/1"),
        "{pull}"
    );
    // octokit encodes the ref's slash.
    assert_eq!(get(&mut w, "/git/ref/heads%2Fmain").status, 200);
    assert_eq!(get(&mut w, "/git/ref/heads/main").status, 200);
}

#[test]
fn should_list_pull_requests_by_state_and_find_checks_by_branch_name() {
    let sc = friday_cascade();
    let mut w = with_pull(&sc);
    let r = handle(
        &req("PATCH", "/pulls/1", r#"{"state":"closed"}"#),
        &mut w,
        Caller::frozen(TOKEN),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let count = |v: serde_json::Value| v.as_array().map(Vec::len).unwrap_or(99);
    assert_eq!(
        count(get(&mut w, "/pulls").json_body()),
        0,
        "open by default"
    );
    assert_eq!(count(get(&mut w, "/pulls?state=closed").json_body()), 1);
    assert_eq!(count(get(&mut w, "/pulls?state=all").json_body()), 1);
    assert_eq!(get(&mut w, "/pulls?state=shut").status, 422);
    // Check runs by branch name, with or without its slash encoded; an
    // unknown commit is GitHub's 422.
    let by_name = get(&mut w, "/commits/fix/check-runs");
    assert_eq!(by_name.status, 200, "{}", by_name.body);
    assert_eq!(get(&mut w, "/commits/main/check-runs").status, 200);
    let unknown = get(&mut w, "/commits/0123456789abcdef/check-runs");
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert!(
        unknown.body.contains("No commit found for SHA"),
        "{}",
        unknown.body
    );
}
