//! Grouped bar charts.

use super::plot_err;
use moesim_core::Result;
use plotters::prelude::*;
use std::path::Path;

/// Draws one group of bars per category, one bar per series, into the SVG file `path`.
pub fn bar_chart(
    path: &Path,
    title: &str,
    y_label: &str,
    categories: &[String],
    series: &[(String, Vec<f64>)],
) -> Result<()> {
    let y_max = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.15;
    let n_cat = categories.len().max(1);
    let root = SVGBackend::new(path, (900, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_err(path, e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(-0.5..(n_cat as f64 - 0.5), 0.0..y_max)
        .map_err(|e| plot_err(path, e))?;
    let label = |x: &f64| {
        let k = x.round();
        if (x - k).abs() < 1e-6 && k >= 0.0 {
            categories.get(k as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n_cat)
        .x_label_formatter(&label)
        .y_desc(y_label)
        .draw()
        .map_err(|e| plot_err(path, e))?;
    let width = 0.8 / series.len().max(1) as f64;
    for (i, (name, values)) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let bars = values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(c, &v)| {
                let x0 = c as f64 - 0.4 + i as f64 * width;
                Rectangle::new([(x0, 0.0), (x0 + width * 0.9, v)], color.filled())
            });
        chart
            .draw_series(bars)
            .map_err(|e| plot_err(path, e))?
            .label(name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
    }
    super::finish(path, &root, &mut chart, SeriesLabelPosition::UpperRight)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_an_svg() {
        let dir = std::env::temp_dir().join(format!("moentwine_bars_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("b.svg");
        bar_chart(
            &p,
            "t",
            "us",
            &["a".into(), "b".into()],
            &[
                ("x".into(), vec![1.0, 2.0]),
                ("y".into(), vec![3.0, f64::NAN]),
            ],
        )
        .unwrap();
        let s = std::fs::read_to_string(&p).unwrap();
        assert!(
            s.starts_with("<svg") && s.contains("<rect"),
            "{}",
            &s[..100]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
