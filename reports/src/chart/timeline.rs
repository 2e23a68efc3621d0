//! A replay over clock time: one panel per service with its error ratio
//! per scrape, the ratio over the alert window, its SLO and the alert
//! threshold, and vertical markers for what people and the pipeline did.
//!
//! The ratio axis is logarithmic from 0.01% to 100%, so a 0.05% SLO and a
//! 90% outage both show; intervals without errors sit on the floor.

use plotters::prelude::*;

use super::{font, line, log_ticks, svg, trim};
use crate::format::Clock;
use crate::wire::{RunReport, TimelineItem};
use crate::ReportError;

/// The bottom of the ratio axis (0.01%).
pub const FLOOR: f64 = 1e-4;

/// A kind of event marked on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventMark {
    /// One letter drawn at the top of the marker line.
    pub letter: &'static str,
    pub meaning: &'static str,
    /// Journal entry kinds it marks.
    pub kinds: &'static [&'static str],
    pub color: RGBColor,
    pub dash: Option<(u32, u32)>,
}

/// Every marked kind of event, in legend order.
pub const EVENT_MARKS: [EventMark; 8] = [
    EventMark {
        letter: "F",
        meaning: "fault onset",
        kinds: &["fault_onset"],
        color: RGBColor(120, 0, 0),
        dash: None,
    },
    EventMark {
        letter: "B",
        meaning: "a response's latent bug bites",
        kinds: &["regression_onset"],
        color: RGBColor(213, 94, 0),
        dash: None,
    },
    EventMark {
        letter: "A",
        meaning: "alert firing",
        kinds: &["alert_firing"],
        color: RGBColor(0, 0, 0),
        dash: Some((4, 3)),
    },
    EventMark {
        letter: "K",
        meaning: "alert acknowledged",
        kinds: &["acknowledge"],
        color: RGBColor(0, 114, 178),
        dash: Some((9, 4)),
    },
    EventMark {
        letter: "D",
        meaning: "deploy started or finished",
        kinds: &["deploy"],
        color: RGBColor(0, 158, 115),
        dash: Some((2, 3)),
    },
    EventMark {
        letter: "S",
        meaning: "rollout stage, promotion or traffic switch",
        kinds: &["stage", "promote", "switch"],
        color: RGBColor(110, 110, 110),
        dash: Some((1, 4)),
    },
    EventMark {
        letter: "L",
        meaning: "flag flipped",
        kinds: &["flag"],
        color: RGBColor(204, 121, 167),
        dash: Some((14, 4)),
    },
    EventMark {
        letter: "R",
        meaning: "rollback or abort",
        kinds: &["rollback", "abort"],
        color: RGBColor(86, 60, 160),
        dash: Some((6, 2)),
    },
];

/// The per-scrape ratio (thin, light), the ratio over the alert window
/// (thick, dark), the SLO and the alert threshold.
pub const RATIO_COLOR: RGBColor = RGBColor(175, 175, 175);
pub const WINDOW_COLOR: RGBColor = RGBColor(0, 0, 0);
pub const SLO_LOOK: (RGBColor, Option<(u32, u32)>) = (RGBColor(0, 114, 178), Some((2, 3)));
pub const ALERT_LOOK: (RGBColor, Option<(u32, u32)>) = (RGBColor(213, 94, 0), Some((10, 5)));

/// The mark for a journal entry kind, if it is marked.
pub fn mark_of(kind: &str) -> Option<&'static EventMark> {
    EVENT_MARKS.iter().find(|m| m.kinds.contains(&kind))
}

/// Whether an event belongs on `service`'s panel: events of a service go
/// on its own panel, those of people, the pipeline and flags on every one.
fn shown_on(e: &TimelineItem, service: &str) -> bool {
    match &e.actor {
        crate::wire::run::ActorReport::Service(s) => s == service,
        _ => true,
    }
}

const WIDTH: u32 = 1100;
const PANEL: u32 = 210;
const BOTTOM: u32 = 30;

/// Minutes since the start, ticked at round clock times. (plotters'
/// `with_key_points` on an `f64` range loses the label formatter.)
#[derive(Debug, Clone)]
struct ClockAxis {
    end: f64,
    ticks: Vec<f64>,
}

impl Ranged for ClockAxis {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let share = if self.end > 0.0 {
            value / self.end
        } else {
            0.0
        };
        limit.0 + (share * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<H: plotters::coord::ranged1d::KeyPointHint>(&self, _hint: H) -> Vec<f64> {
        self.ticks.clone()
    }

    fn range(&self) -> std::ops::Range<f64> {
        0.0..self.end
    }
}

/// Where a replay's clock axis ends, in minutes since the start: its last
/// scrape or its end, whichever is later (at least one minute).
pub fn end_minutes(r: &RunReport) -> f64 {
    let last_scrape = r
        .series
        .iter()
        .filter_map(|s| s.at_ms.last().copied())
        .max()
        .unwrap_or(0);
    (r.score.ended_at.max(last_scrape) as f64 / 60_000.0).max(1.0)
}

/// Draws the panels over the replay's own clock.
pub fn timeline(r: &RunReport) -> Result<String, ReportError> {
    timeline_until(r, end_minutes(r))
}

/// Draws the panels over a clock axis ending at `end_min` minutes since
/// the start, so that two replays of one scenario drawn to the same end
/// share one time axis (a drill's debrief sets the team above the best
/// strategy). An `end_min` short of the replay's own end is raised to it:
/// the axis never cuts a replay off.
pub fn timeline_until(r: &RunReport, end_min: f64) -> Result<String, ReportError> {
    let sc = &r.scenario_summary;
    let clock = Clock::new(&sc.start);
    let end_min = end_min.max(end_minutes(r));
    let window =
        ((sc.alert.window_seconds / sc.scrape_interval_seconds.max(1e-3)).round() as usize).max(1);
    let panels = r.series.len().max(1);
    let height = PANEL * panels as u32 + BOTTOM;
    let weekday = clock.weekday().unwrap_or_default();
    let ticks = clock.round_ticks(end_min, 12);
    svg("timeline", (WIDTH, height), |root, overlay| {
        let (body, _) = root.split_vertically(PANEL * panels as u32);
        let areas = body.split_evenly((panels, 1));
        for (i, (series, area)) in r.series.iter().zip(&areas).enumerate() {
            let last = i + 1 == r.series.len();
            let x_fmt = |m: &f64| clock.hhmm((m.max(0.0) * 60_000.0).round() as u64);
            let y_fmt = |v: &f64| format!("{}%", trim(v * 100.0, 2));
            let mut chart = ChartBuilder::on(area)
                .caption(&series.service, font(14.0))
                .margin_left(8)
                .margin_right(110)
                .margin_top(4)
                .x_label_area_size(if last { 46 } else { 24 })
                .y_label_area_size(72)
                .build_cartesian_2d(
                    ClockAxis {
                        end: end_min,
                        ticks: ticks.clone(),
                    },
                    (FLOOR..1.0f64)
                        .log_scale()
                        .with_key_points(log_ticks(FLOOR, 1.0, &[1.0]))
                        .with_light_points(log_ticks(FLOOR, 1.0, &[2.0, 5.0])),
                )
                .map_err(|e| e.to_string())?;
            let x_desc = if last {
                format!("clock time ({weekday} HH:MM)")
            } else {
                String::new()
            };
            chart
                .configure_mesh()
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .x_desc(x_desc)
                .y_desc("errors (%, log)")
                .label_style(font(11.0))
                .axis_desc_style(font(12.0))
                .light_line_style(RGBColor(242, 242, 242))
                .bold_line_style(RGBColor(218, 218, 218))
                .draw()
                .map_err(|e| e.to_string())?;

            let minutes = |k: usize| series.at_ms.get(k).copied().unwrap_or(0) as f64 / 60_000.0;
            let n = series.at_ms.len();
            let raw: Vec<(f64, f64)> = (0..n)
                .map(|k| (minutes(k), series.error_ratio(k).max(FLOOR)))
                .collect();
            let windowed: Vec<(f64, f64)> = (0..n)
                .map(|k| {
                    (
                        minutes(k),
                        series.windowed_error_ratio(k, window).max(FLOOR),
                    )
                })
                .collect();
            line(&mut chart, overlay, raw, RATIO_COLOR, 1, None)?;
            line(&mut chart, overlay, windowed, WINDOW_COLOR, 2, None)?;

            let mut level = |value: f64, look: (RGBColor, Option<(u32, u32)>), label: String| {
                let y = value.clamp(FLOOR, 1.0);
                line(
                    &mut chart,
                    overlay,
                    vec![(0.0, y), (end_min, y)],
                    look.0,
                    2,
                    look.1,
                )?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        label,
                        (end_min, y),
                        font(11.0)
                            .color(&look.0)
                            .pos(plotters::style::text_anchor::Pos::new(
                                plotters::style::text_anchor::HPos::Left,
                                plotters::style::text_anchor::VPos::Center,
                            )),
                    )))
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            };
            if let Some(info) = sc.service(&series.service) {
                level(
                    info.max_error_ratio,
                    SLO_LOOK,
                    format!(" SLO {}", crate::format::ratio(info.max_error_ratio)),
                )?;
            }
            level(
                sc.alert.threshold,
                ALERT_LOOK,
                format!(" alert {}", crate::format::ratio(sc.alert.threshold)),
            )?;

            // Event markers: one line per event, one letter per minute.
            let mut lettered: Vec<(i64, &str)> = Vec::new();
            for e in r.timeline.iter().filter(|e| shown_on(e, &series.service)) {
                let Some(mark) = mark_of(&e.kind) else {
                    continue;
                };
                let x = e.at_ms as f64 / 60_000.0;
                line(
                    &mut chart,
                    overlay,
                    vec![(x, FLOOR), (x, 1.0)],
                    mark.color,
                    1,
                    mark.dash,
                )?;
                let slot = (x * 2.0).round() as i64;
                if lettered.contains(&(slot, mark.letter)) {
                    continue;
                }
                let stack = lettered.iter().filter(|(s, _)| *s == slot).count();
                lettered.push((slot, mark.letter));
                // Letters at the same moment stack downwards.
                let y = 0.75 / 2.6f64.powi(stack as i32);
                chart
                    .draw_series(std::iter::once(Text::new(
                        mark.letter.to_string(),
                        (x, y),
                        font(11.0)
                            .color(&mark.color)
                            .pos(plotters::style::text_anchor::Pos::new(
                                plotters::style::text_anchor::HPos::Center,
                                plotters::style::text_anchor::VPos::Center,
                            )),
                    )))
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_mark_the_kinds_the_issue_names() {
        for kind in [
            "fault_onset",
            "alert_firing",
            "acknowledge",
            "deploy",
            "stage",
            "flag",
            "rollback",
        ] {
            assert!(mark_of(kind).is_some(), "{kind}");
        }
        assert!(mark_of("diagnose").is_none());
    }

    #[test]
    fn should_give_every_mark_a_distinct_letter_and_dash() {
        for (i, a) in EVENT_MARKS.iter().enumerate() {
            for b in &EVENT_MARKS[i + 1..] {
                assert_ne!(a.letter, b.letter);
                assert!(a.dash != b.dash || a.color != b.color);
            }
        }
    }
}
