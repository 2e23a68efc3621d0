//! End-to-end tests of the report formats: `--format`, `--out`, budgets
//! and their exit code, the published report schemas, and what reports
//! say they cover: the baseline of the paired comparison, the worst seeds
//! and the commands that replay them, the scenario's digest.

mod common;

use common::{gameday, stderr, stdout};
use std::path::PathBuf;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gameday-reports-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const SMALL: [&str; 5] = [
    "compare",
    "--runs",
    "12",
    "--strategies",
    "direct,flag-disable,rollback",
];

#[test]
fn should_render_a_comparison_in_every_format() {
    for (format, expect) in [
        ("table", "MTTR min (95% CI)"),
        ("markdown", "| strategy | restored | MTTR min (95% CI) |"),
        ("json", "\"schema_version\": 4"),
        ("html", "<!DOCTYPE html>"),
        (
            "junit",
            "<testsuites name=\"gameday compare friday-cascade\"",
        ),
    ] {
        let o = gameday(&[&SMALL[..], &["--format", format]].concat());
        assert!(o.status.success(), "{format}: {}", stderr(&o));
        assert!(stdout(&o).contains(expect), "{format}: {}", stdout(&o));
    }
}

#[test]
fn should_render_a_replay_in_every_format() {
    for (format, expect) in [
        ("text", "friday-cascade · strategy rollback · seed 2"),
        ("table", "friday-cascade · strategy rollback · seed 2"),
        ("markdown", "# friday-cascade · strategy rollback · seed 2"),
        ("json", "\"schema_version\": 4"),
        ("html", "<svg"),
        (
            "junit",
            "<testcase classname=\"gameday.friday-cascade\" name=\"rollback (seed 2)\">",
        ),
    ] {
        let o = gameday(&[
            "run",
            "--strategy",
            "rollback",
            "--seed",
            "2",
            "--format",
            format,
        ]);
        assert!(o.status.success(), "{format}: {}", stderr(&o));
        assert!(stdout(&o).contains(expect), "{format}: {}", stdout(&o));
    }
}

#[test]
fn should_carry_the_error_series_in_run_json() {
    let o = gameday(&[
        "run",
        "--strategy",
        "direct",
        "--seed",
        "11",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let series = v["series"].as_array().unwrap();
    assert_eq!(series.len(), 4);
    let payment = &series[0];
    assert_eq!(payment["service"], "payment");
    let n = payment["at_ms"].as_array().unwrap().len();
    assert!(n > 100, "{n} scrapes");
    assert_eq!(payment["requests"].as_array().unwrap().len(), n);
    assert_eq!(v["scenario_summary"]["libraries"][0]["name"], "errkit");
}

#[test]
fn should_write_the_report_to_out_and_nothing_to_stdout() {
    let dir = temp_dir("out");
    let file = dir.join("compare.md");
    std::fs::write(&file, "stale").unwrap();
    let o = gameday(
        &[
            &SMALL[..],
            &["--format", "markdown", "--out", file.to_str().unwrap()],
        ]
        .concat(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("# friday-cascade: seeds 1-12 for every strategy"),
        "{text}"
    );
    assert!(
        text.contains("Counted: all 12 replays of every strategy"),
        "{text}"
    );
    // Only the report is left in the directory: no temporary file.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

#[test]
fn should_name_the_file_it_cannot_write() {
    let file = temp_dir("unwritable").join("missing-dir/report.html");
    let o = gameday(&["run", "--format", "html", "--out", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("missing-dir/report.html"), "{err}");
    assert!(!file.exists());
}

#[test]
fn should_exit_3_and_list_missed_budgets_with_table_output() {
    let o = gameday(
        &[
            &SMALL[..],
            &["--max-mttr-p90", "45m", "--max-regression-rate", "0.05"],
        ]
        .concat(),
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    // The table is still printed; the misses go to stderr.
    assert!(stdout(&o).contains("flag-disable"));
    let err = stderr(&o);
    assert!(err.contains("direct: MTTR p90"), "{err}");
    assert!(err.contains("exceeds budget 45 min by"), "{err}");
    assert!(
        !err.contains("rollback:"),
        "rollback meets both budgets: {err}"
    );
}

#[test]
fn should_fail_junit_test_cases_that_miss_a_budget() {
    let o = gameday(
        &[
            &SMALL[..],
            &["--format", "junit", "--max-regression-rate", "5%"],
        ]
        .concat(),
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let xml = stdout(&o);
    assert!(xml.contains("tests=\"3\" failures=\"1\""), "{xml}");
    assert!(
        xml.contains("<failure type=\"budget\" message=\"regression rate"),
        "{xml}"
    );
}

#[test]
fn should_pass_when_every_budget_is_met() {
    let o = gameday(&[
        "run",
        "--strategy",
        "rollback",
        "--seed",
        "2",
        "--format",
        "junit",
        "--max-mttr-p90",
        "2h",
        "--max-mttr-mean",
        "2h",
        "--max-failed-requests",
        "1000000",
        "--max-revenue-lost",
        "$1000000",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("failures=\"0\""), "{}", stdout(&o));
}

#[test]
fn should_reject_bad_budget_values_naming_the_flag() {
    for (flag, value) in [
        ("--max-mttr-p90", "soon"),
        ("--max-mttr-mean", "0s"),
        ("--max-regression-rate", "1.5"),
        ("--max-failed-requests", "many"),
        ("--max-revenue-lost", "lots"),
    ] {
        let o = gameday(&["compare", "--runs", "1", flag, value]);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}");
        let err = stderr(&o);
        assert!(err.contains(flag), "{flag}: {err}");
    }
    let o = gameday(&["run", "--format", "pdf"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn should_publish_the_committed_report_schemas() {
    for kind in ["compare", "run"] {
        let o = gameday(&["schema", "--report", kind]);
        assert!(o.status.success(), "{}", stderr(&o));
        let printed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let path =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("reports/{kind}.schema.json"));
        let committed: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(printed, committed, "{kind}");
    }
}

#[test]
fn should_give_identical_html_whatever_the_thread_count() {
    let base = [&SMALL[..], &["--format", "html"]].concat();
    let one = gameday(&[&base[..], &["--threads", "1"]].concat());
    let two = gameday(&[&base[..], &["--threads", "2"]].concat());
    assert!(one.status.success(), "{}", stderr(&one));
    assert_eq!(one.stdout, two.stdout);
}

#[test]
fn should_keep_progress_off_stdout_and_off_a_non_terminal_stderr() {
    let o = gameday(&["compare", "--runs", "400", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
    let _: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
}

#[test]
fn should_hold_strategies_to_the_scenario_budgets_unless_a_flag_overrides_them() {
    let friday = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/friday-cascade.yaml");
    let mut text = std::fs::read_to_string(friday).unwrap();
    text.push_str("\nbudgets:\n  max_mttr_p90: 1m\n  max_regression_rate: 0.5\n");
    let file = temp_dir("budgets").join("budgeted.yaml");
    std::fs::write(&file, text).unwrap();
    let path = file.to_str().unwrap();
    let base = [
        "compare",
        path,
        "--runs",
        "12",
        "--strategies",
        "direct,rollback",
    ];

    let o = gameday(&[&base[..], &["--format", "junit"]].concat());
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let xml = stdout(&o);
    assert!(xml.contains("exceeds budget 1 min"), "{xml}");
    assert!(
        xml.contains("name=\"max-regression-rate\" value=\"50.0%\""),
        "{xml}"
    );

    // A flag replaces the scenario's value for that budget only.
    let o = gameday(&[&base[..], &["--max-mttr-p90", "9h"]].concat());
    let err = stderr(&o);
    assert!(!err.contains("MTTR p90"), "{err}");
    if err.contains("regression rate") {
        assert_eq!(o.status.code(), Some(3), "{err}");
    } else {
        assert!(o.status.success(), "{err}");
    }
}

fn compare_json(args: &[&str]) -> serde_json::Value {
    let o = gameday(&[&["compare", "--format", "json"][..], args].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn friday_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/friday-cascade.yaml")
}

#[test]
fn should_pair_every_strategy_with_the_best_mean_mttr_by_default() {
    let v = compare_json(&SMALL[1..]);
    let strategies = v["strategies"].as_array().unwrap();
    let best = strategies
        .iter()
        .min_by(|a, b| {
            let m = |s: &serde_json::Value| s["mttr_seconds"]["mean"].as_f64().unwrap();
            m(a).total_cmp(&m(b))
        })
        .unwrap();
    assert_eq!(v["baseline"]["name"], best["name"]);
    assert_eq!(v["baseline"]["chosen"], "best_mean_mttr");
    for s in strategies {
        let vs = &s["versus_baseline"];
        if s["name"] == best["name"] {
            assert!(vs.is_null(), "{s}");
            continue;
        }
        assert_eq!(vs["baseline"], best["name"]);
        assert_eq!(vs["pairs"], 12);
        let (w, t, l) = (
            vs["wins"].as_u64(),
            vs["ties"].as_u64(),
            vs["losses"].as_u64(),
        );
        assert_eq!(w.unwrap() + t.unwrap() + l.unwrap(), 12);
        assert!(vs["answer"].as_str().unwrap().contains("seeds"), "{vs}");
    }

    let v = compare_json(&[&SMALL[1..], &["--baseline", "direct"]].concat());
    assert_eq!(v["baseline"]["name"], "direct");
    assert_eq!(v["baseline"]["chosen"], "given");
    let rollback = &v["strategies"][2];
    assert_eq!(rollback["name"], "rollback");
    let answer = rollback["versus_baseline"]["answer"].as_str().unwrap();
    assert!(answer.starts_with("rollback beats direct on "), "{answer}");
}

#[test]
fn should_refuse_an_unknown_baseline_listing_the_strategies() {
    let o = gameday(&[&SMALL[..], &["--baseline", "yolo"]].concat());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("--baseline `yolo` is not among the compared strategies (hint: compared: direct, flag-disable, rollback)"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
    // A strategy the scenario has but the comparison left out.
    let o = gameday(&[&SMALL[..], &["--baseline", "staged"]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("add `staged` to --strategies"),
        "{}",
        stderr(&o)
    );
}

/// Runs a printed `gameday run ...` command with `--format json`.
fn run_printed(command: &str) -> serde_json::Value {
    let words: Vec<&str> = command.split(' ').collect();
    assert_eq!(words[..2], ["gameday", "run"], "{command}");
    let o = gameday(&[&words[1..], &["--format", "json"]].concat());
    assert!(o.status.success(), "{command}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn should_print_worst_seed_commands_that_reproduce_their_mttr() {
    let file = friday_file();
    let path = file.to_str().unwrap();
    for scenario in [None, Some(path)] {
        let mut args = vec!["--runs", "20", "--strategies", "direct,staged"];
        args.extend(scenario);
        let v = compare_json(&args);
        for s in v["strategies"].as_array().unwrap() {
            let worst = s["worst_seeds"].as_array().unwrap();
            assert_eq!(worst.len(), 3, "{s}");
            let top = s["mttr_quantiles"].as_array().unwrap().last().unwrap()["seconds"].clone();
            assert_eq!(worst[0]["mttr_seconds"], top, "the first is the maximum");
            let w = &worst[0];
            let command = w["command"].as_str().unwrap();
            let expected = match scenario {
                Some(p) => format!(
                    "gameday run {p} --strategy {} --seed {}",
                    s["name"].as_str().unwrap(),
                    w["seed"]
                ),
                None => format!(
                    "gameday run --strategy {} --seed {}",
                    s["name"].as_str().unwrap(),
                    w["seed"]
                ),
            };
            assert_eq!(command, expected);
            let run = run_printed(command);
            assert_eq!(run["seed"], w["seed"]);
            assert_eq!(run["command"], command);
            let score = &run["score"];
            let mttr_ms = match score["mttr"].as_u64() {
                Some(ms) => {
                    assert_eq!(w["censored"], false);
                    ms
                }
                None => {
                    assert_eq!(w["censored"], true);
                    score["ended_at"].as_u64().unwrap() - score["impact_start"].as_u64().unwrap()
                }
            };
            assert_eq!(
                mttr_ms as f64 / 1000.0,
                w["mttr_seconds"].as_f64().unwrap(),
                "{command}"
            );
        }
    }
}

#[test]
fn should_tell_reports_apart_by_the_digest_of_the_scenario_bytes() {
    let file = friday_file();
    let bytes = std::fs::read(&file).unwrap();
    let embedded = compare_json(&["--runs", "2", "--strategies", "rollback"]);
    let from_file = compare_json(&[
        "--runs",
        "2",
        "--strategies",
        "rollback",
        file.to_str().unwrap(),
    ]);
    // The embedded scenario is that file: same bytes, same digest.
    assert_eq!(
        embedded["origin"]["scenario_sha256"],
        from_file["origin"]["scenario_sha256"]
    );
    assert!(embedded["origin"]["scenario_file"].is_null());
    assert_eq!(from_file["origin"]["scenario_file"], file.to_str().unwrap());
    assert_eq!(
        embedded["origin"]["gameday_version"],
        env!("CARGO_PKG_VERSION")
    );

    // One more byte (a comment, nothing the simulation reads): another digest.
    let edited = temp_dir("digest").join("edited.yaml");
    let mut text = bytes.clone();
    text.extend_from_slice(b"# reviewed\n");
    std::fs::write(&edited, &text).unwrap();
    let changed = compare_json(&[
        "--runs",
        "2",
        "--strategies",
        "rollback",
        edited.to_str().unwrap(),
    ]);
    assert_ne!(
        changed["origin"]["scenario_sha256"],
        from_file["origin"]["scenario_sha256"]
    );
    assert_eq!(
        changed["strategies"][0]["mttr_seconds"],
        from_file["strategies"][0]["mttr_seconds"]
    );

    // Run reports carry it too, in every format people read.
    let o = gameday(&[
        "run",
        edited.to_str().unwrap(),
        "--strategy",
        "rollback",
        "--seed",
        "3",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let digest = changed["origin"]["scenario_sha256"].as_str().unwrap();
    assert!(stdout(&o).contains(digest), "{}", stdout(&o));
    for format in ["markdown", "html", "junit"] {
        let o = gameday(&[
            "run",
            edited.to_str().unwrap(),
            "--strategy",
            "rollback",
            "--seed",
            "3",
            "--format",
            format,
        ]);
        assert!(stdout(&o).contains(digest), "{format}");
    }
}

#[test]
fn should_say_what_the_comparison_covers_in_its_header() {
    let o = gameday(&SMALL);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        "friday-cascade · seeds 1-12 for every strategy · counted: all 12 replays of every strategy"
    );
    assert!(!text.contains("runs per strategy"), "{text}");
    for section in [
        "Replays and relapses",
        "Against the baseline",
        "Worst seeds",
        "Failed replays: none.",
        "Assumptions",
    ] {
        assert!(text.contains(section), "{section}:\n{text}");
    }
    assert!(text.contains("a fix cures 75%"), "{text}");
}

#[test]
fn should_judge_a_replay_against_the_runbook() {
    // The default seed's direct hotfix breaks the runbook three ways; the
    // runbook policy follows it.
    let o = gameday(&["run", "--strategy", "direct"]);
    let out = stdout(&o);
    assert!(out.contains("Runbook check"), "{out}");
    assert!(out.contains("FAIL  flag_first"), "{out}");
    assert!(
        out.contains("FAIL  no_chained_hotfix  PR #2 fixes a bug PR #1 introduced"),
        "{out}"
    );
    assert!(out.contains("FAIL  fixes_approved"), "{out}");
    let o = gameday(&["run", "--strategy", "runbook"]);
    let out = stdout(&o);
    assert!(!out.contains("FAIL"), "{out}");
    assert!(out.contains("pass  flag_first"), "{out}");
    let o = gameday(&["run", "--strategy", "runbook", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let rules = v["runbook"]["rules"].as_array().unwrap();
    assert_eq!(rules[0]["rule"], "flag_first");
    assert_eq!(rules[0]["verdict"], "pass");
}
