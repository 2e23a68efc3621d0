//! The HTML reports open in a real browser: headless Chromium loads the
//! compare and the run report from disk, logs no console message, finds
//! every chart as an `<svg>` with a size, and paints a screenshot that is
//! not blank.
//!
//! Skips (saying so) when Chromium is not installed, unless the `CI`
//! environment variable is set: then a missing browser fails the test.
//! `.ci/run` installs Debian's `chromium`; locally, `apt-get install -y
//! chromium` (or point `CHROMIUM` at a Chrome or Chromium binary).

mod common;

use common::gameday;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The browser to drive, or why there is none.
fn chromium() -> Option<PathBuf> {
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

fn browser_or_skip() -> Option<PathBuf> {
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
fn run_browser(browser: &Path, profile: &Path, args: &[String]) -> Output {
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
fn svg_sizes(dom: &str) -> Vec<(f64, f64)> {
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
fn png_stats(path: &Path) -> (u32, u32, f64, usize) {
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

fn check_report(browser: &Path, dir: &Path, name: &str, charts: usize) {
    let html = dir.join(format!("{name}.html"));
    let text = std::fs::read_to_string(&html).unwrap();
    // Self-contained: no scripts, nothing fetched.
    for needle in [
        "<script", "<link", "<img", "<iframe", "src=", "@import", "url(",
    ] {
        assert!(!text.contains(needle), "{name}: found {needle}");
    }
    let outside: Vec<&str> = text
        .match_indices("http")
        .map(|(i, _)| &text[i..(i + 40).min(text.len())])
        .filter(|s| !s.starts_with("http://www.w3.org/2000/svg"))
        .collect();
    assert!(outside.is_empty(), "{name}: links out: {outside:?}");

    let url = format!("file://{}", html.display());
    let profile = dir.join(format!("profile-{name}"));
    let dom = run_browser(browser, &profile, &["--dump-dom".into(), url.clone()]);
    let logs = String::from_utf8_lossy(&dom.stderr);
    let console: Vec<&str> = logs.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "{name}: console messages: {console:#?}");
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("</main>"),
        "{name}: the page did not load:\n{logs}"
    );
    let sizes = svg_sizes(&dom);
    let big: Vec<_> = sizes
        .iter()
        .filter(|(w, h)| *w >= 300.0 && *h >= 100.0)
        .collect();
    assert_eq!(big.len(), charts, "{name}: charts in the DOM: {sizes:?}");
    assert!(
        sizes.iter().all(|(w, h)| *w > 0.0 && *h > 0.0),
        "{name}: {sizes:?}"
    );

    let shot = dir.join(format!("{name}.png"));
    let out = run_browser(
        browser,
        &profile,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".into(),
            url,
        ],
    );
    assert!(
        shot.is_file(),
        "{name}: no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (w, h, variance, dark) = png_stats(&shot);
    assert_eq!((w, h), (1280, 2000), "{name}: screenshot size");
    assert!(
        variance > 100.0,
        "{name}: screenshot looks blank (grey variance {variance:.1})"
    );
    assert!(
        dark > 10_000,
        "{name}: too little ink on the page ({dark} dark pixels)"
    );
}

#[test]
fn should_open_both_html_reports_in_headless_chromium() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("gameday-chromium-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let compare = dir.join("compare.html");
    let o = gameday(&[
        "compare",
        "--runs",
        "30",
        "--format",
        "html",
        "--out",
        compare.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let run = dir.join("run.html");
    let o = gameday(&[
        "run",
        "--strategy",
        "direct",
        "--seed",
        "11",
        "--format",
        "html",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // compare: MTTR distribution, regression rate, failed requests by cause;
    // run: the timeline and failed requests by cause.
    check_report(&browser, &dir, "compare", 3);
    check_report(&browser, &dir, "run", 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn should_read_svg_sizes_from_start_tags() {
    let dom = r#"<p><svg width="1000" height="440" viewBox="0 0 1000 440"><g/></svg><svg class="swatch" width="34" height="14"></svg></p>"#;
    assert_eq!(svg_sizes(dom), [(1000.0, 440.0), (34.0, 14.0)]);
}
