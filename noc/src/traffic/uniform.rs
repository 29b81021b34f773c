//! `uniform`: every packet goes to a node drawn uniformly from all (active) nodes, the source
//! included, as BookSim's `RandomInt(nodes - 1)`.

use super::Pattern;
use crate::topology::Topology;
use moesim_core::{Error, NodeId, Result, SimRng};
use rand::RngExt;

pub struct Uniform {
    nodes: Vec<NodeId>,
}

impl Uniform {
    pub fn new(topo: &Topology, origin: &str) -> Result<Uniform> {
        let nodes = topo.active_nodes();
        if nodes.is_empty() {
            return Err(Error::config(
                origin,
                "traffic.pattern",
                "no active node to send to",
            ));
        }
        Ok(Uniform { nodes })
    }
}

impl Pattern for Uniform {
    fn name(&self) -> &'static str {
        "uniform"
    }
    #[inline]
    fn dest(&self, _src: NodeId, rng: &mut SimRng) -> NodeId {
        self.nodes[rng.random_range(0..self.nodes.len())]
    }
}
