//! Next-layer load prediction for DynamicPlacement: from the batch's routing in MoE layer
//! `l - 1`, the expected tokens per expert in layer `l`. One trait, one implementation per file,
//! chosen by `predictor.kind`:
//! - `transition` ([`crate::dynamic_placement_transition`]): cross-layer transition
//!   frequencies `P(j in l | i in l - 1)` fitted on a profile trace (the category the static
//!   placement was built from), applied to the batch's layer `l - 1` experts;
//! - `oracle` ([`crate::dynamic_placement_oracle`]): the batch's true layer-`l` counts (the
//!   upper bound of any predictor).

use crate::dynamic_placement_oracle::OraclePredictor;
use crate::dynamic_placement_transition::TransitionPredictor;
use moesim_core::Result;
use moesim_workloads::routing::table::{LayerRouting, RoutingTable};
use serde::{Deserialize, Serialize};

/// A next-layer load predictor.
pub trait LoadPredictor: Send + Sync {
    fn kind(&self) -> &'static str;
    /// Predicted tokens per expert (`num_experts` entries) in MoE layer `next` (>= 1), from
    /// the batch's layer `next - 1` routing `current`; `actual` is the batch's layer `next`
    /// routing, which only an oracle reads.
    fn predict(
        &self,
        next: u32,
        current: LayerRouting<'_>,
        actual: LayerRouting<'_>,
        num_experts: u32,
    ) -> Vec<f64>;
}

/// The predictor, chosen by `kind`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum PredictorConfig {
    #[default]
    Transition,
    Oracle,
}

impl PredictorConfig {
    pub fn kind(&self) -> &'static str {
        match self {
            PredictorConfig::Transition => "transition",
            PredictorConfig::Oracle => "oracle",
        }
    }

    /// The predictor, fitted on `profile` where it learns from a trace.
    pub fn build(
        &self,
        profile: &RoutingTable,
        num_experts: u32,
    ) -> Result<Box<dyn LoadPredictor>> {
        Ok(match self {
            PredictorConfig::Transition => {
                Box::new(TransitionPredictor::fit(profile, num_experts)?)
            }
            PredictorConfig::Oracle => Box::new(OraclePredictor),
        })
    }
}
