//! The Python a test drives real client SDKs with: `$GAMEDAY_PYTHON`
//! (`.ci/run` points it at `.ci/venv`, built from `.ci/requirements.txt`),
//! else `python3` on PATH, as long as it imports what the test needs.

use std::path::PathBuf;
use std::process::Command;

/// How to get the modules the tests import.
const HINT: &str = "python3 -m venv .ci/venv && .ci/venv/bin/pip install -r .ci/requirements.txt \
                    && export GAMEDAY_PYTHON=$PWD/.ci/venv/bin/python";

/// The interpreter, if it imports every one of `modules` (Python module
/// names, e.g. `UnleashClient`). Without one the test skips, saying why,
/// unless the `CI` environment variable is set: then it fails.
pub fn python_or_skip(modules: &[&str]) -> Option<PathBuf> {
    let python = std::env::var_os("GAMEDAY_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("python3"));
    let imports = format!("import {}", modules.join(", "));
    let why = match Command::new(&python).args(["-c", &imports]).output() {
        Ok(o) if o.status.success() => return Some(python),
        Ok(o) => format!(
            "{} cannot `{imports}`: {}",
            python.display(),
            // The traceback's last line names the missing module.
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .last()
                .unwrap_or("")
                .trim()
        ),
        Err(e) => format!("no {} to run: {e}", python.display()),
    };
    if std::env::var_os("CI").is_some() {
        panic!("CI is set but {why} (hint: {HINT})");
    }
    eprintln!("skipping: {why} (hint: {HINT}); with CI set this test fails instead");
    None
}
