//! Self-contained HTML reports: one file with inline CSS and inline SVG
//! charts, no scripts and nothing fetched from the network, so it opens
//! the same from a CI artifact, an e-mail or a laptop on a plane.
//!
//! - [`compare`]: the comparison of strategies;
//! - [`run`]: one replay's timeline;
//! - [`debrief`]: a drill's team beside the strategies, on one clock.

pub mod compare;
pub mod debrief;
pub mod run;

use std::fmt::Write as _;

use crate::format::{ratio, seconds, Clock};
use crate::rows::scenario_tables;
use crate::wire::ScenarioSummary;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
  margin: 0; background: #fafafa; color: #1a1a1a; line-height: 1.45; }
main { max-width: 1160px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 1.55rem; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 1rem; margin: 18px 0 6px; }
p.lead { color: #444; margin: 0 0 12px; }
p.note { color: #555; font-size: 0.88rem; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 0.88rem; }
th, td { border: 1px solid #d5d5d5; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.na td { color: #666; font-style: italic; }
figure { margin: 12px 0 20px; }
figure svg { display: block; max-width: 100%; height: auto; border: 1px solid #e4e4e4; }
figcaption { font-size: 0.88rem; color: #333; margin-top: 6px; }
ul.legend { list-style: none; padding: 0; margin: 6px 0; display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 0.88rem; }
ul.legend li { display: flex; align-items: center; gap: 6px; }
svg.swatch { border: none; display: inline-block; }
span.letter { display: inline-block; min-width: 1.1em; font-weight: 700; text-align: center; }
.verdict-miss { color: #8a1c00; font-weight: 600; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 14px; font-size: 0.9rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
dl.score { grid-template-columns: repeat(3, max-content minmax(10em, auto)); gap: 4px 14px; }
";

/// A whole page around `body`.
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"generator\" content=\"gameday\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n\
<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        escape(title)
    )
}

/// A table; cells are escaped, columns from `right_from` on are numbers.
pub(crate) fn table(headers: &[&str], rows: &[Vec<String>], right_from: usize) -> String {
    let mut out = String::from("<table>\n<thead><tr>");
    for (i, h) in headers.iter().enumerate() {
        let class = if i >= right_from {
            " class=\"num\""
        } else {
            ""
        };
        let _ = write!(out, "<th{class}>{}</th>", escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        out.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let class = if i >= right_from {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(out, "<td{class}>{}</td>", escape(c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// A figure: the chart, a legend list, a caption.
pub(crate) fn figure(svg: &str, legend: &[(String, String)], caption: &str) -> String {
    let mut out = String::from("<figure>\n");
    out.push_str(svg);
    if !legend.is_empty() {
        out.push_str("<ul class=\"legend\">");
        for (swatch, name) in legend {
            let _ = write!(out, "<li>{swatch}<span>{}</span></li>", escape(name));
        }
        out.push_str("</ul>\n");
    }
    let _ = writeln!(
        out,
        "<figcaption>{}</figcaption>\n</figure>",
        escape(caption)
    );
    out
}

/// The scenario: timing, the alert rule, services, libraries, dependencies,
/// flags and faults.
pub(crate) fn scenario_section(sc: &ScenarioSummary) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "<h2>Scenario: {}</h2>", escape(&sc.name));
    if !sc.description.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", escape(&sc.description));
    }
    let facts = [
        ("starts", Clock::new(&sc.start).label(0)),
        ("horizon", seconds(sc.horizon_seconds)),
        ("scrape interval", seconds(sc.scrape_interval_seconds)),
        ("stability window", seconds(sc.stability_window_seconds)),
        (
            "alert rule",
            format!(
                "{}: error ratio over {} above {} for {}",
                sc.alert.name,
                seconds(sc.alert.window_seconds),
                ratio(sc.alert.threshold),
                seconds(sc.alert.for_seconds)
            ),
        ),
    ];
    out.push_str("<dl class=\"facts\">");
    for (k, v) in facts {
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(&v));
    }
    out.push_str("</dl>\n");
    for t in scenario_tables(sc) {
        let _ = writeln!(out, "<h3>{}</h3>", escape(t.title));
        out.push_str(&table(t.headers, &t.rows, t.right_from));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_escape_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn should_escape_table_cells() {
        let t = table(&["a"], &[vec!["<b>".into()]], 1);
        assert!(t.contains("&lt;b&gt;") && !t.contains("<b>"), "{t}");
    }
}
