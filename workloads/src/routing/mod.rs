//! Expert routing: which experts every token of a step uses in every MoE layer.
//!
//! One trait, [`RoutingSource`], with one implementation per file, chosen by the serde-tagged
//! [`RoutingConfig`] (`kind = "synthetic" | "trace" | "uniform"`):
//! - [`trace::TraceReplay`]: replay of a recorded per-token trace (the HD-MoE MT-Bench JSON format,
//!   or the JSONL / CSV formats of [`trace`] for traces from vLLM or SGLang);
//! - [`synthetic::SyntheticRouting`]: a generator calibrated on the real traces in `data/routing`
//!   (popularity skew per layer, co-activation, cross-layer affinity, a drifting task mix);
//! - [`uniform::UniformRouting`]: every expert equally likely (the balanced baseline).
//!
//! Every source honours group-limited routing (`n_group` / `topk_group`) when the model has it, and
//! is a pure function of (seed, step, batch): the same seed gives the same routing bit for bit.

pub mod calibrate;
pub mod config;
pub mod group_limit;
pub mod reference;
pub mod stats;
pub mod synthetic;
pub mod table;
pub mod trace;
pub mod uniform;

pub use config::{RoutingConfig, SyntheticConfig, TraceConfig, build_routing};
pub use group_limit::GroupLimit;
pub use stats::{LayerRoutingStats, RoutingStats};
pub use table::{LayerRouting, RoutingTable};

use crate::batch::Batch;
use crate::model::ModelSpec;
use moesim_core::Result;

/// The routing of one step: every MoE layer, every token, `top_k` experts each.
pub type StepRouting = RoutingTable;

/// What a routing source routes over: the model's routed experts, `top_k`, MoE layers, groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutingShape {
    pub num_experts: u32,
    pub top_k: u32,
    /// MoE layers (routing layer `i` is the model's `moe_layers()[i]`).
    pub num_layers: u32,
    pub groups: Option<GroupLimit>,
}

impl RoutingShape {
    pub fn of(model: &ModelSpec) -> RoutingShape {
        RoutingShape {
            num_experts: model.num_experts(),
            top_k: model.top_k(),
            num_layers: model.num_moe_layers(),
            groups: model
                .group_limit()
                .map(|(g, k)| GroupLimit::new(model.num_experts(), g, k)),
        }
    }
}

/// A source of expert routing.
pub trait RoutingSource: Send + Sync {
    /// A one-line description (kind, preset or file, seed).
    fn describe(&self) -> String;
    fn shape(&self) -> &RoutingShape;
    /// Fills `out` with the experts of every token of `batch` in every MoE layer for `step`:
    /// `out.layer(i).token(t)` is token `t`'s expert set (`top_k` distinct ids) in MoE layer `i`.
    fn route_step(&self, step: u64, batch: &Batch, out: &mut StepRouting) -> Result<()>;
}
