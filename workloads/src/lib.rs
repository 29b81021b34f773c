//! moesim-workloads: MoE models, batches, expert routing and the token flows of a step.
//!
//! - [`model`]: model specs (`configs/models/*.toml`, embedded), checked on load; layer structure,
//!   parameter counts;
//! - [`dtype`]: data types and the [`Precision`] of weights, activations and KV cache;
//! - [`ops`]: closed-form FLOPs and bytes of attention (MHA/GQA, MLA), routers, experts, dense
//!   FFNs, embedding and LM head;
//! - [`batch`]: prefill / decode / mixed batches;
//! - [`routing`]: the [`RoutingSource`] trait with trace replay, a calibrated synthetic generator
//!   and uniform routing; routing statistics and the calibration against `data/routing`;
//! - [`flows`]: the [`StepWorkload`] of one step: per layer, the ops of each logical
//!   [`Endpoint`] and the collectives and dispatch/combine flows between endpoints.
//!
//! This crate speaks only of logical endpoints ("expert 17 of layer 5", "attention shard 3");
//! placing them on hardware is the mapping layer's job.

pub mod batch;
pub mod dtype;
pub mod flows;
pub mod model;
pub mod ops;
pub mod routing;

pub use batch::{Batch, BatchConfig, Phase, SeqGroup, SeqPhase};
pub use dtype::{DType, Precision};
pub use flows::{Endpoint, Parallelism, StepBuilder, StepWorkload};
pub use model::{LayerKind, ModelSpec};
pub use routing::{RoutingConfig, RoutingShape, RoutingSource, StepRouting, build_routing};
