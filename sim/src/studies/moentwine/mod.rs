//! The MoEntwine study: MoE inference on wafer-scale chips (ER-Mapping, HER-Mapping, the
//! NI-Balancer) against GPU baselines. `moesim study moentwine` writes docs/studies/moentwine.md.

pub mod balancing;
pub mod balancing_runs;

use super::{Section, StudyOptions};
use moesim_core::Result;

/// The study's name (the markdown file and figure directory).
pub const NAME: &str = "moentwine";
/// The report's title.
pub const TITLE: &str = "Wafer-scale expert parallelism (MoEntwine)";

/// Runs the study and returns its sections in report order.
pub fn run(opts: &StudyOptions) -> Result<Vec<Section>> {
    let mut sections = Vec::new();
    sections.extend(balancing::sections(opts)?);
    Ok(sections)
}
