//! `gameday init`: writes the starter scenario for a user to edit, and
//! says what to do next.

use std::io::Write as _;
use std::path::Path;

use gameday_sim::scenario::{self, STARTER_NAME, STARTER_YAML};

use super::write_stdout;
use crate::cli::InitArgs;
use crate::Failure;

pub fn init(args: InitArgs) -> Result<(), Failure> {
    let path = &args.path;
    write_new(path, STARTER_YAML, args.force)?;
    let sc = scenario::parse(STARTER_NAME, STARTER_YAML).map_err(|e| {
        Failure::runtime(format!(
            "the embedded starter is invalid (a build bug):\n{e}"
        ))
    })?;
    let shown = path.display();
    let policy = sc.policies.first().map_or("direct", |p| p.name.as_str());
    let next = [
        (
            format!("gameday validate {shown}"),
            "check it: every problem, with its line and column",
        ),
        (
            format!("gameday run {shown} --strategy {policy}"),
            "replay its runbook policy on one seed, event by event",
        ),
        (
            format!("gameday compare {shown} --runs 200"),
            "compare the policy with the built-in strategies",
        ),
        (
            "gameday scenario show > friday.yaml".to_string(),
            "a larger example to borrow from",
        ),
    ];
    let width = next.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
    let mut out = format!(
        "wrote {shown}: a starter scenario ({} services, {} fault, policy `{policy}`), commented field by field\n\nNext:\n",
        sc.services.len(),
        sc.faults.len(),
    );
    for (command, what) in next {
        out.push_str(&format!("  {command:<width$}   {what}\n"));
    }
    write_stdout(&out)
}

/// Writes `text` to a new file at `path`; an existing file is kept unless
/// `force`.
fn write_new(path: &Path, text: &str, force: bool) -> Result<(), Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Failure::input(format!(
                "error: {} already exists (hint: pass --force to overwrite it, or give another path: gameday init my-scenario.yaml)",
                path.display()
            ))
        } else {
            Failure::runtime(format!("error: cannot write {}: {e}", path.display()))
        }
    })?;
    file.write_all(text.as_bytes())
        .map_err(|e| Failure::runtime(format!("error: cannot write {}: {e}", path.display())))
}
