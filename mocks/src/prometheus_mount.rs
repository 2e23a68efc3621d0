//! Serves the Prometheus fake from the simulated world (wired once the
//! PromQL evaluator lands; until then only health endpoints answer).

use wiremock::matchers::path_regex;
use wiremock::{Mock, MockServer};

use crate::http::{Handler, HttpRequest, HttpResponse};
use crate::sim::SharedWorld;

/// Mounts the Prometheus fake on `server`.
pub async fn mount(server: &MockServer, world: SharedWorld) {
    let _ = world;
    Mock::given(path_regex(".*"))
        .respond_with(Handler(|req: &HttpRequest| match req.path.as_str() {
            "/-/healthy" => HttpResponse::text(200, "Prometheus Server is Healthy.\n"),
            "/-/ready" => HttpResponse::text(200, "Prometheus Server is Ready.\n"),
            _ => HttpResponse::json(
                422,
                &serde_json::json!({"status":"error","errorType":"execution","error":"the query API is not wired to the simulation yet"}),
            ),
        }))
        .named("prometheus: API")
        .mount(server)
        .await;
}
