//! The settings of the LinkBalance and DynamicPlacement experiments,
//! `configs/experiments/hdmoe_link_dynamic/study.toml`.

use moesim_core::{Error, Result};
use moesim_mapping::PlacementConfig;
use moesim_mapping::dynamic_placement::BroadcastCount;
use moesim_mapping::link_balance::LinkBalanceConfig;
use serde::Deserialize;
use std::path::Path;

/// The file, relative to the repository root.
pub const PLAN_PATH: &str = "configs/experiments/hdmoe_link_dynamic/study.toml";

/// One dynamic-study point.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamicPoint {
    /// The compute/link point (`"5tf_50gbps"`).
    pub point: String,
    pub broadcast: BroadcastCount,
}

/// The whole plan.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkDynamicPlan {
    pub mesh: String,
    pub seed: u64,
    pub profile_batch: u32,
    pub dynamic_batch: u32,
    /// The base placement.
    pub placement: PlacementConfig,
    pub link_balance: LinkBalanceConfig,
    pub annealing: Option<LinkBalanceConfig>,
    pub dynamic: Vec<DynamicPoint>,
}

impl LinkDynamicPlan {
    /// Reads and checks the plan under `root`.
    pub fn load(root: &Path) -> Result<LinkDynamicPlan> {
        let path = root.join(PLAN_PATH);
        let plan: LinkDynamicPlan = moesim_core::config::load_toml(&path)?;
        plan.validate(&path.display().to_string())?;
        Ok(plan)
    }

    /// Checks the values; errors name `origin` and the key.
    pub fn validate(&self, origin: &str) -> Result<()> {
        self.link_balance.validate(origin)?;
        if let Some(a) = &self.annealing {
            a.validate(origin).map_err(|e| match e {
                Error::Config {
                    origin,
                    key,
                    message,
                    allowed,
                } => Error::Config {
                    origin,
                    key: key.replacen("link_balance", "annealing", 1),
                    message,
                    allowed,
                },
                other => other,
            })?;
        }
        for (key, v) in [
            ("profile_batch", self.profile_batch),
            ("dynamic_batch", self.dynamic_batch),
        ] {
            if v == 0 {
                return Err(Error::config(origin, key, "0 tokens").allowed("an integer >= 1"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_plan_parses_and_bad_keys_are_named() {
        let root = crate::repo::find_root().unwrap();
        let p = LinkDynamicPlan::load(&root).unwrap();
        assert_eq!(p.link_balance.kind(), "bo");
        assert_eq!(p.dynamic.len(), 2);
        let text = std::fs::read_to_string(root.join(PLAN_PATH)).unwrap();
        let bad = text.replace("profile_batch = 128", "profile_batch = 0");
        let plan: LinkDynamicPlan = moesim_core::config::from_toml_str("s.toml", &bad).unwrap();
        let e = plan.validate("s.toml").unwrap_err().to_string();
        assert!(e.contains("key `profile_batch`"), "{e}");
        let bad = text.replace("iterations = 1000", "iterations = 1000\ncooling = 2.0");
        let plan: LinkDynamicPlan = moesim_core::config::from_toml_str("s.toml", &bad).unwrap();
        let e = plan.validate("s.toml").unwrap_err().to_string();
        assert!(e.contains("key `annealing.cooling`"), "{e}");
        let bad = text.replace("mesh = \"4x8\"", "mesh = \"4x8\"\nmeshes = 2");
        assert!(moesim_core::config::from_toml_str::<LinkDynamicPlan>("s.toml", &bad).is_err());
    }
}
