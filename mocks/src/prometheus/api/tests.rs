//! Handler tests: shapes, parameter parsing and every error path.

use super::*;

const T0: i64 = 1_700_000_000_000;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn db() -> Tsdb {
    let mut db = Tsdb::new();
    for (code, step) in [("200", 10.0), ("500", 1.0)] {
        let l = labels(&[
            ("__name__", "http_requests_total"),
            ("service", "payment"),
            ("code", code),
        ]);
        db.push_series(
            l,
            (0..=40)
                .map(|i| (T0 + i * 15_000, step * i as f64))
                .collect(),
        )
        .unwrap();
    }
    db
}

fn alerts_fixture() -> Vec<AlertView> {
    vec![AlertView {
        labels: labels(&[("alertname", "HighErrorRate")]),
        annotations: labels(&[("summary", "errors")]),
        state: AlertState::Firing,
        active_at_ms: Some(T0),
        keep_firing_since_ms: None,
        value: 1.0,
    }]
}

fn rules_fixture() -> Vec<RuleGroupView> {
    vec![RuleGroupView {
        name: "payment".into(),
        file: "/etc/prometheus/rules.yml".into(),
        rules: vec![
            RuleView::Alerting(AlertingRuleView {
                name: "HighErrorRate".into(),
                query: "x > 0.01".into(),
                duration_s: 300.0,
                keep_firing_for_s: 0.0,
                labels: labels(&[("severity", "page")]),
                annotations: Labels::new(),
                state: RuleState::Firing,
                alerts: alerts_fixture(),
                health: RuleHealth::Ok,
                last_error: None,
                evaluation_time_s: 0.001,
                last_evaluation_ms: T0,
            }),
            RuleView::Recording(RecordingRuleView {
                name: "job:errors:rate5m".into(),
                query: "sum(rate(x[5m]))".into(),
                labels: Labels::new(),
                health: RuleHealth::Ok,
                last_error: None,
                evaluation_time_s: 0.0005,
                last_evaluation_ms: T0,
            }),
        ],
        interval_s: 15.0,
        limit: 0,
        evaluation_time_s: 0.002,
        last_evaluation_ms: T0,
    }]
}

pub(super) fn call(method: &str, path: &str, query: &str, body: &[u8]) -> HttpResponse {
    let db = db();
    let alerts = alerts_fixture();
    let rules = rules_fixture();
    let ctx = Context {
        tsdb: &db,
        now_ms: T0 + 600_000,
        alerts: &alerts,
        rules: &rules,
    };
    let mut req = HttpRequest {
        method: method.into(),
        path: path.into(),
        query: query.into(),
        body: body.to_vec(),
        ..HttpRequest::default()
    };
    if method == "POST" {
        req.headers.push((
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
    }
    handle(&req, &ctx)
}

pub(super) fn get(path: &str, query: &str) -> HttpResponse {
    call("GET", path, query, b"")
}

fn json_of(r: &HttpResponse) -> Json {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

/// Asserts an error response's status, errorType and message start.
pub(super) fn assert_error(r: &HttpResponse, status: u16, error_type: &str, message_start: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    let j = json_of(r);
    assert_eq!(j["status"], "error", "{}", r.body);
    assert_eq!(j["errorType"], error_type, "{}", r.body);
    let msg = j["error"].as_str().unwrap();
    assert!(
        msg.starts_with(message_start),
        "{msg:?} should start with {message_start:?}"
    );
}

#[test]
fn should_answer_instant_query_with_vector() {
    let r = get(
        "/api/v1/query",
        "query=http_requests_total%7Bcode%3D%22500%22%7D&time=1700000600",
    );
    assert_eq!((r.status, r.content_type), (200, "application/json"));
    assert_eq!(
        r.body,
        r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"http_requests_total","code":"500","service":"payment"},"value":[1700000600,"40"]}]}}"#
    );
}

#[test]
fn should_use_virtual_now_and_millisecond_timestamps() {
    let r = get("/api/v1/query", "query=1%2F8");
    assert_eq!(
        r.body,
        r#"{"status":"success","data":{"resultType":"scalar","result":[1700000600,"0.125"]}}"#
    );
    let r = get("/api/v1/query", "query=%22x%22&time=1700000000.05");
    assert_eq!(
        r.body,
        r#"{"status":"success","data":{"resultType":"string","result":[1700000000.050,"x"]}}"#
    );
    let r = get(
        "/api/v1/query",
        "query=vector(1e-7)&time=2023-11-14T22:13:20.12Z",
    );
    assert_eq!(
        r.body,
        r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.120,"1e-07"]}]}}"#
    );
}

#[test]
fn should_answer_post_form_exactly_like_get() {
    let q = "query=sum%28rate%28http_requests_total%5B5m%5D%29%29&time=1700000600";
    let via_get = get("/api/v1/query", q);
    let via_post = call("POST", "/api/v1/query", "", q.as_bytes());
    assert_eq!(via_get, via_post);
    let range = "query=http_requests_total&start=1700000000&end=1700000060&step=30";
    assert_eq!(
        get("/api/v1/query_range", range),
        call("POST", "/api/v1/query_range", "", range.as_bytes())
    );
    let series = "match[]=http_requests_total";
    assert_eq!(
        get("/api/v1/series", series),
        call("POST", "/api/v1/series", "", series.as_bytes())
    );
}

#[test]
fn should_answer_range_query_with_sorted_matrix() {
    let r = get(
        "/api/v1/query_range",
        "query=http_requests_total&start=1700000000&end=1700000030&step=15s",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body,
        concat!(
            r#"{"status":"success","data":{"resultType":"matrix","result":["#,
            r#"{"metric":{"__name__":"http_requests_total","code":"200","service":"payment"},"values":[[1700000000,"0"],[1700000015,"10"],[1700000030,"20"]]},"#,
            r#"{"metric":{"__name__":"http_requests_total","code":"500","service":"payment"},"values":[[1700000000,"0"],[1700000015,"1"],[1700000030,"2"]]}"#,
            r#"]}}"#
        )
    );
    let empty = get(
        "/api/v1/query_range",
        "query=nothing&start=0&end=60&step=1m",
    );
    assert_eq!(
        empty.body,
        r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#
    );
}

#[test]
fn should_refuse_bad_query_params_with_bad_data() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "/api/v1/query",
            "query=sum(",
            "invalid parameter \"query\": ",
        ),
        ("/api/v1/query", "", "invalid parameter \"query\": "),
        (
            "/api/v1/query",
            "query=1&time=abc",
            "invalid parameter \"time\": cannot parse \"abc\"",
        ),
        (
            "/api/v1/query",
            "query=1&time=NaN",
            "invalid parameter \"time\"",
        ),
        (
            "/api/v1/query",
            "query=1&time=1e400",
            "invalid parameter \"time\"",
        ),
        (
            "/api/v1/query",
            "query=1&time=-9e18",
            "invalid parameter \"time\"",
        ),
        (
            "/api/v1/query",
            "query=1&timeout=soon",
            "invalid parameter \"timeout\"",
        ),
        (
            "/api/v1/query",
            "query=1&lookback_delta=x",
            "invalid parameter \"lookback_delta\"",
        ),
        (
            "/api/v1/query",
            "query=1&limit=-1",
            "invalid parameter \"limit\"",
        ),
        (
            "/api/v1/query_range",
            "query=1&end=10&step=1",
            "invalid parameter \"start\"",
        ),
        (
            "/api/v1/query_range",
            "query=1&start=10&step=1",
            "invalid parameter \"end\"",
        ),
        (
            "/api/v1/query_range",
            "query=1&start=10&end=5&step=1",
            "invalid parameter \"end\": end timestamp must not be before",
        ),
        (
            "/api/v1/query_range",
            "query=1&start=0&end=5",
            "invalid parameter \"step\"",
        ),
        (
            "/api/v1/query_range",
            "query=1&start=0&end=5&step=0",
            "invalid parameter \"step\": zero or negative",
        ),
        (
            "/api/v1/query_range",
            "query=1&start=0&end=5&step=-1m",
            "invalid parameter \"step\"",
        ),
        (
            "/api/v1/query_range",
            "query=1&start=0&end=11001&step=1",
            "exceeded maximum resolution of 11,000 points",
        ),
        (
            "/api/v1/query_range",
            "query=x%5B5m%5D&start=0&end=5&step=1",
            "invalid parameter \"query\": invalid expression type",
        ),
        ("/api/v1/series", "", "no match[] parameter provided"),
        (
            "/api/v1/series",
            "match[]=sum(x)",
            "invalid parameter \"match[]\"",
        ),
        (
            "/api/v1/series",
            "match[]=%7B",
            "invalid parameter \"match[]\"",
        ),
        (
            "/api/v1/labels",
            "match[]=1",
            "invalid parameter \"match[]\"",
        ),
        (
            "/api/v1/label/1bad/values",
            "",
            "invalid label name: \"1bad\"",
        ),
        ("/api/v1/rules", "type=both", "invalid parameter \"type\""),
    ];
    for (path, query, message) in cases {
        assert_error(&get(path, query), 400, "bad_data", message);
    }
    // Exactly 11,000 steps is still allowed.
    assert_eq!(
        get("/api/v1/query_range", "query=1&start=0&end=11000&step=1").status,
        200
    );
}

#[test]
fn should_answer_unsupported_and_runtime_failures_with_execution() {
    assert_error(
        &get("/api/v1/query", "query=rate(x%5B5m%5D%20offset%205m)"),
        422,
        "execution",
        "offset modifier on a range selector is not supported",
    );
    assert_error(
        &get("/api/v1/query", "query=predict_linear(x%5B5m%5D,60)"),
        422,
        "execution",
        "function predict_linear()",
    );
    let dup =
        "query=http_requests_total%20%2F%20ignoring(code)%20http_requests_total&time=1700000600";
    assert_error(
        &get("/api/v1/query", dup),
        422,
        "execution",
        "found duplicate series",
    );
}

#[test]
fn should_answer_wrong_methods_and_paths_like_go_router() {
    for (method, path) in [
        ("DELETE", "/api/v1/query"),
        ("PUT", "/api/v1/query_range"),
        ("POST", "/api/v1/label/job/values"),
        ("POST", "/api/v1/alerts"),
        ("POST", "/-/healthy"),
    ] {
        let r = call(method, path, "", b"");
        assert_eq!((r.status, r.content_type), (405, TEXT), "{method} {path}");
    }
    assert_eq!(get("/api/v2/query", "").status, 404);
    assert_eq!(get("/api/v1/label/a/b/values", "").status, 404);
}

#[test]
fn should_report_health_and_readiness_in_plain_text() {
    assert_eq!(
        get("/-/healthy", "").body,
        "Prometheus Server is Healthy.\n"
    );
    let ready = call("HEAD", "/-/ready", "", b"");
    assert_eq!(
        (ready.status, ready.content_type, ready.body.as_str()),
        (200, TEXT, "Prometheus Server is Ready.\n")
    );
}

#[test]
fn should_redirect_the_root_to_a_page_as_a_real_server_does() {
    let root = get("/", "");
    assert_eq!(root.status, 302);
    assert!(root
        .headers
        .iter()
        .any(|(k, v)| k == "location" && v == "/graph"));
    let page = get("/graph", "");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("/api/v1/query"), "{}", page.body);
    assert_eq!(call("POST", "/", "", b"").status, 405);
}

#[test]
fn should_list_series_labels_and_values() {
    let r = get(
        "/api/v1/series",
        "match[]=http_requests_total%7Bcode%3D%22200%22%7D&match[]=nothing",
    );
    assert_eq!(
        r.body,
        r#"{"status":"success","data":[{"__name__":"http_requests_total","code":"200","service":"payment"}]}"#
    );
    let out_of_range = get(
        "/api/v1/series",
        "match[]=http_requests_total&start=0&end=10",
    );
    assert_eq!(out_of_range.body, r#"{"status":"success","data":[]}"#);
    assert_eq!(
        get("/api/v1/labels", "").body,
        r#"{"status":"success","data":["__name__","code","service"]}"#
    );
    assert_eq!(
        get("/api/v1/label/code/values", "").body,
        r#"{"status":"success","data":["200","500"]}"#
    );
    let filtered = get(
        "/api/v1/label/code/values",
        "match[]=%7Bcode%3D~%225..%22%7D",
    );
    assert_eq!(filtered.body, r#"{"status":"success","data":["500"]}"#);
    assert_eq!(
        get("/api/v1/label/nope/values", "").body,
        r#"{"status":"success","data":[]}"#
    );
}

#[test]
fn should_list_alerts_rules_and_buildinfo() {
    let alerts = json_of(&get("/api/v1/alerts", ""));
    assert_eq!(
        alerts["data"]["alerts"][0],
        json!({"labels":{"alertname":"HighErrorRate"},"annotations":{"summary":"errors"},"state":"firing","activeAt":"2023-11-14T22:13:20Z","value":"1e+00"})
    );
    let rules = json_of(&get("/api/v1/rules", ""));
    let group = &rules["data"]["groups"][0];
    assert_eq!(group["interval"], 15.0);
    assert_eq!(group["lastEvaluation"], "2023-11-14T22:13:20Z");
    assert_eq!(group["rules"][0]["type"], "alerting");
    assert_eq!(group["rules"][0]["alerts"][0]["state"], "firing");
    assert_eq!(group["rules"][1]["type"], "recording");
    let only_recording = json_of(&get("/api/v1/rules", "type=record"));
    assert_eq!(
        only_recording["data"]["groups"][0]["rules"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let none = json_of(&get("/api/v1/rules", "rule_name[]=missing"));
    assert_eq!(none["data"]["groups"], json!([]));
    let excluded = json_of(&get("/api/v1/rules", "exclude_alerts=true"));
    assert!(excluded["data"]["groups"][0]["rules"][0]
        .get("alerts")
        .is_none());
    let info = json_of(&get("/api/v1/status/buildinfo", ""));
    assert_eq!(info["data"]["version"], FAKE_VERSION);
}

#[test]
fn should_never_panic_on_malformed_input() {
    let queries = [
        "query=%ff%fe&time=%ff",
        "query=1&time=99999999999999999999999",
        "query=1&time=-inf",
        "query=rate(x%5B9999999999999y%5D)",
        "query=1&start=-9000000000000000&end=9000000000000000&step=1e300",
        "query=1&start=0&end=1&step=0.0001",
        "query=1&start=-9000000000000000&end=9000000000000000&step=1",
        "query=rate(x%5B5m%5D)&time=9000000000000000",
        "query=rate(x%5B5m%5D)&time=-9000000000000000",
        "&&&==&query",
        "match[]=%ff",
        "query=x%7Ba%3D~%22%28%22%7D",
    ];
    for path in [
        "/api/v1/query",
        "/api/v1/query_range",
        "/api/v1/series",
        "/api/v1/labels",
        "/api/v1/label/x/values",
        "/api/v1/rules",
    ] {
        for q in queries {
            let r = get(path, q);
            assert!(
                matches!(r.status, 200 | 400 | 422),
                "{path}?{q}: {}",
                r.body
            );
            let r = call(
                "POST",
                path,
                "",
                &[
                    0xff, b'=', 0xfe, b'&', b'q', b'u', b'e', b'r', b'y', b'=', 0xc3,
                ],
            );
            assert!(
                matches!(r.status, 200 | 400 | 405 | 422),
                "{path} POST: {}",
                r.body
            );
        }
    }
}
