//! Reading the services' JSON back into the control plane's views: a pull
//! request from GitHub's pull, reviews and check runs; an application from
//! Argo CD's application and the Rollout's info.

use gameday_sim::control::CpError;
use gameday_sim::time::SimTime;
use gameday_sim::world::{
    AppOperation, AppView, CheckConclusion, CheckView, HistoryView, PullRequestView, ReviewState,
    DEPLOY_LABEL_PREFIX, SMOKE_CHECK_NAME,
};
use serde_json::Value;

/// Converts the services' RFC 3339 timestamps back to virtual time.
#[derive(Debug, Clone, Copy)]
pub(super) struct Clock {
    /// Unix milliseconds of the scenario's start.
    pub origin_unix_ms: i64,
}

impl Clock {
    pub(super) fn sim_time(&self, rfc3339: &str) -> Option<SimTime> {
        let t: jiff::Timestamp = rfc3339.parse().ok()?;
        let ms = t.as_millisecond() - self.origin_unix_ms;
        u64::try_from(ms).ok().map(SimTime::from_millis)
    }
}

pub(super) fn malformed(what: &str) -> CpError {
    CpError::Transport(format!("unexpected answer: {what}"))
}

fn str_at<'v>(v: &'v Value, pointer: &str) -> Result<&'v str, CpError> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(&format!("no string at {pointer}")))
}

fn conclusion(v: &Value) -> Option<CheckConclusion> {
    match v.as_str() {
        Some("success") => Some(CheckConclusion::Success),
        Some(_) => Some(CheckConclusion::Failure),
        None => None,
    }
}

/// A pull request from `GET /pulls/{n}`, `GET /pulls/{n}/reviews` and
/// `GET /commits/{sha}/check-runs`.
pub(super) fn pull_request(
    pull: &Value,
    reviews: &Value,
    check_runs: &Value,
) -> Result<PullRequestView, CpError> {
    let number = pull["number"]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| malformed("pull request without a number"))?;
    let merged = pull["merged"].as_bool().unwrap_or(false);
    let review = if pull["requested_reviewers"]
        .as_array()
        .is_some_and(|r| !r.is_empty())
    {
        ReviewState::Pending
    } else {
        match reviews
            .as_array()
            .and_then(|r| r.last())
            .and_then(|r| r["state"].as_str())
        {
            Some("APPROVED") => ReviewState::Approved,
            Some("CHANGES_REQUESTED") => ReviewState::ChangesRequested,
            _ => ReviewState::None,
        }
    };
    let mut checks = Vec::new();
    let mut smoke_test = None;
    for run in check_runs["check_runs"].as_array().into_iter().flatten() {
        let view = CheckView {
            name: str_at(run, "/name")?.to_string(),
            conclusion: conclusion(&run["conclusion"]),
        };
        if view.name == SMOKE_CHECK_NAME {
            smoke_test = Some(view);
        } else {
            checks.push(view);
        }
    }
    Ok(PullRequestView {
        number,
        head_sha: str_at(pull, "/head/sha")?.to_string(),
        title: pull["title"].as_str().unwrap_or_default().to_string(),
        review,
        checks,
        smoke_test,
        merged,
        closed: pull["state"] == "closed" && !merged,
        apps: pull["labels"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l["name"].as_str()?.strip_prefix(DEPLOY_LABEL_PREFIX))
            .map(str::to_string)
            .collect(),
    })
}

/// The build an image runs (`registry/app:BUILD`).
fn build_of(image: &str) -> Option<&str> {
    image.rsplit_once(':').map(|(_, b)| b)
}

/// The pull request a build came from (`v42+pr3` → 3).
pub(super) fn pr_of(build: &str) -> Option<u32> {
    build.rsplit_once("+pr").and_then(|(_, n)| n.parse().ok())
}

/// An application from Argo CD's application and the Rollout's info.
pub(super) fn application(
    name: &str,
    app: &Value,
    info: &Value,
    clock: Clock,
) -> Result<AppView, CpError> {
    let mut stable = None;
    let mut canary = None;
    let weight = info["actualWeight"]
        .as_str()
        .and_then(|w| w.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 100.0;
    for rs in info["replicaSets"].as_array().into_iter().flatten() {
        let build = rs["images"][0]
            .as_str()
            .and_then(build_of)
            .map(str::to_string);
        if rs["stable"] == true {
            stable = build;
        } else if rs["canary"] == true || rs["preview"] == true {
            canary = build.map(|b| (b, weight));
        }
    }
    let stable = stable.ok_or_else(|| malformed("rollout info without a stable replica set"))?;
    let state = &app["status"]["operationState"];
    let operation = state["startedAt"]
        .as_str()
        .and_then(|t| clock.sim_time(t))
        .map(|started| AppOperation {
            kind: "sync",
            revision: state["operation"]["sync"]["revision"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            started,
            finished: state["finishedAt"].as_str().and_then(|t| clock.sim_time(t)),
        });
    let mut history = Vec::new();
    for h in app["status"]["history"].as_array().into_iter().flatten() {
        let revision = str_at(h, "/revision")?.to_string();
        history.push(HistoryView {
            id: h["id"]
                .as_u64()
                .and_then(|i| u32::try_from(i).ok())
                .ok_or_else(|| malformed("history entry without an id"))?,
            pr: pr_of(&revision),
            deployed_at: h["deployedAt"]
                .as_str()
                .and_then(|t| clock.sim_time(t))
                .unwrap_or(SimTime::START),
            revision,
        });
    }
    Ok(AppView {
        name: name.to_string(),
        stable,
        canary,
        operation_running: state["phase"] == "Running",
        operation,
        history,
    })
}

/// The Argo CD history entry pull request `number`'s change was built from
/// on `app` (its build is `BASE+prN`, found in the history or as the
/// canary), and whether no other change's build was made from it there.
pub(super) fn base_of(app: &AppView, number: u32) -> Option<(u32, bool)> {
    let suffix = format!("+pr{number}");
    let builds = || {
        app.history
            .iter()
            .rev()
            .map(|h| h.revision.as_str())
            .chain(app.canary.iter().map(|c| c.0.as_str()))
    };
    let base = builds().find_map(|r| r.strip_suffix(&suffix))?;
    let id = app
        .history
        .iter()
        .rev()
        .find(|h| h.revision == base)
        .map(|h| h.id)?;
    let unique = !builds().any(|r| {
        r.strip_prefix(base)
            .and_then(|rest| rest.strip_prefix("+pr"))
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| n != number)
    });
    Some((id, unique))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn app(stable: &str, history: &[&str]) -> AppView {
        AppView {
            name: "payment".into(),
            stable: stable.into(),
            canary: None,
            operation_running: false,
            operation: None,
            history: history
                .iter()
                .enumerate()
                .map(|(i, r)| HistoryView {
                    id: i as u32,
                    revision: r.to_string(),
                    deployed_at: SimTime::START,
                    pr: pr_of(r),
                })
                .collect(),
        }
    }

    #[test]
    fn a_change_is_based_on_the_entry_its_build_was_made_from() {
        let a = app("v2+pr1+pr2", &["v1", "v2", "v2+pr1", "v2+pr1+pr2"]);
        assert_eq!(base_of(&a, 2), Some((2, true)));
        assert_eq!(base_of(&a, 1), Some((1, true)));
        assert_eq!(base_of(&a, 3), None);
        // A canary not yet in the history.
        let mut c = app("v2", &["v1", "v2"]);
        c.canary = Some(("v2+pr4".into(), 0.05));
        assert_eq!(base_of(&c, 4), Some((1, true)));
        // Two changes built from the same entry: not unique.
        let b = app("v2+pr3", &["v1", "v2", "v2+pr1", "v2", "v2+pr3"]);
        assert_eq!(base_of(&b, 1), Some((3, false)));
    }

    #[test]
    fn review_state_follows_requests_then_the_last_review() {
        let pull = |requested: bool| {
            json!({ "number": 1, "merged": false, "state": "open", "head": { "sha": "abc" },
                    "requested_reviewers": if requested { json!([{ "login": "r" }]) } else { json!([]) },
                    "labels": [{ "name": "deploy/payment" }, { "name": "hotfix" }] })
        };
        let runs = json!({ "check_runs": [
            { "name": "ci/fast-path", "conclusion": "success" },
            { "name": "smoke-test", "conclusion": null } ] });
        let approved = json!([{ "state": "CHANGES_REQUESTED" }, { "state": "APPROVED" }]);
        let v = pull_request(&pull(true), &approved, &runs).unwrap();
        assert_eq!(v.review, ReviewState::Pending);
        let v = pull_request(&pull(false), &approved, &runs).unwrap();
        assert_eq!(v.review, ReviewState::Approved);
        assert_eq!(v.apps, vec!["payment".to_string()]);
        assert_eq!(v.checks.len(), 1);
        assert_eq!(v.smoke_test.unwrap().conclusion, None);
        let v = pull_request(&pull(false), &json!([]), &runs).unwrap();
        assert_eq!(v.review, ReviewState::None);
    }
}
