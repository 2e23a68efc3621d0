//! Command-line arguments, as close to the flags as possible. Commands
//! resolve them into validated objects once.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Incident simulator and game-day harness for hotfix and rollout decisions.
///
/// gameday replays an incident (a fault, the people who respond, the
/// pipeline they ship through) and asks which response restores service
/// fastest and breaks the fewest other things. Every replay is
/// deterministic: the same scenario, strategy and seed give the same bytes.
///
/// Without a SCENARIO argument, commands use the embedded Friday cascade:
/// payment fails 15% of transactions at 16:47 on a Friday, and a rushed
/// hotfix to a shared library breaks login, then email.
#[derive(Debug, Parser)]
#[command(name = "gameday", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Replay one strategy on one seed and print its timeline and score.
    ///
    /// Example: gameday run --strategy direct --seed 1
    Run(RunArgs),
    /// Replay several strategies over many seeds and compare them.
    ///
    /// Each strategy faces the same worlds (common random numbers): seed N
    /// gives every strategy the same traffic, the same people and the same
    /// luck with latent bugs. Output is byte-identical whatever --threads.
    ///
    /// Example: gameday compare --runs 1000 --strategies direct,staged,flag-disable
    Compare(CompareArgs),
    /// Check a scenario file and report every problem with its line and column.
    ///
    /// Exit code 0 when valid, 2 when not.
    Validate(ValidateArgs),
    /// Print the JSON Schema of scenario files (for editor autocompletion).
    ///
    /// Example: gameday schema > scenario.schema.json, then add
    /// `# yaml-language-server: $schema=./scenario.schema.json` to a scenario.
    Schema,
    /// List the strategies available for a scenario.
    Strategies(ScenarioArg),
}

#[derive(Debug, clap::Args)]
pub struct ScenarioArg {
    /// Scenario YAML file [default: the embedded Friday cascade]
    pub scenario: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario YAML file [default: the embedded Friday cascade]
    pub scenario: Option<PathBuf>,
    /// Strategy to replay: a built-in (direct, reviewed, flag-disable,
    /// staged, blue-green, rollback) or a policy defined in the scenario
    #[arg(long, short = 's', default_value = "direct")]
    pub strategy: String,
    /// Seed of the replay [default: the scenario's `seed`, else 1]
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output format
    #[arg(long, value_enum, default_value_t = RunFormat::Text)]
    pub format: RunFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    /// Timeline with clock times, then the score
    Text,
    /// The replay as JSON
    Json,
}

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Scenario YAML file [default: the embedded Friday cascade]
    pub scenario: Option<PathBuf>,
    /// `all`, or a comma-separated list of strategy names
    #[arg(long, default_value = "all")]
    pub strategies: String,
    /// Replays per strategy
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub runs: u64,
    /// First seed; run i uses seed BASE + i
    #[arg(long = "seed", default_value_t = 1)]
    pub base_seed: u64,
    /// Worker threads (0 = one per core); never changes the output
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Output format
    #[arg(long, value_enum, default_value_t = CompareFormat::Table)]
    pub format: CompareFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    /// A table for people
    Table,
    /// JSON for programs
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario YAML file(s) to check
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}
