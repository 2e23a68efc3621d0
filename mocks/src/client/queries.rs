//! The PromQL a canary analysis runs, and reading its answers.
//!
//! An error ratio is two exact counter increases over the window, requests
//! and errors, each `sum(x) - (sum(x offset W) or vector(0))`: the
//! difference of the last samples at both ends, which is what the
//! simulation's own series arithmetic computes. (`increase()` would
//! extrapolate to the window's edges, as Prometheus does, and give a
//! slightly different number than the in-process control plane.)

use gameday_sim::control::CpError;
use gameday_sim::time::SimDuration;
use serde_json::Value;

use super::views::malformed;
use crate::prometheus_mount::REQUESTS_METRIC;

fn quote(v: &str) -> String {
    let escaped = v.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}

/// The increase of a service's (optionally one build's) requests, or of
/// its failed requests, over `window`.
pub(super) fn increase(
    service: &str,
    version: Option<&str>,
    errors_only: bool,
    window: SimDuration,
) -> String {
    let mut matchers = vec![format!("service={}", quote(service))];
    if let Some(v) = version {
        matchers.push(format!("version={}", quote(v)));
    }
    if errors_only {
        matchers.push("code=~\"5..\"".to_string());
    }
    let selector = format!("{REQUESTS_METRIC}{{{}}}", matchers.join(","));
    let w = window.as_millis();
    format!("sum({selector}) - (sum({selector} offset {w}ms) or vector(0))")
}

/// The single value of an instant vector answer, as a count (0 when the
/// vector is empty: no such series yet).
pub(super) fn count(data: &Value) -> Result<u64, CpError> {
    let Some(first) = data["result"].as_array().and_then(|r| r.first()) else {
        return Ok(0);
    };
    let v: f64 = first["value"][1]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| malformed("query answer without a value"))?;
    if !(v >= 0.0 && v.fract() == 0.0) {
        return Err(malformed(&format!("counter increase {v} is not a count")));
    }
    Ok(v as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_name_the_build_and_the_error_codes() {
        let q = increase("payment", Some("v42+pr1"), true, SimDuration::from_secs(60));
        assert_eq!(
            q,
            "sum(http_requests_total{service=\"payment\",version=\"v42+pr1\",code=~\"5..\"}) - (sum(http_requests_total{service=\"payment\",version=\"v42+pr1\",code=~\"5..\"} offset 60000ms) or vector(0))"
        );
        assert!(!increase("a\"b", None, false, SimDuration::from_secs(1)).contains("a\"b"));
    }

    #[test]
    fn counts_read_the_first_sample() {
        let data = serde_json::json!({ "resultType": "vector", "result": [{ "metric": {}, "value": [1.5, "42"] }] });
        assert_eq!(count(&data).unwrap(), 42);
        assert_eq!(count(&serde_json::json!({ "result": [] })).unwrap(), 0);
        let bad = serde_json::json!({ "result": [{ "value": [1.5, "NaN"] }] });
        assert!(count(&bad).is_err());
    }
}
