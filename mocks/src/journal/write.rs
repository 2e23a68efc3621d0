//! Writing a journal: one JSON line per call, handed to the operating
//! system at once (a single `write` of the line and its newline), so a
//! process killed at any moment leaves every earlier line intact.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::{Header, Line};

/// An open journal file.
#[derive(Debug)]
pub struct JournalWriter {
    path: PathBuf,
    file: File,
    lines: u64,
}

impl JournalWriter {
    /// Creates `path` (refusing to overwrite an existing file) and writes
    /// the header.
    pub fn create(path: &Path, header: &Header) -> io::Result<JournalWriter> {
        let file = OpenOptions::new().write(true).create_new(true).open(path)?;
        let mut w = JournalWriter {
            path: path.to_path_buf(),
            file,
            lines: 0,
        };
        w.append(&Line::Header(header.clone()))?;
        Ok(w)
    }

    /// Opens an existing journal to go on writing after its last complete
    /// line (`--resume`): a torn last line, if the writer was killed while
    /// writing it, is cut off first.
    pub fn resume(path: &Path, complete_bytes: u64, lines: u64) -> io::Result<JournalWriter> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        file.set_len(complete_bytes)?;
        let mut file = file;
        use std::io::Seek;
        file.seek(io::SeekFrom::End(0))?;
        Ok(JournalWriter {
            path: path.to_path_buf(),
            file,
            lines,
        })
    }

    /// Appends one line.
    pub fn append(&mut self, line: &Line) -> io::Result<()> {
        let mut bytes = serde_json::to_vec(line).map_err(io::Error::other)?;
        bytes.push(b'\n');
        self.file.write_all(&bytes)?;
        self.file.flush()?;
        self.lines += 1;
        Ok(())
    }

    /// Lines written, the header included (and, after a resume, the lines
    /// that were already there).
    pub fn lines(&self) -> u64 {
        self.lines
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}
