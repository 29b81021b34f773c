//! Token flows of one step: per layer, the operators of every logical endpoint (FLOPs, bytes)
//! and the logical traffic between endpoints: tensor-parallel collectives around attention and
//! dense FFNs, MoE dispatch and combine (`hidden x activation bytes` per token and expert).
//!
//! Endpoints are logical ("attention shard 3", "expert 17 of layer 5"); a placement maps them to
//! nodes later. The step keeps every token's expert set ([`StepWorkload::routing`]) and the
//! attention shards that hold each token ([`TokenHolders`]) so a placement can merge the flows of
//! co-located experts and fetch each token from its nearest holder.

pub mod endpoint;
pub mod holders;
pub mod parallel;
pub mod step;

pub use endpoint::Endpoint;
pub use holders::TokenHolders;
pub use parallel::{Parallelism, PostAttention};
pub use step::{
    Collective, CollectiveKind, CollectivePhase, Flow, FlowKind, LayerSummary, LayerWorkload, Op,
    OpKind, StageWorkload, StepBuilder, StepTotals, StepWorkload,
};
