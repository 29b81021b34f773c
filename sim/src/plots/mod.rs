//! SVG charts (plotters, SVG backend only: no fonts or system libraries needed): line charts
//! ([`line_chart`]) and grouped bar charts ([`bar_chart`]).

mod bar;
mod line;

pub use bar::bar_chart;
pub use line::{Series, line_chart};

use moesim_core::Error;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

fn plot_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Sim(format!("{}: cannot draw the chart: {e}", path.display()))
}

/// Draws the legend of `chart` at `position` and writes the file.
fn finish<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    path: &Path,
    root: &DrawingArea<DB, Shift>,
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> moesim_core::Result<()>
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(position)
        .draw()
        .map_err(|e| plot_err(path, e))?;
    root.present().map_err(|e| plot_err(path, e))
}
