//! `[balancer]`: the load-balancing policy, chosen by `kind`.
//!
//! ```toml
//! [balancer]
//! kind = "ni_balancer"     # or "none", "eplb_invasive"
//! shadow_slots = 1         # spare expert slots per device and MoE layer
//! alpha = 0.2              # rebalance a layer when its predicted max/mean exceeds 1 + alpha
//! history_steps = 8        # load prediction: mean over this many past steps
//! min_interval_steps = 10  # at most one rebalance per this many steps
//! local_phase = "attention"  # the phase that carries local (intra-FTD) pieces
//! global_phase = "moe"       # ... and global (inter-FTD) pieces
//! ```

use super::Balancer;
use super::context::BalanceContext;
use super::eplb_invasive::{EplbInvasive, EplbInvasiveConfig};
use super::ni_balancer::{NiBalancer, NiBalancerConfig};
use super::none::{NoBalancer, NoBalancing};
use moesim_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// A balancing policy and its parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BalancerConfig {
    None(NoBalancing),
    NiBalancer(NiBalancerConfig),
    EplbInvasive(EplbInvasiveConfig),
}

impl Default for BalancerConfig {
    fn default() -> Self {
        BalancerConfig::None(NoBalancing {})
    }
}

/// The `kind` names, for error messages.
pub const KINDS: &[&str] = &["none", "ni_balancer", "eplb_invasive"];

impl BalancerConfig {
    pub fn kind(&self) -> &'static str {
        match self {
            BalancerConfig::None(_) => "none",
            BalancerConfig::NiBalancer(_) => "ni_balancer",
            BalancerConfig::EplbInvasive(_) => "eplb_invasive",
        }
    }

    /// Checks the parameters against the placement of `ctx` and builds the balancer. Errors
    /// name `ctx.origin` and the `balancer.*` key.
    pub fn build(&self, ctx: BalanceContext) -> Result<Box<dyn Balancer>> {
        Ok(match self {
            BalancerConfig::None(_) => Box::new(NoBalancer),
            BalancerConfig::NiBalancer(c) => Box::new(NiBalancer::new(c.clone(), ctx)?),
            BalancerConfig::EplbInvasive(c) => Box::new(EplbInvasive::new(c.clone(), ctx)?),
        })
    }
}

/// The slot parameters shared by the replicating policies.
pub(crate) fn check_slots(
    ctx: &BalanceContext,
    slots_per_device: Option<u32>,
    shadow_slots: u32,
) -> Result<()> {
    let o = &ctx.origin;
    if shadow_slots == 0 {
        return Err(
            Error::config(o, "balancer.shadow_slots", "0 leaves no room for replicas")
                .allowed("an integer >= 1 (spare expert slots per device and MoE layer)"),
        );
    }
    let need = ctx.base_slots;
    let slots = slots_per_device.unwrap_or(need);
    if need > slots {
        return Err(Error::config(
            o,
            "balancer.slots_per_device",
            format!(
                "the placement puts {need} experts of one MoE layer on a device, more than \
                 slots_per_device = {slots}"
            ),
        )
        .allowed(format!(
            ">= {need}, or leave the key out to use the placement's count"
        )));
    }
    let experts = ctx.base.experts.first().map_or(0, Vec::len) as u64;
    let devices = ctx.expert_devices.len() as u64;
    let total = devices * u64::from(slots + shadow_slots);
    if experts > total {
        return Err(Error::config(
            o,
            "balancer.slots_per_device",
            format!(
                "{experts} experts per MoE layer do not fit {devices} devices x ({slots} slots + \
                 {shadow_slots} shadow slots) = {total}"
            ),
        )
        .allowed(format!(
            "slots_per_device + shadow_slots >= {}",
            experts.div_ceil(devices.max(1))
        )));
    }
    Ok(())
}

/// A count that must be at least 1.
pub(crate) fn check_positive(ctx: &BalanceContext, key: &str, v: u32, what: &str) -> Result<()> {
    if v == 0 {
        return Err(Error::config(&ctx.origin, key, "must not be 0")
            .allowed(format!("an integer >= 1 ({what})")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PlacementConfig;
    use crate::tp::tests::ctx;
    use moesim_workloads::ModelSpec;

    fn context() -> BalanceContext {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let c = ctx(&m, 64);
        let base = PlacementConfig::default().place(&c).unwrap();
        BalanceContext::new(&base, c.coords.clone(), 1000, "e.toml").unwrap()
    }

    fn build(text: &str) -> std::result::Result<Box<dyn Balancer>, String> {
        let c: BalancerConfig =
            moesim_core::config::from_toml_str("e.toml", text).map_err(|e| e.to_string())?;
        c.build(context()).map_err(|e| e.to_string())
    }

    #[test]
    fn tagged_configs_and_bad_values() {
        for (text, kind) in [
            ("kind = \"none\"", "none"),
            ("kind = \"ni_balancer\"\nalpha = 0.1", "ni_balancer"),
            (
                "kind = \"eplb_invasive\"\ninterval_steps = 5",
                "eplb_invasive",
            ),
        ] {
            assert_eq!(build(text).unwrap().kind(), kind);
        }
        let e = build("kind = \"greedy\"").err().unwrap();
        assert!(
            e.contains("ni_balancer") && e.contains("eplb_invasive"),
            "{e}"
        );
        let e = build("kind = \"ni_balancer\"\nalpha = 0").err().unwrap();
        assert!(
            e.starts_with("e.toml: key `balancer.alpha`") && e.contains("> 0"),
            "{e}"
        );
        let e = build("kind = \"ni_balancer\"\nalpha = -1.5").err().unwrap();
        assert!(e.contains("balancer.alpha"), "{e}");
        let e = build("kind = \"ni_balancer\"\nbeta = 1").err().unwrap();
        assert!(e.contains("beta"), "{e}");
        // 4 experts per device on the base placement
        let e = build("kind = \"ni_balancer\"\nslots_per_device = 3")
            .err()
            .unwrap();
        assert!(
            e.contains("key `balancer.slots_per_device`") && e.contains(">= 4"),
            "{e}"
        );
        let e = build("kind = \"eplb_invasive\"\nshadow_slots = 0")
            .err()
            .unwrap();
        assert!(
            e.contains("key `balancer.shadow_slots`") && e.contains(">= 1"),
            "{e}"
        );
        let e = build("kind = \"eplb_invasive\"\ninterval_steps = 0")
            .err()
            .unwrap();
        assert!(e.contains("key `balancer.interval_steps`"), "{e}");
        assert_eq!(KINDS.len(), 3);
    }
}
