//! `[placement]`: the policy, chosen by `kind`.
//!
//! ```toml
//! [placement]
//! kind = "ep_contiguous"   # or "tp", "dp_attention", "wsc_baseline", "er_mapping", "her_mapping",
//!                          # "ep_random", "hybrid_tp_ep", "node_balance"
//! attention_tp = 8
//! devices = [0, 1, 2, 3]   # optional: a subset of the platform's devices, in order
//! ```

use crate::context::PlacementContext;
use crate::dp_attention::DpAttention;
use crate::ep_contiguous::EpContiguous;
use crate::ep_random::EpRandom;
use crate::er_mapping::ErMapping;
use crate::her_mapping::HerMapping;
use crate::hybrid_tp_ep::HybridTpEp;
use crate::map::PlacementMap;
use crate::node_balance::NodeBalance;
use crate::placement::Placement;
use crate::tp::Tp;
use crate::wsc_baseline::WscBaseline;
use moesim_core::Result;
use serde::{Deserialize, Serialize};

/// A placement policy and its parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlacementConfig {
    Tp(Tp),
    EpContiguous(EpContiguous),
    DpAttention(DpAttention),
    WscBaseline(WscBaseline),
    ErMapping(ErMapping),
    HerMapping(HerMapping),
    EpRandom(EpRandom),
    HybridTpEp(HybridTpEp),
    NodeBalance(NodeBalance),
}

impl Default for PlacementConfig {
    fn default() -> Self {
        PlacementConfig::EpContiguous(EpContiguous::default())
    }
}

/// The `kind` names, for error messages.
pub const KINDS: &[&str] = &[
    "tp",
    "ep_contiguous",
    "dp_attention",
    "wsc_baseline",
    "er_mapping",
    "her_mapping",
    "ep_random",
    "hybrid_tp_ep",
    "node_balance",
];

impl PlacementConfig {
    /// The policy.
    pub fn policy(&self) -> &dyn Placement {
        match self {
            PlacementConfig::Tp(p) => p,
            PlacementConfig::EpContiguous(p) => p,
            PlacementConfig::DpAttention(p) => p,
            PlacementConfig::WscBaseline(p) => p,
            PlacementConfig::ErMapping(p) => p,
            PlacementConfig::HerMapping(p) => p,
            PlacementConfig::EpRandom(p) => p,
            PlacementConfig::HybridTpEp(p) => p,
            PlacementConfig::NodeBalance(p) => p,
        }
    }

    pub fn kind(&self) -> &'static str {
        self.policy().kind()
    }

    /// Places the model of `ctx`.
    pub fn place(&self, ctx: &PlacementContext) -> Result<PlacementMap> {
        self.policy().place(ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagged_configs() {
        for (text, kind) in [
            ("kind = \"tp\"", "tp"),
            (
                "kind = \"ep_contiguous\"\nattention_tp = 4",
                "ep_contiguous",
            ),
            ("kind = \"dp_attention\"\ndevices = [0, 1]", "dp_attention"),
        ] {
            let c: PlacementConfig = moesim_core::config::from_toml_str("e.toml", text).unwrap();
            assert_eq!(c.kind(), kind);
        }
        let e =
            moesim_core::config::from_toml_str::<PlacementConfig>("e.toml", "kind = \"random\"")
                .unwrap_err()
                .to_string();
        assert!(
            e.contains("ep_contiguous") && e.contains("dp_attention"),
            "{e}"
        );
        let e = moesim_core::config::from_toml_str::<PlacementConfig>(
            "e.toml",
            "kind = \"tp\"\nattention_tp = 2",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("attention_tp"), "{e}");
        assert_eq!(KINDS.len(), 9);
    }
}
