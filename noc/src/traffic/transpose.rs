//! `transpose`: the node at router (x, y) sends to the same terminal of router (y, x). On a
//! 2^k x 2^k mesh with one node per router this is BookSim's bit transpose (swap the two halves
//! of the node id); it needs a square router grid.

use super::{Pattern, concentration, misfit};
use crate::topology::Topology;
use moesim_core::{NodeId, Result, SimRng};

pub struct Transpose {
    k: u32,
    c: u32,
}

impl Transpose {
    pub fn new(topo: &Topology, origin: &str) -> Result<Transpose> {
        if topo.shape.x != topo.shape.y {
            return Err(misfit(origin, "transpose", topo, "a square router grid"));
        }
        Ok(Transpose {
            k: topo.shape.x,
            c: concentration(topo) as u32,
        })
    }
}

impl Pattern for Transpose {
    fn name(&self) -> &'static str {
        "transpose"
    }
    #[inline]
    fn dest(&self, src: NodeId, _rng: &mut SimRng) -> NodeId {
        let (r, t) = (src.0 / self.c, src.0 % self.c);
        let (x, y) = (r % self.k, r / self.k);
        NodeId((x * self.k + y) * self.c + t)
    }
}
