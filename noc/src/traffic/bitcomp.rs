//! `bitcomp`: node `n` sends to `!n` (all address bits complemented), BookSim's bit-complement
//! permutation; on a 2^k x 2^k mesh, (x, y) to (k-1-x, k-1-y). Needs a power-of-two node count.

use super::{Pattern, pow2_bits};
use crate::topology::Topology;
use moesim_core::{NodeId, Result, SimRng};

pub struct BitComp {
    mask: u32,
}

impl BitComp {
    pub fn new(topo: &Topology, origin: &str) -> Result<BitComp> {
        let bits = pow2_bits(topo, "bitcomp", origin)?;
        Ok(BitComp {
            mask: (1u32 << bits) - 1,
        })
    }
}

impl Pattern for BitComp {
    fn name(&self) -> &'static str {
        "bitcomp"
    }
    #[inline]
    fn dest(&self, src: NodeId, _rng: &mut SimRng) -> NodeId {
        NodeId(!src.0 & self.mask)
    }
}
