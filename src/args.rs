//! Reading the command line: clap parses it into [`crate::cli::Cli`]; this
//! module turns the one clap message that misleads into one that helps.
//!
//! A negative number after a flag (`--seed -1`, `--runs -1`,
//! `--max-mttr-p90 -5m`) reads to clap as an unknown short flag, and its
//! tip, `use '-- -1'`, would make the value a scenario path. No value
//! gameday takes is negative, so the message says that, about the flag.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::Parser;

use crate::cli::Cli;

/// The parsed command line; exits with clap's message (or ours) on error.
pub fn parse() -> Cli {
    let argv: Vec<String> = std::env::args().collect();
    match Cli::try_parse_from(&argv) {
        Ok(cli) => cli,
        Err(e) => match negative_value(&e, &argv) {
            Some(message) => {
                eprintln!("{message}");
                std::process::exit(2)
            }
            None => e.exit(),
        },
    }
}

/// Our message when `e` is clap reading a negative value as a flag.
fn negative_value(e: &clap::Error, argv: &[String]) -> Option<String> {
    if e.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(found)) = e.get(ContextKind::InvalidArg) else {
        return None;
    };
    let negative = |s: &str| {
        s.strip_prefix('-')
            .and_then(|r| r.chars().next())
            .is_some_and(|c| c.is_ascii_digit() || c == '.')
    };
    if !negative(found) {
        return None;
    }
    // The whole token (`-5m`, of which clap names `-5`) and its flag.
    let at = argv.iter().position(|a| a.starts_with(found.as_str()))?;
    let value = &argv[at];
    let flag = at
        .checked_sub(1)
        .map(|i| argv[i].as_str())
        .filter(|f| f.starts_with("--"));
    let positive = value.trim_start_matches('-');
    Some(match flag {
        Some(flag) => format!(
            "error: {flag} {value}: a negative value; {flag} takes zero or more (hint: {flag} {positive})"
        ),
        None => format!(
            "error: `{value}`: gameday takes no negative numbers, and no argument starts with a digit after `-` (see gameday --help)"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(args: &[&str]) -> Option<String> {
        let argv: Vec<String> = std::iter::once("gameday")
            .chain(args.iter().copied())
            .map(String::from)
            .collect();
        let e = Cli::try_parse_from(&argv).err()?;
        negative_value(&e, &argv)
    }

    #[test]
    fn should_speak_of_the_value_not_of_a_separator() {
        let m = message(&["compare", "--runs", "-1"]).unwrap();
        assert_eq!(
            m,
            "error: --runs -1: a negative value; --runs takes zero or more (hint: --runs 1)"
        );
        let m = message(&["run", "--seed", "-1"]).unwrap();
        assert!(m.starts_with("error: --seed -1: a negative value"), "{m}");
        let m = message(&["compare", "--max-mttr-p90", "-5m"]).unwrap();
        assert!(
            m.contains("--max-mttr-p90 -5m") && m.contains("hint: --max-mttr-p90 5m"),
            "{m}"
        );
        assert_eq!(
            message(&["run", "--nope"]),
            None,
            "other errors stay clap's"
        );
        assert_eq!(message(&["run", "--seed", "7"]), None);
    }
}
