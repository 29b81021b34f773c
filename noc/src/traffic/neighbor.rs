//! `neighbor`: in each dimension coordinate x goes to (x + 1) mod k (BookSim's neighbor digit
//! permutation), applied to the X and Y radices of the router grid; the terminal index within the
//! router is kept.

use super::{Pattern, concentration};
use crate::topology::Topology;
use moesim_core::{NodeId, SimRng};

pub struct Neighbor {
    x: u32,
    y: u32,
    c: u32,
}

impl Neighbor {
    pub fn new(topo: &Topology) -> Neighbor {
        Neighbor {
            x: topo.shape.x,
            y: topo.shape.y,
            c: concentration(topo) as u32,
        }
    }
}

impl Pattern for Neighbor {
    fn name(&self) -> &'static str {
        "neighbor"
    }
    #[inline]
    fn dest(&self, src: NodeId, _rng: &mut SimRng) -> NodeId {
        let (r, t) = (src.0 / self.c, src.0 % self.c);
        let (x, y) = (r % self.x, r / self.x);
        NodeId((((y + 1) % self.y) * self.x + (x + 1) % self.x) * self.c + t)
    }
}
