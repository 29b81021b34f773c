//! Builds a [`Topology`] from its configuration section.

use super::Topology;
use super::mesh::build_mesh;
use crate::config::TopologyConfig;
use moesim_core::{MeshShape, Result};

/// Builds the topology described by `cfg` (from `origin`), after validating it.
pub fn build(cfg: &TopologyConfig, origin: &str) -> Result<Topology> {
    cfg.validate(origin)?;
    Ok(match cfg {
        TopologyConfig::Mesh {
            x,
            y,
            concentration,
            link_latency_cycles,
        } => build_mesh(MeshShape::new(*x, *y), *concentration, *link_latency_cycles),
    })
}
