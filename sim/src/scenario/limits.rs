//! Limits on what a scenario file may ask of the machine, checked before
//! anything is built from it, each refused with a message that names the
//! limit:
//!
//! - [`MAX_FILE_BYTES`]: the file's size;
//! - [`MAX_EXPANDED_NODES`]: YAML nodes once every alias is expanded (a
//!   few kilobytes of nested aliases can stand for billions of nodes);
//! - [`MIN_SCRAPE_INTERVAL`], [`MAX_HORIZON`] and [`MAX_SCRAPE_POINTS`]: the
//!   work a replay implies (every scrape of every service is computed and
//!   kept), checked on the validated model ([`work`]);
//! - [`MAX_RPS`] and [`MAX_VALUE_PER_REQUEST`]: the numbers the counters
//!   and the revenue are computed from, so that no count wraps (a million
//!   requests a second for 90 days is 7.8e12, far inside a u64) and no sum
//!   becomes infinite.
//!
//! The Friday cascade is about 6 KB, 900 nodes, and 1,920 scrapes of 4
//! services: every limit is far above what a real incident needs.

use saphyr_parser::{Event, Parser};

use super::coherence::Finding;
use super::model::Scenario;
use crate::time::SimDuration;

/// Largest scenario file read, in bytes.
pub const MAX_FILE_BYTES: usize = 4 << 20;

/// Most YAML nodes a file may stand for once its aliases are expanded.
pub const MAX_EXPANDED_NODES: u64 = 1_000_000;

/// Shortest scrape interval.
pub const MIN_SCRAPE_INTERVAL: SimDuration = SimDuration::from_secs(1);

/// Longest horizon: 90 days.
pub const MAX_HORIZON: SimDuration = SimDuration::from_secs(90 * 24 * 3600);

/// Highest request rate of one service, per second.
pub const MAX_RPS: f64 = 1_000_000.0;

/// Highest value of one request, in the scenario's currency.
pub const MAX_VALUE_PER_REQUEST: f64 = 1_000_000.0;

/// Most scrapes a replay may take over all services together.
pub const MAX_SCRAPE_POINTS: u64 = 20_000_000;

/// Why a file is refused before it is parsed: a message and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TooLarge {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub hint: String,
}

/// Refuses a file over [`MAX_FILE_BYTES`] before reading it.
pub fn file_size(source: &str, path: &std::path::Path) -> Result<(), super::ScenarioErrors> {
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if len > MAX_FILE_BYTES as u64 {
        return Err(super::ScenarioErrors::single(super::ScenarioError {
            file: source.to_string(),
            line: None,
            column: None,
            path: String::new(),
            message: format!(
                "the file is {len} bytes, over the limit of {MAX_FILE_BYTES} bytes for a scenario"
            ),
            hint: Some("a scenario describes one incident; is this the right file?".into()),
        }));
    }
    Ok(())
}

/// Checks the file's size and its expanded size.
pub(crate) fn text(text: &str) -> Result<(), TooLarge> {
    if text.len() > MAX_FILE_BYTES {
        return Err(TooLarge {
            line: None,
            column: None,
            message: format!(
                "the file is {} bytes, over the limit of {MAX_FILE_BYTES} bytes for a scenario",
                text.len()
            ),
            hint: "a scenario describes one incident; split it, or generate smaller ones".into(),
        });
    }
    expanded(text)
}

/// Counts nodes with aliases expanded, and stops at the limit.
fn expanded(text: &str) -> Result<(), TooLarge> {
    // Nodes under construction: (anchor id, nodes so far).
    let mut open: Vec<(usize, u64)> = vec![(0, 0)];
    // Expanded size of each anchored node, by anchor id.
    let mut anchors: Vec<u64> = Vec::new();
    let mut parser = Parser::new_from_str(text);
    let mut documents = 0;
    // Unparsable YAML is serde's to report.
    while let Some(Ok((event, span))) = parser.next_event() {
        if matches!(event, Event::DocumentStart(_)) {
            documents += 1;
            if documents == 2 {
                // Only the first would be read, the rest silently lost.
                return Err(TooLarge {
                    line: Some(span.start.line()),
                    column: Some(span.start.col() + 1),
                    message: "a second YAML document: a scenario file holds one".into(),
                    hint: "one incident per file: split the documents at `---` into files of their own".into(),
                });
            }
        }
        let done = match event {
            Event::Scalar(_, _, anchor, _) => Some((anchor, 1)),
            Event::Alias(id) => Some((0, anchors.get(id).copied().unwrap_or(1))),
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                open.push((anchor, 1));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => open.pop(),
            _ => None,
        };
        if let Some((anchor, n)) = done {
            if anchor > 0 {
                if anchors.len() <= anchor {
                    anchors.resize(anchor + 1, 1);
                }
                anchors[anchor] = n;
            }
            let Some(parent) = open.last_mut() else {
                break;
            };
            parent.1 = parent.1.saturating_add(n);
        }
        let total: u64 = open.iter().map(|f| f.1).fold(0, u64::saturating_add);
        if total > MAX_EXPANDED_NODES {
            return Err(TooLarge {
                line: Some(span.start.line()),
                column: Some(span.start.col() + 1),
                message: format!(
                    "with its aliases expanded, the file stands for more than {MAX_EXPANDED_NODES} YAML nodes (the limit)"
                ),
                hint: "aliases (`*name`) copy what their anchor (`&name`) holds; nested ones multiply: write the entries out".into(),
            });
        }
    }
    Ok(())
}

/// The work a validated scenario implies, against the limits.
pub(crate) fn work(sc: &Scenario) -> Vec<Finding> {
    let mut out = Vec::new();
    if sc.scrape_interval < MIN_SCRAPE_INTERVAL {
        out.push(Finding {
            path: "scrape_interval".into(),
            message: format!(
                "scrape interval {} is below the limit of {MIN_SCRAPE_INTERVAL}",
                sc.scrape_interval
            ),
            hint: "Prometheus scrapes every 15s to 1m; 1s is the finest gameday simulates".into(),
        });
    }
    if sc.horizon > MAX_HORIZON {
        out.push(Finding {
            path: "horizon".into(),
            message: format!("horizon {} is over the limit of {MAX_HORIZON}", sc.horizon),
            hint: "an incident plays out in hours or days; 8h is typical".into(),
        });
    }
    if out.is_empty() {
        let scrapes = sc.horizon.as_millis() / sc.scrape_interval.as_millis().max(1);
        let points = scrapes.saturating_mul(sc.services.len() as u64);
        if points > MAX_SCRAPE_POINTS {
            out.push(Finding {
                path: "scrape_interval".into(),
                message: format!(
                    "{scrapes} scrapes of {} services over the horizon is {points} points, over the limit of {MAX_SCRAPE_POINTS}",
                    sc.services.len()
                ),
                hint: "scrape less often or shorten the horizon".into(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_second_document_at_its_line() {
        assert!(expanded("---\nname: a\n").is_ok(), "one document, marked");
        let e = expanded("name: a\n---\nname: b\n").unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(1)));
        assert!(
            e.message.contains("a second YAML document"),
            "{}",
            e.message
        );
    }

    #[test]
    fn counts_aliases_expanded() {
        assert!(expanded("a: &x [1, 2, 3]\nb: *x\n").is_ok());
        // Ten copies of ten copies of ... of ten scalars: 10^7 nodes in a
        // few hundred bytes.
        let mut doc = String::from("l0: &l0 [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\n");
        for i in 1..8 {
            let p = format!("*l{}", i - 1);
            doc.push_str(&format!("l{i}: &l{i} [{}]\n", [p.as_str(); 10].join(", ")));
        }
        let e = expanded(&doc).unwrap_err();
        assert!(e.message.contains("more than 1000000 YAML nodes"), "{e:?}");
        assert!(e.line.is_some());
    }

    #[test]
    fn the_friday_scenario_is_far_inside_every_limit() {
        let sc = super::super::friday_cascade();
        assert!(work(&sc).is_empty());
        assert!(text(super::super::FRIDAY_CASCADE_YAML).is_ok());
    }
}
