//! What a placement policy sees: the model, the formats, and the platform's devices.

use moesim_core::{Coord, NodeId};
use moesim_workloads::{ModelSpec, Precision};

/// The inputs of a placement.
#[derive(Clone, Debug)]
pub struct PlacementContext<'a> {
    pub model: &'a ModelSpec,
    pub precision: Precision,
    /// Every device of the platform, indexed by node id: its position (for locality-aware
    /// policies and error messages).
    pub coords: Vec<Coord>,
    /// Whether each node id can hold work (false for a failed die).
    pub live: Vec<bool>,
    /// The experiment the placement comes from, for errors.
    pub origin: String,
}

impl PlacementContext<'_> {
    /// Number of node ids of the platform (failed ones included).
    pub fn num_nodes(&self) -> usize {
        self.coords.len()
    }

    /// The live devices in node order.
    pub fn live_devices(&self) -> Vec<NodeId> {
        (0..self.num_nodes() as u32)
            .map(NodeId)
            .filter(|n| self.live[n.index()])
            .collect()
    }
}
