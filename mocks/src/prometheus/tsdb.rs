//! An in-memory time-series store the Prometheus fake answers from.
//!
//! * [`Tsdb`] holds [`Series`] kept sorted by their label sets, each with
//!   samples sorted by time, so every listing is deterministic.
//! * [`LabelMatcher`] selects series with Prometheus' matcher semantics:
//!   `=`, `!=`, `=~`, `!~`, regexes fully anchored, a missing label reads as
//!   the empty string.

use std::collections::{BTreeMap, BTreeSet};

use regex::Regex;

/// A label set. Every stored series has a `__name__`.
pub type Labels = BTreeMap<String, String>;

/// The label holding the metric name.
pub const METRIC_NAME: &str = "__name__";

/// One time series: its labels and its samples `(unix ms, value)`, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: Labels,
    pub samples: Vec<(i64, f64)>,
}

impl Series {
    /// Whether the series has a sample in `[start_ms, end_ms]`.
    pub fn has_sample_in(&self, start_ms: i64, end_ms: i64) -> bool {
        let from = self.samples.partition_point(|(t, _)| *t < start_ms);
        self.samples.get(from).is_some_and(|(t, _)| *t <= end_ms)
    }

    /// The samples with `start_ms < t <= end_ms` (Prometheus windows are
    /// left-open, api-reference §2.2).
    pub fn window(&self, start_ms: i64, end_ms: i64) -> &[(i64, f64)] {
        let from = self.samples.partition_point(|(t, _)| *t <= start_ms);
        let to = self.samples.partition_point(|(t, _)| *t <= end_ms);
        &self.samples[from..to.max(from)]
    }
}

/// Why a series could not be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TsdbError {
    #[error("series {0:?} has no `__name__` label (hint: every series needs a metric name)")]
    MissingName(Labels),
    #[error("invalid label name {0:?} (hint: use [a-zA-Z_][a-zA-Z0-9_]*)")]
    InvalidLabelName(String),
}

/// Whether `name` is a valid (legacy, ASCII) Prometheus label name.
pub fn is_valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A label set in PromQL notation, e.g. `{code="500",job="api"}`, for messages.
pub fn display_labels(labels: &Labels) -> String {
    let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", pairs.join(", "))
}

/// The store: series sorted by label set.
#[derive(Debug, Clone, Default)]
pub struct Tsdb {
    series: Vec<Series>,
}

impl Tsdb {
    pub fn new() -> Self {
        Self::default()
    }

    /// All series, sorted by label set.
    pub fn series(&self) -> &[Series] {
        &self.series
    }

    /// Adds samples to the series with `labels`, creating it if needed.
    /// Samples may come in any order; a later sample at an existing
    /// timestamp replaces the earlier one.
    pub fn push_series(
        &mut self,
        labels: Labels,
        samples: Vec<(i64, f64)>,
    ) -> Result<(), TsdbError> {
        if !labels.contains_key(METRIC_NAME) {
            return Err(TsdbError::MissingName(labels));
        }
        if let Some(bad) = labels.keys().find(|k| !is_valid_label_name(k)) {
            return Err(TsdbError::InvalidLabelName(bad.clone()));
        }
        let idx = match self.series.binary_search_by(|s| s.labels.cmp(&labels)) {
            Ok(i) => i,
            Err(i) => {
                self.series.insert(
                    i,
                    Series {
                        labels,
                        samples: Vec::new(),
                    },
                );
                i
            }
        };
        let series = &mut self.series[idx];
        for (t, v) in samples {
            match series.samples.binary_search_by(|(st, _)| st.cmp(&t)) {
                Ok(i) => series.samples[i].1 = v,
                Err(i) => series.samples.insert(i, (t, v)),
            }
        }
        Ok(())
    }

    /// Adds one sample to the series with `labels`.
    pub fn append(&mut self, labels: Labels, t_ms: i64, v: f64) -> Result<(), TsdbError> {
        self.push_series(labels, vec![(t_ms, v)])
    }

    /// The series matching every matcher, in label order.
    pub fn select<'a>(
        &'a self,
        matchers: &'a [LabelMatcher],
    ) -> impl Iterator<Item = &'a Series> + 'a {
        self.series
            .iter()
            .filter(move |s| matchers.iter().all(|m| m.matches(&s.labels)))
    }

    /// The series matching any of the matcher sets (all series when there
    /// are none) with a sample in `[start_ms, end_ms]`, in label order.
    pub fn select_any<'a>(
        &'a self,
        sets: &'a [Vec<LabelMatcher>],
        start_ms: i64,
        end_ms: i64,
    ) -> impl Iterator<Item = &'a Series> + 'a {
        self.series.iter().filter(move |s| {
            (sets.is_empty()
                || sets
                    .iter()
                    .any(|set| set.iter().all(|m| m.matches(&s.labels))))
                && s.has_sample_in(start_ms, end_ms)
        })
    }

    /// Sorted label names of the series [`Tsdb::select_any`] picks.
    pub fn label_names(
        &self,
        sets: &[Vec<LabelMatcher>],
        start_ms: i64,
        end_ms: i64,
    ) -> Vec<String> {
        let names: BTreeSet<&str> = self
            .select_any(sets, start_ms, end_ms)
            .flat_map(|s| s.labels.keys().map(String::as_str))
            .collect();
        names.into_iter().map(str::to_owned).collect()
    }

    /// Sorted distinct values of `name` over the series [`Tsdb::select_any`] picks.
    pub fn label_values(
        &self,
        name: &str,
        sets: &[Vec<LabelMatcher>],
        start_ms: i64,
        end_ms: i64,
    ) -> Vec<String> {
        let values: BTreeSet<&str> = self
            .select_any(sets, start_ms, end_ms)
            .filter_map(|s| s.labels.get(name).map(String::as_str))
            .collect();
        values.into_iter().map(str::to_owned).collect()
    }
}

/// How a [`LabelMatcher`] compares a label value.
#[derive(Debug, Clone)]
pub enum MatchOp {
    Equal(String),
    NotEqual(String),
    /// Already anchored as `^(?:...)$`.
    Re(Regex),
    /// Already anchored as `^(?:...)$`.
    NotRe(Regex),
}

/// One label matcher, e.g. `code=~"5.."`.
#[derive(Debug, Clone)]
pub struct LabelMatcher {
    pub name: String,
    pub op: MatchOp,
}

impl LabelMatcher {
    pub fn equal(name: &str, value: &str) -> Self {
        Self {
            name: name.to_owned(),
            op: MatchOp::Equal(value.to_owned()),
        }
    }

    pub fn not_equal(name: &str, value: &str) -> Self {
        Self {
            name: name.to_owned(),
            op: MatchOp::NotEqual(value.to_owned()),
        }
    }

    /// `name=~pattern`, anchored at both ends as Prometheus does.
    pub fn regex(name: &str, pattern: &str) -> Result<Self, regex::Error> {
        Ok(Self {
            name: name.to_owned(),
            op: MatchOp::Re(anchored(pattern)?),
        })
    }

    /// `name!~pattern`, anchored at both ends as Prometheus does.
    pub fn not_regex(name: &str, pattern: &str) -> Result<Self, regex::Error> {
        Ok(Self {
            name: name.to_owned(),
            op: MatchOp::NotRe(anchored(pattern)?),
        })
    }

    /// Whether `labels` satisfy the matcher; a missing label reads as "".
    pub fn matches(&self, labels: &Labels) -> bool {
        let value = labels.get(&self.name).map_or("", String::as_str);
        match &self.op {
            MatchOp::Equal(v) => value == v,
            MatchOp::NotEqual(v) => value != v,
            MatchOp::Re(r) => r.is_match(value),
            MatchOp::NotRe(r) => !r.is_match(value),
        }
    }
}

fn anchored(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{pattern})$"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn sample_db() -> Tsdb {
        let mut db = Tsdb::new();
        let a = labels(&[("__name__", "up"), ("job", "api")]);
        let b = labels(&[("__name__", "up"), ("job", "db"), ("zone", "eu")]);
        db.push_series(b, vec![(2000, 1.0)]).unwrap();
        db.push_series(a.clone(), vec![(3000, 3.0), (1000, 1.0)])
            .unwrap();
        db.append(a, 2000, 2.0).unwrap();
        db
    }

    #[test]
    fn should_keep_series_and_samples_sorted() {
        let db = sample_db();
        assert_eq!(db.series()[0].labels["job"], "api");
        assert_eq!(
            db.series()[0].samples,
            vec![(1000, 1.0), (2000, 2.0), (3000, 3.0)]
        );
    }

    #[test]
    fn should_replace_sample_at_same_timestamp() {
        let mut db = sample_db();
        db.append(labels(&[("__name__", "up"), ("job", "api")]), 2000, 9.0)
            .unwrap();
        assert_eq!(db.series()[0].samples[1], (2000, 9.0));
    }

    #[test]
    fn should_reject_series_without_name_or_with_bad_label() {
        let mut db = Tsdb::new();
        assert!(matches!(
            db.append(labels(&[("job", "x")]), 0, 1.0),
            Err(TsdbError::MissingName(_))
        ));
        let bad = labels(&[("__name__", "up"), ("1x", "y")]);
        assert_eq!(
            db.append(bad, 0, 1.0),
            Err(TsdbError::InvalidLabelName("1x".into()))
        );
    }

    #[test]
    fn should_anchor_regexes_and_treat_missing_label_as_empty() {
        let db = sample_db();
        let count = |m: LabelMatcher| db.select(std::slice::from_ref(&m)).count();
        assert_eq!(count(LabelMatcher::regex("job", "ap").unwrap()), 0);
        assert_eq!(count(LabelMatcher::regex("job", "ap.").unwrap()), 1);
        assert_eq!(count(LabelMatcher::not_regex("job", "a.*").unwrap()), 1);
        assert_eq!(count(LabelMatcher::equal("zone", "")), 1);
        assert_eq!(count(LabelMatcher::not_equal("zone", "eu")), 1);
    }

    #[test]
    fn should_list_label_names_and_values_in_time_range() {
        let db = sample_db();
        assert_eq!(
            db.label_names(&[], 0, 5000),
            vec!["__name__", "job", "zone"]
        );
        assert_eq!(db.label_names(&[], 2500, 5000), vec!["__name__", "job"]);
        let only_db = vec![vec![LabelMatcher::equal("job", "db")]];
        assert_eq!(db.label_values("job", &only_db, 0, 5000), vec!["db"]);
        assert_eq!(db.label_values("job", &[], 0, 5000), vec!["api", "db"]);
    }

    #[test]
    fn should_window_left_open_right_closed() {
        let db = sample_db();
        assert_eq!(
            db.series()[0].window(1000, 3000),
            &[(2000, 2.0), (3000, 3.0)]
        );
        assert!(db.series()[0].window(3000, 1000).is_empty());
    }
}
