//! Command-line arguments, as close to the flags as possible. Commands
//! resolve them into validated objects once.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use gameday_reports::budget;

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
    /// Exit codes: 0 success, 1 runtime failure, 2 invalid input, 3 a
    /// budget (--max-...) was missed; the report is written either way.
    ///
    /// Example: gameday run --strategy direct --seed 1 --format html --out run.html
    Run(RunArgs),
    /// Replay several strategies over many seeds and compare them.
    ///
    /// Each strategy faces the same worlds (common random numbers): seed N
    /// gives every strategy the same traffic, the same people and the same
    /// luck with latent bugs. Output is byte-identical whatever --threads.
    ///
    /// Exit codes: 0 success, 1 runtime failure, 2 invalid input, 3 a
    /// budget (--max-...) was missed by some strategy; the report is
    /// written either way.
    ///
    /// Example: gameday compare --runs 1000 --strategies direct,staged,flag-disable
    /// --format junit --out gameday.xml --max-mttr-p90 45m --max-regression-rate 0.05
    Compare(CompareArgs),
    /// Write a small, commented starter scenario to edit into your own.
    ///
    /// Two services, a shared library, one fault behind a flag, a team and
    /// a runbook policy with a conditional step; it validates and runs as
    /// written. Refuses to overwrite an existing file unless --force.
    ///
    /// Example: gameday init my-incident.yaml, then
    /// gameday validate my-incident.yaml and gameday compare my-incident.yaml
    Init(InitArgs),
    /// Show the scenarios built into gameday, to start from one.
    ///
    /// Example: gameday scenario show > my.yaml prints the Friday cascade
    /// byte for byte; gameday scenario list names every embedded scenario.
    #[command(subcommand)]
    Scenario(ScenarioCommand),
    /// Check a scenario file and report every problem with its line and column.
    ///
    /// Structural problems (missing fields, wrong types, misspelt keys) and
    /// semantic ones (unknown names, ranges, cycles, a baseline outside its
    /// SLO, a fault no fix can cure) are each reported together.
    ///
    /// Exit code 0 when valid, 2 when not.
    ///
    /// Example: gameday validate scenarios/*.yaml
    Validate(ValidateArgs),
    /// Print the JSON Schema of scenario files (for editor autocompletion),
    /// or with --report, of a report's JSON.
    ///
    /// Example: gameday schema > scenario.schema.json, then add
    /// `# yaml-language-server: $schema=./scenario.schema.json` to a scenario.
    Schema(SchemaArgs),
    /// List the strategies available for a scenario.
    Strategies(ScenarioArg),
    /// Serve HTTP fakes of Prometheus, Unleash, GitHub, Argo CD and Argo
    /// Rollouts over the simulated world, for people and tools to work the
    /// incident.
    ///
    /// The world is replayed to --at and served on loopback. Without
    /// --strategy nobody has responded yet and virtual time moves only when
    /// someone waits (POST /gameday/v1/wait); with --strategy the responders
    /// follow it up to --at and the world stays frozen there.
    ///
    /// Example: gameday mocks --seed 11 --at 17:30, then
    /// promtool query instant http://127.0.0.1:9090 'up'
    Mocks(MocksArgs),
    /// Replay a drill from its journal, with no wall clock, and print it
    /// as `gameday run` prints a replay (timeline, score, runbook check).
    ///
    /// The journal's header carries the scenario, its SHA-256 and the
    /// seed; every request the fakes accepted is re-sent at the virtual
    /// moment it was handled, and the world's events must come out as
    /// journaled (else the line where they diverge is named). The same
    /// journal always gives the same bytes.
    ///
    /// Exit codes: 0 success, 1 the replay diverged, 2 the journal cannot
    /// be read, 3 a budget was missed.
    ///
    /// Example: gameday replay drill.jsonl --format json --out drill.json
    Replay(ReplayArgs),
    /// Score a drill from its journal beside every built-in strategy on
    /// the same seed (the same world: common random numbers), with the
    /// paired difference to the best, and judge it against the runbook.
    ///
    /// Exit codes as `gameday compare`.
    ///
    /// Example: gameday score drill.jsonl --format markdown --out debrief.md
    Score(ScoreArgs),
    /// Run a live drill: the world runs by itself on the wall clock while
    /// people work the incident with their own tools against the fakes.
    ///
    /// Virtual time runs at --speed virtual seconds per wall second (1:
    /// real time), not counting pauses. The fakes answer in wall-clock
    /// time: the world's now is the wall clock's now, so promtool with no
    /// --time, Grafana's "last 10 minutes" and other tools asking about
    /// now see the incident. At speed X a span of virtual time is
    /// published as 1/X of it in wall time: a 5m query window covers 5·X
    /// virtual minutes. The scenario's time of day still labels the
    /// status, the pages and the timeline.
    ///
    /// When an alert fires, the drill prints a page (and POSTs it in
    /// Alertmanager's webhook format to --page-webhook). The horizon, POST
    /// /gameday/v1/end, the q key or Ctrl-C end the drill and print its
    /// score, computed as a strategy's is. No endpoint hands out the
    /// answer: /gameday/v1/diagnose is refused, and so is /gameday/v1/wait
    /// (the clock runs by itself).
    ///
    /// Exit codes: 0 the drill ran and was scored, 1 runtime failure (a
    /// port taken), 2 invalid input.
    #[command(after_long_help = DRILL_HELP)]
    Drill(DrillArgs),
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The drill's journal (JSON Lines, as `gameday drill --journal` writes)
    pub journal: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = RunFormat::Text)]
    pub format: RunFormat,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    /// The drill's journal (JSON Lines, as `gameday drill --journal` writes)
    pub journal: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = CompareFormat::Table)]
    pub format: CompareFormat,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// The endpoints a drill's players need, with examples that work as
/// printed (short lines, so no terminal wraps them).
const DRILL_HELP: &str = r#"Pause, resume and end (the gameday control API, BASE+4; 9093 by default):
  TOKEN=s3cret
  gameday drill --speed 10 --token "$TOKEN"

  # in another shell, with the same TOKEN=s3cret:
  curl -s -X POST -H "Authorization: Bearer $TOKEN" \
    http://127.0.0.1:9093/gameday/v1/pause
  curl -s -X POST -H "Authorization: Bearer $TOKEN" \
    http://127.0.0.1:9093/gameday/v1/resume
  curl -s -X POST -H "Authorization: Bearer $TOKEN" \
    http://127.0.0.1:9093/gameday/v1/end
  curl -s -H "Authorization: Bearer $TOKEN" \
    http://127.0.0.1:9093/gameday/v1/drill
  curl -s -X POST -H "Authorization: Bearer $TOKEN" \
    -d '{"service":"payment"}' \
    http://127.0.0.1:9093/gameday/v1/acknowledge

A twist (the facilitator injects one of the scenario's optional
faults: now, after a span, or at a clock time):
  curl -s -X POST -H "Authorization: Bearer $TOKEN" \
    -d '{"fault":"catalog-db-pool-exhausted","after":"2m"}' \
    http://127.0.0.1:9093/gameday/v1/inject

Players: each gets a token, printed at the start, and the journal
names who made each call; --token stays the facilitator's:
  gameday drill --token "$TOKEN" --player ana --player bo=b0-token

On the drill's terminal: p pauses and resumes, q or Ctrl-C ends.

The facilitator's screen: the same live status as a web page that
refreshes itself (no scripts, no external assets); open it in a
browser, the token in the URL:
  http://127.0.0.1:9093/gameday/v1/status?token=s3cret

Query the incident as of now (no --time needed):
  promtool query instant http://127.0.0.1:9090 \
    'sum by (service) (rate(http_requests_total{code=~"5.."}[1m]))'

Journal the drill, then replay or score it (or resume it if killed):
  gameday drill --journal drill.jsonl --out score.json --token "$TOKEN"
  gameday score drill.jsonl
  gameday drill --resume drill.jsonl --token "$TOKEN"

Takeover: the built-in responders play `direct` until 17:30, then it
is yours:
  gameday drill --strategy direct --handover 17:30 --token "$TOKEN""#;

#[derive(Debug, clap::Args)]
pub struct MocksArgs {
    /// Scenario YAML file, or - to read it from standard input [default: the
    /// embedded Friday cascade]
    pub scenario: Option<PathBuf>,
    /// Seed of the world [default: the scenario's `seed`, else 1]
    #[arg(long)]
    pub seed: Option<u64>,
    /// Virtual time to serve: a clock time like 17:30 or 17:30:15 (on the
    /// scenario's start day, or the next day if earlier than the start), or
    /// an offset from the start like +45m
    #[arg(long, default_value = "+5m")]
    pub at: String,
    /// Replay this strategy up to --at (and freeze the world there)
    #[arg(long)]
    pub strategy: Option<String>,
    /// Address to bind; loopback unless told otherwise
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Shift every port: Prometheus on BASE, Unleash BASE+1, GitHub BASE+2,
    /// Argo CD BASE+3, gameday BASE+4, Argo Rollouts BASE+5 [default ports:
    /// 9090, 4242, 9091, 9092, 9093, 3100]
    #[arg(long)]
    pub port_base: Option<u16>,
    #[arg(long)]
    pub prometheus_port: Option<u16>,
    #[arg(long)]
    pub unleash_port: Option<u16>,
    #[arg(long)]
    pub github_port: Option<u16>,
    #[arg(long)]
    pub argocd_port: Option<u16>,
    #[arg(long)]
    pub gameday_port: Option<u16>,
    /// Port of the Argo Rollouts fake (the dashboard's REST API)
    #[arg(long)]
    pub rollouts_port: Option<u16>,
    /// Token mutating calls must carry [default: a random one, printed at start]
    #[arg(long)]
    pub token: Option<String>,
    /// Stop after this many seconds of wall-clock time (for scripts and tests)
    #[arg(long, hide = true)]
    pub exit_after: Option<u64>,
}

#[derive(Debug, clap::Args)]
pub struct DrillArgs {
    /// Scenario YAML file, or - to read it from standard input [default: the
    /// embedded Friday cascade]
    pub scenario: Option<PathBuf>,
    /// Seed of the world [default: the scenario's `seed`, else 1]
    #[arg(long)]
    pub seed: Option<u64>,
    /// Virtual seconds per wall second, from 0.1 to 600 (1 is real time)
    #[arg(long, default_value = "1")]
    pub speed: gameday_mocks::drill::Speed,
    /// Let this strategy's responders play until --handover, then hand the
    /// incident to the people
    #[arg(long, requires = "handover")]
    pub strategy: Option<String>,
    /// When the people take over: a clock time like 17:30 (as `mocks
    /// --at`) or an offset like +20m
    #[arg(long, requires = "strategy")]
    pub handover: Option<String>,
    /// Address to bind; loopback unless told otherwise
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Shift every port: Prometheus on BASE, Unleash BASE+1, GitHub BASE+2,
    /// Argo CD BASE+3, gameday BASE+4, Argo Rollouts BASE+5 [default ports:
    /// 9090, 4242, 9091, 9092, 9093, 3100]
    #[arg(long)]
    pub port_base: Option<u16>,
    /// Token mutating calls must carry; with --player, the facilitator's,
    /// the only one that pauses, resumes, ends and injects [default: a
    /// random one, printed at start]
    #[arg(long)]
    pub token: Option<String>,
    /// A player: gets their own token (printed at the start; NAME=TOKEN
    /// sets it), and the journal names them on each call they make.
    /// Repeat for each player [default: one player, `team`, who also
    /// facilitates]
    #[arg(long, value_name = "NAME[=TOKEN]")]
    pub player: Vec<String>,
    /// POST every page to this URL in Alertmanager's webhook format (a
    /// failing webhook is reported once, never fatal)
    #[arg(long, value_name = "URL")]
    pub page_webhook: Option<String>,
    /// Journal the drill to FILE (JSON Lines: every request to a fake and
    /// every simulated event, flushed as written), for `gameday replay`
    /// and `gameday score`; FILE must not exist yet
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Go on with the drill journaled in FILE (killed, or its machine
    /// rebooted): its world is rebuilt from the journal, and the drill
    /// continues from its last line at the journal's speed, writing on to
    /// the same file
    #[arg(long, value_name = "FILE", conflicts_with_all = ["scenario", "seed", "speed", "journal", "strategy", "handover"])]
    pub resume: Option<PathBuf>,
    /// No live status on the terminal (pages and the score still print)
    #[arg(long)]
    pub quiet: bool,
    /// When the drill ends, also write its score to FILE as JSON: the
    /// report `gameday replay JOURNAL --format json` prints, read back
    /// from the journal (needs --journal or --resume; written atomically)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// End the drill after this many seconds of wall-clock time (for
    /// scripts and tests)
    #[arg(long, hide = true)]
    pub exit_after: Option<u64>,
}

#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Print the schema of `gameday compare --format json` or of `gameday
    /// run --format json` instead of the scenario's
    #[arg(long, value_enum, value_name = "REPORT")]
    pub report: Option<ReportKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportKind {
    Compare,
    Run,
}

/// Where a report goes, and the budgets it is held to.
#[derive(Debug, Default, clap::Args)]
pub struct ReportArgs {
    /// Write the report to FILE instead of stdout (written beside it under a
    /// temporary name, then renamed, so FILE is never left half-written)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Budget on the 90th percentile of MTTR, e.g. 45m (for `run`: the
    /// replay's MTTR; an unrestored replay counts at the horizon)
    #[arg(long, value_name = "DURATION", value_parser = budget::parse_duration,
          help_heading = "Budgets (exit code 3 when one is missed; a flag overrides the scenario's budgets: entry)")]
    pub max_mttr_p90: Option<Duration>,
    /// Budget on the mean MTTR, e.g. 30m
    #[arg(long, value_name = "DURATION", value_parser = budget::parse_duration,
          help_heading = "Budgets (exit code 3 when one is missed; a flag overrides the scenario's budgets: entry)")]
    pub max_mttr_mean: Option<Duration>,
    /// Budget on the share of replays with a regression caused by the
    /// response: 0.05 or 5%
    #[arg(long, value_name = "SHARE", value_parser = budget::parse_share,
          help_heading = "Budgets (exit code 3 when one is missed; a flag overrides the scenario's budgets: entry)")]
    pub max_regression_rate: Option<f64>,
    /// Budget on the mean failed requests per replay caused by the incident
    /// (baseline errors of a good day do not count)
    #[arg(
        long,
        value_name = "N",
        help_heading = "Budgets (exit code 3 when one is missed; a flag overrides the scenario's budgets: entry)"
    )]
    pub max_failed_requests: Option<u64>,
    /// Budget on the mean revenue lost per replay, e.g. 20000
    #[arg(long, value_name = "AMOUNT", value_parser = budget::parse_money,
          help_heading = "Budgets (exit code 3 when one is missed; a flag overrides the scenario's budgets: entry)")]
    pub max_revenue_lost: Option<f64>,
}

impl ReportArgs {
    pub fn budgets(&self) -> budget::Budgets {
        budget::Budgets {
            max_mttr_p90: self.max_mttr_p90,
            max_mttr_mean: self.max_mttr_mean,
            max_regression_rate: self.max_regression_rate,
            max_failed_requests: self.max_failed_requests,
            max_revenue_lost: self.max_revenue_lost,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct ScenarioArg {
    /// Scenario YAML file, or - to read it from standard input [default: the
    /// embedded Friday cascade]
    pub scenario: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario YAML file, or - to read it from standard input [default: the
    /// embedded Friday cascade]
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
    /// How the strategy reaches the world: straight calls, or the real
    /// REST APIs of the HTTP fakes (GitHub, Argo CD, Argo Rollouts,
    /// Prometheus, Unleash) over loopback. Both give the same bytes.
    #[arg(long, value_enum, default_value_t = Via::InProcess)]
    pub via: Via,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// The control plane a replay acts through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Via {
    /// Calls into the simulated world
    InProcess,
    /// HTTP requests to the fakes, started on free loopback ports
    Http,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    /// Timeline with clock times, then the score (also accepted as `table`)
    #[value(alias = "table")]
    Text,
    /// The score, causes, regressions and timeline as Markdown tables
    Markdown,
    /// The replay as JSON (schema: gameday schema --report run)
    Json,
    /// One self-contained page with a timeline chart of every service
    Html,
    /// JUnit XML: one test case, failing when it misses a budget
    Junit,
}

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Scenario YAML file, or - to read it from standard input [default: the
    /// embedded Friday cascade]
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
    /// Worker threads, at most one per core (0 = one per core); never
    /// changes the output
    #[arg(long, default_value_t = 0, value_parser = parse_threads)]
    pub threads: usize,
    /// Strategy every other one is paired with, seed by seed (mean MTTR
    /// difference with a 95% CI, and the seeds it wins, ties and loses)
    /// [default: the compared strategy with the best mean MTTR]
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = CompareFormat::Table)]
    pub format: CompareFormat,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    /// A table for people
    Table,
    /// Markdown tables, for pull requests and postmortems
    Markdown,
    /// JSON for programs (schema: gameday schema --report compare)
    Json,
    /// One self-contained page with charts
    Html,
    /// JUnit XML: a test case per strategy, failing when it misses a budget
    Junit,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario YAML file(s) to check
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Where to write the starter scenario
    #[arg(default_value = "scenario.yaml")]
    pub path: PathBuf,
    /// Overwrite PATH if it exists
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// Print an embedded scenario's YAML exactly as shipped.
    ///
    /// Example: gameday scenario show > my.yaml (the Friday cascade), or
    /// gameday scenario show starter
    Show {
        /// Which one (see `gameday scenario list`)
        #[arg(default_value = "friday-cascade")]
        name: String,
    },
    /// List the embedded scenarios.
    List,
}

/// `--threads N`: 0 (one per core) up to the machine's cores; more only
/// adds threads that wait for a core.
fn parse_threads(s: &str) -> Result<usize, String> {
    let n: usize = s.trim().parse().map_err(|_| {
        format!("`{s}` is not a number of threads (hint: --threads 4, or 0 for one per core)")
    })?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if n > cores {
        return Err(format!(
            "{n} is more than this machine's {cores} cores (hint: --threads {cores}, or 0 for one per core)"
        ));
    }
    Ok(n)
}
