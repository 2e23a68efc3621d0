//! octocrab, a real GitHub client, drives a pull request through the GitHub
//! fake: branch, pull request, label, approval, checks, merge.

use gameday_mocks::github;
use gameday_mocks::server::Server;
use gameday_mocks::sim::SharedWorld;
use gameday_sim::scenario::{self, FRIDAY_CASCADE_YAML};
use gameday_sim::time::{SimDuration, SimTime};
use octocrab::models::pulls::ReviewAction;
use octocrab::params::repos::{Commitish, Reference};
use octocrab::Octocrab;

const TOKEN: &str = "gameday-test-token";
const SHA: &str = "1111111111111111111111111111111111111111";

async fn serve(yaml: &str) -> (Server, SharedWorld, Octocrab) {
    let sc = scenario::parse("test.yaml", yaml).expect("valid scenario");
    let world = SharedWorld::new(sc, 4);
    // Let the incident start so there is a culprit to fix.
    world
        .lock()
        .advance_to(SimTime::START + SimDuration::from_mins(5))
        .unwrap();
    let server = Server::start(std::net::TcpListener::bind("127.0.0.1:0").unwrap()).unwrap();
    github::mount(&server, world.clone(), TOKEN.into());
    let gh = Octocrab::builder()
        .base_uri(format!("{}/api/v3", server.uri()))
        .unwrap()
        .personal_token(TOKEN.to_string())
        .build()
        .unwrap();
    (server, world, gh)
}

fn advance(world: &SharedWorld, by: SimDuration) {
    let mut w = world.lock();
    let to = w.now() + by;
    w.advance_to(to).unwrap();
}

#[tokio::test]
// octocrab 0.54 marks `pull_number(..).reviews()` deprecated but offers no
// other way to submit a review.
#[allow(deprecated)]
async fn should_take_a_pull_request_from_branch_to_merge_with_octocrab() {
    // No latent bugs and no catches: CI passes.
    let yaml = FRIDAY_CASCADE_YAML
        .replace("probability: 0.6", "probability: 0.0")
        .replace("probability: 0.1", "probability: 0.0");
    let (_server, world, gh) = serve(&yaml).await;

    gh.repos("acme", "shop")
        .create_ref(&Reference::Branch("hotfix/payment-declines".into()), SHA)
        .await
        .expect("branch created");
    let pr = gh
        .pulls("acme", "shop")
        .create(
            "HOTFIX: payment declines",
            "hotfix/payment-declines",
            "main",
        )
        .body("Guard the v2 charge path.\n\nCulprit: 0")
        .send()
        .await
        .expect("pull request opened");
    assert_eq!(pr.number, 1);
    let author = pr.user.as_ref().map(|u| u.login.as_str());
    assert_eq!(
        author,
        Some("oncall-engineer"),
        "a full user octocrab parses"
    );
    let labels = gh
        .issues("acme", "shop")
        .add_labels(pr.number, &["hotfix".to_string()])
        .await
        .expect("labelled");
    // The labeler bot already added the apps the change ships to.
    let names: Vec<&str> = labels.iter().map(|l| l.name.as_str()).collect();
    assert!(names.contains(&"hotfix"), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("deploy/")), "{names:?}");
    let review = gh
        .pulls("acme", "shop")
        .pull_number(pr.number)
        .reviews()
        .create_review(pr.head.sha.clone(), "LGTM", ReviewAction::Approve, vec![])
        .await
        .expect("approved");
    assert!(review.html_url.as_str().contains("pullrequestreview"));

    // The fast lane is running; merging now is refused.
    let early = gh.pulls("acme", "shop").merge(pr.number).send().await;
    assert!(early.is_err(), "checks still running");

    // Virtual time moves only when someone waits: let the fast lane finish.
    advance(&world, SimDuration::from_mins(10));
    let runs = gh
        .checks("acme", "shop")
        .list_check_runs_for_git_ref(Commitish(pr.head.sha.clone()))
        .send()
        .await
        .expect("check runs listed");
    assert_eq!(runs.total_count, 1);
    assert_eq!(runs.check_runs[0].conclusion.as_deref(), Some("success"));

    let merged = gh
        .pulls("acme", "shop")
        .merge(pr.number)
        .send()
        .await
        .expect("merged");
    assert!(merged.merged);
    let again = gh.pulls("acme", "shop").get(pr.number).await.unwrap();
    assert!(again.merged_at.is_some());
}

#[tokio::test]
async fn should_refuse_to_merge_with_failing_checks_with_405() {
    // Every change to the library breaks login and the fast lane catches it.
    let yaml = FRIDAY_CASCADE_YAML
        .replace("fast_ci: 0.1", "fast_ci: 1.0")
        .replace(
            "{ service: login, probability: 0.6",
            "{ service: login, probability: 1.0",
        );
    let (server, world, gh) = serve(&yaml).await;
    gh.repos("acme", "shop")
        .create_ref(&Reference::Branch("hotfix/x".into()), SHA)
        .await
        .unwrap();
    let pr = gh
        .pulls("acme", "shop")
        .create("HOTFIX", "hotfix/x", "main")
        .send()
        .await
        .unwrap();
    gh.issues("acme", "shop")
        .add_labels(pr.number, &["hotfix".to_string()])
        .await
        .unwrap();
    advance(&world, SimDuration::from_mins(10));
    let runs = gh
        .checks("acme", "shop")
        .list_check_runs_for_git_ref(Commitish(pr.head.sha.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(runs.check_runs[0].conclusion.as_deref(), Some("failure"));

    let res = reqwest::Client::new()
        .put(format!(
            "{}/api/v3/repos/acme/shop/pulls/{}/merge",
            server.uri(),
            pr.number
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 405);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("not mergeable"));
    match gh.pulls("acme", "shop").merge(pr.number).send().await {
        Err(octocrab::Error::GitHub { source, .. }) => {
            assert_eq!(source.status_code.as_u16(), 405)
        }
        other => panic!("expected a GitHub error, got {other:?}"),
    }
}

#[tokio::test]
async fn should_answer_bad_requests_in_githubs_shape() {
    let (server, _world, _gh) = serve(FRIDAY_CASCADE_YAML).await;
    let client = reqwest::Client::new();
    let url = |p: &str| format!("{}/api/v3/repos/acme/shop{p}", server.uri());
    // No token on a mutating call.
    let r = client.post(url("/pulls")).body("{}").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // Malformed JSON, a body missing `head`, an unknown PR, garbage paths.
    let cases: [(&str, &str, &str, u16); 6] = [
        ("POST", "/pulls", "{not json", 400),
        ("POST", "/pulls", r#"{"title":"x","base":"main"}"#, 422),
        (
            "POST",
            "/pulls",
            r#"{"title":"x","head":"no-such-branch","base":"main"}"#,
            422,
        ),
        ("GET", "/pulls/99", "", 404),
        ("GET", "/pulls/%FF%FE", "", 404),
        ("GET", "/pulls/%FF%FE/%2E%2E/x", "", 404),
    ];
    for (m, p, body, status) in cases {
        let req = match m {
            "POST" => client.post(url(p)),
            _ => client.get(url(p)),
        };
        let r = req
            .bearer_auth(TOKEN)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{m} {p} {body}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert!(v["message"].is_string(), "{m} {p}: {v}");
    }
}
