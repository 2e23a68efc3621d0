//! The Prometheus HTTP API fake: a store, a PromQL evaluator and request
//! handlers, all pure (no networking), for a wiremock layer to mount.
//!
//! * [`tsdb`]: the in-memory series store the simulation fills.
//! * [`promql`]: evaluates the PromQL subset of api-reference §2.
//! * [`api`]: turns an HTTP request into a status and JSON body (§1).
//! * `params`: request parameters, times and durations (§1.2).
//! * [`encode`]: the JSON encodings of results (§1.4).

pub mod api;
pub mod encode;
mod params;
pub mod promql;
pub mod tsdb;

pub use api::{handle, AlertView, Context, RuleGroupView};
pub use promql::{eval_instant, eval_range, EvalError, RangeSeries, Value};
pub use tsdb::{LabelMatcher, Labels, Series, Tsdb};
