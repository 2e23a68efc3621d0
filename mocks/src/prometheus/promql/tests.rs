//! Evaluator tests over a hand-built store.
//!
//! `http_requests_total{service="payment"}` is scraped every 15 s from
//! `T0` for 10 minutes (i = 0..=40): `code="200"` counts `10·i`, and
//! `code="500"` counts `i` but resets to 0 at i = 30.

use super::*;

const T0: i64 = 1_700_000_000_000;
const S: i64 = 1000;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn requests(code: &str) -> Labels {
    labels(&[
        ("__name__", "http_requests_total"),
        ("service", "payment"),
        ("code", code),
    ])
}

fn db() -> Tsdb {
    let mut db = Tsdb::new();
    let ok = (0..=40)
        .map(|i| (T0 + i * 15 * S, 10.0 * i as f64))
        .collect();
    let err = (0..=40)
        .map(|i| (T0 + i * 15 * S, if i < 30 { i } else { i - 30 } as f64))
        .collect();
    db.push_series(requests("200"), ok).unwrap();
    db.push_series(requests("500"), err).unwrap();
    // A latency histogram from two instances; per scrape the cumulative
    // buckets grow by 1, 6, 9, 10 (le = 0.1, 0.5, 1, +Inf).
    for instance in ["a", "b"] {
        for (le, per_scrape) in [("0.1", 1.0), ("0.5", 6.0), ("1", 9.0), ("+Inf", 10.0)] {
            let l = labels(&[
                ("__name__", "latency_bucket"),
                ("instance", instance),
                ("le", le),
            ]);
            let samples = (0..=40)
                .map(|i| (T0 + i * 15 * S, per_scrape * i as f64))
                .collect();
            db.push_series(l, samples).unwrap();
        }
    }
    db
}

/// The end of the data, i = 40.
const END: i64 = T0 + 600 * S;

fn instant(expr: &str, t: i64) -> Value {
    eval_instant(&db(), expr, t, DEFAULT_LOOKBACK_MS).unwrap_or_else(|e| panic!("{expr}: {e}"))
}

fn vector(expr: &str, t: i64) -> Vec<(Labels, f64)> {
    match instant(expr, t) {
        Value::Vector(mut v) => {
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        }
        other => panic!("{expr}: expected vector, got {other:?}"),
    }
}

fn single(expr: &str, t: i64) -> f64 {
    let v = vector(expr, t);
    assert_eq!(v.len(), 1, "{expr}: {v:?}");
    v[0].1
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

#[test]
fn should_select_newest_sample_within_lookback() {
    let v = vector(r#"http_requests_total{code="200"}"#, END + 100 * S);
    assert_eq!(v, vec![(requests("200"), 400.0)]);
    // Lookback is left-open: a sample exactly 5m old is gone.
    assert!(vector("http_requests_total", END + 300 * S).is_empty());
    assert_eq!(vector("http_requests_total", END + 299 * S).len(), 2);
    // Between scrapes the older sample is used.
    assert_eq!(single(r#"http_requests_total{code="200"}"#, END - 1), 390.0);
}

#[test]
fn should_match_with_all_four_matcher_kinds() {
    assert_eq!(
        vector(r#"http_requests_total{code=~"5.."}"#, END)[0].0,
        requests("500")
    );
    assert_eq!(
        vector(r#"http_requests_total{code!~"5.."}"#, END)[0].0,
        requests("200")
    );
    assert_eq!(
        vector(r#"http_requests_total{code!="200"}"#, END)[0].0,
        requests("500")
    );
    // Regexes are fully anchored.
    assert!(vector(r#"http_requests_total{code=~"5"}"#, END).is_empty());
    assert_eq!(vector(r#"{__name__=~"http_.*", code="500"}"#, END).len(), 1);
}

#[test]
fn should_compute_increase_and_rate_with_extrapolation() {
    // Window (END-5m, END]: i = 21..=40, first 210, last 400, sampled 285 s,
    // 15 s to the window start (< 1.1 × 15 s, kept), 0 s to the end.
    let inc = single(r#"increase(http_requests_total{code="200"}[5m])"#, END);
    assert!(close(inc, 190.0 * 300.0 / 285.0), "{inc}");
    assert!(close(inc, 200.0));
    let rate = single(r#"rate(http_requests_total{code="200"}[5m])"#, END);
    assert!(close(rate, 200.0 / 300.0), "{rate}");
}

#[test]
fn should_extrapolate_only_half_a_spacing_past_a_large_gap() {
    // At END+30 s the window (T0+330 s, T0+630 s] holds i = 23..=40: delta
    // 170, sampled 255 s; 15 s to the start (kept), 30 s to the end
    // (>= 16.5 s, so 7.5 s): 170 × 277.5 / 255 = 185.
    let inc = single(
        r#"increase(http_requests_total{code="200"}[5m])"#,
        END + 30 * S,
    );
    assert!(close(inc, 185.0), "{inc}");
}

#[test]
fn should_add_back_counter_resets() {
    // i = 21..=40 of the 500 series: 21..29, reset, 0..10: 8 + 10 = 18.
    let inc = single(r#"increase(http_requests_total{code="500"}[5m])"#, END);
    assert!(close(inc, 18.0 * 300.0 / 285.0), "{inc}");
}

#[test]
fn should_not_extrapolate_a_counter_below_zero() {
    let mut db = Tsdb::new();
    let l = labels(&[("__name__", "jobs_total")]);
    db.push_series(l, vec![(10 * S, 1.0), (25 * S, 11.0), (40 * S, 21.0)])
        .unwrap();
    // dStart 10 s, but zero is reached 1.5 s before the first sample;
    // dEnd 20 s >= 16.5 s becomes 7.5 s: 20 × (30 + 1.5 + 7.5) / 30 = 26.
    let v = eval_instant(&db, "increase(jobs_total[1m])", 60 * S, DEFAULT_LOOKBACK_MS).unwrap();
    let Value::Vector(v) = v else { panic!("{v:?}") };
    assert!(close(v[0].1, 26.0), "{v:?}");
    assert_eq!(v[0].0, Labels::new());
}

#[test]
fn should_need_two_samples_for_rate() {
    assert!(vector("rate(http_requests_total[15s])", END).is_empty());
}

#[test]
fn should_compute_irate_from_last_two_samples() {
    assert!(close(
        single(r#"irate(http_requests_total{code="200"}[1m])"#, END),
        10.0 / 15.0
    ));
    // Right after the reset the last value is the change.
    let at_reset = T0 + 30 * 15 * S;
    assert_eq!(
        single(r#"irate(http_requests_total{code="500"}[1m])"#, at_reset),
        0.0
    );
}

#[test]
fn should_give_runbook_error_ratio() {
    let q = r#"sum(rate(http_requests_total{service="payment",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="payment"}[5m]))"#;
    let v = vector(q, END);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].0, Labels::new());
    assert!(close(v[0].1, 18.0 / 208.0), "{v:?}");
}

#[test]
fn should_group_with_by_and_without() {
    let by = vector("sum by (code) (increase(http_requests_total[5m]))", END);
    assert_eq!(
        by.iter().map(|(l, _)| l.clone()).collect::<Vec<_>>(),
        vec![labels(&[("code", "200")]), labels(&[("code", "500")])]
    );
    let without = vector("sum without (code) (http_requests_total)", END);
    assert_eq!(without, vec![(labels(&[("service", "payment")]), 410.0)]);
    let kept_name = vector("max by (__name__) (http_requests_total)", END);
    assert_eq!(
        kept_name,
        vec![(labels(&[("__name__", "http_requests_total")]), 400.0)]
    );
}

#[test]
fn should_count_avg_min_max() {
    assert_eq!(single("count(http_requests_total)", END), 2.0);
    assert_eq!(single("avg(http_requests_total)", END), 205.0);
    assert_eq!(single("min(http_requests_total)", END), 10.0);
    assert_eq!(single("max(http_requests_total)", END), 400.0);
    assert!(vector("sum(nothing_here)", END).is_empty());
}

#[test]
fn should_filter_comparisons_and_return_bool_with_bool() {
    let filtered = vector("http_requests_total > 100", END);
    assert_eq!(filtered, vec![(requests("200"), 400.0)]);
    let with_bool = vector("http_requests_total > bool 100", END);
    assert_eq!(
        with_bool,
        vec![
            (labels(&[("code", "200"), ("service", "payment")]), 1.0),
            (labels(&[("code", "500"), ("service", "payment")]), 0.0)
        ]
    );
    // A scalar on the left still keeps the vector's value.
    assert_eq!(
        vector("100 < http_requests_total", END),
        vec![(requests("200"), 400.0)]
    );
    assert_eq!(instant("1 < bool 2", END), Value::Scalar(1.0));
    assert_eq!(instant("2 == bool 3", END), Value::Scalar(0.0));
}

#[test]
fn should_match_vectors_one_to_one_ignoring_name() {
    let v = vector(r#"http_requests_total / http_requests_total"#, END);
    assert_eq!(v.len(), 2);
    assert!(v
        .iter()
        .all(|(l, x)| !l.contains_key("__name__") && *x == 1.0));
    let on = vector(
        r#"http_requests_total{code="500"} / on (service) http_requests_total{code="200"}"#,
        END,
    );
    assert_eq!(on, vec![(labels(&[("service", "payment")]), 10.0 / 400.0)]);
    let ignoring = vector(
        r#"http_requests_total{code="500"} + ignoring (code) http_requests_total{code="200"}"#,
        END,
    );
    assert_eq!(ignoring, vec![(labels(&[("service", "payment")]), 410.0)]);
    let comparison = vector(
        r#"http_requests_total > on (code, service) (http_requests_total - 1)"#,
        END,
    );
    assert_eq!(comparison.len(), 2);
}

#[test]
fn should_divide_by_zero_like_prometheus() {
    assert_eq!(instant("1 / 0", END), Value::Scalar(f64::INFINITY));
    assert_eq!(instant("-1 / 0", END), Value::Scalar(f64::NEG_INFINITY));
    let Value::Scalar(nan) = instant("0 / 0", END) else {
        panic!()
    };
    assert!(nan.is_nan());
    let v = vector(r#"http_requests_total{code="200"} / 0"#, END);
    assert_eq!(
        v,
        vec![(
            labels(&[("code", "200"), ("service", "payment")]),
            f64::INFINITY
        )]
    );
}

#[test]
fn should_fill_empty_selection_with_or_vector_zero() {
    let q = r#"sum(increase(http_requests_total{code="503"}[1h])) or vector(0)"#;
    assert_eq!(vector(q, END), vec![(Labels::new(), 0.0)]);
    // A present left side wins.
    assert_eq!(
        vector(r#"sum(http_requests_total) or vector(0)"#, END),
        vec![(Labels::new(), 410.0)]
    );
}

#[test]
fn should_apply_and_unless() {
    let and = vector(
        r#"http_requests_total and http_requests_total{code="500"}"#,
        END,
    );
    assert_eq!(and, vec![(requests("500"), 10.0)]);
    let unless = vector(
        r#"http_requests_total unless http_requests_total{code="500"}"#,
        END,
    );
    assert_eq!(unless, vec![(requests("200"), 400.0)]);
}

#[test]
fn should_evaluate_scalars_literals_and_unary_minus() {
    assert_eq!(instant("(1 + 2) * -3", END), Value::Scalar(-9.0));
    assert_eq!(instant("7 % 4 ^ 1", END), Value::Scalar(3.0));
    assert_eq!(instant(r#""hello""#, END), Value::String("hello".into()));
    assert_eq!(
        instant(r#"scalar(http_requests_total{code="500"})"#, END),
        Value::Scalar(10.0)
    );
    let Value::Scalar(nan) = instant("scalar(http_requests_total)", END) else {
        panic!()
    };
    assert!(nan.is_nan());
    assert_eq!(
        vector(r#"-http_requests_total{code="500"}"#, END),
        vec![(labels(&[("code", "500"), ("service", "payment")]), -10.0)]
    );
}

#[test]
fn should_interpolate_histogram_quantile_within_buckets() {
    // Rates per bucket are proportional to 1, 6, 9, 10 (×2 instances).
    // φ=0.5: rank 5 of 10 lies in (0.1, 0.5] holding 5: 0.1 + 0.4 × 4/5.
    let q = "histogram_quantile(0.5, sum by (le) (rate(latency_bucket[5m])))";
    assert!(close(single(q, END), 0.42), "{}", single(q, END));
    // φ=0.05 lies in the first bucket, whose lower bound is 0.
    let q = "histogram_quantile(0.05, sum by (le) (rate(latency_bucket[5m])))";
    assert!(close(single(q, END), 0.05));
    // φ=0.95 falls into +Inf: the second-highest bound.
    let q = "histogram_quantile(0.95, sum by (le) (rate(latency_bucket[5m])))";
    assert_eq!(single(q, END), 1.0);
    // Without aggregation, one result per instance.
    assert_eq!(
        vector("histogram_quantile(0.5, latency_bucket)", END).len(),
        2
    );
}

#[test]
fn should_follow_histogram_quantile_edge_rules() {
    use super::functions::bucket_quantile;
    assert_eq!(
        bucket_quantile(-0.1, vec![(1.0, 1.0), (f64::INFINITY, 2.0)]),
        f64::NEG_INFINITY
    );
    assert_eq!(
        bucket_quantile(1.1, vec![(1.0, 1.0), (f64::INFINITY, 2.0)]),
        f64::INFINITY
    );
    assert!(
        bucket_quantile(0.5, vec![(1.0, 1.0), (2.0, 2.0)]).is_nan(),
        "no +Inf bucket"
    );
    assert!(
        bucket_quantile(0.5, vec![(f64::INFINITY, 2.0)]).is_nan(),
        "one bucket"
    );
    assert!(
        bucket_quantile(0.5, vec![(1.0, 0.0), (f64::INFINITY, 0.0)]).is_nan(),
        "no observations"
    );
    // Non-monotonic counts are forced monotonic.
    assert_eq!(
        bucket_quantile(0.5, vec![(1.0, 4.0), (2.0, 3.0), (f64::INFINITY, 4.0)]),
        0.5
    );
}

#[test]
fn should_return_matrix_for_top_level_range_selector() {
    let Value::Matrix(m) = instant(r#"http_requests_total{code="200"}[30s]"#, END) else {
        panic!()
    };
    assert_eq!(m[0].samples, vec![(END - 15 * S, 390.0), (END, 400.0)]);
}

#[test]
fn should_evaluate_range_queries_at_every_step() {
    let out = eval_range(
        &db(),
        "http_requests_total",
        END - 60 * S,
        END,
        30 * S,
        DEFAULT_LOOKBACK_MS,
    )
    .unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].labels, requests("200"));
    assert_eq!(
        out[0].samples,
        vec![(END - 60 * S, 360.0), (END - 30 * S, 380.0), (END, 400.0)]
    );
    let scalar = eval_range(&db(), "1", 0, 10 * S, 5 * S, DEFAULT_LOOKBACK_MS).unwrap();
    assert_eq!(
        scalar,
        vec![RangeSeries {
            labels: Labels::new(),
            samples: vec![(0, 1.0), (5 * S, 1.0), (10 * S, 1.0)]
        }]
    );
    // Series appear only at steps where they have a value.
    let late = eval_range(
        &db(),
        "http_requests_total",
        T0 - 30 * S,
        T0,
        15 * S,
        DEFAULT_LOOKBACK_MS,
    )
    .unwrap();
    assert_eq!(late[0].samples, vec![(T0, 0.0)]);
}

#[test]
fn should_refuse_bad_range_parameters() {
    let db = db();
    assert!(matches!(
        eval_range(&db, "1", 10, 0, 1, 0),
        Err(EvalError::InvalidRange(_))
    ));
    assert!(matches!(
        eval_range(&db, "1", 0, 10, 0, 0),
        Err(EvalError::InvalidRange(_))
    ));
    assert!(matches!(
        eval_range(&db, "x[5m]", 0, 10, 1, 0),
        Err(EvalError::Parse(_))
    ));
    assert!(matches!(
        eval_range(&db, r#""s""#, 0, 10, 1, 0),
        Err(EvalError::Parse(_))
    ));
}

#[test]
fn should_name_unsupported_constructs() {
    let db = db();
    for (q, construct) in [
        ("rate(http_requests_total[5m] offset 5m)", "offset"),
        ("http_requests_total @ 100", "@"),
        ("rate(http_requests_total[5m:1m])", "subquery"),
        (
            "stddev_over_time(http_requests_total[5m])",
            "stddev_over_time",
        ),
        ("topk(1, http_requests_total)", "topk"),
        ("stddev(http_requests_total)", "stddev"),
        (
            "http_requests_total * on (code) group_left http_requests_total",
            "group_left",
        ),
        (
            "http_requests_total * on (code) group_right http_requests_total",
            "group_right",
        ),
        ("http_requests_total atan2 http_requests_total", "atan2"),
        ("http_requests_total[5m:]", "subquery"),
    ] {
        match eval_instant(&db, q, END, 0) {
            Err(EvalError::Unsupported(msg)) => assert!(msg.contains(construct), "{q}: {msg}"),
            other => panic!("{q}: expected Unsupported, got {other:?}"),
        }
    }
}

#[test]
fn should_report_parse_errors() {
    for q in [
        "",
        "sum(",
        "rate(x)",
        "1 > 2",
        "http_requests_total{code=~\"(\"}",
    ] {
        assert!(
            matches!(eval_instant(&db(), q, END, 0), Err(EvalError::Parse(_))),
            "{q}"
        );
    }
}

#[test]
fn should_refuse_duplicate_label_sets_after_dropping_names() {
    let mut db = db();
    db.append(
        labels(&[
            ("__name__", "other_total"),
            ("code", "200"),
            ("service", "payment"),
        ]),
        END - S,
        1.0,
    )
    .unwrap();
    db.append(
        labels(&[
            ("__name__", "other_total"),
            ("code", "200"),
            ("service", "payment"),
        ]),
        END,
        2.0,
    )
    .unwrap();
    let q = r#"rate({__name__=~".*_total", code="200"}[5m])"#;
    assert!(matches!(
        eval_instant(&db, q, END, 0),
        Err(EvalError::Execution(_))
    ));
    let q = r#"http_requests_total / ignoring (code) http_requests_total"#;
    assert!(matches!(
        eval_instant(&db, q, END, 0),
        Err(EvalError::Execution(_))
    ));
}

#[test]
fn should_shift_an_instant_selector_by_its_offset() {
    // ok grows by 10 a scrape (15 s): 5 minutes is 20 scrapes, 200.
    let v = instant(
        r#"sum(http_requests_total{code="200"}) - sum(http_requests_total{code="200"} offset 5m)"#,
        END,
    );
    match v {
        Value::Vector(v) => assert_eq!(v[0].1, 200.0),
        other => panic!("{other:?}"),
    }
    // Before the data starts, the offset selection is empty: `or vector(0)`
    // stands in for it.
    let v = instant(
        r#"sum(http_requests_total{code="200"}) - (sum(http_requests_total{code="200"} offset 1h) or vector(0))"#,
        END,
    );
    match v {
        Value::Vector(v) => assert_eq!(v[0].1, 400.0),
        other => panic!("{other:?}"),
    }
}

#[test]
fn should_aggregate_each_series_over_time() {
    let sel = r#"http_requests_total{code="200"}[1m]"#;
    // The window (END - 60 s, END] holds i = 37..=40: 370, 380, 390, 400.
    for (f, want) in [
        ("max", 400.0),
        ("min", 370.0),
        ("avg", 385.0),
        ("sum", 1540.0),
        ("count", 4.0),
        ("present", 1.0),
        ("last", 400.0),
    ] {
        let v = vector(&format!("{f}_over_time({sel})"), END);
        assert_eq!(v.len(), 1, "{f}");
        assert!(close(v[0].1, want), "{f}_over_time: {}", v[0].1);
        assert_eq!(
            v[0].0.contains_key("__name__"),
            f == "last",
            "{f}: only last_over_time keeps the name"
        );
    }
    assert!(vector("max_over_time(nothing[1m])", END).is_empty());
}

#[test]
fn should_answer_time_and_absent() {
    match instant("time()", END) {
        Value::Scalar(v) => assert!(close(v, END as f64 / 1000.0), "{v}"),
        other => panic!("time() is a scalar: {other:?}"),
    }
    let absent = vector(r#"absent(nope{service="x", code=~"5.."})"#, END);
    assert_eq!(absent, vec![(labels(&[("service", "x")]), 1.0)]);
    assert!(vector("absent(http_requests_total)", END).is_empty());
}
