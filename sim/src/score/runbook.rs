//! The runbook check: did the response follow the emergency hotfix
//! runbook's order? Read from the world's ground truth and its journal
//! after a replay (or a drill), each rule as pass, fail or not applicable,
//! with the journal line that decides it.
//!
//! The rules (`shared/seeds/hotfix-runbook.txt`):
//! - **flag first** where a flag guards the faulty path: the first move is
//!   turning a flag off;
//! - **rollback** where the last release brought the fault (and no flag
//!   guards it): the first move is a rollback;
//! - otherwise **the hotfix lane**: the first move is a merged fix;
//! - **no chained hotfix**: no fix is shipped for a bug another of the
//!   team's fixes introduced (roll that one back instead);
//! - **every merged fix approved** by someone other than its author
//!   before it merged;
//! - and a measure, **page to first mitigation**: the first page to the
//!   team's first move.
//!
//! "The first move" is the earliest of: a flag turned off, a rollback
//! started, a pull request merged.

use schemars::JsonSchema;
use serde::Serialize;

use crate::scenario::FaultOrigin;
use crate::time::{SimDuration, SimTime};
use crate::world::code::{DefectOrigin, Target};
use crate::world::journal::{Entry, EntryKind};
use crate::world::World;

/// How one rule came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    /// The rule does not apply to this incident (e.g. no flag guards it).
    NotApplicable,
}

/// The journal line a verdict rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Evidence {
    /// Milliseconds since the scenario's start.
    pub at_ms: u64,
    pub text: String,
}

/// One rule of the runbook, judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Rule {
    /// Stable name: `flag_first`, `rollback_first`, `hotfix_lane`,
    /// `no_chained_hotfix`, `fixes_approved`.
    pub rule: &'static str,
    pub verdict: Verdict,
    /// Why, in a sentence.
    pub reason: String,
    pub evidence: Option<Evidence>,
}

/// The whole check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RunbookCheck {
    pub rules: Vec<Rule>,
    /// First page to the first move, in milliseconds; `None` without both.
    pub page_to_first_mitigation_ms: Option<u64>,
}

impl RunbookCheck {
    /// Rules that failed.
    pub fn failed(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(|r| r.verdict == Verdict::Fail)
    }
}

/// What the team did first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Move {
    FlagOff,
    Rollback,
    Merge,
}

fn first_move(entries: &[Entry]) -> Option<(Move, &Entry)> {
    entries.iter().find_map(|e| {
        let m = match e.kind {
            EntryKind::Flag if e.text.ends_with("turned off") => Move::FlagOff,
            EntryKind::Rollback if e.text.starts_with("rollback started") => Move::Rollback,
            EntryKind::Merge => Move::Merge,
            _ => return None,
        };
        Some((m, e))
    })
}

fn evidence(e: &Entry) -> Evidence {
    Evidence {
        at_ms: e.at.as_millis(),
        text: e.text.clone(),
    }
}

/// The journal line that merged pull request `number`.
fn merge_line(entries: &[Entry], number: u32) -> Option<&Entry> {
    let text = format!("merged PR #{number}");
    entries
        .iter()
        .find(|e| e.kind == EntryKind::Merge && e.text == text)
}

/// Judges a finished replay (or drill) against the runbook.
pub fn check(world: &World<'_>) -> RunbookCheck {
    let sc = world.scenario();
    let entries = world.journal().entries();
    let first = first_move(entries);
    // The runbook's order, for the incident's first fault.
    let fault = sc
        .fault_ids()
        .filter_map(|f| world.fault_onset(f).map(|at| (at, f)))
        .min()
        .map(|(_, f)| f);
    let expected = fault.map(|f| {
        let fault = sc.fault(f);
        if fault.guarded_by.is_some() {
            Move::FlagOff
        } else if fault.origin == FaultOrigin::LastRelease {
            Move::Rollback
        } else {
            Move::Merge
        }
    });
    let mut rules = Vec::new();
    for (rule, wanted, what) in [
        (
            "flag_first",
            Move::FlagOff,
            "a flag guards the faulty path: turn it off first",
        ),
        (
            "rollback_first",
            Move::Rollback,
            "the last release brought the fault: roll it back first",
        ),
        (
            "hotfix_lane",
            Move::Merge,
            "no flag and no rollback cures it: ship a fix through the hotfix lane",
        ),
    ] {
        let (verdict, reason, ev) = if expected != Some(wanted) {
            (
                Verdict::NotApplicable,
                "does not apply to this incident".to_string(),
                None,
            )
        } else {
            match first {
                Some((m, e)) if m == wanted => (Verdict::Pass, what.to_string(), Some(evidence(e))),
                Some((_, e)) => (
                    Verdict::Fail,
                    format!("{what}; the first move was another"),
                    Some(evidence(e)),
                ),
                None => (
                    Verdict::Fail,
                    format!("{what}; the team made no move"),
                    None,
                ),
            }
        };
        rules.push(Rule {
            rule,
            verdict,
            reason,
            evidence: ev,
        });
    }

    // Merged pull requests, in number order.
    let merged: Vec<(u32, usize)> = world
        .prs
        .iter()
        .enumerate()
        .filter(|(_, p)| p.merged)
        .map(|(i, p)| (world.changes[p.change.index()].number, i))
        .collect();

    // No fix for a bug another merged fix introduced.
    let chained = merged.iter().find_map(|&(number, i)| {
        let change = &world.changes[world.prs[i].change.index()];
        let Some(Target::Defect(d)) = change.target else {
            return None;
        };
        let DefectOrigin::Change(by) = world.defects[d.index()].origin else {
            return None;
        };
        let by = world.changes[by.index()].number;
        Some((number, by))
    });
    rules.push(match (merged.is_empty(), chained) {
        (true, _) => Rule {
            rule: "no_chained_hotfix",
            verdict: Verdict::NotApplicable,
            reason: "no fix was merged".into(),
            evidence: None,
        },
        (false, None) => Rule {
            rule: "no_chained_hotfix",
            verdict: Verdict::Pass,
            reason: "no fix was shipped for a bug of another fix".into(),
            evidence: None,
        },
        (false, Some((number, by))) => Rule {
            rule: "no_chained_hotfix",
            verdict: Verdict::Fail,
            reason: format!(
                "PR #{number} fixes a bug PR #{by} introduced: roll PR #{by} back instead of chaining a hotfix"
            ),
            evidence: merge_line(entries, number).map(evidence),
        },
    });

    // Every merged fix approved before it merged, by someone other than
    // its author (the simulated reviewer is never the author).
    let unapproved = merged.iter().find(|&&(_, i)| {
        let meta = &world.prs[i].meta;
        let merged_at = meta.merged_at.unwrap_or(SimTime::START);
        !meta
            .reviews
            .iter()
            .any(|r| r.approved && r.at <= merged_at && (r.by.is_none() || r.by != meta.author))
    });
    rules.push(match (merged.is_empty(), unapproved) {
        (true, _) => Rule {
            rule: "fixes_approved",
            verdict: Verdict::NotApplicable,
            reason: "no fix was merged".into(),
            evidence: None,
        },
        (false, None) => Rule {
            rule: "fixes_approved",
            verdict: Verdict::Pass,
            reason: "every merged fix was approved by someone other than its author first".into(),
            evidence: None,
        },
        (false, Some(&(number, _))) => Rule {
            rule: "fixes_approved",
            verdict: Verdict::Fail,
            reason: format!(
                "PR #{number} merged without an approving review by someone other than its author"
            ),
            evidence: merge_line(entries, number).map(evidence),
        },
    });

    let page = world.journal().first(EntryKind::AlertFiring).map(|e| e.at);
    let page_to_first_mitigation_ms = match (page, first) {
        (Some(p), Some((_, e))) => Some(SimDuration::from_millis(
            e.at.as_millis().saturating_sub(p.as_millis()),
        )),
        _ => None,
    }
    .map(|d| d.as_millis());
    RunbookCheck {
        rules,
        page_to_first_mitigation_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::replay_world;
    use crate::engine::tests::{always_regresses, flagged, one_service};
    use crate::scenario::FaultOrigin;
    use crate::strategy::presets::preset;

    fn verdicts(c: &RunbookCheck) -> Vec<(&'static str, Verdict)> {
        c.rules.iter().map(|r| (r.rule, r.verdict)).collect()
    }

    fn judged(sc: &crate::scenario::Scenario, strategy: &str) -> RunbookCheck {
        let (w, _, _) = replay_world(sc, &preset(strategy, sc).unwrap(), 1);
        check(&w)
    }

    #[test]
    fn flag_first_passes_for_flag_disable_and_fails_for_a_direct_hotfix() {
        let sc = flagged();
        let c = judged(&sc, "flag-disable");
        assert_eq!(c.rules[0].verdict, Verdict::Pass, "{c:#?}");
        assert_eq!(
            c.rules[0].evidence.as_ref().unwrap().text,
            "flag new_checkout turned off"
        );
        assert_eq!(c.rules[1].verdict, Verdict::NotApplicable);
        assert_eq!(c.rules[2].verdict, Verdict::NotApplicable);
        // The page at 15s, acknowledged after 60s, diagnosed in 120s, then
        // the flag: 180s.
        assert_eq!(c.page_to_first_mitigation_ms, Some(180_000));
        let c = judged(&sc, "direct");
        assert_eq!(c.rules[0].verdict, Verdict::Fail, "{c:#?}");
        assert_eq!(c.rules[0].evidence.as_ref().unwrap().text, "merged PR #1");
    }

    #[test]
    fn rollback_first_where_the_last_release_brought_the_fault_else_the_hotfix_lane() {
        let sc = one_service();
        let c = judged(&sc, "rollback");
        assert_eq!(
            verdicts(&c)[..3],
            [
                ("flag_first", Verdict::NotApplicable),
                ("rollback_first", Verdict::Pass),
                ("hotfix_lane", Verdict::NotApplicable)
            ],
            "{c:#?}"
        );
        assert_eq!(judged(&sc, "direct").rules[1].verdict, Verdict::Fail);
        let mut old = one_service();
        old.faults[0].origin = FaultOrigin::Predates;
        assert_eq!(judged(&old, "direct").rules[2].verdict, Verdict::Pass);
    }

    #[test]
    fn a_hotfix_for_a_hotfix_is_a_chain_and_unreviewed_merges_fail_approval() {
        let sc = always_regresses(1.0);
        let c = judged(&sc, "direct");
        let chain = &c.rules[3];
        assert_eq!(chain.verdict, Verdict::Fail, "{c:#?}");
        assert!(
            chain
                .reason
                .starts_with("PR #2 fixes a bug PR #1 introduced"),
            "{chain:?}"
        );
        assert_eq!(chain.evidence.as_ref().unwrap().text, "merged PR #2");
        assert_eq!(
            c.rules[4].verdict,
            Verdict::Fail,
            "direct merges unreviewed"
        );
        // `reviewed` asks for a review before every merge; `rollback`
        // never chains (it rolls its bad fix back).
        let c = judged(&sc, "reviewed");
        assert_eq!(c.rules[4].verdict, Verdict::Pass, "{c:#?}");
        let mut old = always_regresses(1.0);
        old.faults[0].origin = FaultOrigin::Predates;
        let c = judged(&old, "rollback");
        assert_eq!(c.rules[3].verdict, Verdict::Pass, "{c:#?}");
    }
}
