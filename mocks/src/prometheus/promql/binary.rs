//! Binary operators: arithmetic, comparisons (filter or `bool`) and the set
//! operators `and`/`or`/`unless`, with one-to-one `on`/`ignoring` matching
//! (api-reference §2.2).

use std::collections::{BTreeMap, BTreeSet};

use promql_parser::parser::{BinaryExpr, LabelModifier, VectorMatchCardinality};

use super::{drop_name, ensure_unique, EvalError, Evaluator, Value};
use crate::prometheus::tsdb::{display_labels, Labels, METRIC_NAME};

type Vector = Vec<(Labels, f64)>;

pub(super) fn eval(ev: &Evaluator<'_>, b: &BinaryExpr, t: i64) -> Result<Value, EvalError> {
    let op = b.op.to_string();
    let matching = match &b.modifier {
        None => None,
        Some(m) => {
            if m.fill_values.lhs.is_some() || m.fill_values.rhs.is_some() {
                return Err(EvalError::Unsupported("fill modifier".into()));
            }
            match m.card {
                VectorMatchCardinality::ManyToOne(_) => {
                    return Err(EvalError::Unsupported("group_left".into()))
                }
                VectorMatchCardinality::OneToMany(_) => {
                    return Err(EvalError::Unsupported("group_right".into()))
                }
                _ => {}
            }
            m.matching.as_ref()
        }
    };
    let return_bool = b.modifier.as_ref().is_some_and(|m| m.return_bool);
    let kind = OpKind::of(&op)?;
    let lhs = ev.eval(&b.lhs, t)?;
    let rhs = ev.eval(&b.rhs, t)?;
    match (kind, lhs, rhs) {
        (OpKind::Set, Value::Vector(l), Value::Vector(r)) => {
            Ok(Value::Vector(set_op(&op, l, r, matching)))
        }
        (OpKind::Set, ..) => Err(EvalError::Parse(format!(
            "set operator \"{op}\" not allowed in binary scalar expression"
        ))),
        (_, Value::Scalar(l), Value::Scalar(r)) => {
            let (v, keep) = apply(&op, l, r);
            match (kind, return_bool) {
                (OpKind::Arithmetic, _) => Ok(Value::Scalar(v)),
                (_, true) => Ok(Value::Scalar(if keep { 1.0 } else { 0.0 })),
                (_, false) => Err(EvalError::Parse(
                    "comparisons between scalars must use BOOL modifier".into(),
                )),
            }
        }
        (_, Value::Vector(l), Value::Scalar(r)) => {
            vector_scalar(&op, kind, l, r, false, return_bool)
        }
        (_, Value::Scalar(l), Value::Vector(r)) => {
            vector_scalar(&op, kind, r, l, true, return_bool)
        }
        (_, Value::Vector(l), Value::Vector(r)) => {
            vector_vector(&op, kind, l, r, matching, return_bool)
        }
        (_, l, r) => Err(EvalError::Execution(format!(
            "binary operator \"{op}\" between {} and {}",
            super::kind(&l),
            super::kind(&r)
        ))),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpKind {
    Arithmetic,
    Comparison,
    Set,
}

impl OpKind {
    fn of(op: &str) -> Result<Self, EvalError> {
        match op {
            "+" | "-" | "*" | "/" | "%" | "^" => Ok(Self::Arithmetic),
            "==" | "!=" | ">" | "<" | ">=" | "<=" => Ok(Self::Comparison),
            "and" | "or" | "unless" => Ok(Self::Set),
            other => Err(EvalError::Unsupported(format!("binary operator `{other}`"))),
        }
    }
}

/// `l op r`: the value and whether a comparison holds (always true for
/// arithmetic). Comparisons yield `l`, the left-hand value.
fn apply(op: &str, l: f64, r: f64) -> (f64, bool) {
    match op {
        "+" => (l + r, true),
        "-" => (l - r, true),
        "*" => (l * r, true),
        // IEEE division gives ±Inf for x/0 and NaN for 0/0, as Go does.
        "/" => (l / r, true),
        // Rust's `%` on floats is C's fmod, like Go's math.Mod.
        "%" => (l % r, true),
        "^" => (l.powf(r), true),
        "==" => (l, l == r),
        "!=" => (l, l != r),
        ">" => (l, l > r),
        "<" => (l, l < r),
        ">=" => (l, l >= r),
        "<=" => (l, l <= r),
        _ => (f64::NAN, false),
    }
}

fn vector_scalar(
    op: &str,
    kind: OpKind,
    vector: Vector,
    scalar: f64,
    swap: bool,
    return_bool: bool,
) -> Result<Value, EvalError> {
    let drop = kind == OpKind::Arithmetic || return_bool;
    let mut out = Vec::with_capacity(vector.len());
    for (labels, v) in vector {
        let (l, r) = if swap { (scalar, v) } else { (v, scalar) };
        let (mut value, mut keep) = apply(op, l, r);
        // A comparison keeps the vector's value even when the scalar is on the left.
        if kind == OpKind::Comparison && swap {
            value = v;
        }
        if return_bool {
            value = if keep { 1.0 } else { 0.0 };
            keep = true;
        }
        if keep {
            out.push((if drop { drop_name(labels) } else { labels }, value));
        }
    }
    Ok(Value::Vector(ensure_unique(out)?))
}

/// The labels two elements must share to match.
fn signature(labels: &Labels, matching: Option<&LabelModifier>) -> Labels {
    match matching {
        Some(LabelModifier::Include(on)) => labels
            .iter()
            .filter(|(k, _)| on.labels.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        Some(LabelModifier::Exclude(ignoring)) => labels
            .iter()
            .filter(|(k, _)| *k != METRIC_NAME && !ignoring.labels.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        None => labels
            .iter()
            .filter(|(k, _)| *k != METRIC_NAME)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

fn vector_vector(
    op: &str,
    kind: OpKind,
    lhs: Vector,
    rhs: Vector,
    matching: Option<&LabelModifier>,
    return_bool: bool,
) -> Result<Value, EvalError> {
    let mut right: BTreeMap<Labels, f64> = BTreeMap::new();
    for (labels, v) in &rhs {
        let sig = signature(labels, matching);
        if right.insert(sig.clone(), *v).is_some() {
            return Err(EvalError::Execution(format!(
                "found duplicate series for the match group {} on the right hand-side of the operation; \
                 many-to-many matching not allowed: matching labels must be unique on one side",
                display_labels(&sig)
            )));
        }
    }
    let drop = kind == OpKind::Arithmetic || return_bool;
    let mut matched: BTreeSet<Labels> = BTreeSet::new();
    let mut out = Vec::new();
    for (labels, l) in lhs {
        let sig = signature(&labels, matching);
        let Some(&r) = right.get(&sig) else { continue };
        if !matched.insert(sig) {
            return Err(EvalError::Execution(
                "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)".into(),
            ));
        }
        let (mut value, mut keep) = apply(op, l, r);
        if return_bool {
            value = if keep { 1.0 } else { 0.0 };
            keep = true;
        }
        if !keep {
            continue;
        }
        let mut result = if drop { drop_name(labels) } else { labels };
        match matching {
            Some(LabelModifier::Include(on)) => result.retain(|k, _| on.labels.contains(k)),
            Some(LabelModifier::Exclude(ignoring)) => {
                result.retain(|k, _| !ignoring.labels.contains(k))
            }
            None => {}
        }
        out.push((result, value));
    }
    Ok(Value::Vector(ensure_unique(out)?))
}

fn set_op(op: &str, lhs: Vector, rhs: Vector, matching: Option<&LabelModifier>) -> Vector {
    let right: BTreeSet<Labels> = rhs.iter().map(|(l, _)| signature(l, matching)).collect();
    match op {
        "and" => lhs
            .into_iter()
            .filter(|(l, _)| right.contains(&signature(l, matching)))
            .collect(),
        "unless" => lhs
            .into_iter()
            .filter(|(l, _)| !right.contains(&signature(l, matching)))
            .collect(),
        _ => {
            let left: BTreeSet<Labels> = lhs.iter().map(|(l, _)| signature(l, matching)).collect();
            let mut out = lhs;
            out.extend(
                rhs.into_iter()
                    .filter(|(l, _)| !left.contains(&signature(l, matching))),
            );
            out
        }
    }
}
