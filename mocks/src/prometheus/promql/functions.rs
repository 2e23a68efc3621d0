//! The functions the fake evaluates: `rate`, `increase`, `irate`, `vector`,
//! `scalar`, `histogram_quantile`, `time`, `absent` and the
//! `<aggregation>_over_time` family (`avg`, `min`, `max`, `sum`, `count`,
//! `last`, `present`); any other is unsupported.

use std::collections::BTreeMap;

use promql_parser::parser::{Call, Expr};

use super::{drop_name, ensure_unique, EvalError, Evaluator, RangeSeries, Value};
use crate::prometheus::tsdb::Labels;

pub(super) fn eval(ev: &Evaluator<'_>, call: &Call, t: i64) -> Result<Value, EvalError> {
    let name = call.func.name;
    let args = &call.args.args;
    let arg = |i: usize| -> Result<&Expr, EvalError> {
        args.get(i)
            .map(|a| a.as_ref())
            .ok_or_else(|| EvalError::Parse(format!("missing argument {} of {name}()", i + 1)))
    };
    match name {
        "rate" | "increase" | "irate" => {
            let (series, range_ms) = range_arg(ev, arg(0)?, t)?;
            let out = series
                .into_iter()
                .filter_map(|s| {
                    let v = match name {
                        "irate" => instant_rate(&s.samples),
                        _ => extrapolated_rate(
                            &s.samples,
                            t.saturating_sub(range_ms),
                            t,
                            name == "rate",
                        ),
                    };
                    v.map(|v| (drop_name(s.labels), v))
                })
                .collect();
            Ok(Value::Vector(ensure_unique(out)?))
        }
        "avg_over_time" | "min_over_time" | "max_over_time" | "sum_over_time"
        | "count_over_time" | "last_over_time" | "present_over_time" => {
            let (series, _) = range_arg(ev, arg(0)?, t)?;
            let out = series
                .into_iter()
                .filter_map(|s| {
                    let values = s.samples.iter().map(|(_, v)| *v);
                    let v = match name {
                        "avg_over_time" => values.sum::<f64>() / s.samples.len() as f64,
                        "min_over_time" => values.fold(f64::INFINITY, f64::min),
                        "max_over_time" => values.fold(f64::NEG_INFINITY, f64::max),
                        "sum_over_time" => values.sum(),
                        "count_over_time" => s.samples.len() as f64,
                        "present_over_time" => 1.0,
                        _ => s.samples.last()?.1,
                    };
                    // As Prometheus: only last_over_time keeps the name.
                    let labels = if name == "last_over_time" {
                        s.labels
                    } else {
                        drop_name(s.labels)
                    };
                    (!s.samples.is_empty()).then_some((labels, v))
                })
                .collect();
            Ok(Value::Vector(ensure_unique(out)?))
        }
        "time" => Ok(Value::Scalar(t as f64 / 1000.0)),
        "absent" => {
            let input = arg(0)?;
            if !ev.eval_vector(input, t)?.is_empty() {
                return Ok(Value::Vector(Vec::new()));
            }
            // The labels the selector pins with `=`, as Prometheus.
            let mut labels = Labels::new();
            if let Expr::VectorSelector(vs) = input {
                for m in &vs.matchers.matchers {
                    if matches!(m.op, promql_parser::label::MatchOp::Equal) && m.name != "__name__"
                    {
                        labels.insert(m.name.clone(), m.value.clone());
                    }
                }
            }
            Ok(Value::Vector(vec![(labels, 1.0)]))
        }
        "vector" => Ok(Value::Vector(vec![(
            Labels::new(),
            ev.eval_scalar(arg(0)?, t)?,
        )])),
        "scalar" => {
            let v = ev.eval_vector(arg(0)?, t)?;
            Ok(Value::Scalar(if v.len() == 1 { v[0].1 } else { f64::NAN }))
        }
        "histogram_quantile" => {
            let phi = ev.eval_scalar(arg(0)?, t)?;
            let input = ev.eval_vector(arg(1)?, t)?;
            Ok(Value::Vector(histogram_quantile(phi, input)))
        }
        other => Err(EvalError::Unsupported(format!("function {other}()"))),
    }
}

/// Evaluates a range-vector argument; only a plain range selector is allowed.
fn range_arg(
    ev: &Evaluator<'_>,
    expr: &Expr,
    t: i64,
) -> Result<(Vec<RangeSeries>, i64), EvalError> {
    match expr {
        Expr::MatrixSelector(ms) => {
            let range_ms = i64::try_from(ms.range.as_millis()).unwrap_or(i64::MAX);
            Ok((
                ev.range_selector(&ms.vs, ms.range.as_millis(), t)?,
                range_ms,
            ))
        }
        Expr::Paren(p) => range_arg(ev, &p.expr, t),
        Expr::Subquery(_) => Err(EvalError::Unsupported("subquery".into())),
        _ => Err(EvalError::Parse("expected a range vector argument".into())),
    }
}

/// `increase` (or `rate` when `is_rate`) of a counter over the window
/// `(start, end]`, extrapolated as Prometheus' `extrapolatedRate`
/// (api-reference §2.3). `None` with fewer than two samples.
pub(crate) fn extrapolated_rate(
    samples: &[(i64, f64)],
    start_ms: i64,
    end_ms: i64,
    is_rate: bool,
) -> Option<f64> {
    if samples.len() < 2 {
        return None;
    }
    let (first_t, first) = samples[0];
    let (last_t, last) = samples[samples.len() - 1];
    // Step 2: the raw delta, adding back the value before every counter reset.
    let mut result = last - first;
    let mut prev = first;
    for &(_, v) in &samples[1..] {
        if v < prev {
            result += prev;
        }
        prev = v;
    }
    // Step 3: gaps at both ends and the average spacing, in seconds.
    // i128 so that extreme times cannot overflow.
    let mut to_start = (first_t as i128 - start_ms as i128) as f64 / 1000.0;
    let mut to_end = (end_ms as i128 - last_t as i128) as f64 / 1000.0;
    let sampled = (last_t as i128 - first_t as i128) as f64 / 1000.0;
    let avg = sampled / (samples.len() - 1) as f64;
    let threshold = avg * 1.1;
    // Step 4: extrapolate at most half a spacing, and never below zero.
    if to_start >= threshold {
        to_start = avg / 2.0;
    }
    if result > 0.0 && first >= 0.0 {
        let to_zero = sampled * (first / result);
        if to_zero < to_start {
            to_start = to_zero;
        }
    }
    // Step 5.
    if to_end >= threshold {
        to_end = avg / 2.0;
    }
    // Step 6.
    let mut factor = (sampled + to_start + to_end) / sampled;
    if is_rate {
        factor /= (end_ms as i128 - start_ms as i128) as f64 / 1000.0;
    }
    Some(result * factor)
}

/// `irate`: the per-second change between the last two samples; after a
/// counter reset the last value itself is the change (api-reference §2.2).
pub(crate) fn instant_rate(samples: &[(i64, f64)]) -> Option<f64> {
    let [.., (prev_t, prev), (last_t, last)] = samples else {
        return None;
    };
    let dt_ms = *last_t as i128 - *prev_t as i128;
    if dt_ms == 0 {
        return None;
    }
    let delta = if last < prev { *last } else { last - prev };
    Some(delta / (dt_ms as f64 / 1000.0))
}

/// `histogram_quantile(phi, buckets)` over classic `le` buckets, grouped by
/// every label but `le` (api-reference §2.2). Elements without a parsable
/// `le` are ignored.
pub(crate) fn histogram_quantile(phi: f64, input: Vec<(Labels, f64)>) -> Vec<(Labels, f64)> {
    let mut groups: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
    for (mut labels, count) in input {
        let Some(le) = labels.remove("le") else {
            continue;
        };
        let Ok(upper) = le.trim().parse::<f64>() else {
            continue;
        };
        groups
            .entry(drop_name(labels))
            .or_default()
            .push((upper, count));
    }
    groups
        .into_iter()
        .map(|(labels, buckets)| (labels, bucket_quantile(phi, buckets)))
        .collect()
}

/// The quantile of one set of cumulative buckets `(upper bound, count)`.
pub(crate) fn bucket_quantile(phi: f64, mut buckets: Vec<(f64, f64)>) -> f64 {
    if phi.is_nan() {
        return f64::NAN;
    }
    if phi < 0.0 {
        return f64::NEG_INFINITY;
    }
    if phi > 1.0 {
        return f64::INFINITY;
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    if buckets.last().is_none_or(|b| b.0 != f64::INFINITY) {
        return f64::NAN;
    }
    // Buckets with the same bound are added together.
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(buckets.len());
    for (upper, count) in buckets {
        match merged.last_mut() {
            Some(last) if last.0 == upper => last.1 += count,
            _ => merged.push((upper, count)),
        }
    }
    // Cumulative counts are forced monotonic.
    let mut running = f64::NEG_INFINITY;
    for b in &mut merged {
        if b.1 < running {
            b.1 = running;
        }
        running = b.1;
    }
    if merged.len() < 2 {
        return f64::NAN;
    }
    let observations = merged[merged.len() - 1].1;
    if observations == 0.0 || observations.is_nan() {
        return f64::NAN;
    }
    let mut rank = phi * observations;
    // The first bucket (excluding +Inf) whose count reaches the rank.
    let n = merged.len() - 1;
    let b = merged[..n].partition_point(|bucket| bucket.1 < rank);
    if b == n {
        return merged[n - 1].0;
    }
    if b == 0 && merged[0].0 <= 0.0 {
        return merged[0].0;
    }
    let end = merged[b].0;
    let mut count = merged[b].1;
    let mut start = 0.0;
    if b > 0 {
        start = merged[b - 1].0;
        count -= merged[b - 1].1;
        rank -= merged[b - 1].1;
    }
    start + (end - start) * (rank / count)
}
