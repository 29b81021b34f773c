//! The HD-MoE study: MoE inference on a mesh of 3D near-memory nodes (NodeBalance, LinkBalance,
//! DynamicPlacement) against TP, EP and hybrid baselines. `moesim study hdmoe` writes
//! docs/studies/hdmoe.md.

pub mod link_dynamic;

use super::{Section, StudyOptions};
use moesim_core::Result;

/// The study's name (the markdown file and figure directory).
pub const NAME: &str = "hdmoe";
/// The report's title.
pub const TITLE: &str = "3D near-memory MoE (HD-MoE)";

/// Runs the study and returns its sections in report order.
pub fn run(opts: &StudyOptions) -> Result<Vec<Section>> {
    let mut sections = Vec::new();
    sections.extend(link_dynamic::sections(opts)?);
    Ok(sections)
}
