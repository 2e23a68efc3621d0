//! The Argo side of the HTTP control plane that needs more than one call:
//! undoing a change by rolling one of its applications back, in Argo CD,
//! to the history entry the change was built from.

use gameday_sim::control::CpError;
use gameday_sim::world::OpError;
use reqwest::Method;
use serde_json::json;

use super::transport::Body;
use super::{views, HttpControlPlane};

impl HttpControlPlane {
    /// Rolls pull request `number`'s change back everywhere it shipped.
    pub(super) fn roll_back_to_base(&mut self, number: u32) -> Result<(), CpError> {
        // Argo CD rollback of one application to the entry the change was
        // built from undoes it on every application it shipped to. Use an
        // application where no other change was built from that entry, so
        // the rollback names this change alone.
        if !self.apps.contains_key(&number) {
            self.pull(number)?;
        }
        let apps = self.apps.get(&number).cloned().unwrap_or_default();
        let mut target = None;
        for app in &apps {
            let view = self.app(app)?;
            if let Some((id, unique)) = views::base_of(&view, number) {
                if unique || target.is_none() {
                    target = Some((app.clone(), id));
                }
                if unique {
                    break;
                }
            }
        }
        let Some((app, id)) = target else {
            // Nothing of the change was ever deployed: say why as the
            // world would.
            let merged = self.pull(number)?.merged;
            return Err(CpError::Refused(if merged {
                OpError::NoRollout(number)
            } else {
                OpError::NotMerged(number)
            }));
        };
        let body = json!({ "id": id });
        self.argocd(Method::POST, &format!("{app}/rollback"), Body::Json(&body))?;
        Ok(())
    }
}
