//! The MoEntwine study: MoE inference on wafer-scale chips (ER-Mapping, HER-Mapping, the
//! NI-Balancer) against GPU baselines. `moesim study moentwine` writes docs/studies/moentwine.md.
//!
//! - [`points`]: one wafer point (experiment files of `configs/experiments/moentwine/`);
//! - [`gpu`]: the NVL72 and DGX baselines on the calibrated GPU models;
//! - [`mappings`]: the grid of models, platforms and mappings, and its sections;
//! - [`balancing`]: the load-balancing sections (charts are drawn by [`crate::plots`]).

pub mod balancing;
pub mod balancing_runs;
pub mod gpu;
pub mod mappings;
pub mod points;

use super::{Section, StudyOptions};
use moesim_core::Result;

/// The study's name (the markdown file and figure directory).
pub const NAME: &str = "moentwine";
/// The report's title.
pub const TITLE: &str = "Wafer-scale expert parallelism (MoEntwine)";

/// Runs the study and returns its sections in report order.
pub fn run(opts: &StudyOptions) -> Result<Vec<Section>> {
    let mut sections = Vec::new();
    let grid = mappings::Grid::new(opts.quick);
    let measured = mappings::measure(&grid, &opts.figure_dir(NAME)?)?;
    sections.extend(mappings::sections(opts, &measured)?);
    sections.extend(balancing::sections(opts)?);
    Ok(sections)
}
