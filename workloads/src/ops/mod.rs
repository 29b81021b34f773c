//! Closed-form operator costs: FLOPs and bytes of attention (MHA/GQA, MLA), routers, routed and
//! shared experts, dense FFNs, embeddings and the LM head, for a batch and a data type.
//!
//! Conventions: one multiply-add = 2 FLOPs; only matrix products are counted (softmax, norms,
//! activations and RoPE are left out); weights are read once per layer per step.

pub mod attention;
pub mod ffn;
pub mod layer;

pub use attention::{AttentionModel, TpShare, attention_cost, attention_model};
pub use layer::LayerCosts;

use serde::Serialize;
use std::ops::{Add, AddAssign};

/// FLOPs and memory traffic of one operator (or a sum of operators).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Cost {
    pub flops: u64,
    /// Weights read.
    pub weight_bytes: u64,
    /// KV cache read (the context of every sequence).
    pub kv_read_bytes: u64,
    /// KV cache written (the new tokens).
    pub kv_write_bytes: u64,
    /// Activations read (the input tokens).
    pub act_read_bytes: u64,
    /// Activations written (the output tokens).
    pub act_write_bytes: u64,
}

impl Cost {
    /// All bytes read: weights, KV cache and input activations.
    pub const fn bytes_read(&self) -> u64 {
        self.weight_bytes + self.kv_read_bytes + self.act_read_bytes
    }
    /// All bytes written: KV cache and output activations.
    pub const fn bytes_written(&self) -> u64 {
        self.kv_write_bytes + self.act_write_bytes
    }
}

impl Add for Cost {
    type Output = Cost;
    fn add(self, o: Cost) -> Cost {
        Cost {
            flops: self.flops + o.flops,
            weight_bytes: self.weight_bytes + o.weight_bytes,
            kv_read_bytes: self.kv_read_bytes + o.kv_read_bytes,
            kv_write_bytes: self.kv_write_bytes + o.kv_write_bytes,
            act_read_bytes: self.act_read_bytes + o.act_read_bytes,
            act_write_bytes: self.act_write_bytes + o.act_write_bytes,
        }
    }
}

impl AddAssign for Cost {
    fn add_assign(&mut self, o: Cost) {
        *self = *self + o;
    }
}
