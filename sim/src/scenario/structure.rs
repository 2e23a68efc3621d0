//! Every structural error of a file at once (missing fields, wrong types,
//! unknown fields and steps), each with its line, column and field path,
//! instead of serde's first one.
//!
//! serde stops at the first error. To find the next, the document is read
//! as a YAML value tree and deserialized again once the offending node is
//! set aside: a misspelt key is removed, and a node of the wrong shape (or
//! a missing field) is replaced by a stand-in of the right shape, the node
//! at the same place in the embedded Friday scenario, or removed where
//! Friday has none. Each pass gets one error further. The stand-ins only
//! let serde look on; the tree is thrown away, and errors that setting a
//! node aside caused (a step left empty by removing its misspelt key) are
//! not reported.
//!
//! Every pass deserializes text, exactly as the first: serde_norway reads a
//! plain scalar like `2026.11` as a string where a string is expected,
//! which a value tree would refuse.

use std::collections::BTreeMap;

use serde_norway::Value;

use super::error::{did_you_mean, ScenarioError, ScenarioErrors};
use super::locate::Locations;
use super::raw::RawScenario;
use super::FRIDAY_CASCADE_YAML;

/// At most this many passes, so errors, per file.
const MAX_PASSES: usize = 100;

/// Maps keyed by the user's names (each entry has the same shape).
const NAMED_MAPS: [&[&str]; 4] = [
    &["services"],
    &["libraries"],
    &["flags"],
    &["risk", "components"],
];

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// `services.payment.rps`, `faults[0].effect`: the form [`Locations`] and
/// validation errors use.
fn display(path: &[Seg]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// What one deserialization pass stopped at.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    path: Vec<Seg>,
    message: String,
}

/// The errors serde reports, told apart by their standard wording.
#[derive(Debug, PartialEq)]
enum Kind {
    /// `unknown field `k``, with the fields expected there.
    UnknownField(String, Vec<String>),
    /// `unknown variant `v``, with the variants expected there.
    UnknownVariant(String, Vec<String>),
    MissingField(String),
    Other,
}

/// The text between the first pair of backticks after `prefix`.
fn quoted_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next()
}

/// Every backticked word after `expected`.
fn expected(message: &str) -> Vec<String> {
    match message.split_once(", expected ") {
        Some((_, list)) => list
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect(),
        None => Vec::new(),
    }
}

fn kind(message: &str) -> Kind {
    if let Some(k) = quoted_after(message, "unknown field `") {
        Kind::UnknownField(k.to_string(), expected(message))
    } else if let Some(v) = quoted_after(message, "unknown variant `") {
        Kind::UnknownVariant(v.to_string(), expected(message))
    } else if let Some(f) = quoted_after(message, "missing field `") {
        Kind::MissingField(f.to_string())
    } else {
        Kind::Other
    }
}

/// Friday's nodes by normalized path: list indices and user-chosen names
/// become `None`, so `services.api.rps` finds `services.payment.rps`.
struct StandIns(BTreeMap<Vec<Option<String>>, Value>);

fn normalize(path: &[Seg]) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = Vec::with_capacity(path.len());
    for s in path {
        let named = NAMED_MAPS.iter().any(|m| {
            m.len() == out.len() && m.iter().zip(&out).all(|(a, b)| b.as_deref() == Some(*a))
        });
        out.push(match s {
            Seg::Key(k) if !named => Some(k.clone()),
            _ => None,
        });
    }
    out
}

impl StandIns {
    fn friday() -> StandIns {
        let mut map = BTreeMap::new();
        if let Ok(tree) = serde_norway::from_str::<Value>(FRIDAY_CASCADE_YAML) {
            fn walk(
                v: &Value,
                path: &mut Vec<Seg>,
                map: &mut BTreeMap<Vec<Option<String>>, Value>,
            ) {
                map.entry(normalize(path)).or_insert_with(|| v.clone());
                match v {
                    Value::Mapping(m) => {
                        for (k, child) in m {
                            if let Some(k) = k.as_str() {
                                path.push(Seg::Key(k.to_string()));
                                walk(child, path, map);
                                path.pop();
                            }
                        }
                    }
                    Value::Sequence(s) => {
                        for (i, child) in s.iter().enumerate() {
                            path.push(Seg::Index(i));
                            walk(child, path, map);
                            path.pop();
                        }
                    }
                    _ => {}
                }
            }
            walk(&tree, &mut Vec::new(), &mut map);
        }
        StandIns(map)
    }

    fn get(&self, path: &[Seg]) -> Option<&Value> {
        if path.is_empty() {
            return None;
        }
        self.0.get(&normalize(path))
    }
}

fn node_mut<'a>(tree: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    let mut v = tree;
    for s in path {
        v = match s {
            Seg::Key(k) => v.get_mut(k.as_str())?,
            Seg::Index(i) => v.get_mut(*i)?,
        };
    }
    Some(v)
}

/// Puts `value` at `path`: replaces a node, or adds a missing map entry.
fn set(tree: &mut Value, path: &[Seg], value: Value) -> bool {
    let Some((last, parent)) = path.split_last() else {
        return false;
    };
    let Some(parent) = node_mut(tree, parent) else {
        return false;
    };
    match (last, parent) {
        (Seg::Key(k), Value::Mapping(m)) => {
            m.insert(Value::String(k.clone()), value);
            true
        }
        (Seg::Index(i), Value::Sequence(s)) if *i < s.len() => {
            s[*i] = value;
            true
        }
        _ => false,
    }
}

/// Removes the map entry `key` under `parent`.
fn remove(tree: &mut Value, parent: &[Seg], key: &str) -> bool {
    match node_mut(tree, parent) {
        Some(Value::Mapping(m)) => m.shift_remove(key).is_some(),
        _ => false,
    }
}

/// Errors a stand-in or a removal at `path` may cause, not to be reported:
/// the struct-level complaints about that node, and the missing field a
/// misspelt key meant.
#[derive(Debug)]
struct Quiet {
    path: Vec<Seg>,
    meant: Option<String>,
}

fn caused_by_us(found: &Found, quiet: &[Quiet]) -> bool {
    quiet.iter().any(|q| {
        q.path == found.path
            && match kind(&found.message) {
                Kind::MissingField(f) => q.meant.as_deref() == Some(f.as_str()),
                Kind::UnknownField(..) => false,
                _ => true,
            }
    })
}

/// Sets the node at `path` (or the nearest enclosing one that can be)
/// aside, so the next pass goes past it.
fn set_aside(tree: &mut Value, path: &[Seg], stand_ins: &StandIns, quiet: &mut Vec<Quiet>) -> bool {
    for n in (1..=path.len()).rev() {
        let p = &path[..n];
        if let Some(v) = stand_ins.get(p) {
            if set(tree, p, v.clone()) {
                return true;
            }
        }
        if let Some((Seg::Key(k), parent)) = p.split_last() {
            if remove(tree, parent, k) {
                quiet.push(Quiet {
                    path: parent.to_vec(),
                    meant: Some(k.clone()),
                });
                return true;
            }
        }
    }
    false
}

fn recover(tree: &mut Value, found: &Found, stand_ins: &StandIns, quiet: &mut Vec<Quiet>) -> bool {
    match kind(&found.message) {
        Kind::UnknownField(key, expected) => {
            if let Some((Seg::Key(k), parent)) = found.path.split_last() {
                if *k == key && remove(tree, parent, k) {
                    let meant = did_you_mean(&key, expected.iter().map(String::as_str));
                    quiet.push(Quiet {
                        path: parent.to_vec(),
                        meant: meant.map(str::to_string),
                    });
                    return true;
                }
            }
        }
        Kind::MissingField(field) => {
            let mut child = found.path.clone();
            child.push(Seg::Key(field));
            if let Some(v) = stand_ins.get(&child) {
                if set(tree, &child, v.clone()) {
                    return true;
                }
            }
        }
        _ => {}
    }
    set_aside(tree, &found.path, stand_ins, quiet)
}

/// One pass: the first error serde finds in `tree`, if any.
fn first_error(tree: &Value) -> Option<Found> {
    let text = serde_norway::to_string(tree).ok()?;
    let de = serde_norway::Deserializer::from_str(&text);
    let e = serde_path_to_error::deserialize::<_, RawScenario>(de).err()?;
    let mut path = Vec::new();
    for s in e.path().iter() {
        match s {
            serde_path_to_error::Segment::Seq { index } => path.push(Seg::Index(*index)),
            serde_path_to_error::Segment::Map { key } => path.push(Seg::Key(key.clone())),
            serde_path_to_error::Segment::Enum { variant } => path.push(Seg::Key(variant.clone())),
            serde_path_to_error::Segment::Unknown => break,
        }
    }
    let message = bare_message(&e.inner().to_string(), &path);
    Some(Found { path, message })
}

/// serde_norway's message without its ` at line L column C` suffix and
/// its path prefix (`team: `, the path up to the map holding an unknown
/// key): the error shows both its own way.
fn bare_message(full: &str, path: &[Seg]) -> String {
    let mut m = full;
    if let Some(i) = m.rfind(" at line ") {
        m = &m[..i];
    }
    for n in (1..=path.len()).rev() {
        let prefix = format!("{}: ", display(&path[..n]));
        if let Some(rest) = m.strip_prefix(&prefix) {
            return rest.to_string();
        }
    }
    m.to_string()
}

/// serde's Rust type names in words a scenario author uses.
fn plain_types(message: &str) -> String {
    let mut m = message.to_string();
    for (rust, plain) in [
        ("expected f64", "expected a number"),
        ("expected u64", "expected a whole number"),
        ("expected u32", "expected a whole number"),
    ] {
        if let Some(rest) = m.strip_suffix(rust) {
            m = format!("{rest}{plain}");
        }
    }
    m
}

/// What to tell the user about one error.
fn report(source: &str, locs: &Locations, found: &Found) -> ScenarioError {
    let path = display(&found.path);
    let fields = |list: &[String]| {
        list.iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (at, message, hint) = match kind(&found.message) {
        Kind::UnknownField(key, expected) => {
            let hint = match did_you_mean(&key, expected.iter().map(String::as_str)) {
                Some(m) => format!("did you mean `{m}`?"),
                None if expected.is_empty() => "nothing more is expected here".to_string(),
                None => format!(
                    "expected one of {}; `gameday schema` lists every field",
                    fields(&expected)
                ),
            };
            (
                locs.key(&path),
                format!("unknown field `{key}`"),
                Some(hint),
            )
        }
        Kind::UnknownVariant(v, expected) => {
            let hint = did_you_mean(&v, expected.iter().map(String::as_str))
                .map(|m| format!("did you mean `{m}`?"));
            (locs.find(&path), found.message.clone(), hint)
        }
        Kind::MissingField(f) => (
            locs.key(&path),
            found.message.clone(),
            Some(format!(
                "add `{f}:` here; `gameday schema` describes every field"
            )),
        ),
        Kind::Other if found.path.is_empty() && found.message.starts_with("invalid type") => (
            locs.find(""),
            "a scenario file is a map of sections (name, start, services, team, risk, ...)"
                .to_string(),
            Some("start from `gameday init` or `gameday scenario show`".to_string()),
        ),
        Kind::Other => (locs.find(&path), plain_types(&found.message), None),
    };
    ScenarioError {
        file: source.to_string(),
        line: at.map(|l| l.0),
        column: at.map(|l| l.1),
        path,
        message,
        hint,
    }
}

/// Every structural error of `text`, whose deserialization failed with
/// `first`. A syntax error (no value tree to look further in) is reported
/// alone.
pub(crate) fn errors(source: &str, text: &str, first: serde_norway::Error) -> ScenarioErrors {
    let single = || ScenarioErrors::single(located(source, &first));
    let Ok(mut tree) = serde_norway::from_str::<Value>(text) else {
        return single();
    };
    let locs = Locations::index(text);
    let stand_ins = StandIns::friday();
    let mut out = Vec::new();
    let mut quiet = Vec::new();
    let mut seen: Vec<Found> = Vec::new();
    for _ in 0..MAX_PASSES {
        let Some(found) = first_error(&tree) else {
            break;
        };
        if seen.contains(&found) {
            break;
        }
        if !caused_by_us(&found, &quiet) {
            out.push(report(source, &locs, &found));
        }
        let moved_on = recover(&mut tree, &found, &stand_ins, &mut quiet);
        seen.push(found);
        if !moved_on {
            break;
        }
    }
    if out.is_empty() {
        return single();
    }
    out.sort_by_key(|e| (e.line, e.column));
    ScenarioErrors(out)
}

/// One serde_norway error as a located scenario error.
fn located(source: &str, e: &serde_norway::Error) -> ScenarioError {
    let (line, column) = match e.location() {
        Some(l) => (Some(l.line()), Some(l.column())),
        None => (None, None),
    };
    // serde_norway prefixes the path ("services.payment: ...") and
    // suffixes the location; split them off to format like other errors.
    let mut message = e.to_string();
    if let Some(i) = message.rfind(" at line ") {
        message.truncate(i);
    }
    let (path, message) = match message.split_once(": ") {
        Some((p, m)) if !p.contains(' ') => (p.to_string(), m.to_string()),
        _ => (String::new(), message),
    };
    let hint = if message.starts_with("unknown field") {
        Some("check the spelling; `gameday schema` lists every field".to_string())
    } else {
        None
    };
    ScenarioError {
        file: source.to_string(),
        line,
        column,
        path,
        message,
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_normalize_names_and_indices() {
        let p = [
            Seg::Key("services".into()),
            Seg::Key("api".into()),
            Seg::Key("rps".into()),
        ];
        assert_eq!(
            normalize(&p),
            vec![Some("services".into()), None, Some("rps".into())]
        );
        let p = [
            Seg::Key("risk".into()),
            Seg::Key("components".into()),
            Seg::Key("kit".into()),
            Seg::Index(3),
            Seg::Key("effect".into()),
        ];
        assert_eq!(
            normalize(&p),
            vec![
                Some("risk".into()),
                Some("components".into()),
                None,
                None,
                Some("effect".into())
            ]
        );
        assert_eq!(display(&p), "risk.components.kit[3].effect");
    }

    #[test]
    fn should_tell_serde_errors_apart() {
        assert_eq!(
            kind("unknown field `rsp`, expected one of `rps`, `slo`"),
            Kind::UnknownField("rsp".into(), vec!["rps".into(), "slo".into()])
        );
        assert_eq!(
            kind("unknown field `x`, expected `a` or `b`"),
            Kind::UnknownField("x".into(), vec!["a".into(), "b".into()])
        );
        assert_eq!(
            kind("missing field `slo`"),
            Kind::MissingField("slo".into())
        );
        assert_eq!(
            kind("invalid type: string \"x\", expected f64"),
            Kind::Other
        );
    }

    #[test]
    fn should_find_a_stand_in_for_every_section_of_friday() {
        let s = StandIns::friday();
        let key = |k: &str| Seg::Key(k.into());
        assert!(s
            .get(&[key("services"), key("anything"), key("slo")])
            .is_some());
        assert!(s
            .get(&[key("faults"), Seg::Index(7), key("effect")])
            .is_some());
        assert!(s.get(&[key("team"), key("ci"), key("fast")]).is_some());
        assert!(s
            .get(&[key("policies"), Seg::Index(0), key("steps"), Seg::Index(9)])
            .is_some());
        assert!(s.get(&[]).is_none());
    }

    /// Friday with edits applied in turn (each must match once).
    fn friday_with(edits: &[(&str, &str)]) -> String {
        let mut text = FRIDAY_CASCADE_YAML.to_string();
        for (from, to) in edits {
            assert_eq!(text.matches(from).count(), 1, "edit not unique: {from}");
            text = text.replacen(from, to, 1);
        }
        text
    }

    fn line_of(text: &str, needle: &str) -> usize {
        let lines: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.contains(needle))
            .map(|(i, _)| i + 1)
            .collect();
        assert_eq!(lines.len(), 1, "`{needle}` must be on exactly one line");
        lines[0]
    }

    fn errors_of(text: &str) -> Vec<ScenarioError> {
        match super::super::parse("test.yaml", text) {
            Ok(_) => panic!("expected errors"),
            Err(e) => e.0,
        }
    }

    #[test]
    fn should_report_structural_errors_of_every_section_together() {
        let text = friday_with(&[
            ("    rps: 12 ", "    rps: twelve "),
            ("    onset: 0s\n", "    onset: [0s]\n"),
            ("  acknowledge: {", "  acknowlege: {"),
            ("    review: 0.35 ", "    review: [0.35] "),
            (
                "      - write_fix\n      - ci: fast",
                "      - write_fixx\n      - ci: fast",
            ),
        ]);
        let errs = errors_of(&text);
        let shown: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        let expect = [
            (
                line_of(&text, "rps: twelve"),
                "services.payment.rps",
                "invalid type",
            ),
            (
                line_of(&text, "onset: [0s]"),
                "faults[0].onset",
                "invalid type",
            ),
            (
                line_of(&text, "acknowlege:"),
                "team.acknowlege",
                "unknown field `acknowlege`",
            ),
            (
                line_of(&text, "review: [0.35]"),
                "risk.catch.review",
                "invalid type",
            ),
            (
                line_of(&text, "write_fixx"),
                "policies[0].steps[1]",
                "unknown variant `write_fixx`",
            ),
        ];
        assert_eq!(errs.len(), expect.len(), "{shown:#?}");
        for (e, (line, path, message)) in errs.iter().zip(expect) {
            assert_eq!(e.line, Some(line), "{e}");
            assert!(e.column.is_some(), "{e}");
            assert_eq!(e.path, path, "{e}");
            assert!(e.message.contains(message), "{e}");
        }
        assert_eq!(errs[2].hint.as_deref(), Some("did you mean `acknowledge`?"));
        assert_eq!(errs[4].hint.as_deref(), Some("did you mean `write_fix`?"));
    }

    #[test]
    fn should_not_report_what_a_misspelt_key_implies() {
        // (edit from, edit to, the one error expected)
        let cases = [
            (
                "    rps: 12 ",
                "    rsp: 12 ",
                "unknown field `rsp` (hint: did you mean `rps`?)",
            ),
            (
                "effect: { error_ratio: 0.15 }",
                "effect: { error_rate: 0.15 }",
                "unknown field `error_rate` (hint: did you mean `error_ratio`?)",
            ),
            (
                "team:\n",
                "teams:\n",
                "unknown field `teams` (hint: did you mean `team`?)",
            ),
            (
                "      - diagnose\n      - write_fix\n",
                "      - { if: flag_guards_fault, than: [flag_off] }\n      - write_fix\n",
                "unknown field `than`",
            ),
        ];
        for (from, to, expected) in cases {
            let errs = errors_of(&friday_with(&[(from, to)]));
            assert_eq!(errs.len(), 1, "{errs:#?}");
            assert!(errs[0].to_string().contains(expected), "{}", errs[0]);
        }
    }

    #[test]
    fn should_read_scalars_as_the_first_pass_does() {
        // `version: 2026.11` is a string to serde_norway, though a value
        // tree holds a number: no error for it beside the real one.
        let text = friday_with(&[
            ("version: \"2026.11.20-1\"", "version: 2026.11"),
            ("coupling: 0.9", "coupling: high"),
        ]);
        let errs = errors_of(&text);
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert_eq!(
            errs[0].message,
            "invalid type: string \"high\", expected a number"
        );
    }

    #[test]
    fn should_list_every_missing_section() {
        let errs = errors_of("services: 3\n");
        let messages: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
        for m in [
            "missing field `name`",
            "missing field `start`",
            "missing field `team`",
            "missing field `risk`",
            "invalid type: integer `3`, expected a map",
        ] {
            assert!(messages.contains(&m), "{messages:#?}");
        }
        let e = &errors_of("[]\n")[0];
        assert!(
            e.message
                .starts_with("a scenario file is a map of sections"),
            "{e}"
        );
    }
}
