//! The Rollout manifest a sync carries: how a change is released (canary
//! `setWeight` steps in whole percents, or blue/green), as a GitOps repo
//! would declare it.

use gameday_sim::control::CpError;
use gameday_sim::prob::Ratio;
use gameday_sim::world::{OpError, Release};
use serde_json::json;

/// Argo Rollouts weights are whole percents.
pub(super) fn percent(weight: Ratio) -> Result<u64, CpError> {
    let p = (weight.get() * 100.0).round();
    if p / 100.0 != weight.get() {
        return Err(CpError::Refused(OpError::Invalid(format!(
            "Argo Rollouts weights are whole percents; {weight} is not"
        ))));
    }
    Ok(p as u64)
}

/// The Rollout manifest a sync carries to declare how the change is
/// released (each step is held until promoted).
pub(super) fn rollout_manifest(app: &str, release: &Release) -> Result<String, CpError> {
    let strategy = match release {
        Release::BlueGreen => json!({ "blueGreen": {
            "activeService": app,
            "previewService": format!("{app}-preview"),
            "autoPromotionEnabled": false,
        }}),
        Release::Canary { steps } => {
            let mut list = Vec::new();
            for &w in steps {
                list.push(json!({ "setWeight": percent(w)? }));
                list.push(json!({ "pause": {} }));
            }
            json!({ "canary": { "steps": list } })
        }
    };
    Ok(json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": { "name": app, "namespace": crate::rollouts::NAMESPACE },
        "spec": { "strategy": strategy },
    })
    .to_string())
}
