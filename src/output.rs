//! Where a report goes: stdout, or a file written so that it is never left
//! half-written (a temporary file beside it, flushed to disk, then renamed
//! over it). Errors name the file.
//!
//! Only a regular file (or a path where nothing is yet) is replaced that
//! way. A FIFO, a character device (`/dev/null`, a terminal) or anything
//! under `/dev` or `/proc` (`/dev/stdout`) is written straight through, as
//! a shell's `>` would: renaming over it would put a regular file where
//! the device or pipe was. A symbolic link is followed on purpose: the
//! file it points to is replaced and the link stays a link.

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

/// Writes `bytes` to `path` as the module doc says: atomically over a
/// regular file, straight through to a device or a pipe.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let shown = path.display();
    if path.is_dir() {
        return Err(Failure::input(format!(
            "error: --out {shown}: is a directory (hint: name a file, e.g. {}/report.html)",
            shown.to_string().trim_end_matches('/')
        )));
    }
    match target(path) {
        Target::Through => write_through(path, bytes),
        Target::Replace(real) => replace(&real, bytes).map_err(|e| {
            Failure::runtime(format!(
                "error: cannot write {shown}: {e} (hint: check that the directory exists and is writable)"
            ))
        }),
    }
}

/// How a path is written.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// Renamed over: the file to replace (a symbolic link's target).
    Replace(PathBuf),
    /// Opened and written: a device, a pipe, `/dev/stdout`.
    Through,
}

fn target(path: &Path) -> Target {
    use std::os::unix::fs::FileTypeExt;
    let special = |p: &Path| p.starts_with("/dev") || p.starts_with("/proc");
    if special(path) || std::fs::read_link(path).is_ok_and(|t| special(&t)) {
        return Target::Through;
    }
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Target::Replace(path.to_path_buf());
    };
    let real = if meta.file_type().is_symlink() {
        match std::fs::canonicalize(path) {
            Ok(real) => real,
            // A dangling link: the file it names is created.
            Err(_) => {
                let named = std::fs::read_link(path)
                    .map(|t| path.parent().unwrap_or(Path::new(".")).join(t));
                return Target::Replace(named.unwrap_or_else(|_| path.to_path_buf()));
            }
        }
    } else {
        path.to_path_buf()
    };
    if special(&real) {
        return Target::Through;
    }
    match std::fs::metadata(&real) {
        Ok(m)
            if m.file_type().is_fifo()
                || m.file_type().is_char_device()
                || m.file_type().is_block_device()
                || m.file_type().is_socket() =>
        {
            Target::Through
        }
        _ => Target::Replace(real),
    }
}

fn write_through(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let written = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.flush()));
    written.map_err(|e| Failure::runtime(format!("error: cannot write {}: {e}", path.display())))
}

/// Replaces `path` with `bytes` in one step: readers see the old file or the
/// new one, never part of it. On error the temporary file is removed and the
/// old file is left as it was.
fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_path(path);
    let written = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
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
    fn should_write_through_a_fifo_and_leave_it_a_fifo() {
        use std::os::unix::fs::FileTypeExt;
        let d = dir("fifo");
        let p = d.join("pipe");
        let _ = std::fs::remove_file(&p);
        let made = std::process::Command::new("mkfifo").arg(&p).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let reader = {
            let p = p.clone();
            std::thread::spawn(move || std::fs::read_to_string(p).unwrap())
        };
        write_atomically(&p, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe");
        let kind = std::fs::symlink_metadata(&p).unwrap().file_type();
        assert!(kind.is_fifo(), "still a FIFO: {kind:?}");
        assert_eq!(target(Path::new("/dev/null")), Target::Through);
        assert_eq!(target(Path::new("/dev/stdout")), Target::Through);
    }

    #[test]
    fn should_follow_a_symlink_and_replace_what_it_points_to() {
        let d = dir("symlink");
        let real = d.join("real.md");
        let link = d.join("link.md");
        std::fs::write(&real, "old").unwrap();
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomically(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        // A dangling link: its target is created.
        let gone = d.join("gone.md");
        let dangling = d.join("dangling.md");
        let _ = std::fs::remove_file(&dangling);
        std::os::unix::fs::symlink(&gone, &dangling).unwrap();
        write_atomically(&dangling, b"made").unwrap();
        assert_eq!(std::fs::read_to_string(&gone).unwrap(), "made");
        assert!(std::fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink());
    }

    #[test]
    fn should_refuse_a_directory() {
        let d = dir("isdir");
        let e = write_atomically(&d, b"x").unwrap_err();
        assert_eq!(e.code, 2);
        assert!(e.message.contains("is a directory"), "{}", e.message);
    }
}
