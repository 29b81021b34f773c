//! `kind = "none"`: no balancing; the base placement serves every step.

use super::{Balancer, ExpertLoads, Rebalance, Replica};
use moesim_core::Result;
use serde::{Deserialize, Serialize};

/// The parameters of `none` (there are none).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoBalancing {}

/// The policy that never replicates.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoBalancer;

impl Balancer for NoBalancer {
    fn kind(&self) -> &'static str {
        "none"
    }
    fn observe(&mut self, _step: u64, _loads: &ExpertLoads) {}
    fn plan(&mut self, _step: u64, _current: &[Replica]) -> Result<Option<Rebalance>> {
        Ok(None)
    }
}
