//! Where a report came from: the gameday version that wrote it, the
//! scenario file and a SHA-256 digest of its bytes, so two reports can be
//! told apart (or known to be about the same inputs), and the command
//! that replays any one seed of them.

use schemars::JsonSchema;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The inputs behind a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Origin {
    /// Version of the gameday binary that wrote the report.
    pub gameday_version: String,
    /// The scenario file as given on the command line; `null` for the
    /// embedded Friday cascade.
    pub scenario_file: Option<String>,
    /// SHA-256 of the scenario file's bytes (of the embedded YAML without a
    /// file, which is `scenarios/friday-cascade.yaml`), lowercase hex.
    pub scenario_sha256: String,
}

impl Origin {
    /// A report on the embedded Friday cascade.
    pub fn embedded(gameday_version: &str) -> Origin {
        Origin {
            gameday_version: gameday_version.to_string(),
            scenario_file: None,
            scenario_sha256: sha256_hex(gameday_sim::scenario::FRIDAY_CASCADE_YAML.as_bytes()),
        }
    }

    /// A report on the scenario file `path`, whose content is `bytes`.
    pub fn file(gameday_version: &str, path: &str, bytes: &[u8]) -> Origin {
        Origin {
            gameday_version: gameday_version.to_string(),
            scenario_file: Some(path.to_string()),
            scenario_sha256: sha256_hex(bytes),
        }
    }

    /// The command that replays `strategy` on `seed`:
    /// `gameday run [FILE] --strategy NAME --seed N`, with words quoted for
    /// a POSIX shell where they need it.
    pub fn run_command(&self, strategy: &str, seed: u64) -> String {
        let mut words = vec!["gameday".to_string(), "run".to_string()];
        if let Some(file) = &self.scenario_file {
            words.push(shell_word(file));
        }
        words.extend([
            "--strategy".to_string(),
            shell_word(strategy),
            "--seed".to_string(),
            seed.to_string(),
        ]);
        words.join(" ")
    }

    /// In words, e.g. `scenario friday.yaml, sha256 3f2a...; gameday
    /// 0.1.0`.
    pub fn describe(&self) -> String {
        format!(
            "scenario {}, sha256 {}; gameday {}",
            self.scenario_file
                .as_deref()
                .unwrap_or("embedded friday-cascade"),
            self.scenario_sha256,
            self.gameday_version
        )
    }
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `word` as one POSIX shell word: unchanged when it is made of safe
/// characters, else in single quotes.
pub fn shell_word(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=+,@%".contains(c));
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_digest_the_embedded_scenario_like_its_file() {
        let file = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../scenarios/friday-cascade.yaml"
        ))
        .unwrap();
        assert_eq!(
            Origin::embedded("0.1.0").scenario_sha256,
            Origin::file("0.1.0", "friday.yaml", &file).scenario_sha256
        );
    }

    #[test]
    fn should_change_the_digest_when_one_byte_changes() {
        let a = Origin::file("0.1.0", "a.yaml", b"horizon: 8h\n");
        let b = Origin::file("0.1.0", "a.yaml", b"horizon: 9h\n");
        assert_ne!(a.scenario_sha256, b.scenario_sha256);
        assert_eq!(a.scenario_sha256.len(), 64);
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn should_print_a_command_a_shell_runs_as_is() {
        let embedded = Origin::embedded("0.1.0");
        assert_eq!(
            embedded.run_command("direct", 14),
            "gameday run --strategy direct --seed 14"
        );
        let file = Origin::file("0.1.0", "my incidents/it's.yaml", b"");
        assert_eq!(
            file.run_command("quick canary", 3),
            r"gameday run 'my incidents/it'\''s.yaml' --strategy 'quick canary' --seed 3"
        );
        assert_eq!(
            Origin::file("0.1.0", "scenarios/f.yaml", b"").run_command("staged", 1),
            "gameday run scenarios/f.yaml --strategy staged --seed 1"
        );
    }
}
