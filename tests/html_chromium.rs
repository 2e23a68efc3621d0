//! The HTML reports open in a real browser: headless Chromium loads the
//! compare report, the run report and a drill's debrief from disk, logs no
//! console message, finds every chart as an `<svg>` with a size, and paints
//! a screenshot that is not blank.
//!
//! Skips (saying so) when Chromium is not installed, unless the `CI`
//! environment variable is set: then a missing browser fails the test.
//! `.ci/run` installs Debian's `chromium`; locally, `apt-get install -y
//! chromium` (or point `CHROMIUM` at a Chrome or Chromium binary).

mod common;

use common::browser::{browser_or_skip, png_stats, run_browser, svg_sizes};
use common::gameday;
use std::path::Path;

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
fn should_open_every_html_report_in_headless_chromium() {
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

    let journal = common::journal::scripted_journal("chromium", "drill.jsonl");
    let debrief = dir.join("debrief.html");
    let o = gameday(&[
        "score",
        journal.to_str().unwrap(),
        "--format",
        "html",
        "--out",
        debrief.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // compare: MTTR distribution, regression rate, failed requests by cause;
    // run: the timeline and failed requests by cause; debrief: the team's
    // timeline and the best strategy's.
    check_report(&browser, &dir, "compare", 3);
    check_report(&browser, &dir, "run", 2);
    check_report(&browser, &dir, "debrief", 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn should_read_svg_sizes_from_start_tags() {
    let dom = r#"<p><svg width="1000" height="440" viewBox="0 0 1000 440"><g/></svg><svg class="swatch" width="34" height="14"></svg></p>"#;
    assert_eq!(svg_sizes(dom), [(1000.0, 440.0), (34.0, 14.0)]);
}
