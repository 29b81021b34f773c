//! `shuffle`: node `n` sends to `n` rotated left by one bit within the address width (BookSim's
//! perfect shuffle). Needs a power-of-two node count.

use super::{Pattern, pow2_bits};
use crate::topology::Topology;
use moesim_core::{NodeId, Result, SimRng};

pub struct Shuffle {
    bits: u32,
}

impl Shuffle {
    pub fn new(topo: &Topology, origin: &str) -> Result<Shuffle> {
        Ok(Shuffle {
            bits: pow2_bits(topo, "shuffle", origin)?,
        })
    }
}

impl Pattern for Shuffle {
    fn name(&self) -> &'static str {
        "shuffle"
    }
    #[inline]
    fn dest(&self, src: NodeId, _rng: &mut SimRng) -> NodeId {
        let n = 1u32 << self.bits;
        let shifted = src.0 << 1;
        NodeId((shifted & (n - 1)) | ((shifted & n) != 0) as u32)
    }
}
