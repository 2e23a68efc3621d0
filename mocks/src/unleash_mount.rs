//! Serves the Unleash fake from the simulated world: each request sees the
//! scenario's flags as the world has them (in `production`), and an admin
//! on/off in `production` flips the flag in the world, which then reaches
//! the services after the team's propagation delay.

use gameday_sim::world::World;

use crate::http::{HttpRequest, HttpResponse};
use crate::server::Server;
use crate::sim::SharedWorld;
use crate::unleash::{api, bucket::Rollout, state::Feature, FlagSet};

/// The environment the simulated services read.
pub const PRODUCTION: &str = "production";

fn flag_set(world: &World<'_>) -> FlagSet {
    let mut flags = FlagSet::new();
    for f in &world.scenario().flags {
        let percent = (f.rollout.get() * 100.0).round() as u32;
        let mut feature = Feature::new(&f.name)
            .with_description(format!(
                "guards {} of {}",
                f.path,
                world.scenario().service(f.service).name
            ))
            .with_rollout(Rollout::new(percent).unwrap_or(Rollout::ALL));
        if world.flag_enabled(&f.name).unwrap_or(false) {
            feature = feature.enabled_in(PRODUCTION);
        }
        // Names come from a validated scenario; a clash cannot happen.
        let _ = flags.insert(feature);
    }
    flags
}

/// Handles one request against the world.
pub fn handle(req: &HttpRequest, world: &mut World<'_>, token: &str) -> HttpResponse {
    let mut flags = flag_set(world);
    let before: Vec<(String, bool)> = flags
        .features()
        .map(|f| (f.name.clone(), f.is_enabled_in(PRODUCTION)))
        .collect();
    let res = api::handle(req, &mut flags, token);
    for (name, was) in before {
        let now = flags
            .feature(&name)
            .is_some_and(|f| f.is_enabled_in(PRODUCTION));
        if now != was {
            // The flag exists: it came from the scenario.
            let _ = world.set_flag(&name, now);
        }
    }
    res
}

/// Mounts the Unleash fake on `server`.
pub fn mount(server: &Server, world: SharedWorld, token: String) {
    let handler = move |req: &HttpRequest| {
        let mut w = world.lock();
        let res = handle(req, &mut w, world.token_for(req, &token));
        world.record("unleash", req, res.status, &w);
        res
    };
    server.handle_with(handler);
}

#[cfg(test)]
mod tests {
    use super::*;
    use gameday_sim::scenario::friday_cascade;
    use gameday_sim::time::{SimDuration, SimTime};

    #[test]
    fn should_flip_the_worlds_flag_from_the_admin_api() {
        let sc = friday_cascade();
        let mut w = World::new(&sc, 4);
        w.advance_to(SimTime::START + SimDuration::from_mins(2))
            .unwrap();
        let payment = sc.service_by_name("payment").unwrap();
        assert!(w.true_error_ratio(payment) > 0.1);
        let req = HttpRequest {
            method: "POST".into(),
            path: "/api/admin/projects/default/features/payment_processing_v2/environments/production/off".into(),
            headers: vec![("authorization".into(), "tok".into())],
            ..HttpRequest::default()
        };
        let r = handle(&req, &mut w, "tok");
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(!w.flag_enabled("payment_processing_v2").unwrap());
        w.advance_to(SimTime::START + SimDuration::from_mins(3))
            .unwrap();
        assert!(
            w.true_error_ratio(payment) < 0.01,
            "the flag reached the SDKs"
        );
    }
}
