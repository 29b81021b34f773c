//! The load-balancing part of the MoEntwine study (NI-Balancer against no balancing and an
//! invasive balancer, over drifting routing).

use crate::studies::{Section, StudyOptions};
use moesim_core::Result;

/// The balancing sections of the report.
pub fn sections(_opts: &StudyOptions) -> Result<Vec<Section>> {
    Ok(Vec::new())
}
