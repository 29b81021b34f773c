//! The LinkBalance and DynamicPlacement parts of the HD-MoE study.

use crate::studies::{Section, StudyOptions};
use moesim_core::Result;

/// The LinkBalance / DynamicPlacement sections of the report.
pub fn sections(_opts: &StudyOptions) -> Result<Vec<Section>> {
    Ok(Vec::new())
}
