//! JSON encodings of Prometheus results: timestamps, sample values, vectors,
//! matrices and the response envelope (api-reference §1.1, §1.4).
//!
//! Written by hand because timestamps must come out as numbers with exactly
//! three fractional digits (`1700000000.050`), which no f64 serializer does.

use std::fmt::Write;

use super::promql::{RangeSeries, Value};
use super::tsdb::Labels;

/// A timestamp in unix ms as JSON seconds: whole seconds without a decimal
/// point, otherwise exactly three fractional digits (api-reference §1.4).
pub fn timestamp(t_ms: i64) -> String {
    let sign = if t_ms < 0 { "-" } else { "" };
    let abs = t_ms.unsigned_abs();
    let (secs, frac) = (abs / 1000, abs % 1000);
    if frac == 0 {
        format!("{sign}{secs}")
    } else {
        format!("{sign}{secs}.{frac:03}")
    }
}

/// A sample value as Go's `strconv.FormatFloat(v, 'f', -1, 64)` would write
/// it, switching to exponent form when |v| < 1e-6 or |v| >= 1e21, with
/// `NaN`, `+Inf`, `-Inf` for the specials (api-reference §1.4).
pub fn sample_value(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let abs = v.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        exponent_form(v)
    } else {
        // Rust's Display is the shortest round-trip form and never uses an exponent.
        format!("{v}")
    }
}

/// Go's `strconv.FormatFloat(v, 'e', -1, 64)`: shortest mantissa, and an
/// exponent with a sign and at least two digits (`1e-07`, `1.5e+21`).
pub fn exponent_form(v: f64) -> String {
    if !v.is_finite() {
        return sample_value(v);
    }
    let rust = format!("{v:e}");
    let (mantissa, exp) = rust.split_once('e').unwrap_or((&rust, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
}

/// A JSON string literal.
pub fn string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// A label set as a JSON object, keys in sorted order.
pub fn labels(labels: &Labels) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{}:{}", string(k), string(v));
    }
    out.push('}');
    out
}

/// `[<ts>,"<value>"]`.
pub fn point(t_ms: i64, v: f64) -> String {
    format!("[{},\"{}\"]", timestamp(t_ms), sample_value(v))
}

/// The `data` object of an instant query evaluated at `t_ms`.
pub fn instant_data(value: &Value, t_ms: i64) -> String {
    match value {
        Value::Scalar(v) => format!(r#"{{"resultType":"scalar","result":{}}}"#, point(t_ms, *v)),
        Value::String(s) => {
            format!(
                r#"{{"resultType":"string","result":[{},{}]}}"#,
                timestamp(t_ms),
                string(s)
            )
        }
        Value::Vector(samples) => {
            let items: Vec<String> = samples
                .iter()
                .map(|(l, v)| format!(r#"{{"metric":{},"value":{}}}"#, labels(l), point(t_ms, *v)))
                .collect();
            format!(
                r#"{{"resultType":"vector","result":[{}]}}"#,
                items.join(",")
            )
        }
        Value::Matrix(series) => matrix_data(series),
    }
}

/// The `data` object of a matrix result; series sorted by labels (api-reference §1.4).
pub fn matrix_data(series: &[RangeSeries]) -> String {
    let mut sorted: Vec<&RangeSeries> = series.iter().collect();
    sorted.sort_by(|a, b| a.labels.cmp(&b.labels));
    let items: Vec<String> = sorted
        .iter()
        .map(|s| {
            let points: Vec<String> = s.samples.iter().map(|(t, v)| point(*t, *v)).collect();
            format!(
                r#"{{"metric":{},"values":[{}]}}"#,
                labels(&s.labels),
                points.join(",")
            )
        })
        .collect();
    format!(
        r#"{{"resultType":"matrix","result":[{}]}}"#,
        items.join(",")
    )
}

/// `{"status":"success","data":<data>}`.
pub fn success(data: &str) -> String {
    format!(r#"{{"status":"success","data":{data}}}"#)
}

/// `{"status":"error","errorType":..,"error":..}`.
pub fn error(error_type: &str, message: &str) -> String {
    format!(
        r#"{{"status":"error","errorType":{},"error":{}}}"#,
        string(error_type),
        string(message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_encode_values_like_go() {
        let table: &[(f64, &str)] = &[
            (1.0, "1"),
            (0.5, "0.5"),
            (-2.25, "-2.25"),
            (0.0, "0"),
            (1e-6, "0.000001"),
            (1e-7, "1e-07"),
            (1.5e-7, "1.5e-07"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (-1.25e300, "-1.25e+300"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ];
        for (v, want) in table {
            assert_eq!(sample_value(*v), *want, "value {v:?}");
        }
    }

    #[test]
    fn should_encode_timestamps_as_seconds_with_three_decimals() {
        assert_eq!(timestamp(1_700_000_000_000), "1700000000");
        assert_eq!(timestamp(1_700_000_000_050), "1700000000.050");
        assert_eq!(timestamp(1_700_000_000_123), "1700000000.123");
        assert_eq!(timestamp(-1500), "-1.500");
        assert_eq!(timestamp(i64::MIN), "-9223372036854775.808");
    }

    #[test]
    fn should_encode_exponent_form_for_alert_values() {
        assert_eq!(exponent_form(1.0), "1e+00");
        assert_eq!(exponent_form(0.25), "2.5e-01");
    }

    #[test]
    fn should_encode_empty_vector_as_empty_array() {
        assert_eq!(
            instant_data(&Value::Vector(vec![]), 0),
            r#"{"resultType":"vector","result":[]}"#
        );
    }
}
