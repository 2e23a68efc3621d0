//! The facilitator's screen: the drill's [`Status`] as one small web page,
//! served at `GET /gameday/v1/status` for a projector or a second monitor.
//!
//! The page is self-contained: inline CSS, no scripts, no fonts, images or
//! links to fetch, so it works offline and behind any proxy; it refreshes
//! itself every [`REFRESH_SECONDS`] with a `<meta http-equiv="refresh">`.
//! Every piece of text from the scenario or the journal is escaped, as in
//! every HTML report.

use std::fmt::Write as _;

use gameday_reports::html::escape;

use super::status::{pct, Health, RunState, Status};

/// How often the page reloads itself.
pub const REFRESH_SECONDS: u32 = 2;

/// The `Content-Security-Policy` the page is served with: nothing but its
/// own inline style may load.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

const STYLE: &str = "\
body{font:16px/1.4 system-ui,sans-serif;margin:1.5rem;background:#fafafa;color:#222}\
h1{font-size:1.3rem;margin:0 0 .2rem}\
.clock{font:700 2.6rem/1.1 ui-monospace,monospace}\
.meta{color:#555}\
.state-PAUSED{background:#fde68a;padding:0 .4rem}\
.state-ended{background:#ddd;padding:0 .4rem}\
.firing{background:#b91c1c;color:#fff;padding:.5rem .8rem;margin:1rem 0;font-weight:600}\
.quiet{background:#15803d;color:#fff;padding:.5rem .8rem;margin:1rem 0}\
table{border-collapse:collapse;margin:.5rem 0}\
th,td{text-align:left;padding:.2rem .8rem .2rem 0;border-bottom:1px solid #ddd}\
td.num{text-align:right;font-family:ui-monospace,monospace}\
.OutsideSlo{color:#b91c1c;font-weight:600}.WithinSlo{color:#15803d}.NoTraffic{color:#777}\
ul{margin:.3rem 0;padding-left:1.2rem}\
.recent td{font-family:ui-monospace,monospace;font-size:.9rem}";

fn health_class(h: Health) -> &'static str {
    match h {
        Health::NoTraffic => "NoTraffic",
        Health::WithinSlo => "WithinSlo",
        Health::OutsideSlo => "OutsideSlo",
    }
}

/// The page for `s`.
pub fn html(s: &Status) -> String {
    let mut o = String::new();
    let title = format!("{} · {} · {}", s.clock, s.scenario, s.state.word());
    let _ = write!(
        o,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"{REFRESH_SECONDS}\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>{}</title><style>{STYLE}</style></head><body>",
        escape(&title)
    );
    let _ = write!(
        o,
        "<h1>gameday drill · {}</h1><div class=\"clock\" id=\"clock\">{}</div>\
         <div class=\"meta\">+{} since the start · speed {} · <span class=\"state-{}\" id=\"state\">{}</span></div>",
        escape(&s.scenario),
        escape(&s.clock),
        escape(&s.since_start),
        escape(&s.speed),
        s.state.word(),
        s.state.word()
    );
    if s.firing.is_empty() {
        o.push_str("<div class=\"quiet\" id=\"firing\">No alert firing</div>");
    } else {
        o.push_str("<div class=\"firing\" id=\"firing\">FIRING: ");
        let items: Vec<String> = s
            .firing
            .iter()
            .map(|f| format!("{} since {}", escape(&f.service), escape(&f.since)))
            .collect();
        o.push_str(&items.join(" · "));
        o.push_str("</div>");
    }
    let _ = write!(
        o,
        "<table id=\"services\"><tr><th>service</th><th>errors over {}</th><th>allowed</th><th>health</th></tr>",
        escape(&s.window)
    );
    for r in &s.services {
        let h = r.health();
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"{}\">{}</td></tr>",
            escape(&r.name),
            pct(r.ratio),
            pct(Some(r.allowed)),
            health_class(h),
            h.word()
        );
    }
    o.push_str("</table><h2>In flight</h2><ul id=\"in-flight\">");
    if s.in_flight.is_empty() {
        o.push_str("<li>nothing</li>");
    }
    for f in &s.in_flight {
        let _ = write!(o, "<li>{}</li>", escape(f));
    }
    o.push_str("</ul><h2>Recent</h2><table class=\"recent\" id=\"recent\">");
    if s.recent.is_empty() {
        o.push_str("<tr><td>nothing yet</td></tr>");
    }
    for e in &s.recent {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&e.clock),
            escape(&e.actor),
            escape(&e.text)
        );
    }
    o.push_str("</table>");
    if s.state == RunState::Ended {
        o.push_str("<p>The drill has ended: its score is on the facilitator's terminal.</p>");
    }
    o.push_str("</body></html>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::status::tests::state;
    use crate::drill::status::{Firing, Recent, ServiceRow};
    use gameday_sim::scenario::friday_cascade;
    use gameday_sim::time::{SimDuration, SimTime};
    use gameday_sim::world::World;

    #[test]
    fn should_show_the_clock_and_the_firing_alert_and_refresh_itself() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 4);
        w.advance_to(SimTime::START + SimDuration::from_mins(5))
            .unwrap();
        let page = html(&Status::of(&w, &state()));
        assert!(page.contains(">Fri 16:52:00</div>"), "{page}");
        assert!(
            page.contains("FIRING: payment since Fri 16:48:15"),
            "{page}"
        );
        assert!(page.contains("http-equiv=\"refresh\" content=\"2\""));
        assert!(page.contains("class=\"OutsideSlo\">outside SLO"), "{page}");
        for external in ["<script", "src=", "href=", "@import", "url("] {
            assert!(!page.contains(external), "an external asset: {external}");
        }
    }

    #[test]
    fn should_escape_every_text_it_did_not_write() {
        let s = Status {
            scenario: "<x>".into(),
            clock: "c&d".into(),
            since_start: "1m".into(),
            speed: "1x".into(),
            state: RunState::Paused,
            firing: vec![Firing {
                service: "<img src=x>".into(),
                since: "'".into(),
            }],
            window: "2m".into(),
            services: vec![ServiceRow {
                name: "\"q\"".into(),
                ratio: None,
                allowed: 0.01,
            }],
            in_flight: vec!["<b>".into()],
            recent: vec![Recent {
                clock: "t".into(),
                actor: "<a>".into(),
                text: "</table>".into(),
            }],
        };
        let page = html(&s);
        for raw in ["<x>", "<img", "\"q\"", "<b>", "<a>", "<td></table>"] {
            assert!(!page.contains(raw), "unescaped {raw}: {page}");
        }
        assert!(page.contains("&lt;img src=x&gt;"));
        assert!(page.contains("class=\"state-PAUSED\""));
    }
}
