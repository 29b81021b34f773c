//! `bitrev`: node `n` sends to the node whose address is `n`'s bits reversed (BookSim's
//! bit-reversal permutation). Needs a power-of-two node count.

use super::{Pattern, pow2_bits};
use crate::topology::Topology;
use moesim_core::{NodeId, Result, SimRng};

pub struct BitRev {
    bits: u32,
}

impl BitRev {
    pub fn new(topo: &Topology, origin: &str) -> Result<BitRev> {
        Ok(BitRev {
            bits: pow2_bits(topo, "bitrev", origin)?,
        })
    }
}

impl Pattern for BitRev {
    fn name(&self) -> &'static str {
        "bitrev"
    }
    #[inline]
    fn dest(&self, src: NodeId, _rng: &mut SimRng) -> NodeId {
        NodeId(src.0.reverse_bits() >> (32 - self.bits))
    }
}
