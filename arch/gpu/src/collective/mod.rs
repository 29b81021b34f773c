//! Collectives as functions of the bytes per rank, the communicator and the network level, one
//! algorithm per file (ASTRA-sim's `astraccl` layout), chosen by [`CollectiveKind`].
//!
//! Byte conventions follow nccl-tests: `bytes_per_rank` is the send buffer of all-to-all, the
//! buffer of all-reduce, the output of all-gather and the input of reduce-scatter.

mod direct_all_to_all;
mod ring_all_gather;
mod ring_all_reduce;
mod ring_all_to_all;
mod ring_reduce_scatter;

pub use direct_all_to_all::{DirectAllToAll, all_to_allv_times};
pub use ring_all_gather::RingAllGather;
pub use ring_all_reduce::RingAllReduce;
pub use ring_all_to_all::RingAllToAll;
pub use ring_reduce_scatter::RingReduceScatter;

use crate::curve::CollectiveCurve;
use crate::topology::{CommGroup, Level};
use moesim_core::Tick;
use serde::{Deserialize, Serialize};

/// The curves and link bandwidth of one network level.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelModel {
    /// Peak bandwidth per GPU and direction on this level (GB/s).
    pub link_gbytes_per_s: f64,
    /// Point-to-point family (all-to-all).
    pub all_to_all: CollectiveCurve,
    /// Ring family (all-reduce, all-gather, reduce-scatter).
    pub ring: CollectiveCurve,
}

/// Which curve of a level an algorithm uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    AllToAll,
    Ring,
}

impl LevelModel {
    pub fn curve(&self, family: Family) -> &CollectiveCurve {
        match family {
            Family::AllToAll => &self.all_to_all,
            Family::Ring => &self.ring,
        }
    }
    /// Microseconds of `steps` steps moving `bytes` per rank, without the floor.
    pub fn transfer_us(&self, family: Family, steps: u64, bytes: f64) -> f64 {
        self.curve(family)
            .transfer_us(steps, bytes, self.link_gbytes_per_s)
    }
}

/// The two levels of a GPU system.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CollectiveNetwork {
    pub domain: LevelModel,
    pub scale_out: LevelModel,
}

impl CollectiveNetwork {
    pub fn level(&self, level: Level) -> &LevelModel {
        match level {
            Level::Domain => &self.domain,
            Level::ScaleOut => &self.scale_out,
        }
    }
    /// `max(floor, transfer)`: the floor of the family on every level the call touches.
    pub fn with_floor(&self, family: Family, group: CommGroup, transfer_us: f64) -> Tick {
        let mut floor = self.domain.curve(family).floor_us;
        if !group.is_single_domain() {
            floor = floor.max(self.scale_out.curve(family).floor_us);
        }
        Tick::from_us(floor.max(transfer_us))
    }
}

/// A collective algorithm.
pub trait Collective: Send + Sync {
    /// Time of one call with `bytes_per_rank` on `group` over `net` (zero for one rank or no
    /// bytes).
    fn time(&self, net: &CollectiveNetwork, group: CommGroup, bytes_per_rank: u64) -> Tick;
}

/// The collective algorithms, chosen in configuration by `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CollectiveKind {
    /// All-to-all: every rank sends to every peer at once (NCCL's grouped send/recv).
    DirectAllToAll,
    /// All-to-all as n - 1 shift steps, one peer per step.
    RingAllToAll,
    /// Ring all-reduce (reduce-scatter + all-gather); hierarchical across domains.
    RingAllReduce,
    /// Ring all-gather; hierarchical across domains.
    RingAllGather,
    /// Ring reduce-scatter; hierarchical across domains.
    RingReduceScatter,
}

impl CollectiveKind {
    pub fn algorithm(self) -> &'static dyn Collective {
        match self {
            CollectiveKind::DirectAllToAll => &DirectAllToAll,
            CollectiveKind::RingAllToAll => &RingAllToAll,
            CollectiveKind::RingAllReduce => &RingAllReduce,
            CollectiveKind::RingAllGather => &RingAllGather,
            CollectiveKind::RingReduceScatter => &RingReduceScatter,
        }
    }
    pub fn time(self, net: &CollectiveNetwork, group: CommGroup, bytes_per_rank: u64) -> Tick {
        self.algorithm().time(net, group, bytes_per_rank)
    }
}

/// `(n - 1) / n * bytes`.
pub(crate) fn share(bytes: f64, n: usize) -> f64 {
    bytes * (n as f64 - 1.0) / n as f64
}

#[cfg(test)]
pub(crate) mod test_net {
    use super::*;

    pub fn net() -> CollectiveNetwork {
        let curve = |floor_us, step_latency_us| CollectiveCurve {
            floor_us,
            bw_fraction: 1.0,
            half_saturation_bytes: 0.0,
            ramp_exponent: 1.0,
            step_latency_us,
        };
        CollectiveNetwork {
            domain: LevelModel {
                link_gbytes_per_s: 100.0,
                all_to_all: curve(10.0, 1.0),
                ring: curve(10.0, 1.0),
            },
            scale_out: LevelModel {
                link_gbytes_per_s: 10.0,
                all_to_all: curve(20.0, 5.0),
                ring: curve(20.0, 5.0),
            },
        }
    }
}
