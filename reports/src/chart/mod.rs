//! Charts as inline SVG, drawn with plotters' SVG backend: text becomes SVG
//! `<text>` (no font files), and the markup is a pure function of the data.
//!
//! Series are told apart by dash pattern, marker shape and lightness as
//! well as hue, so the charts survive greyscale printing and colour-blind
//! readers. Legends are HTML beside the chart ([`legend`]), built from the
//! same [`Look`]s the chart draws with.
//!
//! - [`cdf`]: MTTR distribution per strategy;
//! - [`interval`]: regression rate with its confidence interval;
//! - [`causes`]: failed requests by cause, stacked;
//! - [`timeline`]: a replay's error ratios over clock time, with events.

pub mod causes;
pub mod cdf;
pub mod interval;
pub mod timeline;

use plotters::coord::CoordTranslate;
use plotters::prelude::*;

pub(crate) use crate::format::trim;
use crate::ReportError;

/// A series' appearance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    pub color: RGBColor,
    /// Dash length and gap in pixels; `None` is a solid line.
    pub dash: Option<(u32, u32)>,
    pub marker: Marker,
}

/// Shapes drawn on a series' points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Triangle,
    Square,
    Cross,
    HollowCircle,
    HollowSquare,
    HollowTriangle,
    None,
}

/// The looks series take in turn: Okabe-Ito hues of different lightness,
/// each with its own dash pattern and marker.
pub const LOOKS: [Look; 8] = [
    Look {
        color: RGBColor(0, 0, 0),
        dash: None,
        marker: Marker::Circle,
    },
    Look {
        color: RGBColor(0, 114, 178),
        dash: Some((10, 5)),
        marker: Marker::Triangle,
    },
    Look {
        color: RGBColor(213, 94, 0),
        dash: Some((3, 4)),
        marker: Marker::Square,
    },
    Look {
        color: RGBColor(0, 158, 115),
        dash: Some((18, 5)),
        marker: Marker::Cross,
    },
    Look {
        color: RGBColor(204, 121, 167),
        dash: None,
        marker: Marker::HollowCircle,
    },
    Look {
        color: RGBColor(230, 159, 0),
        dash: Some((6, 3)),
        marker: Marker::HollowSquare,
    },
    Look {
        color: RGBColor(86, 180, 233),
        dash: Some((2, 2)),
        marker: Marker::HollowTriangle,
    },
    Look {
        color: RGBColor(110, 110, 110),
        dash: Some((14, 3)),
        marker: Marker::Circle,
    },
];

/// The look of the `i`-th series.
pub fn look(i: usize) -> Look {
    LOOKS[i % LOOKS.len()]
}

/// Chart text: plotters writes `font-size` as `size / 1.24`.
pub(crate) fn font(px: f64) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", px * 1.24).into_font())
}

pub(crate) fn chart_error(chart: &'static str) -> impl Fn(String) -> ReportError {
    move |message| ReportError::Chart { chart, message }
}

/// Dashed lines, written as SVG `stroke-dasharray` polylines on top of what
/// plotters drew (plotters would draw every dash as its own element).
#[derive(Debug, Default)]
pub(crate) struct Overlay {
    markup: String,
}

/// Runs a drawing closure on a fresh SVG canvas and returns the markup.
pub(crate) fn svg(
    chart: &'static str,
    size: (u32, u32),
    draw: impl FnOnce(
        &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
        &mut Overlay,
    ) -> Result<(), String>,
) -> Result<String, ReportError> {
    let mut out = String::new();
    let mut overlay = Overlay::default();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| chart_error(chart)(e.to_string()))?;
        draw(&root, &mut overlay).map_err(chart_error(chart))?;
        root.present()
            .map_err(|e| chart_error(chart)(e.to_string()))?;
    }
    match out.rfind("</svg>") {
        Some(end) => out.insert_str(end, &overlay.markup),
        None => return Err(chart_error(chart)("plotters wrote no </svg>".into())),
    }
    Ok(out)
}

/// Draws a polyline in a colour, solid or dashed (`(dash, gap)` pixels).
pub(crate) fn line<CT>(
    chart: &mut ChartContext<'_, SVGBackend<'_>, CT>,
    overlay: &mut Overlay,
    points: Vec<(f64, f64)>,
    color: RGBColor,
    width: u32,
    dash: Option<(u32, u32)>,
) -> Result<(), String>
where
    CT: CoordTranslate<From = (f64, f64)>,
{
    match dash {
        None => chart
            .draw_series(std::iter::once(PathElement::new(
                points,
                color.stroke_width(width),
            )))
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Some((size, gap)) => {
            let area = chart.plotting_area();
            let pixels: Vec<String> = points
                .iter()
                .map(|p| {
                    let (x, y) = area.map_coordinate(p);
                    format!("{x},{y}")
                })
                .collect();
            overlay.markup.push_str(&format!(
                "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"{width}\" stroke-dasharray=\"{size} {gap}\" points=\"{}\"/>\n",
                hex(color),
                pixels.join(" ")
            ));
            Ok(())
        }
    }
}

/// Draws a marker at each point.
pub(crate) fn markers<CT>(
    chart: &mut ChartContext<'_, SVGBackend<'_>, CT>,
    points: &[(f64, f64)],
    marker: Marker,
    color: RGBColor,
) -> Result<(), String>
where
    CT: CoordTranslate<From = (f64, f64)>,
{
    const R: i32 = 4;
    let filled = ShapeStyle {
        color: color.to_rgba(),
        filled: true,
        stroke_width: 1,
    };
    let hollow = ShapeStyle {
        color: color.to_rgba(),
        filled: false,
        stroke_width: 2,
    };
    let result = match marker {
        Marker::None => return Ok(()),
        Marker::Circle => chart.draw_series(points.iter().map(|&p| Circle::new(p, R, filled))),
        Marker::HollowCircle => {
            chart.draw_series(points.iter().map(|&p| Circle::new(p, R, hollow)))
        }
        Marker::Triangle => chart.draw_series(
            points
                .iter()
                .map(|&p| TriangleMarker::new(p, R + 1, filled)),
        ),
        Marker::HollowTriangle => chart.draw_series(
            points
                .iter()
                .map(|&p| TriangleMarker::new(p, R + 1, hollow)),
        ),
        Marker::Cross => chart.draw_series(points.iter().map(|&p| Cross::new(p, R, hollow))),
        Marker::Square => chart.draw_series(
            points
                .iter()
                .map(|&p| EmptyElement::at(p) + Rectangle::new([(-R, -R), (R, R)], filled)),
        ),
        Marker::HollowSquare => chart.draw_series(
            points
                .iter()
                .map(|&p| EmptyElement::at(p) + Rectangle::new([(-R, -R), (R, R)], hollow)),
        ),
    };
    result.map(|_| ()).map_err(|e| e.to_string())
}

/// `#rrggbb`
pub fn hex(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// A legend entry: a small inline SVG of a look beside its name.
pub fn legend_swatch(look: Look, width: u32) -> String {
    let color = hex(look.color);
    let dash = look
        .dash
        .map(|(a, b)| format!(" stroke-dasharray=\"{a} {b}\""))
        .unwrap_or_default();
    let mid = width / 2;
    let marker = match look.marker {
        Marker::None => String::new(),
        Marker::Circle => format!("<circle cx=\"{mid}\" cy=\"7\" r=\"4\" fill=\"{color}\"/>"),
        Marker::HollowCircle => format!(
            "<circle cx=\"{mid}\" cy=\"7\" r=\"4\" fill=\"white\" stroke=\"{color}\" stroke-width=\"2\"/>"
        ),
        Marker::Triangle | Marker::HollowTriangle => {
            let fill = if look.marker == Marker::Triangle {
                color.clone()
            } else {
                "white".into()
            };
            format!(
                "<polygon points=\"{},2 {},12 {},12\" fill=\"{fill}\" stroke=\"{color}\" stroke-width=\"2\"/>",
                mid,
                mid - 5,
                mid + 5
            )
        }
        Marker::Square | Marker::HollowSquare => {
            let fill = if look.marker == Marker::Square {
                color.clone()
            } else {
                "white".into()
            };
            format!(
                "<rect x=\"{}\" y=\"3\" width=\"8\" height=\"8\" fill=\"{fill}\" stroke=\"{color}\" stroke-width=\"2\"/>",
                mid - 4
            )
        }
        Marker::Cross => format!(
            "<path d=\"M{} 3 L{} 11 M{} 3 L{} 11\" stroke=\"{color}\" stroke-width=\"2\"/>",
            mid - 4,
            mid + 4,
            mid + 4,
            mid - 4
        ),
    };
    format!(
        "<svg class=\"swatch\" width=\"{width}\" height=\"14\" viewBox=\"0 0 {width} 14\" xmlns=\"http://www.w3.org/2000/svg\" aria-hidden=\"true\">\
<line x1=\"0\" y1=\"7\" x2=\"{width}\" y2=\"7\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>{marker}</svg>"
    )
}

/// A filled box for legends of area charts.
pub fn legend_box(color: RGBColor) -> String {
    format!(
        "<svg class=\"swatch\" width=\"14\" height=\"14\" viewBox=\"0 0 14 14\" xmlns=\"http://www.w3.org/2000/svg\" aria-hidden=\"true\">\
<rect x=\"0.5\" y=\"0.5\" width=\"13\" height=\"13\" fill=\"{}\" stroke=\"#000\"/></svg>",
        hex(color)
    )
}

/// Points of a log axis between `lo` and `hi`: each of `mantissas` times
/// every power of ten, ascending.
pub(crate) fn log_ticks(lo: f64, hi: f64, mantissas: &[f64]) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return Vec::new();
    }
    let mut ticks = Vec::new();
    for e in (lo.log10().floor() as i32)..=(hi.log10().ceil() as i32) {
        for m in mantissas {
            // Parse the decimal form so 3 x 10^-2 is exactly 0.03.
            let v: f64 = format!("{m}e{e}").parse().unwrap_or(f64::NAN);
            if v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9) {
                ticks.push(v);
            }
        }
    }
    ticks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_give_every_look_a_distinct_dash_or_marker() {
        for (i, a) in LOOKS.iter().enumerate() {
            for b in &LOOKS[i + 1..] {
                assert!(a.dash != b.dash || a.marker != b.marker, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn should_tick_a_log_axis_at_the_given_mantissas() {
        assert_eq!(
            log_ticks(3.0, 250.0, &[1.0, 2.0, 5.0]),
            [5.0, 10.0, 20.0, 50.0, 100.0, 200.0]
        );
        assert_eq!(log_ticks(1e-4, 1.0, &[1.0]), [1e-4, 1e-3, 1e-2, 0.1, 1.0]);
        assert!(log_ticks(0.0, 1.0, &[1.0]).is_empty());
    }
}
