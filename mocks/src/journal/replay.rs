//! Replaying a drill from its journal, with no wall clock: the scenario and
//! seed from the header, then every request the fakes accepted, re-applied
//! at the virtual moment it was handled, through the same handlers. The
//! world's own events must come out exactly as journaled; a difference is
//! reported with the line where the replay diverged.
//!
//! Reads (every `GET`, and everything the Prometheus fake answers) change
//! nothing and are not re-sent; refused requests (status 400 and above)
//! changed nothing either.

use gameday_sim::engine::conclude;
use gameday_sim::scenario::{self, Scenario};
use gameday_sim::score::Score;
use gameday_sim::strategy::Ended;
use gameday_sim::time::{SimDuration, SimTime};
use gameday_sim::world::World;
use sha2::{Digest, Sha256};

use super::{Event, Journal, Line, Request};
use crate::drill::handover::handed_over_world;
use crate::http::{HttpRequest, HttpResponse};

/// The token a replay signs its requests with (a journal keeps none).
const REPLAY_TOKEN: &str = "journal-replay";

/// Why a journal cannot be replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("the journal's scenario is invalid:\n{0}")]
    Scenario(String),
    #[error(
        "the journal's scenario text does not match its SHA-256 (header says {expected}, text hashes to {actual}): the journal was edited"
    )]
    Digest { expected: String, actual: String },
    #[error("journal line {line}: {reason}")]
    Line { line: usize, reason: String },
    #[error(
        "the replay diverged at journal line {line}: {what} (hint: a journal is replayed by the gameday version that wrote it)"
    )]
    Diverged { line: usize, what: String },
}

/// A replayed drill: its world at the end, and its score.
pub struct Replayed {
    pub scenario: &'static Scenario,
    pub world: World<'static>,
    pub score: Score,
    /// Requests re-applied.
    pub requests: usize,
}

impl std::fmt::Debug for Replayed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replayed")
            .field("requests", &self.requests)
            .field("score", &self.score)
            .finish()
    }
}

/// SHA-256 of `text`, lowercase hex.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The scenario a journal was written over, checked against its digest.
pub fn scenario_of(journal: &Journal) -> Result<Scenario, ReplayError> {
    let h = &journal.header;
    let actual = sha256_hex(&h.scenario_text);
    if actual != h.scenario_sha256 {
        return Err(ReplayError::Digest {
            expected: h.scenario_sha256.clone(),
            actual,
        });
    }
    let source = h
        .scenario_file
        .clone()
        .unwrap_or_else(|| scenario::FRIDAY_CASCADE_NAME.to_string());
    scenario::parse(&source, &h.scenario_text).map_err(|e| ReplayError::Scenario(e.to_string()))
}

/// Sends `req` to the fake called `fake`, signed as that fake expects,
/// from `player` (the caller the journal names, if any).
pub fn dispatch(
    fake: &str,
    player: Option<&str>,
    req: HttpRequest,
    world: &mut World<'_>,
) -> Option<HttpResponse> {
    let bearer =
        |req: HttpRequest, t: &str| req.with_header("authorization", format!("Bearer {t}"));
    Some(match fake {
        "gameday" => crate::gameday::handle(&bearer(req, REPLAY_TOKEN), world, REPLAY_TOKEN),
        "github" => crate::github::handle(
            &bearer(req, REPLAY_TOKEN),
            world,
            crate::github::Caller::player(REPLAY_TOKEN, player),
        ),
        "rollouts" => crate::rollouts::handle(&bearer(req, REPLAY_TOKEN), world, REPLAY_TOKEN),
        "argocd" => {
            let t = crate::serve::argocd_token(REPLAY_TOKEN);
            crate::argocd::handle(&bearer(req, &t), world, &t)
        }
        "unleash" => {
            let req = req.with_header("authorization", REPLAY_TOKEN);
            crate::unleash_mount::handle(&req, world, REPLAY_TOKEN)
        }
        _ => return None,
    })
}

/// Whether a journaled request changed the world (and so is re-applied).
fn acted(r: &Request) -> bool {
    // The drill's own controls (pause, resume, end) move the wall clock's
    // driver, not the world; the journal's end line says when it ended.
    let control = r.fake == "gameday"
        && [
            "/gameday/v1/pause",
            "/gameday/v1/resume",
            "/gameday/v1/end",
            "/gameday/v1/drill",
        ]
        .contains(&r.path.as_str());
    r.status < 400 && r.method != "GET" && r.method != "HEAD" && r.fake != "prometheus" && !control
}

/// A drill's world rebuilt from its journal, up to its last line, with
/// the events checked: what [`replay`] scores and `--resume` goes on from.
pub struct Rebuilt {
    pub scenario: &'static Scenario,
    pub world: World<'static>,
    /// Requests re-applied.
    pub requests: usize,
    /// The end line's virtual time and reason, if the drill ended.
    pub end: Option<(u64, String)>,
}

impl std::fmt::Debug for Rebuilt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rebuilt")
            .field("requests", &self.requests)
            .field("end", &self.end)
            .finish_non_exhaustive()
    }
}

/// Rebuilds the world of `journal` (see [`Rebuilt`]).
pub fn rebuild(journal: &Journal) -> Result<Rebuilt, ReplayError> {
    let h = &journal.header;
    let scenario: &'static Scenario = Box::leak(Box::new(scenario_of(journal)?));
    let mut world = match (&h.strategy, h.handover_ms) {
        (None, None) => World::new(scenario, h.seed),
        // A takeover: the strategy's responders play to the handover
        // again, as the drill had them play before the people took over.
        (Some(name), Some(at)) => {
            let policy = scenario.policy(name).ok_or_else(|| ReplayError::Line {
                line: 1,
                reason: format!("the header's strategy `{name}` is not in the scenario"),
            })?;
            handed_over_world(scenario, h.seed, SimDuration::from_millis(at), &policy)
                .map_err(|reason| ReplayError::Line { line: 1, reason })?
                .0
        }
        _ => return Err(ReplayError::Line {
            line: 1,
            reason:
                "the header names a strategy without a handover, or a handover without a strategy"
                    .into(),
        }),
    };
    let mut requests = 0;
    let mut events: Vec<(usize, &Event)> = Vec::new();
    let mut end: Option<(u64, String)> = None;
    let mut last = 0;
    for (i, line) in journal.lines.iter().enumerate() {
        let number = i + 2;
        last = last.max(match line {
            Line::Request(r) => r.at_ms,
            Line::Event(e) => e.at_ms,
            Line::Pause { at_ms, .. } | Line::Resume { at_ms, .. } | Line::End { at_ms, .. } => {
                *at_ms
            }
            Line::Header(_) => 0,
        });
        match line {
            Line::Request(r) if acted(r) => {
                let _ = world.advance_to(SimTime::from_millis(r.at_ms));
                let req = r.to_http().map_err(|reason| ReplayError::Line {
                    line: number,
                    reason,
                })?;
                let Some(res) = dispatch(&r.fake, r.player.as_deref(), req, &mut world) else {
                    return Err(ReplayError::Line {
                        line: number,
                        reason: format!("unknown fake `{}`", r.fake),
                    });
                };
                if res.status != r.status {
                    return Err(ReplayError::Diverged {
                        line: number,
                        what: format!(
                            "{} {} answered {} in the drill, {} in the replay ({})",
                            r.method, r.path, r.status, res.status, res.body
                        ),
                    });
                }
                requests += 1;
            }
            Line::Event(e) => events.push((number, e)),
            Line::End { at_ms, reason, .. } => end = Some((*at_ms, reason.clone())),
            _ => {}
        }
    }
    let _ = world.advance_to(SimTime::from_millis(end.as_ref().map_or(last, |e| e.0)));
    // The world must have said what the drill's world said, up to the end.
    let replayed: Vec<Event> = world
        .journal()
        .entries()
        .iter()
        .map(|e| Event::of(e, 0))
        .collect();
    if end.is_some() && replayed.len() > events.len() {
        return Err(ReplayError::Diverged {
            line: journal.lines.len() + 1,
            what: format!(
                "the replay has {} more events than the drill journaled, from `{}`",
                replayed.len() - events.len(),
                replayed[events.len()].text
            ),
        });
    }
    for (k, (number, e)) in events.iter().enumerate() {
        match replayed.get(k) {
            Some(got) if got.same_as(e) => {}
            Some(got) => {
                return Err(ReplayError::Diverged {
                    line: *number,
                    what: format!(
                        "the drill journaled `{}` at {} ms, the replay `{}` at {} ms",
                        e.text, e.at_ms, got.text, got.at_ms
                    ),
                })
            }
            None => {
                return Err(ReplayError::Diverged {
                    line: *number,
                    what: format!(
                        "the drill journaled `{}` at {} ms, the replay nothing",
                        e.text, e.at_ms
                    ),
                })
            }
        }
    }
    Ok(Rebuilt {
        scenario,
        world,
        requests,
        end,
    })
}

/// Replays `journal` and scores it.
pub fn replay(journal: &Journal) -> Result<Replayed, ReplayError> {
    let Rebuilt {
        scenario,
        mut world,
        requests,
        end,
    } = rebuild(journal)?;
    let ended = match end {
        Some((at, reason)) => {
            if SimTime::START + scenario.horizon <= SimTime::from_millis(at) {
                Ended::Horizon
            } else {
                Ended::Stopped(reason)
            }
        }
        // A journal without an end: the drill was killed; score what was
        // reached.
        None => {
            Ended::Stopped("the drill stopped before its end (its journal has no end line)".into())
        }
    };
    let score = conclude(&mut world, ended);
    Ok(Replayed {
        scenario,
        world,
        score,
        requests,
    })
}
