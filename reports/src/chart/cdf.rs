//! The MTTR distribution of each strategy as a cumulative curve: for every
//! number of minutes, the share of replays restored within it. Minutes are
//! on a log axis, so a 12-minute strategy and a 6-hour one both read well.

use plotters::prelude::*;

use super::{font, line, log_ticks, look, markers, svg, trim};
use crate::wire::QuantilePoint;
use crate::ReportError;

/// One curve: a strategy's name and its MTTR quantiles.
#[derive(Debug, Clone, Copy)]
pub struct Curve<'a> {
    pub name: &'a str,
    /// Index of the strategy's look (its position in the report).
    pub look: usize,
    pub quantiles: &'a [QuantilePoint],
}

const WIDTH: u32 = 1000;
const HEIGHT: u32 = 440;

/// Draws the curves; `horizon_minutes` gets a marked line, since replays
/// not restored in time count as restored there.
pub fn mttr_cdf(curves: &[Curve<'_>], horizon_minutes: f64) -> Result<String, ReportError> {
    let all: Vec<f64> = curves
        .iter()
        .flat_map(|c| c.quantiles.iter().map(|q| q.seconds / 60.0))
        .filter(|m| m.is_finite())
        .collect();
    let smallest = all
        .iter()
        .copied()
        .filter(|&m| m > 0.0)
        .fold(f64::INFINITY, f64::min);
    let largest = all.iter().copied().fold(0.0, f64::max);
    let lo = if smallest.is_finite() {
        (smallest * 0.8).max(0.05)
    } else {
        1.0
    };
    let hi = (largest.max(horizon_minutes.min(largest * 1.5)) * 1.25).max(lo * 10.0);
    svg("MTTR distribution", (WIDTH, HEIGHT), |root, overlay| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .margin_right(28)
            .x_label_area_size(52)
            .y_label_area_size(70)
            .build_cartesian_2d(
                (lo..hi)
                    .log_scale()
                    .with_key_points(log_ticks(lo, hi, &[1.0, 2.0, 5.0]))
                    .with_light_points(log_ticks(
                        lo,
                        hi,
                        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
                    )),
                0f64..1.0,
            )
            .map_err(|e| e.to_string())?;
        let x_fmt = |v: &f64| trim(*v, 2);
        let y_fmt = |v: &f64| format!("{:.0}%", v * 100.0);
        chart
            .configure_mesh()
            .y_labels(11)
            .y_max_light_lines(1)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc("MTTR (minutes, log scale)")
            .y_desc("replays restored within (%)")
            .label_style(font(12.0))
            .axis_desc_style(font(13.0))
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(205, 205, 205))
            .draw()
            .map_err(|e| e.to_string())?;
        if horizon_minutes > lo && horizon_minutes < hi {
            line(
                &mut chart,
                overlay,
                vec![(horizon_minutes, 0.0), (horizon_minutes, 1.0)],
                RGBColor(90, 90, 90),
                1,
                Some((4, 4)),
            )?;
            chart
                .draw_series(std::iter::once(Text::new(
                    "horizon",
                    (horizon_minutes, 0.04),
                    font(12.0).color(&RGBColor(60, 60, 60)),
                )))
                .map_err(|e| e.to_string())?;
        }
        for c in curves {
            let l = look(c.look);
            let points: Vec<(f64, f64)> = c
                .quantiles
                .iter()
                .map(|q| ((q.seconds / 60.0).max(lo), q.q))
                .collect();
            line(&mut chart, overlay, points.clone(), l.color, 2, l.dash)?;
            let quartiles: Vec<(f64, f64)> = points
                .iter()
                .copied()
                .filter(|&(_, q)| [0.25, 0.5, 0.75].iter().any(|m| (q - m).abs() < 1e-9))
                .collect();
            markers(&mut chart, &quartiles, l.marker, l.color)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(points: &[(f64, f64)]) -> Vec<QuantilePoint> {
        points
            .iter()
            .map(|&(q, seconds)| QuantilePoint {
                q,
                seconds,
                lower_bound: false,
            })
            .collect()
    }

    #[test]
    fn should_draw_an_svg_with_a_size_and_axis_titles() {
        let a = q(&[
            (0.0, 300.0),
            (0.25, 600.0),
            (0.5, 900.0),
            (0.75, 1200.0),
            (1.0, 3000.0),
        ]);
        let b = q(&[(0.0, 0.0), (0.5, 60.0), (1.0, 28800.0)]);
        let curves = [
            Curve {
                name: "a",
                look: 0,
                quantiles: &a,
            },
            Curve {
                name: "b",
                look: 1,
                quantiles: &b,
            },
        ];
        let svg = mttr_cdf(&curves, 480.0).unwrap();
        assert!(
            svg.starts_with("<svg width=\"1000\" height=\"440\""),
            "{svg}"
        );
        assert!(svg.contains("MTTR (minutes, log scale)"));
        assert!(svg.contains("horizon"));
        assert_eq!(svg, mttr_cdf(&curves, 480.0).unwrap(), "deterministic");
    }

    #[test]
    fn should_draw_even_without_data() {
        let svg = mttr_cdf(&[], 480.0).unwrap();
        assert!(svg.contains("<svg"));
    }
}
