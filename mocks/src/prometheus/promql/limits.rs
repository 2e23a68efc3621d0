//! What one query may cost the fake, checked before parsing and while
//! evaluating, so that no request can overflow a stack, hold a worker for
//! long, or fill memory.
//!
//! | bound | value | answer |
//! |---|---|---|
//! | query text | [`MAX_QUERY_BYTES`] | 400 `bad_data` |
//! | nesting of `(`, `[`, `{` | [`MAX_NESTING`] | 400 `bad_data` |
//! | operators (binary, unary, `and`/`or`/`unless`) | [`MAX_OPERATORS`] | 400 `bad_data` |
//! | points per series of a range query | 11,000, as Prometheus | 400 `bad_data` |
//! | samples loaded by one query, over all its steps | [`MAX_SAMPLES`] | 422 `execution`, Prometheus' words |
//! | evaluation time | [`MAX_EVAL`] (or a shorter `timeout`) | 503 `timeout` |
//!
//! The syntactic bounds are checked on the text, before `promql-parser`
//! sees it: a chain of 50,000 `1+1+…` takes its parser 16 s and the tree
//! it builds overflows the stack when dropped; a chain of
//! [`MAX_OPERATORS`] parses in well under a millisecond, and every tree
//! that passes is at most a few hundred levels deep, which the recursive
//! evaluator walks on any thread's stack. Real dashboards and alert rules
//! stay far inside all of them.

use std::cell::Cell;
use std::time::{Duration, Instant};

use super::EvalError;

/// Longest query text accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 32 * 1024;
/// Deepest nesting of parentheses, brackets and braces.
pub const MAX_NESTING: usize = 64;
/// Most operators in one query (each is a level of the tree in a chain).
pub const MAX_OPERATORS: usize = 256;
/// Most samples one query may load, counted over every step of a range
/// query (Prometheus' `--query.max-samples` default, which it counts at
/// the peak of one step: the fake is stricter, and a 7-day panel at a
/// 1-minute step over `rate(...[1h])` still fits).
pub const MAX_SAMPLES: u64 = 50_000_000;
/// Longest a query may evaluate.
pub const MAX_EVAL: Duration = Duration::from_secs(2);
/// Longest duration written as a plain number of seconds (`x[600]`,
/// `offset 1e3`): about 317 years. promql-parser panics on numbers past
/// what a `Duration` holds (`x[1e308]`), so they are refused first.
pub const MAX_NUMERIC_DURATION_SECONDS: f64 = 1e10;

/// Refuses query text past the syntactic bounds, naming the bound.
pub fn check_text(expr: &str) -> Result<(), EvalError> {
    if expr.len() > MAX_QUERY_BYTES {
        return Err(EvalError::Parse(format!(
            "the query is {} bytes; the Prometheus fake takes at most {MAX_QUERY_BYTES}",
            expr.len()
        )));
    }
    let Scan {
        deepest,
        operators,
        durations,
    } = scan(expr);
    if deepest > MAX_NESTING {
        return Err(EvalError::Parse(format!(
            "the query nests {deepest} levels of parentheses, brackets or braces; the Prometheus fake takes at most {MAX_NESTING}"
        )));
    }
    if operators > MAX_OPERATORS {
        return Err(EvalError::Parse(format!(
            "the query has {operators} operators; the Prometheus fake takes at most {MAX_OPERATORS}"
        )));
    }
    if let Some(n) = durations
        .into_iter()
        .find(|n| n.is_nan() || *n > MAX_NUMERIC_DURATION_SECONDS)
    {
        return Err(EvalError::Parse(format!(
            "a duration of {n:e} seconds; the Prometheus fake takes at most {MAX_NUMERIC_DURATION_SECONDS:e}"
        )));
    }
    Ok(())
}

/// What the limits read off a query's text, outside string literals and
/// comments.
#[derive(Debug, Default, PartialEq)]
struct Scan {
    /// The deepest nesting of parentheses, brackets and braces.
    deepest: usize,
    /// Binary and unary operators, `and`, `or` and `unless`, outside label
    /// matchers (a sign after `offset` is not counted).
    operators: usize,
    /// The plain numbers written where PromQL reads a duration (inside
    /// `[...]`, after `offset`), as magnitudes.
    durations: Vec<f64>,
}

/// One pass over `expr` for every syntactic limit.
fn scan(expr: &str) -> Scan {
    let c: Vec<char> = expr.chars().collect();
    let mut out = Scan::default();
    let (mut i, mut depth, mut braces, mut brackets) = (0, 0usize, 0usize, 0usize);
    let mut after_offset = false;
    while i < c.len() {
        let (start, ch) = (i, c[i]);
        i += 1;
        match ch {
            '"' | '\'' | '`' => {
                // To the closing quote; backslash escapes but in raw
                // backtick strings.
                while i < c.len() && c[i] != ch {
                    i += if c[i] == '\\' && ch != '`' { 2 } else { 1 };
                }
                i += 1;
                after_offset = false;
            }
            '#' => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '(' | '[' | '{' => {
                depth += 1;
                out.deepest = out.deepest.max(depth);
                braces += usize::from(ch == '{');
                brackets += usize::from(ch == '[');
                after_offset = false;
            }
            ')' | ']' | '}' => {
                depth = depth.saturating_sub(1);
                if ch == '}' {
                    braces = braces.saturating_sub(1);
                }
                if ch == ']' {
                    brackets = brackets.saturating_sub(1);
                }
                after_offset = false;
            }
            _ if ch.is_ascii_digit()
                || (ch == '.' && c.get(i).is_some_and(char::is_ascii_digit)) =>
            {
                // A number (`1e-5`, `0x1f`, `1_000`) or a duration (`5m`).
                while i < c.len()
                    && (c[i].is_ascii_alphanumeric()
                        || c[i] == '.'
                        || c[i] == '_'
                        || (matches!(c[i], '+' | '-') && matches!(c[i - 1], 'e' | 'E')))
                {
                    i += 1;
                }
                if brackets > 0 || after_offset {
                    let token: String = c[start..i].iter().filter(|&&d| d != '_').collect();
                    let hex = token
                        .strip_prefix("0x")
                        .or_else(|| token.strip_prefix("0X"))
                        .map(|h| u128::from_str_radix(h, 16).map_or(f64::INFINITY, |v| v as f64));
                    if let Some(v) = hex.or_else(|| token.parse::<f64>().ok()) {
                        out.durations.push(v.abs());
                    }
                }
                after_offset = false;
            }
            _ if ch.is_alphanumeric() || ch == '_' => {
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
                let word: String = c[start..i].iter().collect::<String>().to_ascii_lowercase();
                if braces == 0 && matches!(word.as_str(), "and" | "or" | "unless") {
                    out.operators += 1;
                }
                after_offset = word == "offset";
            }
            '+' | '-' if after_offset => {}
            '+' | '-' | '*' | '/' | '%' | '^' if braces == 0 => out.operators += 1,
            '=' | '!' | '<' | '>' if braces == 0 => {
                // `==`, `!=`, `<=`, `>=` are one operator; `<`, `>` too.
                if c.get(i) == Some(&'=') {
                    i += 1;
                }
                out.operators += 1;
                after_offset = false;
            }
            _ if ch.is_whitespace() => {}
            _ => after_offset = false,
        }
    }
    out
}

/// What one evaluation has spent: samples loaded and time.
#[derive(Debug)]
pub struct Budget {
    samples: Cell<u64>,
    deadline: Instant,
}

impl Budget {
    /// A budget of [`MAX_SAMPLES`] and `timeout` (at most [`MAX_EVAL`]).
    pub fn new(timeout: Option<Duration>) -> Budget {
        let t = timeout.map_or(MAX_EVAL, |t| t.min(MAX_EVAL));
        Budget {
            samples: Cell::new(0),
            deadline: Instant::now() + t,
        }
    }

    /// Counts `n` samples loaded; refuses past the budget or the deadline.
    pub fn load(&self, n: usize) -> Result<(), EvalError> {
        let total = self.samples.get().saturating_add(n as u64);
        self.samples.set(total);
        if total > MAX_SAMPLES {
            return Err(EvalError::Execution(
                "query processing would load too many samples into memory in query execution"
                    .into(),
            ));
        }
        self.check_time()
    }

    /// Refuses once the deadline has passed.
    pub fn check_time(&self) -> Result<(), EvalError> {
        if Instant::now() > self.deadline {
            return Err(EvalError::Timeout);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The deepest nesting and the operators of `expr`.
    fn shape(expr: &str) -> (usize, usize) {
        let s = scan(expr);
        (s.deepest, s.operators)
    }

    #[test]
    fn should_count_nesting_and_operators_outside_strings_and_matchers() {
        assert_eq!(shape("1+1+1"), (0, 2));
        assert_eq!(shape("((1))"), (2, 0));
        assert_eq!(
            shape(r#"sum(rate(x{code=~"5..",a!="(((("}[5m])) / sum(rate(x[5m]))"#),
            (3, 1)
        );
        assert_eq!(shape("a and b or c unless d"), (0, 3));
        assert_eq!(shape("x >= 1 # a comment ((((("), (0, 1));
        assert_eq!(shape(r#""a\"((" + `b\` - 1"#), (0, 2));
    }

    #[test]
    fn should_refuse_each_bound_by_name() {
        let chain = vec!["1"; MAX_OPERATORS + 2].join("+");
        let e = check_text(&chain).unwrap_err().to_string();
        assert!(e.contains("operators") && e.contains("256"), "{e}");
        let deep = format!("{}1{}", "(".repeat(100), ")".repeat(100));
        let e = check_text(&deep).unwrap_err().to_string();
        assert!(e.contains("nests 100 levels"), "{e}");
        let long = format!("x{{a=\"{}\"}}", "y".repeat(MAX_QUERY_BYTES));
        assert!(check_text(&long).unwrap_err().to_string().contains("bytes"));
        assert_eq!(check_text(&vec!["1"; MAX_OPERATORS + 1].join("+")), Ok(()));
    }

    #[test]
    fn should_refuse_numeric_durations_a_duration_cannot_hold() {
        for q in [
            "x[1e308]",
            "x offset 1e308",
            "x offset -1e308",
            "x[5m:1e308]",
            "rate(x[0xffffffffffffffffffff])",
        ] {
            let e = check_text(q).unwrap_err().to_string();
            assert!(e.contains("a duration of"), "{q}: {e}");
            // And so promql-parser never sees them.
            assert!(std::panic::catch_unwind(|| check_text(q)).is_ok());
        }
        for q in [
            "x[600]",
            "x offset 1e3",
            "x[5m] offset 10",
            r#"x{a="[1e308]"}"#,
            "1e308",
        ] {
            assert_eq!(check_text(q), Ok(()), "{q}");
        }
        assert_eq!(
            scan("x[1e3:15] offset  - 2").durations,
            vec![1e3, 15.0, 2.0]
        );
        assert_eq!(
            shape("1e-5 - x offset -1m"),
            (0, 1),
            "signs of numbers and offsets"
        );
    }

    #[test]
    fn should_refuse_past_the_sample_budget() {
        let b = Budget::new(None);
        assert_eq!(b.load(MAX_SAMPLES as usize), Ok(()));
        let e = b.load(1).unwrap_err();
        assert!(e.to_string().contains("too many samples"), "{e}");
        let late = Budget::new(Some(Duration::ZERO));
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(late.check_time(), Err(EvalError::Timeout));
    }
}
