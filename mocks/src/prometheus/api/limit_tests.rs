//! The query limits as a client meets them: each bound refused with
//! Prometheus' error shape, quickly, on a small stack.

use std::time::{Duration, Instant};

use super::tests::{assert_error, get};
use crate::prometheus::promql::limits::{MAX_EVAL, MAX_NESTING, MAX_OPERATORS, MAX_QUERY_BYTES};

fn q(expr: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("query", expr)
        .finish()
}

fn range(expr: &str, extra: &str) -> String {
    format!("{}&start=1700000000&end=1700011000&step=1s{extra}", q(expr))
}

/// Runs `f` on a thread with a 256 KiB stack: a query that recursed with
/// its size would overflow it and abort the test binary.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn should_refuse_long_chains_and_deep_nesting_before_parsing() {
    let started = Instant::now();
    let (chain, parens, calls) = on_small_stack(|| {
        let chain = get("/api/v1/query", &q(&vec!["1"; 5_000].join("+")));
        let deep = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        let parens = get("/api/v1/query", &q(&deep));
        let nested = format!("{}x{}", "abs(".repeat(3_000), ")".repeat(3_000));
        let calls = get("/api/v1/query_range", &range(&nested, ""));
        (chain, parens, calls)
    });
    assert_error(
        &chain,
        400,
        "bad_data",
        "invalid parameter \"query\": the query has",
    );
    assert!(
        chain.body.contains(&MAX_OPERATORS.to_string()),
        "{}",
        chain.body
    );
    assert_error(
        &parens,
        400,
        "bad_data",
        "invalid parameter \"query\": the query nests",
    );
    assert!(
        parens.body.contains(&MAX_NESTING.to_string()),
        "{}",
        parens.body
    );
    assert_error(
        &calls,
        400,
        "bad_data",
        "invalid parameter \"query\": the query nests",
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "refused before parsing: {:?}",
        started.elapsed()
    );
    // The largest chain accepted is evaluated, on the same small stack.
    let ok = on_small_stack(|| get("/api/v1/query", &q(&vec!["1"; MAX_OPERATORS + 1].join("+"))));
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(
        ok.body.contains(&format!("\"{}\"", MAX_OPERATORS + 1)),
        "{}",
        ok.body
    );
}

#[test]
fn should_refuse_a_query_past_its_length_and_a_match_selector_too() {
    let long = format!("x{{a=\"{}\"}}", "y".repeat(MAX_QUERY_BYTES));
    let r = get("/api/v1/query", &q(&long));
    assert_error(
        &r,
        400,
        "bad_data",
        "invalid parameter \"query\": the query is",
    );
    let deep = format!("{}x{}", "(".repeat(1000), ")".repeat(1000));
    let sel = form_urlencoded::Serializer::new(String::new())
        .append_pair("match[]", &deep)
        .finish();
    let r = get("/api/v1/series", &sel);
    assert_error(
        &r,
        400,
        "bad_data",
        "invalid parameter \"match[]\": the query nests",
    );
}

/// `GET /api/v1/query_range?{query}` over a TSDB of two counters
/// scraped every second across the whole range (11,000 s).
fn get_over_a_dense_range(query: &str) -> crate::http::HttpResponse {
    let mut db = crate::prometheus::Tsdb::new();
    for code in ["200", "500"] {
        let labels = [
            ("__name__", "http_requests_total"),
            ("service", "payment"),
            ("code", code),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let samples = (0..=11_000)
            .map(|i| (1_700_000_000_000 + i * 1_000, i as f64))
            .collect();
        db.push_series(labels, samples).unwrap();
    }
    let ctx = super::Context {
        tsdb: &db,
        now_ms: 1_700_011_000_000,
        alerts: &[],
        rules: &[],
    };
    let req = crate::http::HttpRequest::new("GET", &format!("/api/v1/query_range?{query}"));
    super::handle(&req, &ctx)
}

#[test]
fn should_stop_a_heavy_range_query_within_its_budget() {
    // A 10 KB dashboard-shaped query over 11,000 steps: each step loads
    // every window again, far past the budget; refused, not computed.
    let term = r#"sum(rate(http_requests_total{service="payment"}[10m]))"#;
    let expr = vec![term; 180].join(" + ");
    assert!(expr.len() > 9_000);
    let started = Instant::now();
    let r = get_over_a_dense_range(&range(&expr, ""));
    // Whichever bound it meets first: the samples or the time.
    match r.status {
        422 => assert_error(
            &r,
            422,
            "execution",
            "query processing would load too many samples into memory",
        ),
        _ => assert_error(
            &r,
            503,
            "timeout",
            "query timed out in expression evaluation",
        ),
    }
    assert!(
        started.elapsed() < MAX_EVAL + Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn should_time_out_with_prometheus_shape_when_asked_for_less_time() {
    let expr = r#"sum(rate(http_requests_total[10m])) / sum(rate(http_requests_total[10m]))"#;
    let r = get_over_a_dense_range(&range(expr, "&timeout=1ms"));
    assert_error(
        &r,
        503,
        "timeout",
        "query timed out in expression evaluation",
    );
    // The same query with the default time completes.
    let r = get_over_a_dense_range(&range(expr, ""));
    assert_eq!(r.status, 200, "{}", r.body);
}
