//! JUnit XML for CI: one `<testcase>` per strategy (or for the replay),
//! failing when it misses a budget, with a message saying by how much;
//! in error when replays failed (the control plane refused a request: a
//! bug in the runner or the model), with each seed and the command that
//! replays it; skipped when the strategy could not act. No timestamps or
//! durations: the same results give the same bytes.

use std::fmt::Write as _;

use crate::budget::{Budgets, Verdict};

/// Escapes text for XML element content and attribute values. Characters
/// XML 1.0 cannot carry (most control characters) become U+FFFD.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// What the suite is about, for its name and properties.
#[derive(Debug, Clone)]
pub struct Suite<'a> {
    /// e.g. "gameday compare friday-cascade".
    pub name: String,
    /// Test cases are named `<classname>.<strategy>` by most CI viewers.
    pub classname: String,
    pub properties: Vec<(&'a str, String)>,
    pub budgets: &'a Budgets,
}

/// Renders verdicts as a JUnit XML document.
pub fn junit_xml(suite: &Suite<'_>, verdicts: &[Verdict]) -> String {
    let tests = verdicts.len();
    let errors = verdicts.iter().filter(|v| v.errored()).count();
    let failures = verdicts
        .iter()
        .filter(|v| v.skipped.is_none() && !v.errored() && !v.passed())
        .count();
    let skipped = verdicts
        .iter()
        .filter(|v| v.skipped.is_some() && !v.errored())
        .count();
    let name = escape_xml(&suite.name);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{name}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{name}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">"
    );
    out.push_str("    <properties>\n");
    let budgets = suite.budgets.describe();
    for (k, v) in suite
        .properties
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .chain(budgets.into_iter().map(|(k, v)| (k.to_string(), v)))
    {
        let _ = writeln!(
            out,
            "      <property name=\"{}\" value=\"{}\"/>",
            escape_xml(&k),
            escape_xml(&v)
        );
    }
    out.push_str("    </properties>\n");
    for v in verdicts {
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\"",
            escape_xml(&suite.classname),
            escape_xml(&v.name)
        );
        if let (Some(why), false) = (&v.skipped, v.errored()) {
            let _ = writeln!(
                out,
                ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                escape_xml(&format!("not applicable: {why}"))
            );
            continue;
        }
        out.push_str(">\n");
        let misses: Vec<&str> = v.misses().map(|c| c.message.as_str()).collect();
        if v.errored() {
            // One verdict element per test case: a failed replay is the
            // error; missed budgets, if any, are listed in the output.
            let n = v.failed_replays.len();
            let _ = writeln!(
                out,
                "      <error type=\"failed-replays\" message=\"{}\">{}</error>",
                escape_xml(&format!(
                    "{n} replay{} failed (a bug in the runner or the model), left out of the measures",
                    if n == 1 { "" } else { "s" }
                )),
                escape_xml(&v.failed_replays.join("\n"))
            );
        } else if !misses.is_empty() {
            let _ = writeln!(
                out,
                "      <failure type=\"budget\" message=\"{}\">{}</failure>",
                escape_xml(&misses.join("; ")),
                escape_xml(&misses.join("\n"))
            );
        }
        let mut lines: Vec<&str> = v.notes.iter().map(String::as_str).collect();
        if v.checks.is_empty() {
            lines.push("no budgets given");
        }
        lines.extend(v.checks.iter().map(|c| c.message.as_str()));
        let text = lines.join("\n");
        let _ = writeln!(out, "      <system-out>{}</system-out>", escape_xml(&text));
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::Check;

    #[test]
    fn should_escape_markup_quotes_and_control_characters() {
        assert_eq!(
            escape_xml("a<b>&\"c\"'\u{1}\n"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;\u{FFFD}&#10;"
        );
    }

    #[test]
    fn should_fail_a_missed_budget_and_skip_what_could_not_act() {
        let budgets = Budgets {
            max_regression_rate: Some(0.05),
            ..Budgets::default()
        };
        let suite = Suite {
            name: "gameday compare <friday>".into(),
            classname: "gameday.friday".into(),
            properties: vec![("runs", "10".into())],
            budgets: &budgets,
        };
        let verdicts = [
            Verdict {
                name: "direct".into(),
                skipped: None,
                checks: vec![Check {
                    budget: "max-regression-rate",
                    missed: true,
                    message: "regression rate 60.0% exceeds budget 5.0% by 55.0 points".into(),
                }],
                failed_replays: vec![],
                notes: vec![],
            },
            Verdict {
                name: "flag-disable".into(),
                skipped: Some("no flag guards the path".into()),
                checks: vec![],
                failed_replays: vec![],
                notes: vec![],
            },
        ];
        let xml = junit_xml(&suite, &verdicts);
        assert!(
            xml.contains("tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"1\""),
            "{xml}"
        );
        assert!(
            xml.contains("name=\"gameday compare &lt;friday&gt;\""),
            "{xml}"
        );
        assert!(xml.contains("<failure type=\"budget\" message=\"regression rate 60.0% exceeds budget 5.0% by 55.0 points\">"), "{xml}");
        assert!(
            xml.contains("<skipped message=\"not applicable: no flag guards the path\"/>"),
            "{xml}"
        );
        assert!(
            xml.contains("<property name=\"max-regression-rate\" value=\"5.0%\"/>"),
            "{xml}"
        );
    }

    #[test]
    fn should_error_a_strategy_with_failed_replays_naming_each_seed() {
        let budgets = Budgets::default();
        let suite = Suite {
            name: "gameday compare friday".into(),
            classname: "gameday.friday".into(),
            properties: vec![],
            budgets: &budgets,
        };
        let verdicts = [Verdict {
            name: "quick-canary".into(),
            skipped: None,
            checks: vec![],
            failed_replays: vec![
                "seed 58: control plane refused a request (replay it: gameday run --strategy quick-canary --seed 58)".into(),
            ],
            notes: vec!["counted 999 of 1000 replays".into()],
        }];
        let xml = junit_xml(&suite, &verdicts);
        assert!(
            xml.contains("tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\""),
            "{xml}"
        );
        assert!(
            xml.contains("<error type=\"failed-replays\" message=\"1 replay failed (a bug in the runner or the model), left out of the measures\">seed 58: "),
            "{xml}"
        );
        assert!(
            xml.contains("gameday run --strategy quick-canary --seed 58"),
            "{xml}"
        );
        assert!(
            xml.contains(
                "<system-out>counted 999 of 1000 replays&#10;no budgets given</system-out>"
            ),
            "{xml}"
        );
    }
}
