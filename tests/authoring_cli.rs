//! End-to-end tests of scenario authoring: `gameday init`, `gameday
//! scenario show|list`, and `gameday validate` on the errors a new
//! author makes.

mod common;

use std::path::PathBuf;

use common::{gameday, stderr, stdout};
use gameday_sim::scenario::{FRIDAY_CASCADE_YAML, STARTER_YAML};

/// A fresh directory for one test.
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gameday-authoring-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn should_write_a_starter_that_validates_and_runs() {
    let dir = temp_dir("init");
    let path = dir.join("scenario.yaml");
    let p = path.display().to_string();
    let o = gameday(&["init", &p]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), STARTER_YAML);
    let out = stdout(&o);
    for next in [
        format!("gameday validate {p}"),
        format!("gameday run {p} --strategy runbook"),
        format!("gameday compare {p}"),
    ] {
        assert!(out.contains(&next), "`{next}` not in:\n{out}");
    }

    let v = gameday(&["validate", &p]);
    assert!(v.status.success(), "{}", stderr(&v));
    assert!(
        stdout(&v).contains("ok (2 services, 1 fault, 1 policy)"),
        "{}",
        stdout(&v)
    );
    let r = gameday(&["run", &p, "--strategy", "runbook"]);
    assert!(r.status.success(), "{}", stderr(&r));
    assert!(stdout(&r).contains("outcome"), "{}", stdout(&r));
    let c = gameday(&["compare", &p, "--runs", "20"]);
    assert!(c.status.success(), "{}", stderr(&c));
    assert!(stdout(&c).contains("runbook"), "{}", stdout(&c));
}

#[test]
fn should_write_scenario_yaml_by_default() {
    let dir = temp_dir("default");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_gameday"))
        .arg("init")
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.join("scenario.yaml")).unwrap(),
        STARTER_YAML
    );
}

#[test]
fn should_refuse_to_overwrite_an_existing_file_unless_forced() {
    let dir = temp_dir("overwrite");
    let path = dir.join("mine.yaml");
    let p = path.display().to_string();
    std::fs::write(&path, "my own work\n").unwrap();
    let o = gameday(&["init", &p]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "my own work\n");

    let o = gameday(&["init", &p, "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), STARTER_YAML);
}

#[test]
fn should_print_the_embedded_friday_scenario_byte_for_byte() {
    let o = gameday(&["scenario", "show"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(o.stdout, FRIDAY_CASCADE_YAML.as_bytes());
    let o = gameday(&["scenario", "show", "starter"]);
    assert_eq!(o.stdout, STARTER_YAML.as_bytes());
}

#[test]
fn should_list_the_embedded_scenarios_and_refuse_unknown_ones() {
    let o = gameday(&["scenario", "list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("friday-cascade") && out.contains("starter"),
        "{out}"
    );
    let o = gameday(&["scenario", "show", "tuesday"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("friday-cascade, starter"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn should_teach_with_examples_in_help() {
    for args in [
        &["init", "--help"][..],
        &["scenario", "--help"],
        &["scenario", "show", "--help"],
    ] {
        let o = gameday(args);
        assert!(o.status.success());
        assert!(
            stdout(&o).contains("Example: gameday"),
            "{args:?}:\n{}",
            stdout(&o)
        );
    }
}

#[test]
fn should_report_structural_errors_of_several_sections_together() {
    let text = FRIDAY_CASCADE_YAML
        .replacen("    rps: 12 ", "    rps: twelve ", 1)
        .replacen("  acknowledge: {", "  acknowlege: {", 1)
        .replacen(
            "      - write_fix\n      - ci: fast",
            "      - write_fixx\n      - ci: fast",
            1,
        );
    let dir = temp_dir("structure");
    let path = dir.join("broken.yaml");
    std::fs::write(&path, &text).unwrap();
    let o = gameday(&["validate", &path.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    for (needle, message) in [
        ("rps: twelve", "services.payment.rps: invalid type"),
        (
            "acknowlege:",
            "team.acknowlege: unknown field `acknowlege` (hint: did you mean `acknowledge`?)",
        ),
        (
            "write_fixx",
            "policies[0].steps[1]: unknown variant `write_fixx`",
        ),
    ] {
        let at = format!("broken.yaml:{}:", line_of(&text, needle));
        assert!(
            err.lines().any(|l| l.contains(&at) && l.contains(message)),
            "no `{at} ... {message}` in:\n{err}"
        );
    }
    assert!(err.contains("3 problems found"), "{err}");
}

#[test]
fn should_refuse_a_baseline_outside_the_slo_and_an_uncurable_fault() {
    let text = FRIDAY_CASCADE_YAML.replacen(
        "baseline_error_ratio: 0.0005",
        "baseline_error_ratio: 0.002",
        1,
    );
    let dir = temp_dir("coherence");
    let path = dir.join("baseline.yaml");
    std::fs::write(&path, &text).unwrap();
    let o = gameday(&["validate", &path.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    let at = format!(
        "baseline.yaml:{}:",
        line_of(&text, "baseline_error_ratio: 0.002")
    );
    assert!(err.contains(&at), "{err}");
    assert!(
        err.contains(
            "(hint: lower baseline_error_ratio to at most 0.001 or loosen slo to 0.998 or less)"
        ),
        "{err}"
    );

    let text = FRIDAY_CASCADE_YAML
        .replacen("fix_touches: [errkit]", "fix_touches: [catalog]", 1)
        .replacen(
            "calm_fix_touches: [payment]",
            "calm_fix_touches: [email]",
            1,
        );
    let path = dir.join("uncurable.yaml");
    std::fs::write(&path, &text).unwrap();
    let o = gameday(&["validate", &path.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    let at = format!(
        "uncurable.yaml:{}:",
        line_of(&text, "fix_touches: [catalog]")
    );
    assert!(err.contains(&at), "{err}");
    assert!(
        err.contains("no fix can cure fault `payment-v2-declines`"),
        "{err}"
    );
    assert!(err.contains("touch `payment` or `errkit`"), "{err}");
}
