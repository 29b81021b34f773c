//! `randperm`: a fixed random permutation of the (active) nodes, drawn once from `perm_seed`
//! (BookSim's random permutation; a node may map to itself).

use super::Pattern;
use crate::topology::Topology;
use moesim_core::{Error, NodeId, Result, SimRng, rng_from_seed};
use rand::RngExt;

pub struct RandPerm {
    dest: Vec<NodeId>,
}

impl RandPerm {
    pub fn new(topo: &Topology, perm_seed: u64, origin: &str) -> Result<RandPerm> {
        let active = topo.active_nodes();
        if active.is_empty() {
            return Err(Error::config(
                origin,
                "traffic.pattern",
                "no active node to send to",
            ));
        }
        let mut rng = rng_from_seed(perm_seed);
        let mut perm = active.clone();
        for i in (1..perm.len()).rev() {
            let j = rng.random_range(0..=i);
            perm.swap(i, j);
        }
        let mut dest: Vec<NodeId> = (0..topo.num_nodes() as u32).map(NodeId).collect();
        for (s, d) in active.iter().zip(perm) {
            dest[s.index()] = d;
        }
        Ok(RandPerm { dest })
    }
}

impl Pattern for RandPerm {
    fn name(&self) -> &'static str {
        "randperm"
    }
    #[inline]
    fn dest(&self, src: NodeId, _rng: &mut SimRng) -> NodeId {
        self.dest[src.index()]
    }
}
