//! Collective algorithms: a collective among `n` members (in ring order) becomes a sequence of
//! steps of point-to-point sends, which the executor plays on the network tier step by step.
//! One algorithm per file, chosen by [`CollectiveConfig`] (`[executor] collective.kind`):
//!
//! - [`ring`]: the ring algorithms (all-reduce = reduce-scatter + all-gather: `2(n-1)` steps of
//!   `S/n` bytes to the ring successor; reduce-scatter and all-gather `n-1` steps each);
//! - [`reduce_broadcast`]: all-reduce as a pipelined reduce along a chain to its last member
//!   followed by a pipelined broadcast back (each chain link carries `S` each way, in the limit of
//!   small chunks: `2 S / BW` plus the chain's hop latencies, independent of `n`); reduce-scatter
//!   and all-gather use the ring;
//! - [`hierarchical`]: reduce-scatter inside equal blocks of members, exchange between blocks,
//!   all-gather inside blocks (HER-Mapping's intra-wafer / inter-wafer split).
//!
//! Byte convention (as the workload's [`Collective::bytes`](moesim_workloads::flows::Collective)):
//! `S` is the full tensor: every member's input of an all-reduce or reduce-scatter, every
//! member's output of an all-gather.

pub mod hierarchical;
pub mod reduce_broadcast;
pub mod ring;

pub use hierarchical::Hierarchical;

pub use reduce_broadcast::ReduceBroadcast;
pub use ring::Ring;

use moesim_workloads::flows::CollectiveKind;
use serde::{Deserialize, Serialize};

/// One send of a step, between member indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Send {
    pub from: usize,
    pub to: usize,
    pub bytes: u64,
}

/// One step: sends that run together once the previous step is complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub sends: Vec<Send>,
    /// The sends form a pipeline along a chain, in order: send `j` starts after the hop
    /// latencies of sends `0..j` (the first chunk's trip), and all stream concurrently.
    pub pipelined: bool,
}

/// A collective algorithm.
pub trait CollectiveAlgorithm: std::marker::Send + Sync {
    fn name(&self) -> &'static str;
    /// The steps of `kind` among `n` members on a tensor of `bytes` (empty for `n < 2`).
    fn schedule(&self, kind: CollectiveKind, n: usize, bytes: u64) -> Vec<Step>;
}

/// `[executor.collective]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CollectiveConfig {
    #[default]
    Ring,
    ReduceBroadcast,
    /// Hierarchical over `levels` equal blocks of the members in ring order (wafers).
    Hierarchical {
        levels: u32,
    },
}

impl CollectiveConfig {
    pub fn algorithm(&self) -> Box<dyn CollectiveAlgorithm> {
        match *self {
            CollectiveConfig::Ring => Box::new(Ring),
            CollectiveConfig::ReduceBroadcast => Box::new(ReduceBroadcast),
            CollectiveConfig::Hierarchical { levels } => Box::new(Hierarchical {
                levels: levels as usize,
            }),
        }
    }
}

/// Total bytes every member sends over a schedule (for tests and reports).
pub fn bytes_sent_by(steps: &[Step], member: usize) -> u64 {
    steps
        .iter()
        .flat_map(|s| s.sends.iter())
        .filter(|s| s.from == member)
        .map(|s| s.bytes)
        .sum()
}
