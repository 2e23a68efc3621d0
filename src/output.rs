//! Where a report goes: stdout, or a file written so that it is never left
//! half-written (a temporary file beside it, flushed to disk, then renamed
//! over it). Errors name the file.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::commands::write_stdout;
use crate::Failure;

/// Writes `text` to `out`, or to stdout without one.
pub fn emit(text: &str, out: Option<&Path>) -> Result<(), Failure> {
    match out {
        None => write_stdout(text),
        Some(path) => write_atomically(path, text.as_bytes()),
    }
}

/// The temporary name beside `path`: `.NAME.gameday-PID.tmp`.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    path.with_file_name(format!(".{name}.gameday-{}.tmp", std::process::id()))
}

/// Replaces `path` with `bytes` in one step: readers see the old file or the
/// new one, never part of it. On error the temporary file is removed and the
/// old file is left as it was.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let shown = path.display();
    if path.is_dir() {
        return Err(Failure::input(format!(
            "error: --out {shown}: is a directory (hint: name a file, e.g. {}/report.html)",
            shown.to_string().trim_end_matches('/')
        )));
    }
    let tmp = temp_path(path);
    let written = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(Failure::runtime(format!(
            "error: cannot write {shown}: {e} (hint: check that the directory exists and is writable)"
        )));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Failure::runtime(format!("error: cannot write {shown}: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("gameday-output-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn should_replace_the_file_and_leave_no_temporary_behind() {
        let d = dir("replace");
        let p = d.join("report.md");
        std::fs::write(&p, "old").unwrap();
        write_atomically(&p, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        let left: Vec<_> = std::fs::read_dir(&d).unwrap().collect();
        assert_eq!(left.len(), 1, "{left:?}");
    }

    #[test]
    fn should_name_the_file_when_its_directory_is_missing() {
        let p = dir("missing").join("no/such/dir/report.html");
        let e = write_atomically(&p, b"x").unwrap_err();
        assert_eq!(e.code, 1);
        assert!(
            e.message.contains("no/such/dir/report.html"),
            "{}",
            e.message
        );
    }

    #[test]
    fn should_refuse_a_directory() {
        let d = dir("isdir");
        let e = write_atomically(&d, b"x").unwrap_err();
        assert_eq!(e.code, 2);
        assert!(e.message.contains("is a directory"), "{}", e.message);
    }
}
