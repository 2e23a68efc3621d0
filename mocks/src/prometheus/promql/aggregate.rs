//! Aggregations `sum`, `avg`, `min`, `max`, `count` with `by`/`without`.

use std::collections::BTreeMap;

use promql_parser::parser::{AggregateExpr, LabelModifier};

use super::{EvalError, Evaluator, Value};
use crate::prometheus::tsdb::{Labels, METRIC_NAME};

/// Running state of one group.
#[derive(Debug, Default)]
struct Group {
    sum: f64,
    /// Neumaier compensation, as Prometheus' `kahanSumInc`.
    comp: f64,
    count: u64,
    min: Option<f64>,
    max: Option<f64>,
}

pub(super) fn eval(ev: &Evaluator<'_>, agg: &AggregateExpr, t: i64) -> Result<Value, EvalError> {
    let op = agg.op.to_string();
    if !matches!(op.as_str(), "sum" | "avg" | "min" | "max" | "count") {
        return Err(EvalError::Unsupported(format!("aggregation `{op}`")));
    }
    if agg.param.is_some() {
        return Err(EvalError::Unsupported(format!(
            "parameter of aggregation `{op}`"
        )));
    }
    let input = ev.eval_vector(&agg.expr, t)?;
    let mut groups: BTreeMap<Labels, Group> = BTreeMap::new();
    for (labels, v) in input {
        let g = groups
            .entry(group_key(labels, agg.modifier.as_ref()))
            .or_default();
        let (sum, comp) = kahan_add(v, g.sum, g.comp);
        g.sum = sum;
        g.comp = comp;
        g.count += 1;
        // A NaN already held is replaced, as in Prometheus.
        if g.min.is_none_or(|m| m > v || m.is_nan()) {
            g.min = Some(v);
        }
        if g.max.is_none_or(|m| m < v || m.is_nan()) {
            g.max = Some(v);
        }
    }
    let out = groups
        .into_iter()
        .map(|(labels, g)| {
            let v = match op.as_str() {
                "sum" => g.sum + g.comp,
                "avg" => (g.sum + g.comp) / g.count as f64,
                "min" => g.min.unwrap_or(f64::NAN),
                "max" => g.max.unwrap_or(f64::NAN),
                _ => g.count as f64,
            };
            (labels, v)
        })
        .collect();
    Ok(Value::Vector(out))
}

/// The group an element falls in: `by` keeps the listed labels, `without`
/// drops them and the metric name, no clause groups everything together.
fn group_key(mut labels: Labels, modifier: Option<&LabelModifier>) -> Labels {
    match modifier {
        None => Labels::new(),
        Some(LabelModifier::Include(keep)) => {
            labels.retain(|k, _| keep.labels.iter().any(|l| l == k));
            labels
        }
        Some(LabelModifier::Exclude(drop)) => {
            labels.retain(|k, _| k != METRIC_NAME && !drop.labels.iter().any(|l| l == k));
            labels
        }
    }
}

/// Adds `inc` to a compensated sum `(sum, comp)`.
pub(super) fn kahan_add(inc: f64, sum: f64, comp: f64) -> (f64, f64) {
    let t = sum + inc;
    let comp = if t.is_infinite() {
        0.0
    } else if sum.abs() >= inc.abs() {
        comp + ((sum - t) + inc)
    } else {
        comp + ((inc - t) + sum)
    };
    (t, comp)
}
