//! Where each field of a YAML document is: an index from field paths
//! (`services.payment.rps`, `faults[0].effect.error_ratio`) to line and
//! column, built from `saphyr-parser` events. Validation uses it to point
//! semantic errors (an unknown name, a cycle) at the text.

use std::collections::BTreeMap;

use saphyr_parser::{Event, Parser};

/// 1-based line and column.
pub(crate) type Location = (usize, usize);

/// Field path -> location of its value (and of its key, for map entries).
#[derive(Debug, Default)]
pub(crate) struct Locations {
    values: BTreeMap<String, Location>,
    keys: BTreeMap<String, Location>,
    /// Keys written twice in one map: (path, first, again), in file order.
    /// A YAML reader keeps only the last, so each would silently replace
    /// the first.
    duplicates: Vec<(String, Location, Location)>,
}

enum Frame {
    Map { path: String, key: Option<String> },
    Seq { path: String, next: usize },
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

impl Locations {
    /// Indexes `text`. Unparsable YAML yields whatever was indexed before
    /// the error (the parse error itself is reported by serde).
    pub(crate) fn index(text: &str) -> Locations {
        let mut out = Locations::default();
        let mut stack: Vec<Frame> = Vec::new();
        let mut parser = Parser::new_from_str(text);
        while let Some(Ok((event, span))) = parser.next_event() {
            let loc = (span.start.line(), span.start.col() + 1);
            // The path of the node this event starts, if it starts one.
            let starts_node = matches!(
                event,
                Event::Scalar(..)
                    | Event::MappingStart(..)
                    | Event::SequenceStart(..)
                    | Event::Alias(..)
            );
            let mut node_path = None;
            if starts_node {
                match stack.last_mut() {
                    None => node_path = Some(String::new()),
                    Some(Frame::Seq { path, next }) => {
                        node_path = Some(format!("{path}[{next}]"));
                        *next += 1;
                    }
                    Some(Frame::Map { path, key }) => match key.take() {
                        Some(k) => node_path = Some(join(path, &k)),
                        None => {
                            // This node is a key.
                            if let Event::Scalar(ref v, ..) = event {
                                let full = join(path, v);
                                // Inside a map written twice, every key
                                // repeats: only the outer one counts.
                                let inside_dup = out.duplicates.iter().any(|(d, _, _)| {
                                    full.strip_prefix(d.as_str())
                                        .is_some_and(|rest| rest.starts_with(['.', '[']))
                                });
                                match out.keys.get(&full) {
                                    Some(_) if inside_dup => {}
                                    Some(&first) => out.duplicates.push((full, first, loc)),
                                    None => {
                                        out.keys.insert(full, loc);
                                    }
                                }
                                *key = Some(v.to_string());
                            } else {
                                *key = Some(String::from("?"));
                            }
                            continue;
                        }
                    },
                }
            }
            match event {
                Event::Scalar(..) | Event::Alias(..) => {
                    if let Some(p) = node_path {
                        out.values.entry(p).or_insert(loc);
                    }
                }
                Event::MappingStart(..) => {
                    let p = node_path.unwrap_or_default();
                    out.values.entry(p.clone()).or_insert(loc);
                    stack.push(Frame::Map { path: p, key: None });
                }
                Event::SequenceStart(..) => {
                    let p = node_path.unwrap_or_default();
                    out.values.entry(p.clone()).or_insert(loc);
                    stack.push(Frame::Seq { path: p, next: 0 });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                }
                _ => {}
            }
        }
        out
    }

    /// Location of the value at `path`, else of its key, else of the
    /// nearest enclosing field that has one.
    pub(crate) fn find(&self, path: &str) -> Option<Location> {
        let mut p = path.to_string();
        loop {
            if let Some(&l) = self.values.get(&p).or_else(|| self.keys.get(&p)) {
                return Some(l);
            }
            let cut = p.rfind(['.', '['])?;
            p.truncate(cut);
        }
    }

    /// Keys written twice in one map: (path, first location, second).
    pub(crate) fn duplicates(&self) -> &[(String, Location, Location)] {
        &self.duplicates
    }

    /// Location of the key of the map entry at `path` (for errors about a
    /// whole entry, such as an unknown name used as a key).
    pub(crate) fn key(&self, path: &str) -> Option<Location> {
        self.keys.get(path).copied().or_else(|| self.find(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "a: 1\nservices:\n  payment:\n    rps: 12\nfaults:\n  - name: x\n    effect: { error_ratio: 0.2 }\n  - name: y\n";

    #[test]
    fn finds_values_keys_and_list_items() {
        let l = Locations::index(DOC);
        assert_eq!(l.find("a"), Some((1, 4)));
        assert_eq!(l.find("services.payment.rps"), Some((4, 10)));
        assert_eq!(l.key("services.payment"), Some((3, 3)));
        assert_eq!(l.find("faults[1].name"), Some((8, 11)));
        assert_eq!(l.find("faults[0].effect.error_ratio"), Some((7, 28)));
    }

    #[test]
    fn falls_back_to_the_nearest_parent() {
        let l = Locations::index(DOC);
        assert_eq!(l.find("faults[1].missing"), l.find("faults[1]"));
        assert_eq!(l.find("nothing.here"), None);
    }

    #[test]
    fn finds_keys_written_twice_in_one_map() {
        let l = Locations::index(
            "services:\n  a:\n    rps: 1\n  b: {}\n  a:\n    rps: 2\nfaults:\n  - a: 1\n  - a: 2\nteam: { x: 1, x: 2 }\n",
        );
        assert_eq!(
            l.duplicates(),
            &[
                ("services.a".to_string(), (2, 3), (5, 3)),
                ("team.x".to_string(), (10, 9), (10, 15))
            ]
        );
    }

    #[test]
    fn survives_broken_yaml() {
        let l = Locations::index("a: [1, 2\nb: {");
        let _ = l.find("a");
    }
}
