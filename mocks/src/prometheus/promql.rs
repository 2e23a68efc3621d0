//! A PromQL evaluator over [`Tsdb`], for the subset SLO and error-rate
//! queries use (api-reference §2).
//!
//! Parsing is `promql-parser`'s; this module walks its AST at one instant.
//! A range query is the instant evaluation repeated at every step.
//!
//! * [`eval_instant`], [`eval_range`]: the entry points.
//! * `aggregate`: `sum`/`avg`/`min`/`max`/`count` with `by`/`without`.
//! * `binary`: arithmetic, comparisons and set operators.
//! * `functions`: `rate`, `increase`, `irate`, `vector`, `scalar`,
//!   `histogram_quantile`, `time`, `absent`, and `avg`/`min`/`max`/`sum`/
//!   `count`/`last`/`present` `_over_time`.
//!
//! Supported: selectors with `=`, `!=`, `=~`, `!~`; range selectors; the
//! functions above; `+ - * / % ^`; `== != > < >= <=` with or without `bool`;
//! `and`/`or`/`unless`; `on`/`ignoring`; unary minus; number and string
//! literals; parentheses. Everything else is [`EvalError::Unsupported`],
//! never a silently wrong answer.

mod aggregate;
mod binary;
mod functions;
pub mod limits;

use std::collections::BTreeMap;
use std::time::Duration;

use promql_parser::label::{MatchOp as ParserOp, Matcher};
use promql_parser::parser::value::ValueType;
use promql_parser::parser::{self, Expr, VectorSelector};

use super::tsdb::{LabelMatcher, Labels, MatchOp, Tsdb, METRIC_NAME};
use limits::Budget;

/// The default lookback of an instant selector (api-reference §2.2).
pub const DEFAULT_LOOKBACK_MS: i64 = 5 * 60 * 1000;

/// The result of evaluating an expression at one instant.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An instant vector; labels are unique within it.
    Vector(Vec<(Labels, f64)>),
    Scalar(f64),
    String(String),
    /// A range vector, only at the top of an instant query such as `x[5m]`.
    Matrix(Vec<RangeSeries>),
}

/// One series of a range query result (or of a range vector).
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSeries {
    pub labels: Labels,
    /// `(unix ms, value)`, oldest first.
    pub samples: Vec<(i64, f64)>,
}

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// The text is not PromQL, or has the wrong type for the request
    /// (the API answers 400 `bad_data`).
    #[error("{0}")]
    Parse(String),
    /// Valid PromQL this fake does not evaluate (the API answers 422
    /// `execution`). The message names the construct.
    #[error("{0} is not supported by the Prometheus fake")]
    Unsupported(String),
    /// Valid PromQL that fails at run time, as in Prometheus, e.g. duplicate
    /// label sets (the API answers 422 `execution`).
    #[error("{0}")]
    Execution(String),
    /// Range parameters that make no sense (end before start, step <= 0).
    #[error("{0}")]
    InvalidRange(String),
    /// The evaluation ran past its time ([`limits::MAX_EVAL`]); the API
    /// answers 503 `timeout`, as Prometheus does.
    #[error("query timed out in expression evaluation")]
    Timeout,
}

/// Evaluates `expr` at `t_ms`, instant selectors looking back `lookback_ms`,
/// within the [`limits`].
pub fn eval_instant(
    tsdb: &Tsdb,
    expr: &str,
    t_ms: i64,
    lookback_ms: i64,
) -> Result<Value, EvalError> {
    eval_instant_within(tsdb, expr, t_ms, lookback_ms, None)
}

/// [`eval_instant`] with a `timeout` shorter than [`limits::MAX_EVAL`].
pub fn eval_instant_within(
    tsdb: &Tsdb,
    expr: &str,
    t_ms: i64,
    lookback_ms: i64,
    timeout: Option<Duration>,
) -> Result<Value, EvalError> {
    let ast = parse(expr)?;
    let ev = Evaluator::new(tsdb, lookback_ms, Budget::new(timeout));
    ev.eval(&ast, t_ms)
}

/// Evaluates `expr` at `start_ms`, `start_ms + step_ms`, ... up to `end_ms`.
/// The series come sorted by labels; steps where a series has no value are
/// absent from its samples. Within the [`limits`].
pub fn eval_range(
    tsdb: &Tsdb,
    expr: &str,
    start_ms: i64,
    end_ms: i64,
    step_ms: i64,
    lookback_ms: i64,
) -> Result<Vec<RangeSeries>, EvalError> {
    eval_range_within(tsdb, expr, (start_ms, end_ms, step_ms), lookback_ms, None)
}

/// [`eval_range`] of `(start, end, step)` in ms with a `timeout` shorter
/// than [`limits::MAX_EVAL`].
pub fn eval_range_within(
    tsdb: &Tsdb,
    expr: &str,
    (start_ms, end_ms, step_ms): (i64, i64, i64),
    lookback_ms: i64,
    timeout: Option<Duration>,
) -> Result<Vec<RangeSeries>, EvalError> {
    if end_ms < start_ms {
        return Err(EvalError::InvalidRange(
            "end timestamp must not be before start time".into(),
        ));
    }
    if step_ms <= 0 {
        return Err(EvalError::InvalidRange(
            "zero or negative query resolution step widths are not accepted. Try a positive integer".into(),
        ));
    }
    let ast = parse(expr)?;
    let kind = ast.value_type();
    if !matches!(kind, ValueType::Vector | ValueType::Scalar) {
        return Err(EvalError::Parse(format!(
            "invalid expression type \"{kind}\" for range query, must be Scalar or instant Vector"
        )));
    }
    let ev = Evaluator::new(tsdb, lookback_ms, Budget::new(timeout));
    let mut out: BTreeMap<Labels, Vec<(i64, f64)>> = BTreeMap::new();
    let mut t = start_ms;
    loop {
        ev.budget.check_time()?;
        match ev.eval(&ast, t)? {
            Value::Vector(samples) => {
                for (labels, v) in samples {
                    out.entry(labels).or_default().push((t, v));
                }
            }
            Value::Scalar(v) => out.entry(Labels::new()).or_default().push((t, v)),
            other => {
                return Err(EvalError::Execution(format!(
                    "unexpected {other:?} in range query"
                )));
            }
        }
        match t.checked_add(step_ms) {
            Some(next) if next <= end_ms => t = next,
            _ => break,
        }
    }
    Ok(out
        .into_iter()
        .map(|(labels, samples)| RangeSeries { labels, samples })
        .collect())
}

/// Parses `expr` once it passed the [`limits`] on its text (the API's
/// `match[]` selectors too).
pub fn parse(expr: &str) -> Result<Expr, EvalError> {
    limits::check_text(expr)?;
    // The parser has panicked on inputs the limits now refuse first; if
    // it finds another, the request is refused, not the fake.
    std::panic::catch_unwind(|| parser::parse(expr))
        .unwrap_or_else(|_| Err("the query could not be parsed".into()))
        .map_err(EvalError::Parse)
}

/// Walks the AST at one instant.
pub(crate) struct Evaluator<'a> {
    tsdb: &'a Tsdb,
    lookback_ms: i64,
    budget: Budget,
}

impl<'a> Evaluator<'a> {
    fn new(tsdb: &'a Tsdb, lookback_ms: i64, budget: Budget) -> Self {
        let lookback_ms = if lookback_ms > 0 {
            lookback_ms
        } else {
            DEFAULT_LOOKBACK_MS
        };
        Self {
            tsdb,
            lookback_ms,
            budget,
        }
    }

    fn eval(&self, expr: &Expr, t: i64) -> Result<Value, EvalError> {
        match expr {
            Expr::NumberLiteral(n) => Ok(Value::Scalar(n.val)),
            Expr::StringLiteral(s) => Ok(Value::String(s.val.clone())),
            Expr::Paren(p) => self.eval(&p.expr, t),
            Expr::Unary(u) => match self.eval(&u.expr, t)? {
                Value::Scalar(v) => Ok(Value::Scalar(-v)),
                // Unary minus drops the metric name, like arithmetic.
                Value::Vector(samples) => {
                    let negated = samples
                        .into_iter()
                        .map(|(l, v)| (drop_name(l), -v))
                        .collect();
                    Ok(Value::Vector(ensure_unique(negated)?))
                }
                _ => Err(EvalError::Unsupported(
                    "unary minus on a non-numeric value".into(),
                )),
            },
            Expr::VectorSelector(vs) => self.instant_selector(vs, t),
            Expr::MatrixSelector(ms) => Ok(Value::Matrix(self.range_selector(
                &ms.vs,
                ms.range.as_millis(),
                t,
            )?)),
            Expr::Aggregate(a) => aggregate::eval(self, a, t),
            Expr::Binary(b) => binary::eval(self, b, t),
            Expr::Call(c) => functions::eval(self, c, t),
            Expr::Subquery(_) => Err(EvalError::Unsupported("subquery".into())),
            Expr::Extension(_) => Err(EvalError::Unsupported("extension expression".into())),
        }
    }

    /// Evaluates `expr`, requiring an instant vector.
    fn eval_vector(&self, expr: &Expr, t: i64) -> Result<Vec<(Labels, f64)>, EvalError> {
        match self.eval(expr, t)? {
            Value::Vector(v) => Ok(v),
            other => Err(EvalError::Execution(format!(
                "expected instant vector, got {}",
                kind(&other)
            ))),
        }
    }

    /// Evaluates `expr`, requiring a scalar.
    fn eval_scalar(&self, expr: &Expr, t: i64) -> Result<f64, EvalError> {
        match self.eval(expr, t)? {
            Value::Scalar(v) => Ok(v),
            other => Err(EvalError::Execution(format!(
                "expected scalar, got {}",
                kind(&other)
            ))),
        }
    }

    /// The newest sample of each matching series in `(t - lookback, t]`.
    fn instant_selector(&self, vs: &VectorSelector, t: i64) -> Result<Value, EvalError> {
        // `offset` shifts an instant selector's evaluation time (the
        // increase `x - x offset 5m` needs it); range selectors still refuse
        // it, as their extrapolation would need the shifted window too.
        let t = match &vs.offset {
            None => t,
            Some(promql_parser::parser::Offset::Pos(d)) => {
                t.saturating_sub(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            }
            Some(promql_parser::parser::Offset::Neg(d)) => {
                t.saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            }
        };
        let matchers = selector_matchers_without_offset(vs)?;
        let from = t.saturating_sub(self.lookback_ms);
        let samples: Vec<_> = self
            .tsdb
            .select(&matchers)
            .filter_map(|s| {
                s.window(from, t)
                    .last()
                    .map(|(_, v)| (s.labels.clone(), *v))
            })
            .collect();
        self.budget.load(samples.len())?;
        Ok(Value::Vector(samples))
    }

    /// The samples of each matching series in `(t - range, t]`; series
    /// without any are left out.
    fn range_selector(
        &self,
        vs: &VectorSelector,
        range_ms: u128,
        t: i64,
    ) -> Result<Vec<RangeSeries>, EvalError> {
        let matchers = selector_matchers(vs)?;
        let range_ms = i64::try_from(range_ms).unwrap_or(i64::MAX);
        let from = t.saturating_sub(range_ms);
        let mut out = Vec::new();
        for s in self.tsdb.select(&matchers) {
            let window = s.window(from, t);
            if window.is_empty() {
                continue;
            }
            self.budget.load(window.len())?;
            out.push(RangeSeries {
                labels: s.labels.clone(),
                samples: window.to_vec(),
            });
        }
        Ok(out)
    }
}

/// The store matchers of a selector; `offset` and `@` are refused.
fn selector_matchers(vs: &VectorSelector) -> Result<Vec<LabelMatcher>, EvalError> {
    if vs.offset.is_some() {
        return Err(EvalError::Unsupported(
            "offset modifier on a range selector".into(),
        ));
    }
    selector_matchers_without_offset(vs)
}

/// The store matchers of a selector whose offset the caller applied; `@`
/// is refused.
fn selector_matchers_without_offset(vs: &VectorSelector) -> Result<Vec<LabelMatcher>, EvalError> {
    if vs.at.is_some() {
        return Err(EvalError::Unsupported("@ modifier".into()));
    }
    to_label_matchers(vs)
}

/// Converts a parsed selector's matchers (metric name included) into store
/// matchers. Used by the evaluator and by the API's `match[]`.
pub fn to_label_matchers(vs: &VectorSelector) -> Result<Vec<LabelMatcher>, EvalError> {
    if !vs.matchers.or_matchers.is_empty() {
        return Err(EvalError::Unsupported(
            "`or` inside a label matcher list".into(),
        ));
    }
    let mut out: Vec<LabelMatcher> = vs
        .name
        .iter()
        .map(|n| LabelMatcher::equal(METRIC_NAME, n))
        .collect();
    out.extend(vs.matchers.matchers.iter().map(convert_matcher));
    Ok(out)
}

fn convert_matcher(m: &Matcher) -> LabelMatcher {
    // The parser already anchors regexes as `^(?:...)$` (api-reference §2.4).
    let op = match &m.op {
        ParserOp::Equal => MatchOp::Equal(m.value.clone()),
        ParserOp::NotEqual => MatchOp::NotEqual(m.value.clone()),
        ParserOp::Re(r) => MatchOp::Re(r.clone()),
        ParserOp::NotRe(r) => MatchOp::NotRe(r.clone()),
    };
    LabelMatcher {
        name: m.name.clone(),
        op,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Vector(_) => "instant vector",
        Value::Scalar(_) => "scalar",
        Value::String(_) => "string",
        Value::Matrix(_) => "range vector",
    }
}

/// `labels` without `__name__`.
fn drop_name(mut labels: Labels) -> Labels {
    labels.remove(METRIC_NAME);
    labels
}

/// Prometheus refuses a vector with two elements of one label set, which
/// happens when dropping `__name__` merges series.
fn ensure_unique(samples: Vec<(Labels, f64)>) -> Result<Vec<(Labels, f64)>, EvalError> {
    let mut seen = std::collections::BTreeSet::new();
    for (labels, _) in &samples {
        if !seen.insert(labels) {
            return Err(EvalError::Execution(
                "vector cannot contain metrics with the same labelset".into(),
            ));
        }
    }
    Ok(samples)
}

#[cfg(test)]
mod tests;
