//! Pages: what the on-call engineer's phone shows when an alert starts
//! firing (or resolves) in a drill — the service, the alert, its value, a
//! runbook-style summary and where each fake is. A [`PageWatcher`] reads
//! them off the world's journal, so a page is never missed however fast
//! the drill runs.

use std::fmt::Write as _;

use gameday_sim::time::{SimDuration, SimTime};
use gameday_sim::world::journal::{Actor, EntryKind};
use gameday_sim::world::World;

use crate::timebase::Timebase;

/// Firing or resolved, as Alertmanager says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStatus {
    Firing,
    Resolved,
}

impl PageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PageStatus::Firing => "firing",
            PageStatus::Resolved => "resolved",
        }
    }
}

/// One page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub status: PageStatus,
    pub service: String,
    pub alert: String,
    /// The measured error ratio over the alert's window when paged, if
    /// any request was seen.
    pub value: Option<f64>,
    pub threshold: f64,
    pub window: SimDuration,
    /// When the alert started firing, and when it resolved.
    pub starts_at: SimTime,
    pub ends_at: Option<SimTime>,
    /// The scenario's time-of-day label of the page, e.g. "Fri 16:48:15".
    pub clock: String,
    /// RFC 3339 in the session's timebase (wall time in a drill).
    pub starts_at_rfc3339: String,
    pub ends_at_rfc3339: Option<String>,
    /// The runbook paragraph.
    pub summary: String,
    /// Each fake's name and URL.
    pub links: Vec<(String, String)>,
}

fn summary(service: &str, threshold: f64, window: SimDuration) -> String {
    format!(
        "{service} is failing more than {:.1}% of its requests over {window}. Confirm it on Prometheus \
         (the error ratio by version), then look at what changed: Argo CD's history for {service}, \
         the pull requests merged on GitHub, the flags on {service}'s paths in Unleash. Mitigate \
         first: turn the flag off where one guards the faulty path, roll back where the last \
         release caused it, otherwise ship a hotfix through the fast lane, approved by someone \
         other than its author, and no hotfix on top of a hotfix. Acknowledge the page when you \
         start.",
        threshold * 100.0
    )
}

impl Page {
    fn of(
        world: &World<'_>,
        tb: &Timebase,
        service: &str,
        status: PageStatus,
        starts_at: SimTime,
        links: &[(String, String)],
    ) -> Page {
        let rule = &world.scenario().team.alert;
        let ends_at = (status == PageStatus::Resolved).then(|| world.now());
        Page {
            status,
            service: service.to_string(),
            alert: rule.name.clone(),
            value: world
                .error_ratio(service, None, rule.window)
                .ok()
                .and_then(|(r, _)| r),
            threshold: rule.threshold.get(),
            window: rule.window,
            starts_at,
            ends_at,
            clock: world.scenario().clock.label(world.now()),
            starts_at_rfc3339: tb.rfc3339(starts_at),
            ends_at_rfc3339: ends_at.map(|t| tb.rfc3339(t)),
            summary: summary(service, rule.threshold.get(), rule.window),
            links: links.to_vec(),
        }
    }

    /// The page as the terminal prints it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let value = self
            .value
            .map(|v| format!("{:.1}%", v * 100.0))
            .unwrap_or_else(|| "no requests seen".into());
        let _ = writeln!(
            out,
            "PAGE {} · {} · {} {} at {}",
            match self.status {
                PageStatus::Firing => "FIRING",
                PageStatus::Resolved => "RESOLVED",
            },
            self.service,
            self.alert,
            self.status.as_str(),
            self.clock
        );
        let _ = writeln!(
            out,
            "  error ratio {value} over {} (threshold {:.1}%)",
            self.window,
            self.threshold * 100.0
        );
        if self.status == PageStatus::Firing {
            let _ = writeln!(out, "  {}", self.summary);
        }
        for (name, url) in &self.links {
            let _ = writeln!(out, "  {name:<11} {url}");
        }
        out
    }
}

/// Reads pages off the journal as the world moves.
#[derive(Debug, Default)]
pub struct PageWatcher {
    cursor: usize,
    links: Vec<(String, String)>,
}

impl PageWatcher {
    /// Watches `world` from now on, with `links` (each fake's name and
    /// URL) on every page. Alerts already firing are paged at once: the
    /// people taking over need to know.
    pub fn new(
        world: &World<'_>,
        tb: &Timebase,
        links: Vec<(String, String)>,
    ) -> (Self, Vec<Page>) {
        let pages = world
            .firing_alerts()
            .into_iter()
            .map(|(s, since)| Page::of(world, tb, &s, PageStatus::Firing, since, &links))
            .collect();
        let w = PageWatcher {
            cursor: world.journal().entries().len(),
            links,
        };
        (w, pages)
    }

    /// Pages for alerts that fired or resolved since the last poll.
    pub fn poll(&mut self, world: &World<'_>, tb: &Timebase) -> Vec<Page> {
        let entries = world.journal().entries();
        let new = entries.get(self.cursor..).unwrap_or_default();
        self.cursor = entries.len();
        new.iter()
            .filter_map(|e| {
                let Actor::Service(s) = &e.actor else {
                    return None;
                };
                let status = match e.kind {
                    EntryKind::AlertFiring => PageStatus::Firing,
                    EntryKind::AlertResolved => PageStatus::Resolved,
                    _ => return None,
                };
                let since = match status {
                    PageStatus::Firing => e.at,
                    PageStatus::Resolved => entries[..self.cursor]
                        .iter()
                        .rev()
                        .find(|f| {
                            f.kind == EntryKind::AlertFiring && f.actor == e.actor && f.at <= e.at
                        })
                        .map_or(e.at, |f| f.at),
                };
                let mut p = Page::of(world, tb, s, status, since, &self.links);
                p.clock = world.scenario().clock.label(e.at);
                if status == PageStatus::Resolved {
                    p.ends_at = Some(e.at);
                    p.ends_at_rfc3339 = Some(tb.rfc3339(e.at));
                }
                Some(p)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gameday_sim::scenario::friday_cascade;

    #[test]
    fn should_page_once_when_the_alert_fires_with_value_and_links() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 4);
        let tb = Timebase::Scenario(sc.clock);
        let links = vec![(
            "prometheus".to_string(),
            "http://127.0.0.1:9090".to_string(),
        )];
        let (mut watcher, at_start) = PageWatcher::new(&w, &tb, links);
        assert!(at_start.is_empty());
        w.advance_to(SimTime::START + SimDuration::from_mins(3))
            .unwrap();
        let pages = watcher.poll(&w, &tb);
        assert_eq!(pages.len(), 1, "{pages:?}");
        let p = &pages[0];
        assert_eq!(
            (p.service.as_str(), p.status),
            ("payment", PageStatus::Firing)
        );
        assert!(p.value.is_some_and(|v| v > 0.1), "{p:?}");
        let text = p.render();
        assert!(
            text.contains("PAGE FIRING · payment · HighErrorRatio"),
            "{text}"
        );
        assert!(text.contains("http://127.0.0.1:9090"), "{text}");
        assert!(
            !text.contains("payment-v2-declines"),
            "no free answers: {text}"
        );
        assert!(watcher.poll(&w, &tb).is_empty(), "paged once");
    }

    #[test]
    fn should_page_alerts_already_firing_at_a_handover() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 4);
        w.advance_to(SimTime::START + SimDuration::from_mins(3))
            .unwrap();
        let tb = Timebase::Scenario(sc.clock);
        let (_, pages) = PageWatcher::new(&w, &tb, Vec::new());
        assert_eq!(pages.len(), 1);
        assert!(pages[0].starts_at < w.now());
    }
}
