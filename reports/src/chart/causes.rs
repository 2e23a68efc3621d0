//! Failed requests by cause as stacked horizontal bars: one bar per
//! strategy (mean per replay) or one for a single replay. The causes are
//! shaded from dark to light, so they stay apart in greyscale.

use plotters::prelude::*;

use super::interval::row_label;
use super::{font, svg};
use crate::ReportError;

/// The causes in the order they are stacked, with their shade.
pub const CAUSES: [(&str, RGBColor); 4] = [
    ("original fault", RGBColor(0, 45, 98)),
    ("regressions", RGBColor(213, 94, 0)),
    ("dependencies", RGBColor(240, 190, 60)),
    ("baseline", RGBColor(236, 236, 236)),
];

/// One bar: a label and the failed requests per cause, in [`CAUSES`] order.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub by_cause: [f64; 4],
}

const WIDTH: u32 = 1000;

/// Draws the bars, the first on top, with each bar's total at its end.
pub fn failed_by_cause(bars: &[Bar], x_desc: &str) -> Result<String, ReportError> {
    let n = bars.len().max(1);
    let height = 70 + 40 * n as u32;
    let largest = bars
        .iter()
        .map(|b| b.by_cause.iter().sum::<f64>())
        .fold(0.0, f64::max);
    let end = if largest > 0.0 { largest * 1.18 } else { 1.0 };
    let names: Vec<String> = bars.iter().map(|b| b.label.clone()).collect();
    svg("failed requests by cause", (WIDTH, height), |root, _| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .margin_right(28)
            .x_label_area_size(48)
            .y_label_area_size(130)
            .build_cartesian_2d(0f64..end, -0.5f64..(n as f64 - 0.5))
            .map_err(|e| e.to_string())?;
        let y_fmt = |v: &f64| row_label(&names, *v);
        let x_fmt = |v: &f64| format!("{v:.0}");
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_max_light_lines(1)
            .y_labels(n)
            .x_labels(10)
            .y_label_formatter(&y_fmt)
            .x_label_formatter(&x_fmt)
            .x_desc(x_desc)
            .label_style(font(12.0))
            .axis_desc_style(font(13.0))
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, bar) in bars.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let mut x = 0.0;
            for (value, (_, color)) in bar.by_cause.iter().zip(CAUSES) {
                if *value <= 0.0 {
                    continue;
                }
                let from = x;
                x += value;
                chart
                    .draw_series([
                        Rectangle::new([(from, y - 0.32), (x, y + 0.32)], color.filled()),
                        Rectangle::new([(from, y - 0.32), (x, y + 0.32)], BLACK.stroke_width(1)),
                    ])
                    .map_err(|e| e.to_string())?;
            }
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{x:.0}"),
                    (x + end * 0.01, y + 0.18),
                    font(12.0),
                )))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_shade_causes_from_dark_to_light() {
        let luma = |c: RGBColor| 0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64;
        for w in CAUSES.windows(2) {
            assert!(
                luma(w[1].1) > luma(w[0].1) + 30.0,
                "{} vs {}",
                w[0].0,
                w[1].0
            );
        }
    }

    #[test]
    fn should_write_each_total_at_the_end_of_its_bar() {
        let bars = [
            Bar {
                label: "direct".into(),
                by_cause: [100.0, 50.0, 25.0, 5.0],
            },
            Bar {
                label: "rollback".into(),
                by_cause: [0.0, 0.0, 0.0, 0.0],
            },
        ];
        let svg = failed_by_cause(&bars, "failed requests per replay").unwrap();
        assert!(
            svg.contains(">\n180\n</text>") || svg.contains("180"),
            "{svg}"
        );
        assert!(svg.contains("direct") && svg.contains("rollback"));
    }
}
