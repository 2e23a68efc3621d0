//! Nothing in flight is lost, and requests are conserved.

use gameday_sim::testing::{cases, traced_replay};
use gameday_sim::world::journal::{Entry, EntryKind};
use gameday_sim::world::trace::CompletedOp;
use gameday_sim::world::traffic::Root;
use gameday_sim::world::DeploymentOutcome;
use proptest::prelude::*;

use crate::{check, CASES};

/// Whether `text` names pull request `n` ("PR #n" not followed by a digit).
fn names_pr(text: &str, n: u32) -> bool {
    let tag = format!("PR #{n}");
    text.match_indices(&tag).any(|(i, _)| {
        !text[i + tag.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    })
}

fn any_entry(entries: &[Entry], n: u32, kinds: &[EntryKind], words: &str) -> bool {
    entries
        .iter()
        .any(|e| kinds.contains(&e.kind) && names_pr(&e.text, n) && e.text.contains(words))
}

/// At the end of every replay each pull request is merged or closed, each
/// deployment completed, rolled back or aborted, no operation is still
/// running, and the journal shows how each of them started and ended.
#[test]
fn should_account_for_every_pull_request_deployment_and_operation() {
    check(file!(), CASES, 100, cases(), |case| {
        let sc = case.scenario();
        let policy = case.policy(&sc);
        let (w, score) = traced_replay(&sc, &policy, case.seed);
        let entries = w.journal().entries();
        let trace = w.trace().expect("traced");
        prop_assert!(
            w.in_flight().is_empty(),
            "left in flight at the end ({:?}): {:?}",
            score.outcome,
            w.in_flight()
        );
        for change in w.changes() {
            let n = change.number;
            let pr = w.pull_request(n).expect("every change is a pull request");
            prop_assert!(pr.merged || pr.closed, "PR #{n} neither merged nor closed");
            let opened = entries
                .iter()
                .filter(|e| e.kind == EntryKind::PullRequest)
                .filter(|e| {
                    e.text
                        .strip_prefix(&format!("opened PR #{n}"))
                        .is_some_and(|rest| rest.starts_with(':') || rest.starts_with(','))
                })
                .count();
            prop_assert_eq!(
                opened,
                1,
                "PR #{} opened {} times in the journal",
                n,
                opened
            );
            if pr.merged {
                prop_assert!(
                    any_entry(entries, n, &[EntryKind::Merge], "merged"),
                    "PR #{n} merged silently"
                );
            } else {
                prop_assert!(
                    any_entry(entries, n, &[EntryKind::PullRequest], "closed")
                        || any_entry(entries, n, &[EntryKind::PullRequest], "left open"),
                    "PR #{n} closed silently"
                );
            }
        }
        for d in w.deployments() {
            let n = d.number;
            prop_assert!(
                any_entry(entries, n, &[EntryKind::Deploy, EntryKind::Switch], ""),
                "deployment of PR #{n} started silently"
            );
            let accounted = match d.outcome {
                DeploymentOutcome::InProgress => false,
                DeploymentOutcome::Completed => {
                    any_entry(entries, n, &[EntryKind::Promote], "promoted")
                        || any_entry(entries, n, &[EntryKind::Deploy], "100% of traffic")
                        || any_entry(entries, n, &[EntryKind::Switch], "switched to")
                }
                DeploymentOutcome::Aborted => any_entry(entries, n, &[EntryKind::Abort], "abort"),
                DeploymentOutcome::RolledBack => {
                    any_entry(entries, n, &[EntryKind::Switch], "switched back")
                        || trace.ops.iter().any(|op| {
                            matches!(op.kind, CompletedOp::Rollback { pr: Some(p), .. } if p == n)
                                && entries.iter().any(|e| {
                                    e.kind == EntryKind::Rollback
                                        && e.at == op.at
                                        && e.text.starts_with("rollback done")
                                })
                        })
                }
            };
            prop_assert!(
                accounted,
                "deployment of PR #{n} ended {:?} without a journal entry saying so",
                d.outcome
            );
        }
        Ok(!w.changes().is_empty())
    });
}

/// Per service: requests are successes plus failures, failures add up over
/// causes, the scraped counters never run backwards or ahead of what was
/// served, and the score's totals are the sums of the services'.
#[test]
fn should_conserve_requests_and_failures() {
    check(file!(), CASES, CASES, cases(), |case| {
        let sc = case.scenario();
        let policy = case.policy(&sc);
        let (w, score) = traced_replay(&sc, &policy, case.seed);
        let series = w.series();
        let (mut requests, mut failures, mut regression) = (0, 0, 0);
        for s in sc.service_ids() {
            let t = w.tally(s);
            let by_cause: u64 = t.by_cause.iter().map(|(_, k)| k).sum();
            prop_assert_eq!(
                t.failures,
                by_cause,
                "{}: failures != sum over causes",
                &sc.service(s).name
            );
            prop_assert!(
                t.failures <= t.requests,
                "{}: more failures than requests",
                sc.service(s).name
            );
            requests += t.requests;
            failures += t.failures;
            regression += t
                .by_cause
                .iter()
                .filter(|(c, _)| matches!(c.root, Root::Regression(_)))
                .map(|(_, k)| k)
                .sum::<u64>();
            let totals = &series.totals[s.index()];
            for k in 0..totals.len() {
                let rows = series.at(s, k);
                let sum = rows
                    .iter()
                    .fold((0, 0), |(r, e), c| (r + c.requests, e + c.errors));
                prop_assert_eq!(
                    sum,
                    totals[k],
                    "scrape {} of {}: builds do not add up",
                    k,
                    &sc.service(s).name
                );
                prop_assert!(totals[k].1 <= totals[k].0);
                if k > 0 {
                    prop_assert!(
                        totals[k].0 >= totals[k - 1].0 && totals[k].1 >= totals[k - 1].1,
                        "a counter ran backwards"
                    );
                    for c in rows {
                        if let Some(prev) =
                            series.at(s, k - 1).iter().find(|p| p.version == c.version)
                        {
                            prop_assert!(
                                c.requests >= prev.requests && c.errors >= prev.errors,
                                "a build's counter ran backwards"
                            );
                        }
                    }
                }
            }
            if let Some(last) = totals.last() {
                prop_assert!(
                    last.0 <= t.requests && last.1 <= t.failures,
                    "scraped more than was served"
                );
            }
        }
        prop_assert_eq!(score.requests, requests);
        prop_assert_eq!(score.failed_requests.total(), failures);
        prop_assert_eq!(score.regression_blast_radius, regression);
        Ok(true)
    });
}
