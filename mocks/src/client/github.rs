//! The GitHub side of the HTTP control plane: opening a fix as a branch
//! and a pull request, and starting a CI lane by its label (or re-running
//! its check once labelled).

use gameday_sim::control::CpError;
use gameday_sim::strategy::CiLane;
use gameday_sim::world::PullRequestView;
use reqwest::Method;
use serde_json::json;

use super::transport::Body;
use super::views::malformed;
use super::HttpControlPlane;

impl HttpControlPlane {
    /// Pushes a branch and opens a pull request whose `Culprit:` and
    /// `Reworks:` trailers say what it fixes.
    pub(super) fn open_fix(
        &mut self,
        culprit: u32,
        rework_of: Option<u32>,
    ) -> Result<PullRequestView, CpError> {
        let sha = match &self.main_sha {
            Some(s) => s.clone(),
            None => {
                let r = self.github(Method::GET, "git/ref/heads/main", Body::Empty)?;
                let sha = r["object"]["sha"]
                    .as_str()
                    .ok_or_else(|| malformed("ref without a sha"))?
                    .to_string();
                self.main_sha = Some(sha.clone());
                sha
            }
        };
        // A fresh branch per attempt; skip names someone else took.
        let branch = loop {
            self.branches += 1;
            let name = format!("gameday/fix-{culprit}-{}", self.branches);
            let body = json!({ "ref": format!("refs/heads/{name}"), "sha": sha });
            match self.github(Method::POST, "git/refs", Body::Json(&body)) {
                Ok(_) => break name,
                Err(CpError::Refused(_)) if self.branches < 1000 => continue,
                Err(e) => return Err(e),
            }
        };
        let mut text =
            format!("Fixes the culprit the on-call diagnosis named.\n\nCulprit: {culprit}");
        if let Some(n) = rework_of {
            text.push_str(&format!("\nReworks: #{n}"));
        }
        let body = json!({
            "title": format!("Fix culprit {culprit}"),
            "head": branch,
            "base": "main",
            "body": text,
        });
        let pr = self.github(Method::POST, "pulls", Body::Json(&body))?;
        let number = pr["number"]
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| malformed("created pull request without a number"))?;
        self.pull(number)
    }

    /// Starts `lane`'s checks: its label the first time, a re-run after.
    pub(super) fn start_lane(&mut self, number: u32, lane: CiLane) -> Result<(), CpError> {
        // The lane's label starts it; once labelled, re-run its check.
        let label = lane.check_name();
        let pull = self.github(Method::GET, &format!("pulls/{number}"), Body::Empty)?;
        let labelled = pull["labels"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|l| l["name"] == label);
        if !labelled {
            let body = json!({ "labels": [label] });
            self.github(
                Method::POST,
                &format!("issues/{number}/labels"),
                Body::Json(&body),
            )?;
            return Ok(());
        }
        let sha = pull["head"]["sha"].as_str().unwrap_or_default().to_string();
        let runs = self.github(
            Method::GET,
            &format!("commits/{sha}/check-runs"),
            Body::Empty,
        )?;
        let id = runs["check_runs"]
            .as_array()
            .into_iter()
            .flatten()
            .rev()
            .find(|r| r["name"] == label)
            .and_then(|r| r["id"].as_u64())
            .ok_or_else(|| malformed("labelled pull request without its check run"))?;
        self.github(
            Method::POST,
            &format!("check-runs/{id}/rerequest"),
            Body::Empty,
        )?;
        Ok(())
    }
}
