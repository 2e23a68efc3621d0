//! `gameday scenario show` and `gameday scenario list`: the scenarios
//! built into gameday, printed exactly as shipped to start from.

use gameday_sim::scenario::{embedded, EMBEDDED};

use super::write_stdout;
use crate::cli::ScenarioCommand;
use crate::Failure;

pub fn scenario(command: ScenarioCommand) -> Result<(), Failure> {
    match command {
        ScenarioCommand::Show { name } => {
            let e = embedded(&name).ok_or_else(|| {
                let names: Vec<&str> = EMBEDDED.iter().map(|e| e.name).collect();
                Failure::input(format!(
                    "error: no embedded scenario `{name}` (hint: the embedded scenarios are {})",
                    names.join(", ")
                ))
            })?;
            write_stdout(e.yaml)
        }
        ScenarioCommand::List => {
            let width = EMBEDDED.iter().map(|e| e.name.len()).max().unwrap_or(0);
            let mut out = String::new();
            for e in EMBEDDED {
                out.push_str(&format!("{:<width$}  {}\n", e.name, e.about));
            }
            out.push_str("\nPrint one with `gameday scenario show NAME > my.yaml`.\n");
            write_stdout(&out)
        }
    }
}
