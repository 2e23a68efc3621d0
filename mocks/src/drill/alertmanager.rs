//! Pages as Alertmanager's webhook sends them (`version: "4"`), and a
//! sender that POSTs them to `--page-webhook URL` with a short timeout, so
//! a team's chat bridge receives a drill's pages as it would a real one's.
//! A failing webhook is reported once and never stops the drill.

use std::time::Duration;

use serde_json::{json, Map, Value};

use super::page::Page;

/// Alertmanager writes this `endsAt` while an alert still fires.
const NOT_ENDED: &str = "0001-01-01T00:00:00Z";

/// How long one POST may take.
pub const TIMEOUT: Duration = Duration::from_secs(2);

fn labels(p: &Page) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("alertname".into(), json!(p.alert));
    m.insert("service".into(), json!(p.service));
    m.insert("severity".into(), json!("page"));
    m
}

/// A stable fingerprint of an alert's labels (FNV-1a, as hex).
fn fingerprint(labels: &Map<String, Value>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in labels {
        for b in k.bytes().chain([0xff]).chain(v.to_string().into_bytes()) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// The webhook body of one page.
pub fn webhook_body(p: &Page) -> Value {
    let labels = labels(p);
    let prometheus = p
        .links
        .iter()
        .find(|(n, _)| n == "prometheus")
        .map(|(_, u)| u.clone())
        .unwrap_or_default();
    let annotations = json!({
        "summary": format!("{}: error ratio above {:.1}% over {}", p.service, p.threshold * 100.0, p.window),
        "description": p.summary,
        "value": p.value.map(|v| format!("{v:.4}")).unwrap_or_default(),
    });
    let alert = json!({
        "status": p.status.as_str(),
        "labels": labels,
        "annotations": annotations,
        "startsAt": p.starts_at_rfc3339,
        "endsAt": p.ends_at_rfc3339.clone().unwrap_or_else(|| NOT_ENDED.to_string()),
        "generatorURL": format!("{prometheus}/api/v1/alerts"),
        "fingerprint": fingerprint(&labels),
    });
    json!({
        "version": "4",
        "groupKey": format!("{{}}:{{alertname=\"{}\", service=\"{}\"}}", p.alert, p.service),
        "truncatedAlerts": 0,
        "status": p.status.as_str(),
        "receiver": "gameday-drill",
        "groupLabels": { "alertname": p.alert, "service": p.service },
        "commonLabels": labels,
        "commonAnnotations": annotations,
        "externalURL": prometheus,
        "alerts": [alert],
    })
}

/// Whether `url` can take pages: an absolute `http://` or `https://` URL
/// with a host (a chat bridge, Alertmanager itself, a Slack-style incoming
/// webhook over TLS).
pub fn check_url(url: &str) -> Result<(), String> {
    let u = reqwest::Url::parse(url).map_err(|e| {
        format!("not a URL ({e}) (hint: --page-webhook http://127.0.0.1:5001/hook)")
    })?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!(
            "the scheme is `{}`; pages are POSTed over http:// or https://",
            u.scheme()
        ));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err("the URL names no host".into());
    }
    Ok(())
}

/// An error with its causes (reqwest's own message alone says only that
/// sending failed, not that the connection was refused).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// POSTs pages to one URL. Use it off any async runtime (it blocks).
#[derive(Debug)]
pub struct Webhook {
    url: String,
    client: Option<reqwest::blocking::Client>,
    warned: bool,
}

impl Webhook {
    pub fn new(url: &str) -> Webhook {
        let client = reqwest::blocking::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .build()
            .ok();
        Webhook {
            url: url.to_string(),
            client,
            warned: false,
        }
    }

    /// Sends one page; on the first failure, returns a warning to print
    /// (later failures are silent).
    pub fn send(&mut self, p: &Page) -> Option<String> {
        let result = match &self.client {
            None => Err("cannot build an HTTP client".to_string()),
            Some(c) => c
                .post(&self.url)
                .json(&webhook_body(p))
                .send()
                .map_err(|e| error_chain(&e))
                .and_then(|r| match r.status() {
                    s if s.is_success() => Ok(()),
                    s => Err(format!("it answered {s}")),
                }),
        };
        match result {
            Ok(()) => None,
            Err(_) if self.warned => None,
            Err(e) => {
                self.warned = true;
                Some(format!(
                    "warning: --page-webhook {}: {e}; the drill goes on, and further failures are not reported",
                    self.url
                ))
            }
        }
    }

    /// Whether a page was ever refused or lost.
    pub fn failed(&self) -> bool {
        self.warned
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::page::PageStatus;
    use gameday_sim::time::{SimDuration, SimTime};
    use wiremock::matchers::{body_partial_json, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn page() -> Page {
        Page {
            status: PageStatus::Firing,
            service: "payment".into(),
            alert: "HighErrorRatio".into(),
            value: Some(0.15),
            threshold: 0.05,
            window: SimDuration::from_mins(5),
            starts_at: SimTime::from_millis(75_000),
            ends_at: None,
            clock: "Fri 16:48:15".into(),
            starts_at_rfc3339: "2026-11-20T16:48:15Z".into(),
            ends_at_rfc3339: None,
            summary: "payment is failing".into(),
            links: vec![("prometheus".into(), "http://127.0.0.1:9090".into())],
        }
    }

    #[test]
    fn should_write_alertmanagers_webhook_shape() {
        let b = webhook_body(&page());
        assert_eq!(b["version"], "4");
        assert_eq!(b["status"], "firing");
        let a = &b["alerts"][0];
        assert_eq!(a["labels"]["alertname"], "HighErrorRatio");
        assert_eq!(a["labels"]["service"], "payment");
        assert_eq!(a["startsAt"], "2026-11-20T16:48:15Z");
        assert_eq!(a["endsAt"], NOT_ENDED);
        assert_eq!(a["fingerprint"].as_str().unwrap().len(), 16);
    }

    #[test]
    fn should_take_http_and_https_webhooks_only() {
        assert_eq!(check_url("http://127.0.0.1:5001/hook"), Ok(()));
        assert_eq!(
            check_url("https://hooks.example.com/services/T0/B0/x"),
            Ok(())
        );
        let e = check_url("ftp://example.com/x").unwrap_err();
        assert!(e.contains("`ftp`"), "{e}");
        assert!(check_url("127.0.0.1:5001/hook").is_err());
        assert!(check_url("not a url").unwrap_err().contains("hint"));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn should_post_pages_and_warn_once_when_the_webhook_fails() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/hook"))
            .and(body_partial_json(
                json!({"version": "4", "status": "firing"}),
            ))
            .respond_with(ResponseTemplate::new(200))
            .expect(1)
            .mount(&server)
            .await;
        let ok = format!("{}/hook", server.uri());
        let bad = format!("{}/missing", server.uri());
        let (sent, warnings) = tokio::task::spawn_blocking(move || {
            let mut hook = Webhook::new(&ok);
            let sent = hook.send(&page());
            let mut broken = Webhook::new(&bad);
            let warnings: Vec<Option<String>> = (0..3).map(|_| broken.send(&page())).collect();
            (sent, warnings)
        })
        .await
        .unwrap();
        assert_eq!(sent, None);
        assert!(
            warnings[0].as_deref().is_some_and(|w| w.contains("404")),
            "{warnings:?}"
        );
        assert_eq!(&warnings[1..], &[None, None], "warned once");
    }
}
