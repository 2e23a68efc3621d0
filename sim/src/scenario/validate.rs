//! Second pass: turns the raw file into a [`Scenario`], resolving names to
//! ids, parsing durations and distributions, checking ranges and the
//! dependency graph. Every problem is collected, located and reported
//! together.

use super::error::{did_you_mean, ScenarioError, ScenarioErrors};
use super::locate::Locations;
use super::model::*;
use super::raw::*;
use crate::dist::DurationDist;
use crate::prob::Ratio;
use crate::strategy::{self, presets::BUILTIN, CiLane, Policy, Reaction, Step};
use crate::time::{SimDuration, SimTime, WallClock};

struct Ctx<'a> {
    source: &'a str,
    locs: Locations,
    errors: Vec<ScenarioError>,
    services: Vec<String>,
    libraries: Vec<String>,
    /// The scenario's scrape interval, once parsed.
    scrape: Option<SimDuration>,
}

impl Ctx<'_> {
    fn push(
        &mut self,
        path: &str,
        at: Option<(usize, usize)>,
        message: String,
        hint: Option<String>,
    ) {
        self.errors.push(ScenarioError {
            file: self.source.to_string(),
            line: at.map(|l| l.0),
            column: at.map(|l| l.1),
            path: path.to_string(),
            message,
            hint,
        });
    }

    fn err(&mut self, path: &str, message: impl Into<String>) {
        let at = self.locs.find(path);
        self.push(path, at, message.into(), None);
    }

    fn err_hint(&mut self, path: &str, message: impl Into<String>, hint: impl Into<String>) {
        let at = self.locs.find(path);
        self.push(path, at, message.into(), Some(hint.into()));
    }

    fn err_key(&mut self, path: &str, message: impl Into<String>, hint: Option<String>) {
        let at = self.locs.key(path);
        self.push(path, at, message.into(), hint);
    }

    fn duration(&mut self, path: &str, d: &RawDuration) -> Option<SimDuration> {
        let text = d.0.trim();
        if text.starts_with('-') {
            self.err_hint(
                path,
                format!("negative duration `{text}`"),
                "durations are spans of time, like 30s or 5m",
            );
            return None;
        }
        match humantime::parse_duration(text) {
            Ok(d) => Some(SimDuration::from_millis(
                d.as_millis().min(u64::MAX as u128) as u64,
            )),
            Err(e) => {
                self.err_hint(
                    path,
                    format!("cannot parse duration `{text}`: {e}"),
                    "write durations like 30s, 5m, 2h or 1h30m",
                );
                None
            }
        }
    }

    fn ratio(&mut self, path: &str, x: f64, what: &str) -> Option<Ratio> {
        match Ratio::new(x) {
            Ok(r) => Some(r),
            Err(_) => {
                self.err_hint(
                    path,
                    format!("{what} {x} is outside [0, 1]"),
                    "write a share as a number between 0 and 1, e.g. 0.15 for 15%",
                );
                None
            }
        }
    }

    fn dist(&mut self, path: &str, d: &RawDist) -> Option<DurationDist> {
        match d {
            RawDist::Fixed(x) => self.duration(path, x).map(DurationDist::fixed),
            RawDist::Uniform(a, b) => {
                let lo = self.duration(&format!("{path}.uniform[0]"), a);
                let hi = self.duration(&format!("{path}.uniform[1]"), b);
                match DurationDist::uniform(lo?, hi?) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        self.err(&format!("{path}.uniform"), e.to_string());
                        None
                    }
                }
            }
            RawDist::LogNormal { median, p90 } => {
                let m = self.duration(&format!("{path}.lognormal.median"), median);
                let p = self.duration(&format!("{path}.lognormal.p90"), p90);
                match DurationDist::lognormal(m?, p?) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        self.err(&format!("{path}.lognormal"), e.to_string());
                        None
                    }
                }
            }
        }
    }

    fn effect(&mut self, path: &str, e: &RawEffect) -> Option<Effect> {
        match e {
            RawEffect::Crash => Some(Effect::Crash),
            RawEffect::ErrorRatio(r) => self
                .ratio(&format!("{path}.error_ratio"), *r, "error ratio")
                .map(Effect::ErrorRatio),
            RawEffect::Latency { added, timeouts } => {
                let added = self.duration(&format!("{path}.latency.added"), added);
                let t = self.ratio(
                    &format!("{path}.latency.timeouts"),
                    *timeouts,
                    "timeout ratio",
                );
                Some(Effect::Latency {
                    added: added?,
                    timeouts: t?,
                })
            }
        }
    }

    fn service(&mut self, path: &str, name: &str) -> Option<ServiceId> {
        match self.services.iter().position(|s| s == name) {
            Some(i) => Some(ServiceId(i as u32)),
            None => {
                let known = format!("known services: {}", listed(&self.services));
                let hint = match did_you_mean(name, self.services.iter().map(String::as_str)) {
                    Some(close) => format!("did you mean `{close}`? {known}"),
                    None => known,
                };
                self.err_hint(path, format!("unknown service `{name}`"), hint);
                None
            }
        }
    }

    fn component(&mut self, path: &str, name: &str) -> Option<Component> {
        let s = self.services.iter().position(|s| s == name);
        let l = self.libraries.iter().position(|s| s == name);
        match (s, l) {
            (Some(i), None) => Some(Component::Service(ServiceId(i as u32))),
            (None, Some(i)) => Some(Component::Library(LibraryId(i as u32))),
            (Some(_), Some(_)) => {
                self.err_hint(
                    path,
                    format!("`{name}` is both a service and a library"),
                    "give the library a distinct name",
                );
                None
            }
            (None, None) => {
                let hint = format!(
                    "a component is a service ({}) or a library ({})",
                    listed(&self.services),
                    if self.libraries.is_empty() {
                        "none defined".to_string()
                    } else {
                        listed(&self.libraries)
                    }
                );
                self.err_hint(path, format!("unknown service or library `{name}`"), hint);
                None
            }
        }
    }
}

/// Validates a raw scenario into the model, or reports every problem.
pub(crate) fn validate(
    source: &str,
    text: &str,
    raw: RawScenario,
) -> Result<Scenario, ScenarioErrors> {
    let mut cx = Ctx {
        source,
        locs: Locations::index(text),
        errors: Vec::new(),
        services: raw.services.keys().cloned().collect(),
        libraries: raw.libraries.keys().cloned().collect(),
        scrape: None,
    };
    for (path, first, again) in cx.locs.duplicates().to_vec() {
        let (parent, name) = path
            .rsplit_once('.')
            .unwrap_or(("the document", path.as_str()));
        cx.push(
            &path,
            Some(again),
            format!(
                "`{name}` appears twice in `{parent}` (first at line {}); a YAML reader keeps only the second, silently",
                first.0
            ),
            Some("rename one, or merge the two into one entry".into()),
        );
    }
    let scenario = build(&mut cx, raw);
    if cx.errors.is_empty() {
        if let Some(s) = scenario {
            for f in super::limits::work(&s)
                .into_iter()
                .chain(super::coherence::check(&s))
            {
                cx.err_hint(&f.path, f.message, f.hint);
            }
            if cx.errors.is_empty() {
                return Ok(s);
            }
        }
    }
    // File order, then by message for ties.
    cx.errors.sort_by_key(|e| (e.line, e.column));
    if cx.errors.is_empty() {
        cx.push("", None, "invalid scenario".into(), None);
    }
    Err(ScenarioErrors(cx.errors))
}

fn build(cx: &mut Ctx<'_>, raw: RawScenario) -> Option<Scenario> {
    let start = match raw.start.trim().parse::<jiff::civil::DateTime>() {
        Ok(d) => Some(d),
        Err(e) => {
            cx.err_hint(
                "start",
                format!("cannot parse date and time `{}`: {e}", raw.start),
                "write it like 2026-11-20T16:47:00",
            );
            None
        }
    };
    let horizon = match &raw.horizon {
        Some(d) => cx.duration("horizon", d),
        None => Some(SimDuration::from_mins(8 * 60)),
    };
    let scrape = match &raw.scrape_interval {
        Some(d) => cx.duration("scrape_interval", d),
        None => Some(SimDuration::from_secs(15)),
    };
    if scrape == Some(SimDuration::ZERO) {
        cx.err("scrape_interval", "the scrape interval must be above zero");
    }
    cx.scrape = scrape;
    if let (Some(h), Some(s)) = (horizon, scrape) {
        if h < s {
            cx.err(
                "horizon",
                format!("the horizon {h} is shorter than the scrape interval {s}"),
            );
        }
    }
    let stability = match &raw.stability_window {
        Some(d) => cx.duration("stability_window", d),
        None => Some(SimDuration::from_mins(15)),
    };
    if raw.services.is_empty() {
        cx.err("services", "a scenario needs at least one service");
    }

    // Services.
    let mut services = Vec::new();
    for (name, s) in &raw.services {
        let p = format!("services.{name}");
        check_name(cx, &p, "service", name);
        if !(s.rps.is_finite() && s.rps > 0.0) {
            cx.err(
                &format!("{p}.rps"),
                format!("requests per second must be above zero, not {}", s.rps),
            );
        } else if s.rps > super::limits::MAX_RPS {
            cx.err(
                &format!("{p}.rps"),
                format!(
                    "{} requests per second is over the limit of {} for one service",
                    short_number(s.rps),
                    super::limits::MAX_RPS
                ),
            );
        }
        if !(s.value_per_request.is_finite() && s.value_per_request >= 0.0) {
            cx.err(
                &format!("{p}.value_per_request"),
                format!(
                    "value per request must be zero or more, not {}",
                    s.value_per_request
                ),
            );
        } else if s.value_per_request > super::limits::MAX_VALUE_PER_REQUEST {
            cx.err(
                &format!("{p}.value_per_request"),
                format!(
                    "a value of {} per request is over the limit of {}",
                    short_number(s.value_per_request),
                    super::limits::MAX_VALUE_PER_REQUEST
                ),
            );
        }
        let baseline = cx.ratio(
            &format!("{p}.baseline_error_ratio"),
            s.baseline_error_ratio,
            "baseline error ratio",
        );
        let slo = if s.slo > 0.0 && s.slo < 1.0 {
            Ratio::new(s.slo).ok()
        } else {
            cx.err_hint(
                &format!("{p}.slo"),
                format!("SLO {} must be strictly between 0 and 1", s.slo),
                "an availability objective like 0.999",
            );
            None
        };
        let window = cx.duration(&format!("{p}.slo_window"), &s.slo_window);
        if window == Some(SimDuration::ZERO) {
            cx.err(
                &format!("{p}.slo_window"),
                "the SLO window must be above zero",
            );
        }
        services.push((name.clone(), s, baseline, slo, window));
    }

    // Libraries.
    let mut libraries = Vec::new();
    for (name, l) in &raw.libraries {
        if cx.services.contains(name) {
            cx.err_key(
                &format!("libraries.{name}"),
                format!("`{name}` is both a service and a library"),
                Some("give the library a distinct name".into()),
            );
        }
        let mut users = Vec::new();
        for (i, u) in l.used_by.iter().enumerate() {
            if let Some(s) = cx.service(&format!("libraries.{name}.used_by[{i}]"), u) {
                if !users.contains(&s) {
                    users.push(s);
                }
            }
        }
        users.sort();
        libraries.push(Library {
            name: name.clone(),
            users,
        });
    }

    // Dependencies.
    let mut deps = Vec::new();
    for (i, d) in raw.dependencies.iter().enumerate() {
        let p = format!("dependencies[{i}]");
        let caller = cx.service(&format!("{p}.caller"), &d.caller);
        let callee = cx.service(&format!("{p}.callee"), &d.callee);
        let coupling = cx.ratio(&format!("{p}.coupling"), d.coupling, "coupling");
        if let (Some(a), Some(b)) = (caller, callee) {
            if a == b {
                cx.err(&p, format!("`{}` cannot depend on itself", d.caller));
                continue;
            }
            if deps
                .iter()
                .any(|x: &(usize, Dependency)| x.1.caller == a && x.1.callee == b)
            {
                cx.err(
                    &p,
                    format!("duplicate dependency {} -> {}", d.caller, d.callee),
                );
                continue;
            }
            if let Some(c) = coupling {
                deps.push((
                    i,
                    Dependency {
                        caller: a,
                        callee: b,
                        coupling: c,
                    },
                ));
            }
        }
    }
    let topo = topo_order(cx, services.len(), &deps);

    // Flags.
    let mut flags = Vec::new();
    for (name, f) in &raw.flags {
        check_name(cx, &format!("flags.{name}"), "flag", name);
        let p = format!("flags.{name}");
        let service = cx.service(&format!("{p}.service"), &f.service);
        let rollout = cx.ratio(&format!("{p}.rollout"), f.rollout, "rollout share");
        if let Some(s) = service {
            if flags
                .iter()
                .any(|x: &Flag| x.service == s && x.path == f.path)
            {
                cx.err(
                    &format!("{p}.path"),
                    format!(
                        "another flag already guards path `{}` of `{}`",
                        f.path, f.service
                    ),
                );
            }
            flags.push(Flag {
                name: name.clone(),
                service: s,
                path: f.path.clone(),
                enabled: f.enabled,
                rollout: rollout.unwrap_or(Ratio::ONE),
                fallback_enabled: f.fallback,
            });
        }
    }

    // Faults.
    let mut faults = Vec::new();
    for (i, f) in raw.faults.iter().enumerate() {
        let p = format!("faults[{i}]");
        if raw.faults[..i].iter().any(|g| g.name == f.name) {
            cx.err(
                &format!("{p}.name"),
                format!("duplicate fault name `{}`", f.name),
            );
        }
        let onset = match (&f.onset, f.optional) {
            (Some(d), false) => cx.duration(&format!("{p}.onset"), d).map(Some),
            (None, true) => Some(None),
            (Some(_), true) => {
                cx.err_hint(
                    &format!("{p}.onset"),
                    "an optional fault has no onset",
                    "it starts when a drill's facilitator injects it; drop `onset` or `optional: true`",
                );
                None
            }
            (None, false) => {
                cx.err_hint(
                    &format!("{p}.onset"),
                    "missing field `onset`",
                    "when the fault starts after the scenario's start, e.g. `onset: 0s`; or `optional: true` for a twist a drill's facilitator injects",
                );
                None
            }
        };
        let service = cx.service(&format!("{p}.service"), &f.service);
        let effect = cx.effect(&format!("{p}.effect"), &f.effect);
        let touches = |cx: &mut Ctx<'_>, key: &str, list: &Option<Vec<String>>| -> Vec<Component> {
            match list {
                None => service
                    .map(|s| vec![Component::Service(s)])
                    .unwrap_or_default(),
                Some(names) => {
                    if names.is_empty() {
                        cx.err(
                            &format!("{p}.{key}"),
                            "a fix must touch at least one component",
                        );
                    }
                    names
                        .iter()
                        .enumerate()
                        .filter_map(|(j, n)| cx.component(&format!("{p}.{key}[{j}]"), n))
                        .collect()
                }
            }
        };
        let fix_touches = touches(cx, "fix_touches", &f.fix_touches);
        let calm = match &f.calm_fix_touches {
            None => service
                .map(|s| vec![Component::Service(s)])
                .unwrap_or_default(),
            some => touches(cx, "calm_fix_touches", some),
        };
        if let (Some(onset), Some(service), Some(effect)) = (onset, service, effect) {
            if let (Some(h), Some(onset)) = (horizon, onset) {
                if onset >= h {
                    cx.err(
                        &format!("{p}.onset"),
                        format!("onset {onset} is at or after the horizon {h}"),
                    );
                }
            }
            let guarded_by = f.path.as_deref().and_then(|path| {
                flags
                    .iter()
                    .position(|fl| fl.service == service && fl.path == path)
                    .map(|x| FlagId(x as u32))
            });
            faults.push(Fault {
                name: f.name.clone(),
                onset: match onset {
                    Some(d) => Onset::At(SimTime::START + d),
                    None => Onset::OnInjection,
                },
                service,
                path: f.path.clone(),
                effect,
                guarded_by,
                origin: match f.origin {
                    RawOrigin::LastRelease => FaultOrigin::LastRelease,
                    RawOrigin::Predates => FaultOrigin::Predates,
                },
                irreversible: f.irreversible,
                fix_touches,
                calm_fix_touches: calm,
            });
        }
    }

    // Team.
    let t = &raw.team;
    let team = (|| -> Option<Team> {
        let alert_window = cx.duration("team.alert.window", &t.alert.window);
        let threshold = cx.ratio("team.alert.threshold", t.alert.threshold, "alert threshold");
        let for_d = match &t.alert.for_duration {
            Some(d) => cx.duration("team.alert.for", d),
            None => Some(SimDuration::ZERO),
        };
        if alert_window == Some(SimDuration::ZERO) {
            cx.err("team.alert.window", "the alert window must be above zero");
        }
        if let (Some(w), Some(s)) = (alert_window, scrape) {
            if w > SimDuration::ZERO && w < s {
                cx.err_hint(
                    "team.alert.window",
                    format!("the alert window {w} is shorter than the scrape interval {s}"),
                    "a window must hold at least one scrape; make it a few scrape intervals long",
                );
            }
        }
        if let Some(th) = threshold {
            for (name, raw) in &raw.services {
                if raw.baseline_error_ratio >= th.get() && raw.baseline_error_ratio <= 1.0 {
                    cx.err_hint(
                        &format!("services.{name}.baseline_error_ratio"),
                        format!(
                            "baseline error ratio {} is at or above the alert threshold {}",
                            raw.baseline_error_ratio,
                            th.get()
                        ),
                        "the alert would fire on a good day and never clear; lower the baseline or raise the threshold",
                    );
                }
            }
        }
        let acknowledge = cx.dist("team.acknowledge", &t.acknowledge);
        let diagnose = cx.dist("team.diagnose", &t.diagnose);
        let write_fix = cx.dist("team.write_fix", &t.write_fix);
        let review = cx.dist("team.review", &t.review);
        let ci_fast = cx.dist("team.ci.fast", &t.ci.fast);
        let ci_full = cx.dist("team.ci.full", &t.ci.full);
        let deploy = cx.dist("team.deploy", &t.deploy);
        let rollback = cx.dist("team.rollback", &t.rollback);
        let traffic_switch = cx.dist("team.traffic_switch", &t.traffic_switch);
        let smoke_test = cx.dist("team.smoke_test", &t.smoke_test);
        let canary_bake = cx.dist("team.canary_bake", &t.canary_bake);
        let flag_propagation = cx.dist("team.flag_propagation", &t.flag_propagation);
        let repair = match &t.repair {
            Some(d) => Some(cx.dist("team.repair", d)?),
            None => {
                if let Some(i) = raw.faults.iter().position(|f| f.irreversible) {
                    cx.err_hint(
                        &format!("faults[{i}].irreversible"),
                        "an irreversible fault leaves damaged data that only a repair undoes, but the team has no `repair` duration",
                        "add e.g. `repair: { lognormal: { median: 30m, p90: 2h } }` under `team:`",
                    );
                }
                None
            }
        };
        Some(Team {
            alert: AlertRule {
                name: t.alert.name.clone(),
                window: alert_window?,
                threshold: threshold?,
                for_duration: for_d?,
            },
            acknowledge: acknowledge?,
            diagnose: diagnose?,
            write_fix: write_fix?,
            review: review?,
            ci_fast: ci_fast?,
            ci_full: ci_full?,
            deploy: deploy?,
            rollback: rollback?,
            traffic_switch: traffic_switch?,
            smoke_test: smoke_test?,
            canary_bake: canary_bake?,
            flag_propagation: flag_propagation?,
            repair,
        })
    })();

    // Risk.
    let r = &raw.risk;
    let fix_cures = cx.ratio("risk.fix_cures", r.fix_cures, "probability");
    let review_catch = cx.ratio("risk.catch.review", r.catch.review, "probability");
    let fast_ci_catch = cx.ratio("risk.catch.fast_ci", r.catch.fast_ci, "probability");
    let full_ci_catch = cx.ratio("risk.catch.full_ci", r.catch.full_ci, "probability");
    let smoke_catch = cx.ratio("risk.catch.smoke_test", r.catch.smoke_test, "probability");
    let mut components = Vec::new();
    for (name, risks) in &r.components {
        let p = format!("risk.components.{name}");
        let Some(component) = ({
            let at = cx.locs.key(&p);
            let found = cx.component(&p, name);
            if found.is_none() {
                // Point at the key rather than the list.
                if let Some(last) = cx.errors.last_mut() {
                    last.line = at.map(|l| l.0);
                    last.column = at.map(|l| l.1);
                }
            }
            found
        }) else {
            continue;
        };
        let ships_to: Vec<ServiceId> = match component {
            Component::Service(s) => vec![s],
            Component::Library(l) => libraries[l.index()].users.clone(),
        };
        let mut list = Vec::new();
        for (j, lr) in risks.iter().enumerate() {
            let q = format!("{p}[{j}]");
            let victim = cx.service(&format!("{q}.service"), &lr.service);
            let host = match &lr.via {
                Some(v) => cx.service(&format!("{q}.via"), v),
                None => victim,
            };
            let probability = cx.ratio(&format!("{q}.probability"), lr.probability, "probability");
            let effect = cx.effect(&format!("{q}.effect"), &lr.effect);
            let delay = match &lr.delay {
                Some(d) => cx.dist(&format!("{q}.delay"), d),
                None => Some(DurationDist::fixed(SimDuration::ZERO)),
            };
            if let Some(h) = host {
                if !ships_to.contains(&h) {
                    let names: Vec<&str> = ships_to
                        .iter()
                        .map(|s| cx.services[s.index()].as_str())
                        .collect();
                    let hint = format!(
                        "a change to `{name}` ships only to {}; a bug can only live in a build the change produces (use `via:` to name the host)",
                        listed(&names)
                    );
                    let field = if lr.via.is_some() { "via" } else { "service" };
                    cx.err_hint(
                        &format!("{q}.{field}"),
                        format!(
                            "`{}` does not get a new build when `{name}` changes",
                            cx.services[h.index()]
                        ),
                        hint,
                    );
                    continue;
                }
            }
            if let (Some(victim), Some(host), Some(probability), Some(effect), Some(delay)) =
                (victim, host, probability, effect, delay)
            {
                list.push(LatentRisk {
                    victim,
                    host,
                    probability,
                    effect,
                    delay,
                });
            }
        }
        components.push((component, list));
    }

    // Policies.
    let mut policies = Vec::new();
    for (i, rp) in raw.policies.iter().enumerate() {
        let p = format!("policies[{i}]");
        if BUILTIN.contains(&rp.name.as_str()) {
            cx.err_hint(
                &format!("{p}.name"),
                format!("`{}` is the name of a built-in strategy", rp.name),
                format!("pick another name; built-ins are {}", BUILTIN.join(", ")),
            );
        } else if raw.policies[..i].iter().any(|q| q.name == rp.name) {
            cx.err(
                &format!("{p}.name"),
                format!("duplicate policy name `{}`", rp.name),
            );
        }
        if rp.steps.is_empty() {
            cx.err(&format!("{p}.steps"), "a policy needs at least one step");
        }
        if let (Some(per), Some(max)) = (rp.max_hotfixes_per_regression, rp.max_hotfixes) {
            if per > max {
                cx.err_hint(
                    &format!("{p}.max_hotfixes_per_regression"),
                    format!("max_hotfixes_per_regression {per} exceeds max_hotfixes {max}"),
                    "the per-regression bound could never be reached; lower it or raise max_hotfixes",
                );
            }
        }
        let parsed = steps(cx, &format!("{p}.steps"), &rp.steps);
        let reaction = |cx: &mut Ctx<'_>, key: &str, r: &Option<RawReaction>| -> Option<Reaction> {
            match r {
                None => Some(Reaction::Repeat),
                Some(RawReaction::Named(n)) => Some(match n.as_str() {
                    "rollback" => Reaction::Rollback,
                    "stop" => Reaction::Stop,
                    _ => Reaction::Repeat,
                }),
                Some(RawReaction::Run(list)) => {
                    let path = format!("{p}.{key}.run");
                    if list.is_empty() {
                        cx.err(&path, "`run` needs at least one step");
                    }
                    steps(cx, &path, list).map(Reaction::Run)
                }
            }
        };
        let on_regression = reaction(cx, "on_regression", &rp.on_regression);
        let on_not_cured = reaction(cx, "on_not_cured", &rp.on_not_cured);
        if let (Some(steps), Some(on_regression), Some(on_not_cured)) =
            (parsed, on_regression, on_not_cured)
        {
            let policy = Policy {
                name: rp.name.clone(),
                description: rp.description.clone(),
                steps,
                on_regression,
                on_not_cured,
                max_hotfixes: rp.max_hotfixes,
                max_hotfixes_per_regression: rp.max_hotfixes_per_regression,
            };
            let stuck = policy.stuck();
            for s in &stuck {
                cx.err_hint(
                    &format!("{p}.{}", s.path),
                    format!("policy `{}` cannot make progress: {}", rp.name, s.message),
                    s.hint.clone(),
                );
            }
            if stuck.is_empty() {
                policies.push(policy);
            }
        }
    }

    let services: Vec<Service> = services
        .into_iter()
        .filter_map(|(name, s, baseline, slo, window)| {
            Some(Service {
                name: name.clone(),
                rps: s.rps,
                baseline_error: baseline?,
                value_per_request: s.value_per_request,
                slo: slo?,
                slo_window: window?,
                version: s.version.clone(),
                previous_version: s
                    .previous_version
                    .clone()
                    .unwrap_or_else(|| format!("{}-prev", s.version)),
            })
        })
        .collect();
    let budgets = budgets(cx, raw.budgets.as_ref());
    if !cx.errors.is_empty() {
        return None;
    }
    Some(Scenario {
        name: raw.name,
        description: raw.description.trim().to_string(),
        clock: WallClock::new(start?),
        horizon: horizon?,
        scrape_interval: scrape?,
        stability_window: stability?,
        services,
        libraries,
        dependencies: deps.into_iter().map(|(_, d)| d).collect(),
        topo_order: topo?,
        flags,
        faults,
        team: team?,
        risk: ChangeRisk {
            fix_cures: fix_cures?,
            review_catch: review_catch?,
            fast_ci_catch: fast_ci_catch?,
            full_ci_catch: full_ci_catch?,
            smoke_catch: smoke_catch?,
            components,
        },
        policies,
        default_seed: raw.seed.unwrap_or(1),
        budgets,
    })
}

fn budgets(cx: &mut Ctx<'_>, raw: Option<&RawBudgets>) -> Budgets {
    let Some(b) = raw else {
        return Budgets::default();
    };
    let revenue = b.max_revenue_lost.filter(|m| {
        let ok = m.is_finite() && *m >= 0.0;
        if !ok {
            cx.err(
                "budgets.max_revenue_lost",
                format!("a revenue budget must be a non-negative amount, not {m}"),
            );
        }
        ok
    });
    Budgets {
        max_mttr_p90: b
            .max_mttr_p90
            .as_ref()
            .and_then(|d| cx.duration("budgets.max_mttr_p90", d)),
        max_mttr_mean: b
            .max_mttr_mean
            .as_ref()
            .and_then(|d| cx.duration("budgets.max_mttr_mean", d)),
        max_regression_rate: b
            .max_regression_rate
            .and_then(|r| cx.ratio("budgets.max_regression_rate", r, "regression rate budget")),
        max_failed_requests: b.max_failed_requests,
        max_revenue_lost: revenue,
    }
}

/// How deep conditional steps may nest.
const MAX_IF_DEPTH: usize = 8;

fn steps(cx: &mut Ctx<'_>, path: &str, raw: &[RawStep]) -> Option<Vec<Step>> {
    steps_at(cx, path, raw, 0)
}

fn steps_at(cx: &mut Ctx<'_>, path: &str, raw: &[RawStep], depth: usize) -> Option<Vec<Step>> {
    let mut out = Vec::new();
    let mut ok = true;
    for (i, s) in raw.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let step = match s {
            RawStep::Named(n) => match n.as_str() {
                "diagnose" => Some(Step::Diagnose),
                "flag_off" => Some(Step::FlagOff),
                "flag_on" => Some(Step::FlagOn),
                "rollback" => Some(Step::Rollback),
                "write_fix" => Some(Step::WriteFix),
                "repair" => Some(Step::Repair),
                "deploy" => Some(Step::Deploy(strategy::Rollout::all_at_once())),
                _ => Some(Step::Review),
            },
            RawStep::If {
                condition,
                then,
                otherwise,
            } => {
                if depth >= MAX_IF_DEPTH {
                    cx.err_hint(
                        &p,
                        format!("conditional steps nest more than {MAX_IF_DEPTH} deep"),
                        "flatten the conditions",
                    );
                    ok = false;
                    continue;
                }
                let known = strategy::Condition::ALL;
                let cond = known.iter().find(|(n, _)| n == condition).map(|(_, c)| *c);
                if cond.is_none() {
                    let names: Vec<&str> = known.iter().map(|(n, _)| *n).collect();
                    let hint = match did_you_mean(condition, names.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("the conditions are {}", names.join(", ")),
                    };
                    cx.err_hint(
                        &format!("{p}.if"),
                        format!("unknown condition `{condition}`"),
                        hint,
                    );
                }
                if then.is_empty() {
                    cx.err(&format!("{p}.then"), "`then` needs at least one step");
                }
                let t = steps_at(cx, &format!("{p}.then"), then, depth + 1);
                let e = steps_at(cx, &format!("{p}.else"), otherwise, depth + 1);
                match (cond, t, e) {
                    (Some(condition), Some(then), Some(otherwise)) => Some(Step::If {
                        condition,
                        then,
                        otherwise,
                    }),
                    _ => None,
                }
            }
            RawStep::Ci(lane) => match lane.as_str() {
                "fast" => Some(Step::Ci(CiLane::Fast)),
                "full" => Some(Step::Ci(CiLane::Full)),
                other => {
                    cx.err_hint(
                        &format!("{p}.ci"),
                        format!("unknown CI lane `{other}`"),
                        "the lanes are `fast` and `full`",
                    );
                    None
                }
            },
            RawStep::Verify(d) => cx
                .duration(&format!("{p}.verify"), d)
                .map(|within| Step::Verify { within }),
            RawStep::BlueGreen(bg) => {
                let watch = match &bg.watch {
                    Some(d) => cx.duration(&format!("{p}.blue_green.watch"), d),
                    None => Some(SimDuration::from_mins(10)),
                };
                watch.map(|watch| {
                    Step::BlueGreen(strategy::BlueGreen {
                        smoke_test: bg.smoke_test,
                        watch,
                    })
                })
            }
            RawStep::Deploy(r) => rollout(cx, &format!("{p}.deploy"), r).map(Step::Deploy),
        };
        match step {
            Some(s) => out.push(s),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn rollout(cx: &mut Ctx<'_>, path: &str, r: &RawRollout) -> Option<strategy::Rollout> {
    let mut ok = true;
    if r.stages.is_empty() {
        cx.err(
            &format!("{path}.stages"),
            "a rollout needs at least one stage",
        );
        return None;
    }
    let mut stages = Vec::new();
    let mut last = 0.0;
    for (i, s) in r.stages.iter().enumerate() {
        let p = format!("{path}.stages[{i}].weight");
        if !(s.weight > 0.0 && s.weight <= 1.0) {
            cx.err_hint(
                &p,
                format!("stage weight {} is outside (0, 1]", s.weight),
                "weights are traffic shares, e.g. 0.01 for 1%",
            );
            ok = false;
            continue;
        }
        if s.weight <= last {
            cx.err(
                &p,
                format!("stage weights must increase: {} follows {last}", s.weight),
            );
            ok = false;
        }
        last = s.weight;
        let bake = match &s.bake {
            Some(d) => match cx.dist(&format!("{path}.stages[{i}].bake"), d) {
                Some(d) => Some(d),
                None => {
                    ok = false;
                    None
                }
            },
            None => None,
        };
        stages.push(strategy::Stage {
            weight: Ratio::clamped(s.weight),
            bake,
        });
    }
    if ok && last < 1.0 {
        let n = r.stages.len() - 1;
        cx.err_hint(
            &format!("{path}.stages[{n}].weight"),
            format!("the last stage must reach 1.0, not {last}"),
            "end with `{ weight: 1.0 }`",
        );
        ok = false;
    }
    let analysis = match &r.analysis {
        None => None,
        Some(a) => {
            let p = format!("{path}.analysis");
            let interval = cx.duration(&format!("{p}.interval"), &a.interval);
            if interval == Some(SimDuration::ZERO) {
                cx.err(
                    &format!("{p}.interval"),
                    "the analysis interval must be above zero",
                );
                ok = false;
            }
            // A window shorter than a scrape is often empty: an
            // inconclusive measurement that breaks a run of failures, so a
            // bad canary could bake on unaborted.
            if let (Some(i), Some(s)) = (interval, cx.scrape) {
                if i > SimDuration::ZERO && i < s {
                    cx.err_hint(
                        &format!("{p}.interval"),
                        format!("the analysis interval {i} is shorter than the scrape interval {s}"),
                        "a measurement needs new scraped counters; make the interval at least the scrape interval",
                    );
                    ok = false;
                }
            }
            let max = cx.ratio(
                &format!("{p}.max_error_ratio"),
                a.max_error_ratio,
                "error ratio",
            );
            if !(a.max_ratio_to_baseline.is_finite() && a.max_ratio_to_baseline >= 1.0) {
                cx.err(
                    &format!("{p}.max_ratio_to_baseline"),
                    format!(
                        "the ratio to baseline must be at least 1, not {}",
                        a.max_ratio_to_baseline
                    ),
                );
                ok = false;
            }
            match (interval, max) {
                (Some(interval), Some(max_error_ratio)) => Some(strategy::Analysis {
                    interval,
                    failure_limit: a.failure_limit,
                    max_error_ratio,
                    max_ratio_to_baseline: a.max_ratio_to_baseline,
                    min_requests: a.min_requests,
                }),
                _ => {
                    ok = false;
                    None
                }
            }
        }
    };
    ok.then_some(strategy::Rollout { stages, analysis })
}

/// Callees before callers, ties in file order; reports each cycle by name.
fn topo_order(cx: &mut Ctx<'_>, n: usize, deps: &[(usize, Dependency)]) -> Option<Vec<ServiceId>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    fn visit(
        s: usize,
        deps: &[(usize, Dependency)],
        marks: &mut [Mark],
        stack: &mut Vec<usize>,
        order: &mut Vec<ServiceId>,
        cycles: &mut Vec<(Vec<usize>, usize)>,
    ) {
        marks[s] = Mark::Active;
        stack.push(s);
        for (i, d) in deps.iter().filter(|(_, d)| d.caller.index() == s) {
            let c = d.callee.index();
            match marks[c] {
                Mark::New => visit(c, deps, marks, stack, order, cycles),
                Mark::Active => {
                    let from = stack.iter().position(|&x| x == c).unwrap_or(0);
                    let mut cyc = stack[from..].to_vec();
                    cyc.push(c);
                    cycles.push((cyc, *i));
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks[s] = Mark::Done;
        order.push(ServiceId(s as u32));
    }
    let mut marks = vec![Mark::New; n];
    let mut order = Vec::new();
    let mut cycles = Vec::new();
    for s in 0..n {
        if marks[s] == Mark::New {
            visit(
                s,
                deps,
                &mut marks,
                &mut Vec::new(),
                &mut order,
                &mut cycles,
            );
        }
    }
    for (cyc, i) in &cycles {
        let names: Vec<&str> = cyc.iter().map(|&s| cx.services[s].as_str()).collect();
        let text = names.join(" -> ");
        cx.err_hint(
            &format!("dependencies[{i}]"),
            format!("dependency cycle: {text}"),
            "calls must form a directed acyclic graph; remove one of these dependencies",
        );
    }
    cycles.is_empty().then_some(order)
}

/// A number as a message shows it: `1e300`, not three hundred digits.
fn short_number(x: f64) -> String {
    if x.abs() >= 1e7 {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Longest name of a service or flag.
pub const MAX_NAME_LEN: usize = 63;

/// Service and flag names travel in URLs (Argo CD applications, Unleash
/// features), Prometheus labels and GitHub labels (`deploy/payment`), so
/// they keep to what all of them carry unescaped: a letter or digit, then
/// letters, digits, `.`, `-` or `_`, at most [`MAX_NAME_LEN`], and no `..`.
/// With that, `run --via http` can never quietly address something else.
fn check_name(cx: &mut Ctx<'_>, path: &str, kind: &str, name: &str) {
    let ok = (1..=MAX_NAME_LEN).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && !name.contains("..");
    if !ok {
        let shown: String = name.chars().take(80).collect();
        cx.err_key(
            path,
            format!(
                "{kind} name `{}` cannot travel in a URL as it is: use letters, digits, `.`, `-` and `_`, starting with a letter or digit, at most {MAX_NAME_LEN} characters",
                shown.escape_debug()
            ),
            Some(format!("e.g. `{}`", suggested(name))),
        );
    }
}

/// `name` with what a URL cannot carry replaced by `-`.
fn suggested(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .take(MAX_NAME_LEN)
        .collect();
    while out.contains("..") {
        out = out.replace("..", ".");
    }
    let out = out
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string();
    if out.is_empty() {
        "payment".into()
    } else {
        out
    }
}

/// Names a hint lists before it says how many more there are.
const LISTED: usize = 12;

/// `names` for a hint: all of a few, or the first [`LISTED`] and a count
/// (a scenario of 2,000 services must not print them all in every hint).
fn listed<S: AsRef<str>>(names: &[S]) -> String {
    let shown: Vec<&str> = names.iter().take(LISTED).map(AsRef::as_ref).collect();
    if names.len() <= LISTED {
        return shown.join(", ");
    }
    format!("{}, and {} more", shown.join(", "), names.len() - LISTED)
}

#[cfg(test)]
mod listed_tests {
    use super::listed;

    #[test]
    fn a_hint_lists_a_few_names_and_counts_the_rest() {
        assert_eq!(listed(&["a", "b"]), "a, b");
        let many: Vec<String> = (0..2000).map(|i| format!("s{i}")).collect();
        let l = listed(&many);
        assert!(l.ends_with(", and 1988 more"), "{l}");
        assert!(l.len() < 120, "{l}");
    }
}
