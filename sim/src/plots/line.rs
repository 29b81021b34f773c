//! SVG line charts (plotters, SVG backend only: no fonts or system libraries needed).

use super::plot_err;
use moesim_core::Result;
use plotters::prelude::*;
use std::path::Path;

/// One named line.
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// Draws `series` as lines with markers into the SVG file `path`. Y values above `y_cap` (e.g.
/// latencies past saturation) are drawn at the cap.
pub fn line_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    y_cap: f64,
) -> Result<()> {
    let finite = |v: f64| v.is_finite();
    let all: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|s| s.points.iter().copied())
        .filter(|(x, y)| finite(*x) && finite(*y))
        .collect();
    let x_max = all.iter().map(|p| p.0).fold(0.0, f64::max).max(1e-9) * 1.05;
    let y_max = all
        .iter()
        .map(|p| p.1.min(y_cap))
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.1;
    let root = SVGBackend::new(path, (800, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_err(path, e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)
        .map_err(|e| plot_err(path, e))?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .draw()
        .map_err(|e| plot_err(path, e))?;
    for (i, s) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .filter(|(x, y)| finite(*x) && finite(*y))
            .map(|(x, y)| (*x, y.min(y_cap)))
            .collect();
        chart
            .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
            .map_err(|e| plot_err(path, e))?
            .label(s.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        chart
            .draw_series(pts.into_iter().map(|p| Circle::new(p, 3, color.filled())))
            .map_err(|e| plot_err(path, e))?;
    }
    super::finish(path, &root, &mut chart, SeriesLabelPosition::UpperLeft)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_an_svg() {
        let p = std::env::temp_dir().join(format!("moesim-plot-{}.svg", std::process::id()));
        let s = Series {
            label: "packet latency".into(),
            points: vec![(0.1, 36.0), (0.2, 40.0), (0.4, 900.0), (0.5, f64::NAN)],
        };
        line_chart(&p, "t", "load", "cycles", &[s], 500.0).unwrap();
        let svg = std::fs::read_to_string(&p).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("packet latency"));
        std::fs::remove_file(&p).unwrap();
    }
}
