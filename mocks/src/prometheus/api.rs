//! Request handlers of the Prometheus HTTP API: a request in, a status and
//! body out, over a [`Context`] the caller fills (api-reference §1).
//!
//! * `/api/v1/query`, `/api/v1/query_range`, `/api/v1/series`,
//!   `/api/v1/labels`: GET or form POST.
//! * `/api/v1/label/<name>/values`, `/api/v1/alerts`, `/api/v1/rules`,
//!   `/api/v1/status/buildinfo`: GET.
//! * `/-/healthy`, `/-/ready`: GET or HEAD, plain text.

use std::time::Duration;

use promql_parser::parser::Expr;
use serde_json::{json, Value as Json};

use super::encode;
use super::params::{parse_duration, parse_time, Params};
use super::promql::{self, EvalError, Value};
use super::tsdb::{is_valid_label_name, LabelMatcher, Labels, Tsdb};
use crate::http::{HttpRequest, HttpResponse};

/// What the handlers answer from; the caller fills it from the simulation.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub tsdb: &'a Tsdb,
    /// Virtual now, used when `time` (or `end` of series/labels) is absent.
    pub now_ms: i64,
    pub alerts: &'a [AlertView],
    pub rules: &'a [RuleGroupView],
}

/// The state of an active alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertState {
    Pending,
    Firing,
}

/// An alert as `/api/v1/alerts` lists it (api-reference §1.3).
#[derive(Debug, Clone, PartialEq)]
pub struct AlertView {
    pub labels: Labels,
    pub annotations: Labels,
    pub state: AlertState,
    pub active_at_ms: Option<i64>,
    pub keep_firing_since_ms: Option<i64>,
    pub value: f64,
}

/// The state of an alerting rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleState {
    Inactive,
    Pending,
    Firing,
}

/// The health of a rule's last evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleHealth {
    Ok,
    Err,
    Unknown,
}

/// An alerting rule (api-reference §1.3).
#[derive(Debug, Clone, PartialEq)]
pub struct AlertingRuleView {
    pub name: String,
    pub query: String,
    pub duration_s: f64,
    pub keep_firing_for_s: f64,
    pub labels: Labels,
    pub annotations: Labels,
    pub state: RuleState,
    pub alerts: Vec<AlertView>,
    pub health: RuleHealth,
    pub last_error: Option<String>,
    pub evaluation_time_s: f64,
    pub last_evaluation_ms: i64,
}

/// A recording rule (api-reference §1.3).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordingRuleView {
    pub name: String,
    pub query: String,
    pub labels: Labels,
    pub health: RuleHealth,
    pub last_error: Option<String>,
    pub evaluation_time_s: f64,
    pub last_evaluation_ms: i64,
}

/// One rule of a group.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleView {
    Alerting(AlertingRuleView),
    Recording(RecordingRuleView),
}

/// A rule group as `/api/v1/rules` lists it (api-reference §1.3).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleGroupView {
    pub name: String,
    pub file: String,
    pub rules: Vec<RuleView>,
    pub interval_s: f64,
    pub limit: i64,
    pub evaluation_time_s: f64,
    pub last_evaluation_ms: i64,
}

/// The version `/api/v1/status/buildinfo` reports.
pub const FAKE_VERSION: &str = "3.14.0";

/// Most points a range query may return per series (api-reference §1.2).
const MAX_POINTS: i64 = 11_000;

/// The earliest and latest times Prometheus accepts, as its defaults for
/// series and label queries.
const MIN_TIME_MS: i64 = i64::MIN / 2;
const MAX_TIME_MS: i64 = i64::MAX / 2;

/// Answers one request. Never panics, whatever the input.
pub fn handle(req: &HttpRequest, ctx: &Context<'_>) -> HttpResponse {
    let method = req.method.to_ascii_uppercase();
    let read_only = matches!(method.as_str(), "GET");
    let get_or_post = matches!(method.as_str(), "GET" | "POST");
    let path = req.path.as_str();
    let (allowed, handler): (bool, fn(&Params, &Context<'_>) -> Reply) = match path {
        "/api/v1/query" => (get_or_post, query),
        "/api/v1/query_range" => (get_or_post, query_range),
        "/api/v1/series" => (get_or_post, series),
        "/api/v1/labels" => (get_or_post, labels),
        "/api/v1/alerts" => (read_only, alerts),
        "/api/v1/rules" => (read_only, rules),
        "/api/v1/status/buildinfo" => (read_only, buildinfo),
        // The web UI's address: `/` redirects to it, as on a real
        // server, and clients that probe the root (prometheus-api-client's
        // check_prometheus_connection) find a page there.
        "/" => {
            if !matches!(method.as_str(), "GET" | "HEAD") {
                return method_not_allowed();
            }
            return HttpResponse::raw(
                302,
                "text/html; charset=utf-8",
                "<a href=\"/graph\">Found</a>.\n",
            )
            .with_header("location", "/graph");
        }
        "/graph" | "/query" => {
            if !matches!(method.as_str(), "GET" | "HEAD") {
                return method_not_allowed();
            }
            return HttpResponse::raw(
                200,
                "text/html; charset=utf-8",
                "<!doctype html><title>Prometheus (gameday fake)</title><p>This is gameday's Prometheus fake: it has no web UI. Query it through the HTTP API, e.g. <code>/api/v1/query?query=http_requests_total</code>, or add it to Grafana as a Prometheus data source.</p>\n",
            );
        }
        "/-/healthy" | "/-/ready" => {
            if !matches!(method.as_str(), "GET" | "HEAD") {
                return method_not_allowed();
            }
            let body = if path == "/-/healthy" {
                "Prometheus Server is Healthy.\n"
            } else {
                "Prometheus Server is Ready.\n"
            };
            return HttpResponse::raw(200, TEXT, body);
        }
        _ => match label_values_name(path) {
            Some(name) => {
                if !read_only {
                    return method_not_allowed();
                }
                let params = Params::parse(&req.query, None);
                return reply_to_response(label_values(name, &params, ctx));
            }
            None => return HttpResponse::raw(404, TEXT, "404 page not found\n"),
        },
    };
    if !allowed {
        return method_not_allowed();
    }
    let params = Params::parse(&req.query, form_body(&method, req));
    reply_to_response(handler(&params, ctx))
}

const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";

/// A handler's outcome: the `data` JSON, or an API error.
type Reply = Result<String, ApiError>;

/// An API error (api-reference §1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ApiError {
    error_type: &'static str,
    message: String,
}

impl ApiError {
    fn bad_data(message: impl Into<String>) -> Self {
        Self {
            error_type: "bad_data",
            message: message.into(),
        }
    }

    /// `invalid parameter "<name>": <why>`, as Prometheus words bad params.
    fn invalid_param(name: &str, why: impl std::fmt::Display) -> Self {
        Self::bad_data(format!("invalid parameter {name:?}: {why}"))
    }

    fn execution(message: impl Into<String>) -> Self {
        Self {
            error_type: "execution",
            message: message.into(),
        }
    }

    /// The HTTP status of an errorType (`getDefaultErrorCode`).
    fn status(&self) -> u16 {
        match self.error_type {
            "bad_data" => 400,
            "execution" => 422,
            "timeout" => 503,
            "canceled" => 499,
            "not_found" => 404,
            "not_acceptable" => 406,
            _ => 500,
        }
    }
}

impl From<EvalError> for ApiError {
    fn from(e: EvalError) -> Self {
        match e {
            EvalError::Parse(msg) => Self::invalid_param("query", msg),
            EvalError::InvalidRange(msg) => Self::bad_data(msg),
            EvalError::Unsupported(_) | EvalError::Execution(_) => Self::execution(e.to_string()),
            EvalError::Timeout => Self {
                error_type: "timeout",
                message: e.to_string(),
            },
        }
    }
}

fn reply_to_response(reply: Reply) -> HttpResponse {
    match reply {
        Ok(data) => HttpResponse::raw(200, JSON, encode::success(&data)),
        Err(e) => HttpResponse::raw(e.status(), JSON, encode::error(e.error_type, &e.message)),
    }
}

/// As Go's router answers a known path with a method it does not serve.
fn method_not_allowed() -> HttpResponse {
    HttpResponse::raw(405, TEXT, "Method Not Allowed\n")
}

/// The body to read as a form: a POST whose content type is form-encoded
/// (or absent, leniently).
fn form_body<'a>(method: &str, req: &'a HttpRequest) -> Option<&'a [u8]> {
    let is_form = req.header("content-type").is_none_or(|ct| {
        ct.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("application/x-www-form-urlencoded")
    });
    (method == "POST" && is_form).then_some(req.body.as_slice())
}

/// `<name>` of `/api/v1/label/<name>/values`.
fn label_values_name(path: &str) -> Option<&str> {
    path.strip_prefix("/api/v1/label/")?
        .strip_suffix("/values")
        .filter(|n| !n.contains('/'))
}

fn time_param(params: &Params, name: &str, default_ms: i64) -> Result<i64, ApiError> {
    match params.get(name) {
        None => Ok(default_ms),
        Some(s) => parse_time(s).map_err(|e| ApiError::invalid_param(name, e)),
    }
}

fn duration_param(params: &Params, name: &str) -> Result<Option<i64>, ApiError> {
    params
        .get(name)
        .map(|s| parse_duration(s).map_err(|e| ApiError::invalid_param(name, e)))
        .transpose()
}

/// The optional `limit`: a non-negative integer, 0 meaning none.
fn limit_param(params: &Params) -> Result<usize, ApiError> {
    match params.get("limit") {
        None => Ok(0),
        Some(s) => s.parse::<usize>().map_err(|_| {
            ApiError::invalid_param("limit", format!("cannot parse {s:?} to a valid limit"))
        }),
    }
}

/// The options every query takes: `timeout` (checked, then ignored: the fake
/// answers at once), `lookback_delta` and `limit`.
/// A query's `lookback_delta`, `limit` and `timeout` (which can only
/// shorten [`promql::limits::MAX_EVAL`]).
fn query_options(params: &Params) -> Result<(i64, usize, Option<Duration>), ApiError> {
    let timeout = duration_param(params, "timeout")?
        .map(|ms| Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
        .filter(|d| !d.is_zero());
    let lookback_ms =
        duration_param(params, "lookback_delta")?.unwrap_or(promql::DEFAULT_LOOKBACK_MS);
    Ok((lookback_ms, limit_param(params)?, timeout))
}

fn query(params: &Params, ctx: &Context<'_>) -> Reply {
    let expr = params.get("query").unwrap_or("");
    let t = time_param(params, "time", ctx.now_ms)?;
    let (lookback_ms, limit, timeout) = query_options(params)?;
    let mut value = promql::eval_instant_within(ctx.tsdb, expr, t, lookback_ms, timeout)?;
    match &mut value {
        Value::Vector(v) => {
            v.sort_by(|a, b| a.0.cmp(&b.0));
            truncate(v, limit);
        }
        Value::Matrix(m) => truncate(m, limit),
        _ => {}
    }
    Ok(encode::instant_data(&value, t))
}

fn truncate<T>(items: &mut Vec<T>, limit: usize) {
    if limit > 0 {
        items.truncate(limit);
    }
}

fn query_range(params: &Params, ctx: &Context<'_>) -> Reply {
    let expr = params.get("query").unwrap_or("");
    let required_time = |name: &str| {
        parse_time(params.get(name).unwrap_or("")).map_err(|e| ApiError::invalid_param(name, e))
    };
    let start = required_time("start")?;
    let end = required_time("end")?;
    if end < start {
        return Err(ApiError::invalid_param(
            "end",
            "end timestamp must not be before start time",
        ));
    }
    let step = parse_duration(params.get("step").unwrap_or(""))
        .map_err(|e| ApiError::invalid_param("step", e))?;
    if step <= 0 {
        return Err(ApiError::invalid_param(
            "step",
            "zero or negative query resolution step widths are not accepted. Try a positive integer",
        ));
    }
    // api-reference §1.2: at most 11,000 points per series.
    if (end as i128 - start as i128) / step as i128 > MAX_POINTS as i128 {
        return Err(ApiError::bad_data(
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
        ));
    }
    let (lookback_ms, limit, timeout) = query_options(params)?;
    let mut series =
        promql::eval_range_within(ctx.tsdb, expr, (start, end, step), lookback_ms, timeout)?;
    truncate(&mut series, limit);
    Ok(encode::matrix_data(&series))
}

/// Parses `match[]` selectors into matcher sets.
fn match_params(params: &Params) -> Result<Vec<Vec<LabelMatcher>>, ApiError> {
    params
        .get_all("match[]")
        .into_iter()
        .map(|s| {
            let invalid = |why: String| ApiError::invalid_param("match[]", why);
            match promql::parse(s).map_err(|e| invalid(e.to_string()))? {
                Expr::VectorSelector(vs) => {
                    promql::to_label_matchers(&vs).map_err(|e| invalid(e.to_string()))
                }
                other => Err(invalid(format!(
                    "expected a series selector, got {:?}",
                    other.value_type().to_string()
                ))),
            }
        })
        .collect()
}

/// `start`/`end` of the metadata endpoints, wide open by default.
fn time_range(params: &Params) -> Result<(i64, i64), ApiError> {
    let start = time_param(params, "start", MIN_TIME_MS)?;
    let end = time_param(params, "end", MAX_TIME_MS)?;
    if end < start {
        return Err(ApiError::invalid_param(
            "end",
            "end timestamp must not be before start time",
        ));
    }
    Ok((start, end))
}

fn series(params: &Params, ctx: &Context<'_>) -> Reply {
    if params.get_all("match[]").is_empty() {
        return Err(ApiError::bad_data("no match[] parameter provided"));
    }
    let sets = match_params(params)?;
    let (start, end) = time_range(params)?;
    let mut items: Vec<String> = ctx
        .tsdb
        .select_any(&sets, start, end)
        .map(|s| encode::labels(&s.labels))
        .collect();
    truncate(&mut items, limit_param(params)?);
    Ok(format!("[{}]", items.join(",")))
}

fn labels(params: &Params, ctx: &Context<'_>) -> Reply {
    let sets = match_params(params)?;
    let (start, end) = time_range(params)?;
    let mut names = ctx.tsdb.label_names(&sets, start, end);
    truncate(&mut names, limit_param(params)?);
    Ok(Json::from(names).to_string())
}

fn label_values(name: &str, params: &Params, ctx: &Context<'_>) -> Reply {
    if !is_valid_label_name(name) {
        return Err(ApiError::bad_data(format!("invalid label name: {name:?}")));
    }
    let sets = match_params(params)?;
    let (start, end) = time_range(params)?;
    let mut values = ctx.tsdb.label_values(name, &sets, start, end);
    truncate(&mut values, limit_param(params)?);
    Ok(Json::from(values).to_string())
}

fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| "0001-01-01T00:00:00Z".into())
}

fn alert_json(a: &AlertView) -> Json {
    let mut obj = json!({
        "labels": a.labels,
        "annotations": a.annotations,
        "state": match a.state { AlertState::Pending => "pending", AlertState::Firing => "firing" },
        // Go's strconv.FormatFloat(v, 'e', -1, 64), e.g. "1e+00".
        "value": encode::exponent_form(a.value),
    });
    if let Some(ms) = a.active_at_ms {
        obj["activeAt"] = json!(rfc3339(ms));
    }
    if let Some(ms) = a.keep_firing_since_ms {
        obj["keepFiringSince"] = json!(rfc3339(ms));
    }
    obj
}

fn alerts(_: &Params, ctx: &Context<'_>) -> Reply {
    let list: Vec<Json> = ctx.alerts.iter().map(alert_json).collect();
    Ok(json!({ "alerts": list }).to_string())
}

fn health(h: RuleHealth) -> &'static str {
    match h {
        RuleHealth::Ok => "ok",
        RuleHealth::Err => "err",
        RuleHealth::Unknown => "unknown",
    }
}

fn rule_json(rule: &RuleView, exclude_alerts: bool) -> Json {
    match rule {
        RuleView::Alerting(r) => {
            let mut obj = json!({
                "state": match r.state { RuleState::Inactive => "inactive", RuleState::Pending => "pending", RuleState::Firing => "firing" },
                "name": r.name,
                "query": r.query,
                "duration": r.duration_s,
                "keepFiringFor": r.keep_firing_for_s,
                "labels": r.labels,
                "annotations": r.annotations,
                "health": health(r.health),
                "evaluationTime": r.evaluation_time_s,
                "lastEvaluation": rfc3339(r.last_evaluation_ms),
                "type": "alerting",
            });
            if !exclude_alerts {
                obj["alerts"] = Json::Array(r.alerts.iter().map(alert_json).collect());
            }
            if let Some(e) = &r.last_error {
                obj["lastError"] = json!(e);
            }
            obj
        }
        RuleView::Recording(r) => {
            let mut obj = json!({
                "name": r.name,
                "query": r.query,
                "labels": r.labels,
                "health": health(r.health),
                "evaluationTime": r.evaluation_time_s,
                "lastEvaluation": rfc3339(r.last_evaluation_ms),
                "type": "recording",
            });
            if let Some(e) = &r.last_error {
                obj["lastError"] = json!(e);
            }
            obj
        }
    }
}

fn rules(params: &Params, ctx: &Context<'_>) -> Reply {
    let (want_alerting, want_recording) = match params.get("type") {
        None => (true, true),
        Some("alert") => (true, false),
        Some("record") => (false, true),
        Some(other) => {
            return Err(ApiError::invalid_param(
                "type",
                format!("not supported value {other:?}"),
            ))
        }
    };
    let names = params.get_all("rule_name[]");
    let groups = params.get_all("rule_group[]");
    let files = params.get_all("file[]");
    let exclude_alerts = match params.get("exclude_alerts") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::invalid_param(
                "exclude_alerts",
                format!("not a boolean: {other:?}"),
            ))
        }
    };
    let filtered = params.get("type").is_some() || !names.is_empty();
    let list: Vec<Json> = ctx
        .rules
        .iter()
        .filter(|g| {
            (groups.is_empty() || groups.contains(&g.name.as_str()))
                && (files.is_empty() || files.contains(&g.file.as_str()))
        })
        .filter_map(|g| {
            let rules: Vec<Json> = g
                .rules
                .iter()
                .filter(|r| {
                    let (alerting, name) = match r {
                        RuleView::Alerting(a) => (true, &a.name),
                        RuleView::Recording(r) => (false, &r.name),
                    };
                    (if alerting {
                        want_alerting
                    } else {
                        want_recording
                    }) && (names.is_empty() || names.contains(&name.as_str()))
                })
                .map(|r| rule_json(r, exclude_alerts))
                .collect();
            (!filtered || !rules.is_empty()).then(|| {
                json!({
                    "name": g.name,
                    "file": g.file,
                    "rules": rules,
                    "interval": g.interval_s,
                    "limit": g.limit,
                    "evaluationTime": g.evaluation_time_s,
                    "lastEvaluation": rfc3339(g.last_evaluation_ms),
                })
            })
        })
        .collect();
    Ok(json!({ "groups": list }).to_string())
}

fn buildinfo(_: &Params, _: &Context<'_>) -> Reply {
    Ok(json!({
        "version": FAKE_VERSION,
        "revision": "gameday-fake",
        "branch": "HEAD",
        "buildUser": "gameday",
        "buildDate": "20260101-00:00:00",
        "goVersion": "go1.24",
    })
    .to_string())
}

#[cfg(test)]
mod limit_tests;
#[cfg(test)]
mod tests;
