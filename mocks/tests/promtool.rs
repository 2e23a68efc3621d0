//! promtool, Prometheus' own client (Debian's `prometheus` package), queries
//! the Prometheus fake and gets the values the simulation computed.
//!
//! `.ci/run` installs promtool. Elsewhere, without it, the tests say so and
//! pass; under CI (`CI=true`) a missing promtool fails them.

use std::process::Command;

use gameday_mocks::prometheus_mount;
use gameday_mocks::serve::{self, Fake};
use gameday_mocks::sim::SharedWorld;
use gameday_sim::scenario::friday_cascade;
use gameday_sim::time::{SimDuration, SimTime};

const RUNBOOK_QUERY: &str = r#"sum(rate(http_requests_total{service="payment",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="payment"}[5m]))"#;

fn promtool() -> Option<&'static str> {
    let found = Command::new("promtool").arg("--version").output().is_ok();
    if found {
        return Some("promtool");
    }
    assert!(
        std::env::var("CI").is_err(),
        "promtool is not installed (Debian package `prometheus`), and CI must run this test"
    );
    eprintln!("skipping: promtool is not installed (apt-get install prometheus)");
    None
}

/// Runs promtool off the async runtime (the fake answers on it meanwhile).
async fn run(promtool: &'static str, args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || Command::new(promtool).args(&args).output().unwrap())
        .await
        .unwrap()
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// The fake's own answer for `query` at `t` (what the simulation computed).
fn expected(world: &SharedWorld, path: &str, query: &str) -> serde_json::Value {
    let req = gameday_mocks::http::HttpRequest {
        method: "GET".into(),
        path: path.into(),
        query: query.into(),
        ..Default::default()
    };
    prometheus_mount::handle(&req, &world.lock()).json_body()
}

fn encode(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

#[tokio::test(flavor = "multi_thread")]
async fn should_give_promtool_the_simulated_error_ratio() {
    let Some(promtool) = promtool() else { return };
    let sc = friday_cascade();
    let start = sc.clock;
    let world = SharedWorld::replayed(sc, 4, SimDuration::from_mins(20), None).unwrap();
    let running = serve::start(
        Fake::Prometheus,
        "127.0.0.1".parse().unwrap(),
        0,
        world.clone(),
        "t",
    )
    .await
    .unwrap();
    let url = format!("http://{}", running.address);
    let t = start.unix_seconds(SimTime::START + SimDuration::from_mins(20));
    let ts = format!("{t}");

    let want = expected(
        &world,
        "/api/v1/query",
        &encode(&[("query", RUNBOOK_QUERY), ("time", &ts)]),
    );
    let want_value = want["data"]["result"][0]["value"][1]
        .as_str()
        .unwrap()
        .to_string();

    let out = run(
        promtool,
        strings(&[
            "query",
            "instant",
            "-o",
            "json",
            &url,
            RUNBOOK_QUERY,
            "--time",
            &ts,
        ]),
    )
    .await;
    assert!(
        out.status.success(),
        "promtool failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        got[0]["value"][1].as_str(),
        Some(want_value.as_str()),
        "{got}"
    );
    let ratio: f64 = want_value.parse().unwrap();
    assert!((ratio - 0.15).abs() < 0.03, "15% of payments fail: {ratio}");

    // A range query over the last ten minutes, every minute.
    let from = start.unix_seconds(SimTime::START + SimDuration::from_mins(10));
    let out = run(
        promtool,
        strings(&[
            "query",
            "range",
            "-o",
            "json",
            &url,
            RUNBOOK_QUERY,
            "--start",
            &format!("{from}"),
            "--end",
            &ts,
            "--step",
            "1m",
        ]),
    )
    .await;
    assert!(
        out.status.success(),
        "promtool failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let values = got[0]["values"].as_array().expect("a matrix");
    assert_eq!(values.len(), 11, "{got}");
    assert_eq!(
        values.last().unwrap()[1].as_str(),
        Some(want_value.as_str())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn should_report_a_syntax_error_to_promtool_as_bad_data() {
    let Some(promtool) = promtool() else { return };
    let world =
        SharedWorld::replayed(friday_cascade(), 4, SimDuration::from_mins(5), None).unwrap();
    let running = serve::start(
        Fake::Prometheus,
        "127.0.0.1".parse().unwrap(),
        0,
        world,
        "t",
    )
    .await
    .unwrap();
    let url = format!("http://{}", running.address);
    let out = run(
        promtool,
        strings(&["query", "instant", &url, "sum(rate(http_requests_total[5m]"]),
    )
    .await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad_data"), "{err}");
}
