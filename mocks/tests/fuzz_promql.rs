//! A mutation fuzzer for the Prometheus fake's query endpoints, run for a
//! fixed budget in CI: every query of the committed corpus
//! (`tests/corpus/promql/queries.txt`, one per line) is mutated (PromQL
//! tokens spliced in, characters dropped, pieces repeated) and sent as an
//! instant and a range query over the Friday cascade's series, on a thread
//! with a small stack. Every answer must be Prometheus' JSON with a status
//! the API documents (200, 400, 422 or 503), and nothing may panic or
//! recurse deeply.
//!
//! Budget: `GAMEDAY_FUZZ_CASES` inputs per corpus query (default 64).

use std::path::PathBuf;

use gameday_mocks::http::HttpRequest;
use gameday_mocks::prometheus::Tsdb;
use gameday_mocks::prometheus_mount::{handle_over, tsdb};
use gameday_sim::scenario::friday_cascade;
use gameday_sim::time::{SimDuration, SimTime};
use gameday_sim::world::World;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "[5m]",
    "[1s:1s]",
    "sum",
    " by (service) ",
    " without (code) ",
    "rate(",
    "irate(",
    "increase(",
    "histogram_quantile(0.9,",
    "vector(",
    "scalar(",
    "abs(",
    " + ",
    " - ",
    " * ",
    " / ",
    " % ",
    " ^ ",
    " == ",
    " != ",
    " > bool ",
    " and ",
    " or ",
    " unless ",
    " on (service) ",
    " ignoring (code) ",
    " group_left ",
    " offset 5m",
    " offset -1h",
    " @ 0",
    "{service=~\".*\"}",
    "{code!~\"5..\"}",
    "{a=\"\\\"\"}",
    "\"",
    "'",
    "`",
    "#",
    "\n",
    "1e308",
    "-Inf",
    "NaN",
    "0x1p3",
    "9999999999999999999999",
    "http_requests_total",
    "up",
    ",",
    "=~",
    "\u{0}",
    "é",
    "((((((((((",
    "))))))))))",
];

fn corpus() -> Vec<String> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/promql/queries.txt");
    std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    Splice(usize, usize),
    Drop(usize, usize),
    Repeat(usize, usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(i, t)| Mutation::Splice(i, t)),
        (any::<usize>(), 1usize..16).prop_map(|(i, n)| Mutation::Drop(i, n)),
        (any::<usize>(), 1usize..32, 1u8..40).prop_map(|(i, n, k)| Mutation::Repeat(i, n, k)),
    ]
}

fn apply(query: &str, ms: &[Mutation]) -> String {
    let mut c: Vec<char> = query.chars().collect();
    for m in ms {
        let len = c.len().max(1);
        match *m {
            Mutation::Splice(i, t) => {
                let at = i % (c.len() + 1);
                c.splice(at..at, TOKENS[t].chars());
            }
            Mutation::Drop(i, n) => {
                let at = i % len;
                let end = (at + n).min(c.len());
                if at < end {
                    c.drain(at..end);
                }
            }
            Mutation::Repeat(i, n, k) => {
                let at = i % len;
                let end = (at + n).min(c.len());
                if at < end {
                    let piece: Vec<char> = c[at..end].to_vec();
                    for _ in 0..k {
                        c.splice(end..end, piece.iter().copied());
                    }
                }
            }
        }
    }
    c.into_iter().collect()
}

fn world() -> (World<'static>, Tsdb) {
    let sc: &'static _ = Box::leak(Box::new(friday_cascade()));
    let mut w = World::new(sc, 4);
    w.advance_to(SimTime::START + SimDuration::from_mins(40))
        .unwrap();
    let db = tsdb(&w);
    (w, db)
}

/// Sends `query` as an instant and a range query; the first answer that
/// breaks the API's contract, if any.
fn check(w: &World<'_>, db: &Tsdb, query: &str) -> Result<(), String> {
    let t = w.scenario().clock.unix_seconds(w.now());
    let q = |extra: &str| {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("query", query)
            .finish()
            + extra
    };
    let requests = [
        ("/api/v1/query", q(&format!("&time={t}"))),
        (
            "/api/v1/query_range",
            q(&format!("&start={}&end={t}&step=15s", t - 2400.0)),
        ),
    ];
    for (path, query_string) in requests {
        let req = HttpRequest::new("GET", &format!("{path}?{query_string}"));
        let res = handle_over(&req, w, db);
        if ![200, 400, 422, 503].contains(&res.status) {
            return Err(format!("{path}: status {}: {}", res.status, res.body));
        }
        let body: serde_json::Value = serde_json::from_str(&res.body)
            .map_err(|e| format!("{path}: not JSON ({e}): {}", res.body))?;
        let want = if res.status == 200 {
            "success"
        } else {
            "error"
        };
        if body["status"] != want {
            return Err(format!("{path}: {}: {}", res.status, res.body));
        }
    }
    Ok(())
}

#[test]
fn the_query_endpoints_answer_every_mutated_query_in_prometheus_shape() {
    let cases = std::env::var("GAMEDAY_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    // A small stack: a query the limits let through must not recurse deep.
    std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(move || {
            let (w, db) = world();
            for query in corpus() {
                check(&w, &db, &query).unwrap_or_else(|e| panic!("corpus `{query}`: {e}"));
                let mut runner = TestRunner::new(Config {
                    cases,
                    failure_persistence: None,
                    ..Config::default()
                });
                runner
                    .run(&prop::collection::vec(mutation(), 1..10), |ms| {
                        let input = apply(&query, &ms);
                        check(&w, &db, &input)
                            .map_err(|e| TestCaseError::fail(format!("`{input}`: {e}")))
                    })
                    .unwrap_or_else(|e| panic!("{e}"));
            }
        })
        .unwrap()
        .join()
        .unwrap();
}
