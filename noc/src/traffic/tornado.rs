//! `tornado`: in each dimension of radix k, coordinate x goes to (x + (k+1)/2 - 1) mod k, BookSim's
//! tornado digit permutation (k = 8: +3), applied to the X and Y radices of the router grid; the
//! terminal index within the router is kept.

use super::{Pattern, concentration};
use crate::topology::Topology;
use moesim_core::{NodeId, SimRng};

pub struct Tornado {
    x: u32,
    y: u32,
    c: u32,
}

impl Tornado {
    pub fn new(topo: &Topology) -> Tornado {
        Tornado {
            x: topo.shape.x,
            y: topo.shape.y,
            c: concentration(topo) as u32,
        }
    }
}

fn shift(v: u32, k: u32) -> u32 {
    (v + k.div_ceil(2) - 1) % k
}

impl Pattern for Tornado {
    fn name(&self) -> &'static str {
        "tornado"
    }
    #[inline]
    fn dest(&self, src: NodeId, _rng: &mut SimRng) -> NodeId {
        let (r, t) = (src.0 / self.c, src.0 % self.c);
        let (x, y) = (r % self.x, r / self.x);
        NodeId((shift(y, self.y) * self.x + shift(x, self.x)) * self.c + t)
    }
}
