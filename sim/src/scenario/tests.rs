//! Table-driven tests of scenario errors: a small edit of the Friday file,
//! the message we expect, and the line it must point at.

use super::*;
use crate::time::SimDuration;

fn friday_with(from: &str, to: &str) -> String {
    assert!(
        FRIDAY_CASCADE_YAML.contains(from),
        "test edit not found: {from}"
    );
    FRIDAY_CASCADE_YAML.replacen(from, to, 1)
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("`{needle}` not in text"))
}

fn errors(text: &str) -> Vec<ScenarioError> {
    match parse("test.yaml", text) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e.0,
    }
}

#[test]
fn embedded_scenario_is_valid() {
    let sc = friday_cascade();
    assert_eq!(sc.services.len(), 4);
    let login = sc.service_by_name("login").unwrap();
    let email = sc.service_by_name("email").unwrap();
    let pos = |s| sc.topo_order.iter().position(|&x| x == s).unwrap();
    assert!(pos(login) < pos(email), "callees come first");
    assert_eq!(
        sc.faults[0].guarded_by.map(|f| sc.flag(f).name.as_str()),
        Some("payment_processing_v2")
    );
    assert!(matches!(sc.faults[0].fix_touches[0], Component::Library(_)));
    assert_eq!(
        sc.clock.label(sc.faults[0].onset.at().unwrap()),
        "Fri 16:47:00"
    );
    assert_eq!(sc.policies.len(), 2);
}

#[test]
fn every_problem_is_located_and_explained() {
    // (edit from, edit to, expected message part, line containing)
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "flags:\n  payment_processing_v2:\n",
            "flags:\n  \"payment/../v2 ?#\":\n",
            "flag name `payment/../v2 ?#` cannot travel in a URL as it is",
            "payment/../v2",
        ),
        (
            "services:\n",
            "services:\n  \"login ✓\":\n    rps: 1\n    baseline_error_ratio: 0.001\n    value_per_request: 0.0\n    slo: 0.995\n    slo_window: 30d\n    version: \"1\"\n    previous_version: \"0\"\n",
            "service name `login ✓` cannot travel in a URL as it is",
            "login ✓",
        ),
        (
            "rps: 12 ",
            "rps: 1e300 ",
            "1e300 requests per second is over the limit of 1000000",
            "rps: 1e300",
        ),
        (
            "rps: 40",
            "rps: 6.1e14",
            "over the limit of 1000000 for one service",
            "rps: 6.1e14",
        ),
        (
            "value_per_request: 18.5",
            "value_per_request: 1e300",
            "a value of 1e300 per request is over the limit",
            "value_per_request: 1e300",
        ),
        (
            "    optional: true\n",
            "    optional: true\n    onset: 1h\n",
            "an optional fault has no onset",
            "onset: 1h",
        ),
        (
            "    onset: 0s\n",
            "",
            "missing field `onset`",
            "name: payment-v2-declines",
        ),
        (
            "callee: login, coupling: 0.3",
            "callee: logon, coupling: 0.3",
            "unknown service `logon`",
            "logon",
        ),
        (
            "used_by: [payment, login]",
            "used_by: [payment, logn]",
            "unknown service `logn`",
            "logn",
        ),
        (
            "dependencies:\n",
            "dependencies:\n  - { caller: login, callee: email, coupling: 0.5 }\n",
            "dependency cycle: login -> email -> login",
            // Reported at the dependency that closes the cycle.
            "caller: email, callee: login",
        ),
        (
            "probability: 0.6, effect: crash",
            "probability: 1.5, effect: crash",
            "probability 1.5 is outside [0, 1]",
            "probability: 1.5",
        ),
        (
            "coupling: 0.9",
            "coupling: -0.2",
            "coupling -0.2 is outside [0, 1]",
            "coupling: -0.2",
        ),
        (
            "window: 5m",
            "window: -5m",
            "negative duration `-5m`",
            "window: -5m",
        ),
        (
            "smoke_test: 5m\n",
            "smoke_test: 5 minutes later\n",
            "cannot parse duration `5 minutes later`",
            "5 minutes later",
        ),
        (
            "traffic_switch: 20s",
            "traffic_switch: 20",
            "has no unit",
            "traffic_switch: 20",
        ),
        (
            "    rps: 12 ",
            "    rsp: 12 ",
            "unknown field `rsp`",
            "rsp: 12",
        ),
        (
            "start: 2026-11-20T16:47:00",
            "start: 2026-11-31T16:47:00",
            "cannot parse date and time",
            "start: 2026-11-31",
        ),
        (
            "diagnose: { lognormal: { median: 6m, p90: 15m } }",
            "diagnose: { lognormal: { median: 6m, p90: 5m } }",
            "p90 5m must be above the median 6m",
            "p90: 5m",
        ),
        (
            "fast: { uniform: [4m, 6m] }",
            "fast: { uniform: [6m, 4m] }",
            "uniform bounds are reversed",
            "uniform: [6m, 4m]",
        ),
        (
            "{ service: email, via: login, probability: 0.6",
            "{ service: email, via: payment, probability: 0.6",
            "`payment` does not get a new build when `login` changes",
            "via: payment",
        ),
        (
            "- { weight: 0.1, bake: 5m }",
            "- { weight: 1.5, bake: 5m }",
            "stage weight 1.5 is outside (0, 1]",
            "weight: 1.5",
        ),
        (
            "- { weight: 1.0 }",
            "- { weight: 0.05 }",
            "stage weights must increase",
            "weight: 0.05",
        ),
        (
            "interval: 1m\n            failure_limit: 1",
            "interval: 10s\n            failure_limit: 1",
            "the analysis interval 10s is shorter than the scrape interval 15s",
            "interval: 10s",
        ),
        (
            "    on_not_cured: repeat",
            "    on_not_cured: repeat\n    max_hotfixes: 1\n    max_hotfixes_per_regression: 2",
            "max_hotfixes_per_regression 2 exceeds max_hotfixes 1",
            "max_hotfixes_per_regression: 2",
        ),
        (
            "- name: quick-canary",
            "- name: staged",
            "`staged` is the name of a built-in strategy",
            "name: staged",
        ),
        (
            "      - write_fix\n      - ci: fast",
            "      - write_fixx\n      - ci: fast",
            "unknown variant `write_fixx`",
            "write_fixx",
        ),
        (
            "      - ci: fast\n",
            "      - ci: fastest\n",
            "unknown CI lane `fastest`",
            "ci: fastest",
        ),
        (
            "    slo: 0.999\n",
            "    slo: 1.0\n",
            "must be strictly between 0 and 1",
            "slo: 1.0",
        ),
        (
            "    rps: 12 ",
            "    rps: 0 ",
            "requests per second must be above zero",
            "rps: 0",
        ),
        (
            "fix_touches: [errkit]",
            "fix_touches: [errkitt]",
            "unknown service or library `errkitt`",
            "errkitt",
        ),
        (
            "    service: payment\n    path: charge-v2\n    effect",
            "    service: paymnt\n    path: charge-v2\n    effect",
            "unknown service `paymnt`",
            "service: paymnt",
        ),
        (
            "scrape_interval: 15s",
            "scrape_interval: 0s",
            "scrape interval must be above zero",
            "scrape_interval: 0s",
        ),
        (
            "    window: 5m",
            "    window: 10s",
            "shorter than the scrape interval",
            "window: 10s",
        ),
        (
            "baseline_error_ratio: 0.001",
            "baseline_error_ratio: 0.06",
            "at or above the alert threshold",
            "baseline_error_ratio: 0.06",
        ),
        // The work a replay implies, against the documented limits.
        (
            "horizon: 8h",
            "horizon: 1000y",
            "is over the limit of 2160h00m",
            "horizon: 1000y",
        ),
        (
            "scrape_interval: 15s",
            "scrape_interval: 1ms",
            "is below the limit of 1s",
            "scrape_interval: 1ms",
        ),
        (
            "horizon: 8h\nscrape_interval: 15s",
            "horizon: 60d\nscrape_interval: 1s",
            "over the limit of 20000000",
            "scrape_interval: 1s",
        ),
        // Keys written twice: YAML keeps the second, silently.
        (
            "the flag service is down\n",
            "the flag service is down\n  payment_processing_v2: # again\n    service: payment\n    path: charge-v2\n    enabled: false\n    rollout: 1.0\n    fallback: false\n",
            "`payment_processing_v2` appears twice in `flags` (first at line",
            "payment_processing_v2: # again",
        ),
        (
            "    login:\n      - { service: email",
            "    errkit: # again\n      - { service: login, probability: 0.1, effect: crash, delay: 1m }\n    login:\n      - { service: email",
            "`errkit` appears twice in `risk.components`",
            "errkit: # again",
        ),
        // Policies that cannot make progress.
        (
            "  - name: runbook\n",
            "  - name: unshipped\n    steps:\n      - diagnose\n      - write_fix # never deployed\n      - verify: 5m\n    on_regression: rollback\n  - name: runbook\n",
            "policy `unshipped` cannot make progress: the fix written here is never shipped",
            "write_fix # never deployed",
        ),
        (
            "      - diagnose\n      - write_fix\n      - ci: fast",
            "      - diagnose\n      - ci: fast",
            "`ci` has no `write_fix` before it: there is nothing to test",
            "      - ci: fast",
        ),
        (
            "        then: [flag_off, write_fix, review, { ci: full }, deploy, flag_on]",
            "        then: [flag_on]",
            "`flag_on` has no `flag_off` before it",
            "        then: [flag_on]",
        ),
        (
            "    on_regression: rollback\n    on_not_cured: repeat",
            "    on_regression: stop\n    on_not_cured: repeat\n    max_hotfixes: 0",
            "max_hotfixes is 0 and the policy's only move is a hotfix",
            "max_hotfixes: 0",
        ),
        (
            "  - name: runbook\n",
            "  - name: watcher\n    steps: [diagnose, { verify: 5m }]\n    on_regression: stop\n    on_not_cured: stop\n  - name: runbook\n",
            "policy `watcher` cannot make progress: the policy never changes anything",
            "steps: [diagnose, { verify: 5m }]",
        ),
        (
            "            then: [rollback]",
            "            then: [rollbak]",
            "unknown variant `rollbak`",
            "then: [rollbak]",
        ),
        (
            "      - if: flag_guards_fault",
            "      - if: flag_guards_faults",
            "unknown condition `flag_guards_faults`",
            "if: flag_guards_faults",
        ),
        (
            "dependencies:\n",
            "budgets:\n  max_mttr_p90: soon\ndependencies:\n",
            "cannot parse duration `soon`",
            "max_mttr_p90: soon",
        ),
        (
            "dependencies:\n",
            "budgets:\n  max_regression_rate: 5\ndependencies:\n",
            "regression rate budget 5 is outside [0, 1]",
            "max_regression_rate: 5",
        ),
        (
            "dependencies:\n",
            "budgets:\n  max_revenue_lost: -5\ndependencies:\n",
            "non-negative amount",
            "max_revenue_lost: -5",
        ),
    ];
    for (from, to, message, at) in cases {
        let text = friday_with(from, to);
        let errs = errors(&text);
        let e = errs
            .iter()
            .find(|e| e.message.contains(message))
            .unwrap_or_else(|| panic!("no error containing `{message}` in {errs:#?}"));
        assert_eq!(e.line, Some(line_of(&text, at)), "line of `{message}`: {e}");
        assert!(e.column.is_some(), "{e}");
        let shown = e.to_string();
        assert!(
            shown.starts_with(&format!("test.yaml:{}:", line_of(&text, at))),
            "{shown}"
        );
    }
}

#[test]
fn budgets_are_read_into_the_model() {
    let text = friday_with(
        "dependencies:\n",
        "budgets:\n  max_mttr_p90: 45m\n  max_regression_rate: 0.05\n  max_failed_requests: 20000\ndependencies:\n",
    );
    let sc = parse("test.yaml", &text).expect("valid");
    assert_eq!(sc.budgets.max_mttr_p90, Some(SimDuration::from_mins(45)));
    assert_eq!(sc.budgets.max_regression_rate.map(|r| r.get()), Some(0.05));
    assert_eq!(sc.budgets.max_failed_requests, Some(20000));
    assert_eq!(sc.budgets.max_mttr_mean, None);
    assert_eq!(friday_cascade().budgets, Budgets::default());
    let typo = friday_with(
        "dependencies:\n",
        "budgets:\n  max_mttr: 45m\ndependencies:\n",
    );
    assert!(errors(&typo).iter().any(|e| e.message.contains("max_mttr")));
}

#[test]
fn reports_several_problems_at_once() {
    let text = friday_with("coupling: 0.9", "coupling: 1.9")
        .replacen(
            "callee: login, coupling: 0.3",
            "callee: logon, coupling: 0.3",
            1,
        )
        .replacen("window: 5m", "window: soon", 1);
    let errs = errors(&text);
    assert!(errs.len() >= 3, "{errs:#?}");
    // In file order.
    let lines: Vec<_> = errs.iter().map(|e| e.line).collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
}

#[test]
fn never_panics_on_garbage() {
    let deep = "[".repeat(2000);
    let inputs = [
        "",
        "[]",
        "services: 3",
        "name: x",
        "\u{0}\u{1}\u{2}binary\u{7f}",
        "a: [1, 2\nb: {",
        deep.as_str(),
        "name: x\nstart: now\nservices: {}\nteam: {}\nrisk: {}",
        "*alias",
        "--- !tag\n? complex key\n: value",
    ];
    for input in inputs {
        let r = std::panic::catch_unwind(|| parse("garbage.yaml", input));
        assert!(
            matches!(r, Ok(Err(_))),
            "input {input:?} should be rejected without a panic"
        );
    }
}
