//! The regression rate of each strategy as a point with its bootstrap 95%
//! confidence interval: one row per strategy, the first on top.

use plotters::prelude::*;

use super::{font, line, look, markers, svg};
use crate::ReportError;

/// One row: a strategy, its look, its rate and the interval.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub name: &'a str,
    pub look: usize,
    pub rate: f64,
    pub ci95: [f64; 2],
}

const WIDTH: u32 = 1000;

/// The smallest of 10%, 20%, 50% and 100% that holds every interval.
fn axis_end(rows: &[Row<'_>]) -> f64 {
    let top = rows
        .iter()
        .map(|r| r.ci95[1].max(r.rate))
        .fold(0.0, f64::max);
    [0.1, 0.2, 0.5, 1.0]
        .into_iter()
        .find(|&e| top <= e * 0.97)
        .unwrap_or(1.0)
}

/// Draws the rows.
pub fn regression_rate(rows: &[Row<'_>]) -> Result<String, ReportError> {
    let n = rows.len().max(1);
    let height = 70 + 34 * n as u32;
    let end = axis_end(rows);
    let names: Vec<String> = rows.iter().map(|r| r.name.to_string()).collect();
    svg("regression rate", (WIDTH, height), |root, overlay| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .margin_right(28)
            .x_label_area_size(48)
            .y_label_area_size(130)
            .build_cartesian_2d(0f64..end, -0.5f64..(n as f64 - 0.5))
            .map_err(|e| e.to_string())?;
        let y_fmt = |v: &f64| row_label(&names, *v);
        let x_fmt = |v: &f64| format!("{:.0}%", v * 100.0);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_max_light_lines(1)
            .y_labels(n)
            .x_labels(11)
            .y_label_formatter(&y_fmt)
            .x_label_formatter(&x_fmt)
            .x_desc("replays with a regression caused by the response (%), with 95% CI")
            .label_style(font(12.0))
            .axis_desc_style(font(13.0))
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, r) in rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let l = look(r.look);
            let cap = 0.18;
            line(
                &mut chart,
                overlay,
                vec![(r.ci95[0], y), (r.ci95[1], y)],
                BLACK,
                2,
                None,
            )?;
            for x in r.ci95 {
                line(
                    &mut chart,
                    overlay,
                    vec![(x, y - cap), (x, y + cap)],
                    BLACK,
                    2,
                    None,
                )?;
            }
            markers(&mut chart, &[(r.rate, y)], l.marker, l.color)?;
        }
        Ok(())
    })
}

/// The name of the row drawn at `y`, if `y` is a row's centre.
pub(crate) fn row_label(names: &[String], y: f64) -> String {
    let n = names.len();
    let i = y.round();
    if (y - i).abs() > 1e-6 || i < 0.0 || i as usize >= n {
        return String::new();
    }
    names[n - 1 - i as usize].clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_put_the_first_row_on_top() {
        let names = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        assert_eq!(row_label(&names, 2.0), "a");
        assert_eq!(row_label(&names, 0.0), "c");
        assert_eq!(row_label(&names, 0.5), "");
        assert_eq!(row_label(&names, 3.0), "");
    }

    #[test]
    fn should_fit_the_axis_to_the_widest_interval() {
        let row = |hi: f64| Row {
            name: "x",
            look: 0,
            rate: hi / 2.0,
            ci95: [0.0, hi],
        };
        assert_eq!(axis_end(&[row(0.04)]), 0.1);
        assert_eq!(axis_end(&[row(0.04), row(0.3)]), 0.5);
        assert_eq!(axis_end(&[row(0.99)]), 1.0);
        let svg = regression_rate(&[row(0.04), row(0.3)]).unwrap();
        assert!(svg.contains("95% CI"));
    }
}
