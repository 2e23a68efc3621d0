//! End-to-end: the facilitator's screen. A live drill serves its status
//! as a self-refreshing page; headless Chromium opens the URL the drill
//! prints and shows the virtual clock and the firing alert.

mod common;

use common::browser::{browser_or_skip, run_browser};
use common::drill::LiveDrill;
use common::net::request;

const TOKEN: &str = "screen-tok";

#[test]
fn should_show_the_clock_and_the_firing_alert_in_headless_chromium() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let mut drill = LiveDrill::start(&["--speed", "120", "--quiet", "--token", TOKEN]);
    let line = drill.wait_for("facilitator screen: ");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("the banner prints the screen's URL: {line}"))
        .to_string();
    assert!(
        url.ends_with(&format!("/gameday/v1/status?token={TOKEN}")),
        "{url}"
    );
    drill.wait_for("PAGE FIRING");

    // Without a token the page is refused, like every drill endpoint.
    let gd = drill.base + 4;
    let (status, _) = request(gd, "Bearer wrong", "GET", "/gameday/v1/status", "");
    assert_eq!(status, 401);

    let dir = std::env::temp_dir().join(format!("gameday-screen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = run_browser(&browser, &dir.join("profile"), &["--dump-dom".into(), url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout).to_string();
    let clock = dom
        .split("id=\"clock\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap_or_else(|| panic!("a clock: {dom}"));
    assert!(
        clock.starts_with("Fri ") && clock.len() == "Fri 16:52:00".len(),
        "the scenario's time of day: {clock}"
    );
    assert!(
        dom.contains("FIRING: payment since Fri 16:"),
        "the firing alert: {dom}"
    );
    assert!(dom.contains("outside SLO"), "{dom}");
    assert!(
        !dom.contains("payment-v2-declines"),
        "no free answers: {dom}"
    );

    let (status, _) = request(
        gd,
        &format!("Bearer {TOKEN}"),
        "POST",
        "/gameday/v1/end",
        "",
    );
    assert!(status < 300);
    assert!(drill.finish().success());
    let _ = std::fs::remove_dir_all(&dir);
}
