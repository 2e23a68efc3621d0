//! A drill's debrief as a page: the team's row beside every built-in
//! strategy on the drill's seed, the paired differences, the runbook check
//! with the journal line behind each verdict, and the team's timeline above
//! the best strategy's on one clock axis, so the room can see where the two
//! responses parted.

use std::fmt::Write as _;

use gameday_sim::score::runbook::Evidence;

use super::run::{event_log, score_facts, timeline_legend, TIMELINE_CAPTION};
use super::{escape, figure, page, scenario_section, table};
use crate::chart::timeline;
use crate::columns::{cells, HEADERS, LEGEND};
use crate::cover;
use crate::rows::{runbook_rows, RUNBOOK_HEADERS};
use crate::wire::{CompareReport, RunReport};
use crate::ReportError;

/// Everything a debrief shows.
#[derive(Debug, Clone, Copy)]
pub struct Debrief<'a> {
    /// The journal as the user named it.
    pub journal: &'a str,
    /// The command that replays the drill.
    pub replay_command: &'a str,
    /// The team's row beside every strategy's, on the drill's seed.
    pub compare: &'a CompareReport,
    /// The team's drill, replayed from the journal.
    pub team: &'a RunReport,
    /// The best built-in strategy on the same seed, where one restored
    /// anything to compare with.
    pub best: Option<&'a RunReport>,
}

/// Renders a debrief as one self-contained HTML page; `journal_line`
/// numbers the journal line an event of the team's world was written on.
pub fn debrief_html(
    d: &Debrief<'_>,
    journal_line: impl Fn(&Evidence) -> Option<usize>,
) -> Result<String, ReportError> {
    let team = d.team;
    let sc = &team.scenario_summary;
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<h1>Drill debrief: {} · seed {}</h1>",
        escape(&team.scenario),
        team.seed
    );
    let _ = writeln!(
        body,
        "<p class=\"lead\">The team's drill, journaled in <code>{}</code>, beside every built-in strategy on the same seed: \
         the same world, the same traffic and the same faults (with the facilitator's twists where they were injected).</p>",
        escape(d.journal)
    );
    let _ = writeln!(
        body,
        "<p class=\"note\">Replay it with <code>{}</code>; {}.</p>",
        escape(d.replay_command),
        escape(&d.compare.origin.describe())
    );

    body.push_str("<h2>The team beside the strategies</h2>\n");
    let rows: Vec<Vec<String>> = d.compare.strategies.iter().map(cells).collect();
    body.push_str(&table(&HEADERS, &rows, 1));
    let _ = writeln!(body, "<p class=\"note\">{}</p>", escape(LEGEND));
    let _ = writeln!(
        body,
        "<p class=\"note\">{}</p>",
        escape(cover::LOWER_BOUND_LEGEND)
    );
    if let Some(heading) = cover::baseline_heading(d.compare) {
        body.push_str("<h3>Paired differences</h3>\n");
        let _ = writeln!(body, "<p class=\"note\">{}</p>\n<ul>", escape(&heading));
        for s in &d.compare.strategies {
            if let Some(v) = &s.versus_baseline {
                let _ = writeln!(body, "<li>{}</li>", escape(&v.answer));
            }
        }
        body.push_str("</ul>\n");
    }

    body.push_str("<h2>Runbook check</h2>\n");
    body.push_str(
        "<p class=\"note\">The team's response against the hotfix runbook's order; each verdict names the journal line that decides it.</p>\n",
    );
    let rows = runbook_rows(team, journal_line);
    if rows.is_empty() {
        body.push_str("<p>No rule applies: the team made no move to judge.</p>\n");
    } else {
        body.push_str(&table(&RUNBOOK_HEADERS, &rows, 4));
    }

    body.push_str("<h2>Timelines on one clock</h2>\n");
    let end = d.best.map_or(timeline::end_minutes(team), |b| {
        timeline::end_minutes(team).max(timeline::end_minutes(b))
    });
    body.push_str("<h3>The team</h3>\n");
    let svg = timeline::timeline_until(team, end)?;
    body.push_str(&figure(&svg, &timeline_legend(sc), TIMELINE_CAPTION));
    match d.best {
        Some(best) => {
            let _ = writeln!(
                body,
                "<h3>The best strategy on this seed: {}</h3>",
                escape(&best.strategy)
            );
            let svg = timeline::timeline_until(best, end)?;
            body.push_str(&figure(
                &svg,
                &timeline_legend(sc),
                "The same world under the built-in strategy with the lowest MTTR, on the team's time axis.",
            ));
        }
        None => body.push_str(
            "<p>No built-in strategy restored service on this seed, so there is no best response to draw.</p>\n",
        ),
    }

    body.push_str("<h2>The team's score</h2>\n");
    body.push_str(&score_facts(team));
    body.push_str("<h2>The team's event log</h2>\n");
    body.push_str(&event_log(team));
    if let Some(best) = d.best {
        let _ = writeln!(body, "<h2>{}'s event log</h2>", escape(&best.strategy));
        body.push_str(&event_log(best));
    }

    body.push_str(&scenario_section(sc));
    Ok(page(
        &format!(
            "gameday drill debrief: {} · seed {}",
            team.scenario, team.seed
        ),
        &body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Origin, Sweep};
    use gameday_sim::engine::{replay, replay_world};
    use gameday_sim::scenario::friday_cascade;
    use gameday_sim::strategy::presets::preset;

    /// A "team" that played as `direct` did, beside `rollback`.
    fn debrief_page(best: bool) -> String {
        let sc = friday_cascade();
        let origin = Origin::embedded("0.1.0");
        let team = replay(&sc, &preset("direct", &sc).unwrap(), 11);
        let mut team = RunReport::build(&sc, &team, origin.clone());
        team.strategy = "team".into();
        let rollback = preset("rollback", &sc).unwrap();
        let (_, rb_score, _) = replay_world(&sc, &rollback, 11);
        let rb = RunReport::build(&sc, &replay(&sc, &rollback, 11), origin.clone());
        let names = ["team", "rollback"];
        let scores = vec![vec![team_score(&sc)], vec![rb_score]];
        let sweep = Sweep {
            scenario: &sc,
            names: &names,
            scores: &scores,
            runs: 1,
            base_seed: 11,
        };
        let compare = CompareReport::build(&sweep, origin, None).unwrap();
        let d = Debrief {
            journal: "drill <1>.jsonl",
            replay_command: "gameday replay 'drill <1>.jsonl'",
            compare: &compare,
            team: &team,
            best: best.then_some(&rb),
        };
        debrief_html(&d, |_| Some(4242)).unwrap()
    }

    fn team_score(sc: &gameday_sim::scenario::Scenario) -> gameday_sim::score::Score {
        replay_world(sc, &preset("direct", sc).unwrap(), 11).1
    }

    #[test]
    fn should_draw_the_team_and_the_best_strategy_on_one_axis() {
        let page = debrief_page(true);
        assert_eq!(
            page.matches("<svg width=\"1100\"").count(),
            2,
            "two timelines"
        );
        assert!(page.contains("The best strategy on this seed: rollback"));
        // One axis: the same clock ticks under both charts.
        let ticks = |svg: &str| -> Vec<String> {
            svg.split("<text")
                .filter_map(|t| t.split('>').nth(1))
                .map(|t| t.split('<').next().unwrap_or("").trim().to_string())
                .filter(|t| t.len() == 5 && t.as_bytes()[2] == b':')
                .collect()
        };
        let charts: Vec<&str> = page.split("<svg width=\"1100\"").skip(1).collect();
        assert!(!ticks(charts[0]).is_empty());
        assert_eq!(ticks(charts[0]), ticks(charts[1]));
    }

    #[test]
    fn should_name_the_journal_line_of_each_verdict_and_escape_the_file() {
        let page = debrief_page(true);
        assert!(page.contains("<h2>Runbook check</h2>"));
        assert!(page.contains("<td>line 4242: Fri "), "journal lines");
        assert!(page.contains("drill &lt;1&gt;.jsonl") && !page.contains("drill <1>"));
    }

    #[test]
    fn should_say_so_when_no_strategy_is_there_to_compare() {
        let page = debrief_page(false);
        assert_eq!(page.matches("<svg width=\"1100\"").count(), 1);
        assert!(page.contains("no best response to draw"));
    }
}
