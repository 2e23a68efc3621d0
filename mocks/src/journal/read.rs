//! Reading a journal back: every complete line, in order. A last line cut
//! short (the writer was killed while writing it) is dropped and reported;
//! a bad line anywhere else is an error naming its line number.

use std::path::Path;

use super::{Header, Line, FORMAT, MAX_JOURNAL_BYTES, MAX_LINE, VERSION};

/// A journal read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Journal {
    pub header: Header,
    /// Every line after the header, in order.
    pub lines: Vec<Line>,
    /// Bytes up to the end of the last complete line (where a resumed
    /// drill goes on writing).
    pub complete_bytes: u64,
    /// A torn last line was dropped.
    pub torn_tail: bool,
}

impl Journal {
    /// The number of the file line (the header is line 1) that recorded
    /// the simulated event at `at_ms` with `text`: the line a verdict on
    /// the drill rests on.
    pub fn line_of_event(&self, at_ms: u64, text: &str) -> Option<usize> {
        self.lines
            .iter()
            .position(|l| matches!(l, Line::Event(e) if e.at_ms == at_ms && e.text == text))
            .map(|i| i + 2)
    }
}

/// Why a journal cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JournalError {
    #[error("{file}: cannot read: {reason}")]
    Io { file: String, reason: String },
    #[error(
        "{file}: empty journal (hint: a drill writes its header first; is this the right file?)"
    )]
    Empty { file: String },
    #[error("{file}:{line}: {reason}")]
    Line {
        file: String,
        line: usize,
        reason: String,
    },
}

/// Reads the journal at `path`.
pub fn read(path: &Path) -> Result<Journal, JournalError> {
    let file = path.display().to_string();
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if len > MAX_JOURNAL_BYTES {
        return Err(JournalError::Io {
            file,
            reason: format!(
                "{len} bytes, over the limit of {MAX_JOURNAL_BYTES} bytes for a journal (hint: is this a drill journal?)"
            ),
        });
    }
    let text = std::fs::read(path).map_err(|e| JournalError::Io {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    read_bytes(&file, &text)
}

/// Reads journal text; `file` names it in errors.
pub fn read_str(file: &str, text: &str) -> Result<Journal, JournalError> {
    read_bytes(file, text.as_bytes())
}

fn read_bytes(file: &str, bytes: &[u8]) -> Result<Journal, JournalError> {
    let err = |line: usize, reason: String| JournalError::Line {
        file: file.to_string(),
        line,
        reason,
    };
    let mut header = None;
    let mut lines = Vec::new();
    let mut complete_bytes = 0u64;
    let mut torn_tail = false;
    let mut rest = bytes;
    let mut number = 0;
    while !rest.is_empty() {
        number += 1;
        let (raw, complete) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], true),
            None => (rest, false),
        };
        rest = if complete {
            &rest[raw.len() + 1..]
        } else {
            &[]
        };
        if raw.len() > MAX_LINE {
            return Err(err(number, format!("line longer than {MAX_LINE} bytes")));
        }
        let parsed = std::str::from_utf8(raw)
            .map_err(|e| e.to_string())
            .and_then(|s| serde_json::from_str::<Line>(s).map_err(|e| e.to_string()));
        let line = match parsed {
            Ok(line) if complete => line,
            // The writer was killed mid-line: everything before it stands.
            Ok(_) | Err(_) if !complete => {
                torn_tail = true;
                break;
            }
            Ok(line) => line,
            Err(e) => return Err(err(number, format!("not a journal line: {e}"))),
        };
        complete_bytes += raw.len() as u64 + 1;
        match (number, line) {
            (1, Line::Header(h)) => {
                if h.format != FORMAT {
                    return Err(err(1, format!("format `{}` is not `{FORMAT}`", h.format)));
                }
                if h.version > VERSION {
                    return Err(err(
                        1,
                        format!(
                            "journal version {} is newer than this gameday reads ({VERSION}) (hint: use the gameday {} that wrote it)",
                            h.version, h.gameday_version
                        ),
                    ));
                }
                header = Some(h);
            }
            (1, _) => return Err(err(1, "the first line must be the header".into())),
            (_, Line::Header(_)) => return Err(err(number, "a second header".into())),
            (_, line) => lines.push(line),
        }
    }
    let header = header.ok_or_else(|| JournalError::Empty {
        file: file.to_string(),
    })?;
    Ok(Journal {
        header,
        lines,
        complete_bytes,
        torn_tail,
    })
}
