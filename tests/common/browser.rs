//! Headless Chromium for the tests that open gameday's pages: finding the
//! browser (or skipping without one, unless `CI` is set), running it with a
//! time limit, and reading what it rendered (SVG sizes, a screenshot's ink).
//!
//! `.ci/run` installs Debian's `chromium`; locally, `apt-get install -y
//! chromium` (or point `CHROMIUM` at a Chrome or Chromium binary).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The browser to drive: `CHROMIUM`, else the first Chromium or Chrome
/// on `PATH`.
pub fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
    .find(|p| p.is_file())
}

/// The browser, or `None` after saying the test skips; with `CI` set a
/// missing browser fails the test instead.
pub fn browser_or_skip() -> Option<PathBuf> {
    match chromium() {
        Some(p) => Some(p),
        None if std::env::var_os("CI").is_some() => {
            panic!("CI is set but no chromium is installed (hint: apt-get install -y chromium)")
        }
        None => {
            eprintln!(
                "skipping: no chromium on PATH (hint: apt-get install -y chromium, or set CHROMIUM); \
                 with CI set this test fails instead"
            );
            None
        }
    }
}

/// Runs the browser with a time limit; a hung browser fails the test.
/// Output goes through files, so a large DOM cannot fill a pipe and stall.
pub fn run_browser(browser: &Path, profile: &Path, args: &[String]) -> Output {
    let out_path = profile.with_extension("stdout");
    let err_path = profile.with_extension("stderr");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    let status = loop {
        match child.try_wait().expect("chromium runs") {
            Some(status) => break status,
            None if started.elapsed() > Duration::from_secs(120) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium did not finish within 120 s: {args:?}");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    Output {
        status,
        stdout: std::fs::read(&out_path).unwrap_or_default(),
        stderr: std::fs::read(&err_path).unwrap_or_default(),
    }
}

/// `(width, height)` of every `<svg ...>` start tag in `dom`.
pub fn svg_sizes(dom: &str) -> Vec<(f64, f64)> {
    let attr = |tag: &str, name: &str| -> f64 {
        let key = format!(" {name}=\"");
        tag.find(&key)
            .and_then(|i| {
                let rest = &tag[i + key.len()..];
                rest[..rest.find('"')?].parse().ok()
            })
            .unwrap_or(0.0)
    };
    dom.match_indices("<svg")
        .map(|(i, _)| {
            let tag = &dom[i..i + dom[i..].find('>').unwrap_or(0)];
            (attr(tag, "width"), attr(tag, "height"))
        })
        .collect()
}

/// Width, height and the spread of grey levels of a PNG.
pub fn png_stats(path: &Path) -> (u32, u32, f64, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("PNG size")];
    let info = reader.next_frame(&mut buf).expect("a PNG frame");
    let channels = info.color_type.samples();
    let bytes = &buf[..info.buffer_size()];
    let greys: Vec<f64> = bytes
        .chunks(channels)
        .map(|p| {
            if channels >= 3 {
                0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64
            } else {
                p[0] as f64
            }
        })
        .collect();
    let mean = greys.iter().sum::<f64>() / greys.len() as f64;
    let variance = greys.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / greys.len() as f64;
    let dark = greys.iter().filter(|&&g| g < 128.0).count();
    (info.width, info.height, variance, dark)
}
