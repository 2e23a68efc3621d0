//! One module per subcommand; each turns arguments into validated objects,
//! calls the simulator, and renders the result.

mod compare;
mod drill;
mod embedded;
mod init;
mod journal;
mod mocks;
mod report;
mod run;

use std::path::Path;

use gameday_reports::wire::Origin;
use gameday_sim::scenario::{self, Scenario, ScenarioError, ScenarioErrors};
use gameday_sim::strategy::{presets, Policy};

use crate::cli::{Cli, Command, ReportKind};
use crate::Failure;

pub fn dispatch(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Compare(args) => compare::compare(args),
        Command::Init(args) => init::init(args),
        Command::Scenario(command) => embedded::scenario(command),
        Command::Validate(args) => validate(&args.files),
        Command::Schema(args) => {
            let schema = match args.report {
                None => scenario::schema::json_schema(),
                Some(ReportKind::Compare) => gameday_reports::schema::compare_schema(),
                Some(ReportKind::Run) => gameday_reports::schema::run_schema(),
            };
            let text = serde_json::to_string_pretty(&schema)
                .map_err(|e| Failure::runtime(format!("error: {e}")))?;
            write_stdout(&format!("{text}\n"))
        }
        Command::Mocks(args) => mocks::mocks(args),
        Command::Replay(args) => journal::replay(args),
        Command::Score(args) => journal::score(args),
        Command::Drill(args) => drill::drill(args),
        Command::Strategies(args) => {
            let sc = load(args.scenario.as_deref())?;
            let mut out = String::new();
            for p in all_policies(&sc) {
                out.push_str(&format!("{:<14} {}\n", p.name, p.description));
            }
            write_stdout(&out)
        }
    }
}

/// Loads a scenario file, or the embedded Friday cascade.
pub fn load(path: Option<&Path>) -> Result<Scenario, Failure> {
    load_with_origin(path).map(|(sc, _)| sc)
}

/// The version reports name as their writer's.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Loads a scenario as [`load`] does, and says where it came from for the
/// reports: the file as given and the digest of the very bytes parsed.
pub fn load_with_origin(path: Option<&Path>) -> Result<(Scenario, Origin), Failure> {
    let Some(p) = path else {
        return Ok((scenario::friday_cascade(), Origin::embedded(VERSION)));
    };
    let invalid = |e: ScenarioErrors| Failure::input(e.to_string());
    let io = |source: &str, e: std::io::Error| {
        invalid(ScenarioErrors::single(ScenarioError::io(
            source,
            e.to_string(),
        )))
    };
    // `-` is standard input, read up to the file size limit.
    let (source, bytes) = if p == Path::new("-") {
        use std::io::Read;
        let source = "<stdin>".to_string();
        let limit = scenario::limits::MAX_FILE_BYTES;
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| io(&source, e))?;
        if bytes.len() > limit {
            return Err(invalid(ScenarioErrors::single(ScenarioError::io(
                &source,
                format!("standard input holds more than the limit of {limit} bytes for a scenario"),
            ))));
        }
        (source, bytes)
    } else {
        let source = p.display().to_string();
        scenario::limits::file_size(&source, p).map_err(invalid)?;
        let bytes = std::fs::read(p).map_err(|e| io(&source, e))?;
        (source, bytes)
    };
    let text = scenario::decode(&source, bytes).map_err(invalid)?;
    let sc = scenario::parse(&source, &text).map_err(invalid)?;
    Ok((
        sc,
        Origin::file(VERSION, &p.display().to_string(), text.as_bytes()),
    ))
}

/// Built-in presets then the scenario's own policies.
pub fn all_policies(sc: &Scenario) -> Vec<Policy> {
    presets::BUILTIN
        .iter()
        .filter_map(|n| presets::preset(n, sc))
        .chain(sc.policies.iter().cloned())
        .collect()
}

/// Resolves a strategy name or explains which exist.
pub fn policy(sc: &Scenario, name: &str) -> Result<Policy, Failure> {
    sc.policy(name).ok_or_else(|| {
        let known: Vec<String> = all_policies(sc).into_iter().map(|p| p.name).collect();
        Failure::input(format!(
            "error: unknown strategy `{name}` (hint: available: {})",
            known.join(", ")
        ))
    })
}

/// `1 fault`, `2 faults`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn validate(files: &[std::path::PathBuf]) -> Result<(), Failure> {
    let mut bad = 0;
    for f in files {
        match scenario::load(f) {
            Ok(sc) => println!(
                "{}: ok ({}, {}, {})",
                f.display(),
                count(sc.services.len(), "service", "services"),
                count(sc.faults.len(), "fault", "faults"),
                count(sc.policies.len(), "policy", "policies")
            ),
            Err(errors) => {
                bad += errors.len();
                eprintln!("{errors}");
            }
        }
    }
    if bad > 0 {
        return Err(Failure::input(format!(
            "{bad} problem{} found",
            if bad == 1 { "" } else { "s" }
        )));
    }
    Ok(())
}

/// Writes to stdout; a closed pipe ends quietly.
pub fn write_stdout(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Failure {
            code: 0,
            message: String::new(),
        }),
        Err(e) => Err(e.into()),
    }
}
