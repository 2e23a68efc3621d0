//! The HTTP control plane: strategies act on the world through the real
//! APIs of the fakes, over loopback, exactly as a runbook or a pipeline
//! would — GitHub for branches, pull requests, reviews, checks and the
//! smoke-test workflow; Argo CD to sync (with the Rollout manifest that
//! declares the release) and roll back; Argo Rollouts to promote, abort and
//! undo; Prometheus for alerts and the canary analysis' error ratios;
//! Unleash for flags; the gameday API for the clock, the pager and the
//! on-call engineer's diagnosis.
//!
//! Virtual time moves only in [`ControlPlane::wait`], so for the same
//! scenario, strategy and seed the result is byte-identical to the
//! in-process replay, whatever the transport's latency.

mod argo;
mod github;
mod manifest;
mod queries;
mod transport;
mod views;

use std::collections::BTreeMap;

use gameday_sim::control::{ControlPlane, CpError, Note, WaitFor, Waited};
use gameday_sim::prob::Ratio;
use gameday_sim::strategy::CiLane;
use gameday_sim::time::{SimDuration, SimTime};
use gameday_sim::world::{AppView, Diagnosis, OpError, PullRequestView, Release};
use reqwest::Method;
use serde_json::{json, Value};

use manifest::{percent, rollout_manifest};
use transport::{Auth, Body, Transport};
use views::{malformed, Clock};

/// Where the fakes listen, and the session token.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// `http://host:port` of each fake.
    pub github: String,
    pub argocd: String,
    pub rollouts: String,
    pub prometheus: String,
    pub unleash: String,
    pub gameday: String,
    /// The token printed by `gameday mocks` (Argo CD's is derived from it).
    pub token: String,
}

/// The repository the responders work in.
const REPO: &str = "/api/v3/repos/gameday/incident";
/// The Unleash environment flags are flipped in.
const ENVIRONMENT: &str = "production";

/// A [`ControlPlane`] over HTTP.
#[derive(Debug)]
pub struct HttpControlPlane {
    http: Transport,
    ep: Endpoints,
    argocd_token: String,
    clock: Clock,
    calls: u64,
    main_sha: Option<String>,
    branches: u32,
    /// Applications each pull request ships to (they never change).
    apps: BTreeMap<u32, Vec<String>>,
}

impl HttpControlPlane {
    /// Connects to the fakes (asks the gameday API for the clock).
    pub fn new(ep: Endpoints) -> Result<Self, CpError> {
        let mut http = Transport::new()?;
        let clock = http.send(
            Method::GET,
            &format!("{}/gameday/v1/clock", ep.gameday),
            Auth::Bearer(&ep.token),
            Body::Empty,
        )?;
        let now_ms = clock["now_ms"].as_i64().ok_or_else(|| malformed("clock"))?;
        let unix = clock["unix"].as_f64().ok_or_else(|| malformed("clock"))?;
        Ok(HttpControlPlane {
            argocd_token: crate::serve::argocd_token(&ep.token),
            http,
            ep,
            clock: Clock {
                origin_unix_ms: (unix * 1000.0).round() as i64 - now_ms,
            },
            calls: 0,
            main_sha: None,
            branches: 0,
            apps: BTreeMap::new(),
        })
    }

    /// Control-plane calls made so far (as the in-process plane counts).
    pub fn calls(&self) -> u64 {
        self.calls
    }

    /// HTTP requests sent so far.
    pub fn requests(&self) -> u64 {
        self.http.requests()
    }

    fn gameday(&mut self, method: Method, path: &str, body: Body<'_>) -> Result<Value, CpError> {
        let url = format!("{}/gameday/v1/{path}", self.ep.gameday);
        self.http
            .send(method, &url, Auth::Bearer(&self.ep.token), body)
    }

    fn github(&mut self, method: Method, path: &str, body: Body<'_>) -> Result<Value, CpError> {
        let url = format!("{}{REPO}/{path}", self.ep.github);
        self.http
            .send(method, &url, Auth::Bearer(&self.ep.token), body)
    }

    fn argocd(&mut self, method: Method, path: &str, body: Body<'_>) -> Result<Value, CpError> {
        let url = format!("{}/api/v1/applications/{path}", self.ep.argocd);
        self.http
            .send(method, &url, Auth::Bearer(&self.argocd_token), body)
    }

    fn rollout(&mut self, app: &str, action: &str, body: Body<'_>) -> Result<Value, CpError> {
        let ns = crate::rollouts::NAMESPACE;
        let url = format!("{}/api/v1/rollouts/{ns}/{app}/{action}", self.ep.rollouts);
        let method = if action == "info" {
            Method::GET
        } else {
            Method::PUT
        };
        self.http
            .send(method, &url, Auth::Bearer(&self.ep.token), body)
    }

    fn prometheus(&mut self, path: &str, form: &[(&str, &str)]) -> Result<Value, CpError> {
        let url = format!("{}/api/v1/{path}", self.ep.prometheus);
        let res = if form.is_empty() {
            self.http.send(Method::GET, &url, Auth::None, Body::Empty)?
        } else {
            // promtool and Argo Rollouts POST their queries as a form.
            self.http
                .send(Method::POST, &url, Auth::None, Body::Form(form))?
        };
        Ok(res["data"].clone())
    }

    fn pull(&mut self, number: u32) -> Result<PullRequestView, CpError> {
        let pull = self.github(Method::GET, &format!("pulls/{number}"), Body::Empty)?;
        let reviews = self.github(Method::GET, &format!("pulls/{number}/reviews"), Body::Empty)?;
        let sha = pull["head"]["sha"]
            .as_str()
            .ok_or_else(|| malformed("pull request without a head sha"))?
            .to_string();
        let runs = self.github(
            Method::GET,
            &format!("commits/{sha}/check-runs"),
            Body::Empty,
        )?;
        let view = views::pull_request(&pull, &reviews, &runs)?;
        self.apps.insert(number, view.apps.clone());
        Ok(view)
    }

    /// The first application a pull request ships to: a change is one
    /// release, so syncing or promoting it there acts on all of them.
    fn lead_app(&mut self, number: u32) -> Result<String, CpError> {
        if !self.apps.contains_key(&number) {
            self.pull(number)?;
        }
        self.apps
            .get(&number)
            .and_then(|a| a.first())
            .cloned()
            .ok_or_else(|| {
                CpError::Refused(OpError::Invalid(format!(
                    "pull request #{number} has no deploy/ label: it ships to no application"
                )))
            })
    }

    fn app(&mut self, name: &str) -> Result<AppView, CpError> {
        let app = self.argocd(Method::GET, name, Body::Empty)?;
        let info = self.rollout(name, "info", Body::Empty)?;
        views::application(name, &app, &info, self.clock)
    }
}

impl ControlPlane for HttpControlPlane {
    fn now(&mut self) -> Result<SimTime, CpError> {
        self.calls += 1;
        let clock = self.gameday(Method::GET, "clock", Body::Empty)?;
        clock["now_ms"]
            .as_u64()
            .map(SimTime::from_millis)
            .ok_or_else(|| malformed("clock"))
    }

    fn wait(&mut self, until: &WaitFor, timeout: SimDuration) -> Result<Waited, CpError> {
        self.calls += 1;
        let body = json!({ "until": until, "timeout_ms": timeout.as_millis() });
        match self.gameday(Method::POST, "wait", Body::Json(&body)) {
            Ok(v) => serde_json::from_value(v["waited"].clone()).map_err(|_| malformed("wait")),
            // 409: the replay reached its horizon.
            Err(CpError::Refused(OpError::Remote(m))) if m.contains("horizon") => {
                Err(CpError::Halted)
            }
            Err(e) => Err(e),
        }
    }

    fn firing_alerts(&mut self) -> Result<Vec<String>, CpError> {
        self.calls += 1;
        let data = self.prometheus("alerts", &[])?;
        Ok(data["alerts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a["state"] == "firing")
            .filter_map(|a| a["labels"]["service"].as_str().map(str::to_string))
            .collect())
    }

    fn error_ratio(
        &mut self,
        service: &str,
        version: Option<&str>,
        window: SimDuration,
    ) -> Result<(Option<f64>, u64), CpError> {
        self.calls += 1;
        let requests = queries::increase(service, version, false, window);
        let errors = queries::increase(service, version, true, window);
        let req = queries::count(&self.prometheus("query", &[("query", &requests)])?)?;
        if req == 0 {
            return Ok((None, 0));
        }
        let err = queries::count(&self.prometheus("query", &[("query", &errors)])?)?;
        Ok((Some(err as f64 / req as f64), req))
    }

    fn acknowledge(&mut self, service: &str) -> Result<(), CpError> {
        self.calls += 1;
        let body = json!({ "service": service });
        self.gameday(Method::POST, "acknowledge", Body::Json(&body))?;
        Ok(())
    }

    fn repair(&mut self, service: &str) -> Result<(), CpError> {
        self.calls += 1;
        let body = json!({ "service": service });
        self.gameday(Method::POST, "repair", Body::Json(&body))?;
        Ok(())
    }

    fn note(&mut self, kind: Note, text: &str) -> Result<(), CpError> {
        self.calls += 1;
        let body = json!({ "kind": kind, "text": text });
        self.gameday(Method::POST, "notes", Body::Json(&body))?;
        Ok(())
    }

    fn diagnose(&mut self, service: &str) -> Result<Diagnosis, CpError> {
        self.calls += 1;
        let q: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("service", service)
            .finish();
        let v = self.gameday(Method::GET, &format!("diagnose?{q}"), Body::Empty)?;
        serde_json::from_value(v).map_err(|e| malformed(&format!("diagnosis: {e}")))
    }

    fn open_pull_request(
        &mut self,
        culprit: u32,
        rework_of: Option<u32>,
    ) -> Result<PullRequestView, CpError> {
        self.calls += 1;
        self.open_fix(culprit, rework_of)
    }

    fn pull_request(&mut self, number: u32) -> Result<PullRequestView, CpError> {
        self.calls += 1;
        self.pull(number)
    }

    fn request_review(&mut self, number: u32) -> Result<(), CpError> {
        self.calls += 1;
        let body = json!({ "reviewers": ["oncall-reviewer"] });
        self.github(
            Method::POST,
            &format!("pulls/{number}/requested_reviewers"),
            Body::Json(&body),
        )?;
        Ok(())
    }

    fn run_checks(&mut self, number: u32, lane: CiLane) -> Result<(), CpError> {
        self.calls += 1;
        self.start_lane(number, lane)
    }

    fn merge(&mut self, number: u32) -> Result<(), CpError> {
        self.calls += 1;
        let pull = self.github(Method::GET, &format!("pulls/{number}"), Body::Empty)?;
        let body = json!({ "sha": pull["head"]["sha"], "merge_method": "squash" });
        self.github(
            Method::PUT,
            &format!("pulls/{number}/merge"),
            Body::Json(&body),
        )?;
        Ok(())
    }

    fn close_pull_request(&mut self, number: u32) -> Result<(), CpError> {
        self.calls += 1;
        let body = json!({ "state": "closed" });
        self.github(Method::PATCH, &format!("pulls/{number}"), Body::Json(&body))?;
        Ok(())
    }

    fn application(&mut self, app: &str) -> Result<AppView, CpError> {
        self.calls += 1;
        self.app(app)
    }

    fn deploy(&mut self, number: u32, release: &Release) -> Result<(), CpError> {
        self.calls += 1;
        let app = self.lead_app(number)?;
        let pull = self.github(Method::GET, &format!("pulls/{number}"), Body::Empty)?;
        let body = json!({
            "revision": pull["head"]["sha"],
            "manifests": [rollout_manifest(&app, release)?],
        });
        self.argocd(Method::POST, &format!("{app}/sync"), Body::Json(&body))?;
        Ok(())
    }

    fn set_weight(&mut self, number: u32, weight: Ratio) -> Result<(), CpError> {
        self.calls += 1;
        let want = percent(weight)?;
        let app = self.lead_app(number)?;
        let info = self.rollout(&app, "promote", Body::Json(&json!({ "full": false })))?;
        let got = info["setWeight"]
            .as_str()
            .and_then(|w| w.parse::<u64>().ok());
        if got != Some(want) {
            return Err(CpError::Refused(OpError::Remote(format!(
                "the rollout of `{app}` moved to {}% where the strategy expected {want}%: its steps differ from the strategy's",
                got.map(|g| g.to_string()).unwrap_or_else(|| "?".into())
            ))));
        }
        Ok(())
    }

    fn promote(&mut self, number: u32) -> Result<(), CpError> {
        self.calls += 1;
        let app = self.lead_app(number)?;
        self.rollout(&app, "promote", Body::Json(&json!({ "full": true })))?;
        Ok(())
    }

    fn abort(&mut self, number: u32) -> Result<(), CpError> {
        self.calls += 1;
        let app = self.lead_app(number)?;
        self.rollout(&app, "abort", Body::Empty)?;
        Ok(())
    }

    fn rollback_change(&mut self, number: u32) -> Result<(), CpError> {
        self.calls += 1;
        self.roll_back_to_base(number)
    }

    fn rollback_release(&mut self, app: &str) -> Result<(), CpError> {
        self.calls += 1;
        // `undo` to the previous revision: the build the running one was
        // made from, on this application only.
        self.rollout(app, "undo/0", Body::Empty)?;
        Ok(())
    }

    fn switch(&mut self, number: u32, to_new: bool) -> Result<(), CpError> {
        self.calls += 1;
        let app = self.lead_app(number)?;
        // Promoting a blue/green rollout switches traffic to the preview;
        // aborting it while the old colour is still up switches back.
        let action = if to_new { "promote" } else { "abort" };
        self.rollout(&app, action, Body::Json(&json!({ "full": false })))?;
        Ok(())
    }

    fn smoke_test(&mut self, number: u32) -> Result<(), CpError> {
        self.calls += 1;
        let pull = self.github(Method::GET, &format!("pulls/{number}"), Body::Empty)?;
        let body = json!({
            "ref": pull["head"]["ref"],
            "inputs": { "pull_request": number.to_string() },
        });
        self.github(
            Method::POST,
            &format!(
                "actions/workflows/{}.yml/dispatches",
                gameday_sim::world::SMOKE_CHECK_NAME
            ),
            Body::Json(&body),
        )?;
        Ok(())
    }

    fn set_flag(&mut self, flag: &str, enabled: bool) -> Result<(), CpError> {
        self.calls += 1;
        let url = format!(
            "{}/api/admin/projects/default/features/{flag}/environments/{ENVIRONMENT}/{}",
            self.ep.unleash,
            if enabled { "on" } else { "off" }
        );
        self.http
            .send(Method::POST, &url, Auth::Raw(&self.ep.token), Body::Empty)?;
        Ok(())
    }
}
