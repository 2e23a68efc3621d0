//! Budgets: limits a strategy must stay within (MTTR, regression rate,
//! failed requests, revenue lost), and the verdict of a report against
//! them, with a message saying by how much a limit was missed.
//!
//! A comparison is judged per strategy on its many-seed numbers; a single
//! replay is judged as a sample of one (its MTTR stands for the mean and
//! the p90, a regression makes its regression rate 100%). An MTTR that is
//! only a lower bound (replays not restored count at the horizon) is
//! judged as the number it is and says so: `MTTR p90 ≥ 480 min exceeds
//! budget 45 min by ≥ 435 min`.
//!
//! A verdict also carries the replays that failed (the control plane
//! refused a request), each with the command that replays it: JUnit
//! reports them as an error of the strategy's test case.

use std::time::Duration;

use gameday_sim::score::censor::Bounded;

use crate::cover::bounded;
use crate::format::{money, percent};
use crate::wire::{CompareReport, RunReport};

/// The limits; `None` means no limit on that measure.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Budgets {
    pub max_mttr_p90: Option<Duration>,
    pub max_mttr_mean: Option<Duration>,
    /// A share in [0, 1].
    pub max_regression_rate: Option<f64>,
    /// Mean failed requests per replay caused by the incident (the
    /// baseline errors of a good day do not count).
    pub max_failed_requests: Option<u64>,
    /// Mean revenue lost per replay.
    pub max_revenue_lost: Option<f64>,
}

impl Budgets {
    pub fn is_empty(&self) -> bool {
        *self == Budgets::default()
    }

    /// The limits as `--flag value` pairs, for reports to list.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        let mut v = Vec::new();
        if let Some(d) = self.max_mttr_p90 {
            v.push(("max-mttr-p90", min_text(d.as_secs_f64())));
        }
        if let Some(d) = self.max_mttr_mean {
            v.push(("max-mttr-mean", min_text(d.as_secs_f64())));
        }
        if let Some(r) = self.max_regression_rate {
            v.push(("max-regression-rate", percent(r)));
        }
        if let Some(n) = self.max_failed_requests {
            v.push(("max-failed-requests", n.to_string()));
        }
        if let Some(m) = self.max_revenue_lost {
            v.push(("max-revenue-lost", money(m)));
        }
        v
    }
}

/// Minutes with at most one decimal: `45 min`, `52.3 min`.
fn min_text(seconds: f64) -> String {
    format!("{} min", crate::format::trim(seconds / 60.0, 1))
}

/// One measure against one limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The flag that set the limit, e.g. `max-mttr-p90`.
    pub budget: &'static str,
    pub missed: bool,
    /// "MTTR p90 52.3 min exceeds budget 45 min by 7.3 min", or
    /// "MTTR p90 21.5 min within budget 45 min".
    pub message: String,
}

/// A strategy's (or a replay's) checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub name: String,
    /// Why nothing was checked (the strategy could not act), if so.
    pub skipped: Option<String>,
    pub checks: Vec<Check>,
    /// Replays that failed, one line each with the seed, the reason and
    /// the command that replays it; an error in JUnit.
    pub failed_replays: Vec<String>,
    /// What the numbers cover, and the paired answer: context for the
    /// test case's output.
    pub notes: Vec<String>,
}

impl Verdict {
    pub fn misses(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.missed)
    }
    /// Whether every budget was met (failed replays aside).
    pub fn passed(&self) -> bool {
        self.misses().next().is_none()
    }
    /// Whether some replay failed.
    pub fn errored(&self) -> bool {
        !self.failed_replays.is_empty()
    }
}

/// Compares `actual` with `limit`, both in the unit `show` prints.
fn check(
    budget: &'static str,
    what: &str,
    actual: f64,
    limit: f64,
    show: impl Fn(f64) -> String,
) -> Check {
    check_with(budget, what, exact(actual), limit, &show, &show)
}

fn exact(value: f64) -> Bounded {
    Bounded {
        value,
        lower_bound: false,
    }
}

/// As [`check`], for a value that may be a lower bound, with the excess
/// printed by `excess`.
fn check_with(
    budget: &'static str,
    what: &str,
    actual: Bounded,
    limit: f64,
    show: &dyn Fn(f64) -> String,
    excess: &dyn Fn(f64) -> String,
) -> Check {
    let missed = actual.value > limit;
    let shown = bounded(actual, show);
    let message = if missed {
        let by = Bounded {
            value: actual.value - limit,
            lower_bound: actual.lower_bound,
        };
        format!(
            "{what} {shown} exceeds budget {} by {}",
            show(limit),
            bounded(by, excess)
        )
    } else if actual.lower_bound {
        format!(
            "{what} {shown} within budget {} as far as known (a lower bound: replays not restored count at the horizon)",
            show(limit)
        )
    } else {
        format!("{what} {shown} within budget {}", show(limit))
    };
    Check {
        budget,
        missed,
        message,
    }
}

/// The measures a verdict reads, whatever the report.
struct Measures {
    mttr_p90_seconds: Option<Bounded>,
    mttr_mean_seconds: Option<Bounded>,
    regression_rate: f64,
    failed_requests: f64,
    revenue_lost: f64,
}

fn judge(b: &Budgets, m: &Measures, one_replay: bool) -> Vec<Check> {
    let (p90_name, mean_name) = if one_replay {
        ("MTTR (p90 budget)", "MTTR (mean budget)")
    } else {
        ("MTTR p90", "MTTR mean")
    };
    let mut checks = Vec::new();
    if let (Some(limit), Some(actual)) = (b.max_mttr_p90, m.mttr_p90_seconds) {
        checks.push(check_with(
            "max-mttr-p90",
            p90_name,
            actual,
            limit.as_secs_f64(),
            &min_text,
            &min_text,
        ));
    }
    if let (Some(limit), Some(actual)) = (b.max_mttr_mean, m.mttr_mean_seconds) {
        checks.push(check_with(
            "max-mttr-mean",
            mean_name,
            actual,
            limit.as_secs_f64(),
            &min_text,
            &min_text,
        ));
    }
    if let Some(limit) = b.max_regression_rate {
        checks.push(check_with(
            "max-regression-rate",
            "regression rate",
            exact(m.regression_rate),
            limit,
            &percent,
            &|d| format!("{:.1} points", d * 100.0),
        ));
    }
    if let Some(limit) = b.max_failed_requests {
        let per = if one_replay { "" } else { " per replay" };
        checks.push(check(
            "max-failed-requests",
            "failed requests",
            m.failed_requests,
            limit as f64,
            |v| format!("{v:.0}{per}"),
        ));
    }
    if let Some(limit) = b.max_revenue_lost {
        let per = if one_replay { "" } else { " per replay" };
        checks.push(check(
            "max-revenue-lost",
            "revenue lost",
            m.revenue_lost,
            limit,
            |v| format!("{}{per}", money(v)),
        ));
    }
    checks
}

/// Judges every strategy of a comparison.
pub fn judge_compare(report: &CompareReport, b: &Budgets) -> Vec<Verdict> {
    report
        .strategies
        .iter()
        .map(|s| {
            let failed_replays: Vec<String> = s
                .failed_replays
                .iter()
                .map(|f| {
                    format!(
                        "seed {}: {} (replay it: {})",
                        f.replay.seed, f.replay.reason, f.command
                    )
                })
                .collect();
            let mut notes = vec![format!(
                "counted {} of {} replays (restored {}, not restored {}, stopped by policy {}, no impact {}, failed {}, not applicable {})",
                s.summary.counted_runs,
                s.summary.runs,
                s.summary.outcomes.restored,
                s.summary.outcomes.not_restored,
                s.summary.outcomes.stopped,
                s.summary.outcomes.no_impact,
                s.summary.outcomes.failed,
                s.summary.outcomes.not_applicable,
            )];
            notes.extend(s.versus_baseline.as_ref().map(|v| v.answer.clone()));
            if !s.summary.applicable {
                return Verdict {
                    name: s.summary.name.clone(),
                    skipped: Some(
                        s.summary
                            .not_applicable_reason
                            .clone()
                            .unwrap_or_else(|| "not applicable".into()),
                    ),
                    checks: Vec::new(),
                    failed_replays,
                    notes,
                };
            }
            let m = Measures {
                mttr_p90_seconds: s.summary.mttr_seconds.map(|m| m.p90()),
                mttr_mean_seconds: s.summary.mttr_seconds.map(|m| m.mean()),
                regression_rate: s.summary.regression_rate,
                failed_requests: s
                    .summary
                    .failed_requests_by_cause
                    .map(|f| f.incident())
                    .unwrap_or(0.0),
                revenue_lost: s.summary.revenue_lost.map(|r| r.mean).unwrap_or(0.0),
            };
            Verdict {
                name: s.summary.name.clone(),
                skipped: None,
                checks: judge(b, &m, false),
                failed_replays,
                notes,
            }
        })
        .collect()
}

/// Judges one replay.
pub fn judge_run(report: &RunReport, b: &Budgets) -> Verdict {
    let s = &report.score;
    let name = format!("{} (seed {})", report.strategy, report.seed);
    let failed_replays = match &s.outcome {
        crate::wire::run::OutcomeReport::Failed(why) => vec![format!(
            "seed {}: {why} (replay it: {})",
            report.seed, report.command
        )],
        _ => Vec::new(),
    };
    let notes = vec![format!("replay it: {}", report.command)];
    if !s.applicable {
        let skipped = match &s.outcome {
            crate::wire::run::OutcomeReport::NotApplicable(why) => why.clone(),
            _ => "not applicable".into(),
        };
        return Verdict {
            name,
            skipped: Some(skipped),
            checks: Vec::new(),
            failed_replays,
            notes,
        };
    }
    let mttr = report.mttr_seconds();
    let m = Measures {
        mttr_p90_seconds: mttr,
        mttr_mean_seconds: mttr,
        regression_rate: if s.regressions.is_empty() { 0.0 } else { 1.0 },
        failed_requests: s.failed_requests.incident() as f64,
        revenue_lost: s.revenue_lost,
    };
    Verdict {
        name,
        skipped: None,
        checks: judge(b, &m, true),
        failed_replays,
        notes,
    }
}

/// Parses a duration budget such as `45m` or `1h30m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text.trim())
        .map_err(|e| format!("{e} (hint: a duration such as 45m, 90s or 1h30m)"))?;
    if d.is_zero() {
        return Err("a budget of zero can never be met (hint: such as 45m)".into());
    }
    Ok(d)
}

/// Parses a share: `0.05` or `5%`.
pub fn parse_share(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (number, scale) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), 100.0),
        None => (t, 1.0),
    };
    let v: f64 = number
        .parse()
        .map_err(|_| format!("`{t}` is not a number (hint: a share such as 0.05 or 5%)"))?;
    let v = v / scale;
    if !(0.0..=1.0).contains(&v) {
        return Err(format!(
            "`{t}` is outside 0 to 1 (hint: a share such as 0.05 or 5%)"
        ));
    }
    Ok(v)
}

/// Parses an amount of money: `20000`, `$20000` or `20000.50`.
pub fn parse_money(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let v: f64 = t
        .strip_prefix('$')
        .unwrap_or(t)
        .replace('_', "")
        .parse()
        .map_err(|_| format!("`{t}` is not an amount (hint: such as 20000 or $20000)"))?;
    if !v.is_finite() || v < 0.0 {
        return Err(format!("`{t}` must be zero or more"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_say_by_how_much_a_budget_is_missed() {
        let c = check("max-mttr-p90", "MTTR p90", 3138.0, 2700.0, min_text);
        assert!(c.missed);
        assert_eq!(
            c.message,
            "MTTR p90 52.3 min exceeds budget 45 min by 7.3 min"
        );
        let ok = check("max-mttr-p90", "MTTR p90", 1290.0, 2700.0, min_text);
        assert!(!ok.missed);
        assert_eq!(ok.message, "MTTR p90 21.5 min within budget 45 min");
    }

    #[test]
    fn should_say_when_a_missed_mttr_is_only_a_lower_bound() {
        let censored = Bounded {
            value: 28800.0,
            lower_bound: true,
        };
        let c = check_with(
            "max-mttr-p90",
            "MTTR p90",
            censored,
            2700.0,
            &min_text,
            &min_text,
        );
        assert!(c.missed);
        assert_eq!(
            c.message,
            "MTTR p90 ≥ 480 min exceeds budget 45 min by ≥ 435 min"
        );
    }

    #[test]
    fn should_count_rate_differences_in_points() {
        let b = Budgets {
            max_regression_rate: Some(0.05),
            ..Budgets::default()
        };
        let m = Measures {
            mttr_p90_seconds: None,
            mttr_mean_seconds: None,
            regression_rate: 0.636,
            failed_requests: 0.0,
            revenue_lost: 0.0,
        };
        let checks = judge(&b, &m, false);
        assert_eq!(
            checks[0].message,
            "regression rate 63.6% exceeds budget 5.0% by 58.6 points"
        );
    }

    #[test]
    fn should_name_a_failed_replay_and_the_command_that_replays_it() {
        use crate::wire::{Origin, RunReport};
        let sc = gameday_sim::scenario::friday_cascade();
        let p = gameday_sim::strategy::presets::preset("rollback", &sc).unwrap();
        let r = gameday_sim::engine::replay(&sc, &p, 2);
        let mut report = RunReport::build(&sc, &r, Origin::embedded("0.1.0"));
        assert!(!judge_run(&report, &Budgets::default()).errored());
        report.score.outcome = crate::wire::run::OutcomeReport::Failed("refused".into());
        let v = judge_run(&report, &Budgets::default());
        assert_eq!(
            v.failed_replays,
            ["seed 2: refused (replay it: gameday run --strategy rollback --seed 2)"]
        );
        assert_eq!(report.mttr_seconds(), None, "a failed replay has no MTTR");
    }

    #[test]
    fn should_parse_budget_flags_or_explain() {
        assert_eq!(parse_duration("45m"), Ok(Duration::from_secs(2700)));
        assert!(parse_duration("45x").unwrap_err().contains("hint"));
        assert!(parse_duration("0s").is_err());
        assert_eq!(parse_share("0.05"), Ok(0.05));
        assert_eq!(parse_share("5%"), Ok(0.05));
        assert!(parse_share("1.5").unwrap_err().contains("outside"));
        assert!(parse_share("lots").unwrap_err().contains("not a number"));
        assert_eq!(parse_money("$20000"), Ok(20000.0));
        assert!(parse_money("-3").is_err());
    }
}
