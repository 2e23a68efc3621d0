//! Serves the Prometheus fake from the simulated world: the scraped
//! counters become `http_requests_total{service, version, code}` series
//! (with `up{job, service, instance}` at 1 for every scrape)
//! stamped through the session's [`Timebase`] (the scenario's calendar for a
//! frozen world, the wall clock in a drill), and the scenario's alert rule
//! and its per-service state become `/api/v1/rules` and `/api/v1/alerts`.

use std::sync::{Arc, Mutex};

use gameday_sim::world::metrics::AlertState as WorldAlert;
use gameday_sim::world::World;

use crate::http::{HttpRequest, HttpResponse};
use crate::prometheus::api::{
    AlertState, AlertingRuleView, RuleGroupView, RuleHealth, RuleState, RuleView,
};
use crate::prometheus::{handle as prom_handle, AlertView, Context, Labels, Tsdb};
use crate::server::Server;
use crate::sim::SharedWorld;
use crate::timebase::Timebase;

/// The counter every service exports.
pub const REQUESTS_METRIC: &str = "http_requests_total";

fn scenario_time(world: &World<'_>) -> Timebase {
    Timebase::Scenario(world.scenario().clock)
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The world's scraped counters as a TSDB, on the scenario's calendar.
pub fn tsdb(world: &World<'_>) -> Tsdb {
    tsdb_in(world, &scenario_time(world))
}

/// The world's scraped counters as a TSDB, stamped through `tb`.
pub fn tsdb_in(world: &World<'_>, tb: &Timebase) -> Tsdb {
    let mut db = Tsdb::new();
    let series = world.series();
    let times: Vec<i64> = series.times.iter().map(|&t| tb.unix_ms(t)).collect();
    for s in world.scenario().service_ids() {
        let name = world.scenario().service(s).name.as_str();
        // Every scrape of a service succeeds: `up` is 1 throughout, as
        // dashboards and the `up` example expect.
        let up = labels(&[
            ("__name__", "up"),
            ("job", name),
            ("service", name),
            ("instance", &format!("{name}:8080")),
        ]);
        let _ = db.push_series(up, times.iter().map(|&t| (t, 1.0)).collect());
        // Every build that ever served, in first-seen order.
        let mut versions = Vec::new();
        for k in 0..times.len() {
            for c in series.at(s, k) {
                if !versions.contains(&c.version) {
                    versions.push(c.version);
                }
            }
        }
        for v in versions {
            let mut ok = Vec::new();
            let mut failed = Vec::new();
            for (k, &t) in times.iter().enumerate() {
                if let Some(c) = series.at(s, k).iter().find(|c| c.version == v) {
                    ok.push((t, (c.requests - c.errors) as f64));
                    failed.push((t, c.errors as f64));
                }
            }
            let label = world.version_label(v);
            for (code, samples) in [("200", ok), ("500", failed)] {
                let l = labels(&[
                    ("__name__", REQUESTS_METRIC),
                    ("job", name),
                    ("service", name),
                    ("version", label),
                    ("code", code),
                ]);
                // Names and labels are well-formed by construction.
                let _ = db.push_series(l, samples);
            }
        }
    }
    db
}

/// The scenario's alert rule as Prometheus would load it.
pub fn alert_expr(world: &World<'_>) -> String {
    let rule = &world.scenario().team.alert;
    let w = rule.window.as_millis() / 1000;
    format!(
        "sum by (service) (increase({REQUESTS_METRIC}{{code=~\"5..\"}}[{w}s])) / sum by (service) (increase({REQUESTS_METRIC}[{w}s])) > {}",
        rule.threshold.get()
    )
}

fn alerts(world: &World<'_>, tb: &Timebase) -> Vec<AlertView> {
    let rule = &world.scenario().team.alert;
    world
        .scenario()
        .service_ids()
        .filter_map(|s| {
            let (state, since) = match world.alert_state(s) {
                WorldAlert::Inactive => return None,
                WorldAlert::Pending { since } => (AlertState::Pending, since),
                WorldAlert::Firing { since } => (AlertState::Firing, since),
            };
            let name = &world.scenario().service(s).name;
            let (req, err) = world.series().increase(s, world.now(), rule.window, None);
            Some(AlertView {
                labels: labels(&[
                    ("alertname", &rule.name),
                    ("service", name),
                    ("severity", "page"),
                ]),
                annotations: labels(&[(
                    "summary",
                    &format!(
                        "{name}: error ratio above {} over {}",
                        rule.threshold, rule.window
                    ),
                )]),
                state,
                active_at_ms: Some(tb.unix_ms(since)),
                keep_firing_since_ms: None,
                value: if req == 0 {
                    f64::NAN
                } else {
                    err as f64 / req as f64
                },
            })
        })
        .collect()
}

fn rules(world: &World<'_>, tb: &Timebase, alerts: &[AlertView]) -> Vec<RuleGroupView> {
    let rule = &world.scenario().team.alert;
    let state = if alerts.iter().any(|a| a.state == AlertState::Firing) {
        RuleState::Firing
    } else if alerts.is_empty() {
        RuleState::Inactive
    } else {
        RuleState::Pending
    };
    let last = world
        .series()
        .times
        .last()
        .map(|&t| tb.unix_ms(t))
        .unwrap_or(0);
    vec![RuleGroupView {
        name: "gameday".into(),
        file: "gameday.rules.yml".into(),
        rules: vec![RuleView::Alerting(AlertingRuleView {
            name: rule.name.clone(),
            query: alert_expr(world),
            duration_s: rule.for_duration.as_secs_f64(),
            keep_firing_for_s: 0.0,
            labels: labels(&[("severity", "page")]),
            annotations: Labels::new(),
            state,
            alerts: alerts.to_vec(),
            health: RuleHealth::Ok,
            last_error: None,
            evaluation_time_s: 0.0,
            last_evaluation_ms: last,
        })],
        interval_s: world.scenario().scrape_interval.as_secs_f64(),
        limit: 0,
        evaluation_time_s: 0.0,
        last_evaluation_ms: last,
    }]
}

/// Handles one request against the world.
pub fn handle(req: &HttpRequest, world: &World<'_>) -> HttpResponse {
    handle_over(req, world, &tsdb(world))
}

/// The TSDB of the world's series, rebuilt only when a scrape added
/// samples (the series change at scrapes and nowhere else) or the
/// timebase changed.
#[derive(Debug, Default)]
pub struct TsdbCache {
    built: Option<(usize, Timebase, Arc<Tsdb>)>,
}

impl TsdbCache {
    /// The TSDB on the scenario's calendar.
    pub fn get(&mut self, world: &World<'_>) -> Arc<Tsdb> {
        self.get_in(world, &scenario_time(world))
    }

    /// The TSDB stamped through `tb`.
    pub fn get_in(&mut self, world: &World<'_>, tb: &Timebase) -> Arc<Tsdb> {
        let scrapes = world.series().times.len();
        match &self.built {
            Some((n, t, db)) if *n == scrapes && t == tb => db.clone(),
            _ => {
                let db = Arc::new(tsdb_in(world, tb));
                self.built = Some((scrapes, tb.clone(), db.clone()));
                db
            }
        }
    }
}

/// Handles one request against the world, over its already built TSDB.
pub fn handle_over(req: &HttpRequest, world: &World<'_>, db: &Tsdb) -> HttpResponse {
    handle_in(req, world, &scenario_time(world), db)
}

/// Handles one request against the world stamped through `tb`, over its
/// TSDB built with the same timebase.
pub fn handle_in(req: &HttpRequest, world: &World<'_>, tb: &Timebase, db: &Tsdb) -> HttpResponse {
    let alerts = alerts(world, tb);
    let rules = rules(world, tb, &alerts);
    let ctx = Context {
        tsdb: db,
        now_ms: tb.unix_ms(world.now()),
        alerts: &alerts,
        rules: &rules,
    };
    prom_handle(req, &ctx)
}

/// Mounts the Prometheus fake on `server`.
///
/// A query is evaluated on a snapshot, not under the world's lock: the
/// TSDB (shared, rebuilt only after a scrape), the alerts and the rules
/// are taken under the lock, which is then released, so a heavy query
/// (bounded by [`crate::prometheus::promql::limits`]) never holds up the
/// other fakes or the drill's clock.
pub fn mount(server: &Server, world: SharedWorld) {
    let cache = Arc::new(Mutex::new(TsdbCache::default()));
    let handler = move |req: &HttpRequest| {
        let (db, alerts, rules, now_ms) = {
            let w = world.lock();
            let tb = world.timebase();
            let db = cache
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get_in(&w, &tb);
            let alerts = alerts(&w, &tb);
            let rules = rules(&w, &tb, &alerts);
            (db, alerts, rules, tb.unix_ms(w.now()))
        };
        let ctx = Context {
            tsdb: &db,
            now_ms,
            alerts: &alerts,
            rules: &rules,
        };
        let res = prom_handle(req, &ctx);
        world.record("prometheus", req, res.status, &world.lock());
        res
    };
    server.handle_with(handler);
}

#[cfg(test)]
mod tests {
    use super::*;
    use gameday_sim::scenario::friday_cascade;
    use gameday_sim::time::{SimDuration, SimTime};

    fn get(path: &str, query: &str) -> HttpRequest {
        HttpRequest {
            method: "GET".into(),
            path: path.into(),
            query: query.into(),
            ..HttpRequest::default()
        }
    }

    #[test]
    fn should_answer_the_runbook_query_with_the_simulated_error_ratio() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 4);
        w.advance_to(SimTime::START + SimDuration::from_mins(20))
            .unwrap();
        let t = sc.clock.unix_seconds(w.now());
        let q = "sum(rate(http_requests_total{service=\"payment\",code=~\"5..\"}[5m])) / sum(rate(http_requests_total{service=\"payment\"}[5m]))";
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("query", q)
            .append_pair("time", &t.to_string())
            .finish();
        let r = handle(&get("/api/v1/query", &query), &w);
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json_body();
        let ratio: f64 = v["data"]["result"][0]["value"][1]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        // 15% of payments fail; the scraped counters carry that, noise and all.
        assert!((ratio - 0.15).abs() < 0.03, "{ratio}");
        let (req, err) = w.series().increase(
            sc.service_by_name("payment").unwrap(),
            w.now(),
            SimDuration::from_mins(5),
            None,
        );
        assert!((ratio - err as f64 / req as f64).abs() < 0.01);
    }

    #[test]
    fn should_say_every_service_is_up() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 4);
        w.advance_to(SimTime::START + SimDuration::from_mins(5))
            .unwrap();
        let t = sc.clock.unix_seconds(w.now());
        let r = handle(&get("/api/v1/query", &format!("query=up&time={t}")), &w);
        let v = r.json_body();
        let result = v["data"]["result"].as_array().unwrap();
        assert_eq!(result.len(), sc.services.len(), "{v}");
        assert!(result.iter().all(|s| s["value"][1] == "1"), "{v}");
        assert_eq!(result[0]["metric"]["instance"], "catalog:8080");
    }

    #[test]
    fn should_list_the_firing_alert_and_its_rule() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 4);
        w.advance_to(SimTime::START + SimDuration::from_mins(5))
            .unwrap();
        let a = handle(&get("/api/v1/alerts", ""), &w).json_body();
        assert_eq!(a["data"]["alerts"][0]["labels"]["service"], "payment");
        assert_eq!(a["data"]["alerts"][0]["state"], "firing");
        let r = handle(&get("/api/v1/rules", ""), &w).json_body();
        assert_eq!(r["data"]["groups"][0]["rules"][0]["name"], "HighErrorRatio");
        let bad = handle(&get("/api/v1/query", "query=sum(("), &w);
        assert_eq!(bad.status, 400);
        assert_eq!(bad.json_body()["errorType"], "bad_data");
    }

    #[test]
    fn should_rebuild_the_tsdb_only_after_a_scrape() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 1);
        w.advance_to(SimTime::START + SimDuration::from_mins(5))
            .unwrap();
        let mut cache = TsdbCache::default();
        let a = cache.get(&w);
        assert!(Arc::ptr_eq(&a, &cache.get(&w)), "same scrapes, same TSDB");
        w.advance_to(w.now() + sc.scrape_interval).unwrap();
        let b = cache.get(&w);
        assert!(!Arc::ptr_eq(&a, &b), "a new scrape, a new TSDB");
        let q = "query=sum(http_requests_total)";
        assert_eq!(
            handle_over(&get("/api/v1/query", q), &w, &b),
            handle(&get("/api/v1/query", q), &w)
        );
    }
}
