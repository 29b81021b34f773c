//! `kind = "ep_random"`: HD-MoE's EP baseline (papers.md section 4.3). With at least as many
//! nodes as experts, every expert gets `D / E` (or one more) randomly chosen nodes and is split
//! evenly over them; with fewer nodes, every node gets `E / D` (or one more) randomly chosen whole
//! experts. The logical nodes are then laid on the mesh by a random permutation (the baseline's
//! random mesh map). Every MoE layer uses the same placement. Seeded: the same seed gives the
//! same placement.
//!
//! ```toml
//! [placement]
//! kind = "ep_random"
//! seed = 7
//! ```

use crate::context::PlacementContext;
use crate::devices;
use crate::map::PlacementMap;
use crate::node_balance_shares::{Shares, to_placement_map};
use crate::placement::Placement;
use moesim_core::Result;
use moesim_core::rng::{SimRng, rng_from_seed};
use rand::RngExt;
use serde::{Deserialize, Serialize};

fn default_seed() -> u64 {
    1
}

/// The random EP placement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpRandom {
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// The devices to use, in order (default: every live device).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<u32>>,
}

impl Default for EpRandom {
    fn default() -> Self {
        EpRandom {
            seed: default_seed(),
            devices: None,
        }
    }
}

/// `v` in a uniformly random order (Fisher-Yates).
pub fn shuffled(mut v: Vec<usize>, rng: &mut SimRng) -> Vec<usize> {
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
    v
}

/// The EP shares of `num_experts` experts on `num_nodes` nodes.
pub fn ep_shares(num_experts: usize, num_nodes: usize, rng: &mut SimRng) -> Shares {
    let mut s = Shares::zeros(num_experts, num_nodes);
    if num_nodes >= num_experts {
        let (k, r) = (num_nodes / num_experts, num_nodes % num_experts);
        let nodes = shuffled((0..num_nodes).collect(), rng);
        let mut start = 0;
        for e in 0..num_experts {
            let n = if e < r { k + 1 } else { k };
            for &c in &nodes[start..start + n] {
                s.set(e, c, 1.0 / n as f64);
            }
            start += n;
        }
    } else {
        let (m, r) = (num_experts / num_nodes, num_experts % num_nodes);
        let experts = shuffled((0..num_experts).collect(), rng);
        let mut start = 0;
        for c in 0..num_nodes {
            let n = if c < r { m + 1 } else { m };
            for &e in &experts[start..start + n] {
                s.set(e, c, 1.0);
            }
            start += n;
        }
    }
    s
}

/// A random one-to-one map of logical nodes to physical positions: `map[c]` is the position of
/// logical node `c`.
pub fn random_node_map(num_nodes: usize, rng: &mut SimRng) -> Vec<usize> {
    shuffled((0..num_nodes).collect(), rng)
}

impl Placement for EpRandom {
    fn kind(&self) -> &'static str {
        "ep_random"
    }

    fn place(&self, ctx: &PlacementContext) -> Result<PlacementMap> {
        let devs = devices::select(ctx, self.devices.as_deref())?;
        let mut rng = rng_from_seed(self.seed);
        let shares = ep_shares(ctx.model.num_experts() as usize, devs.len(), &mut rng);
        let map = random_node_map(devs.len(), &mut rng);
        let placed: Vec<_> = map.iter().map(|&p| devs[p]).collect();
        let layers = vec![shares; ctx.model.num_moe_layers() as usize];
        to_placement_map(self.kind(), ctx, &placed, &layers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tp::tests::ctx;
    use moesim_workloads::ModelSpec;

    #[test]
    fn both_regimes_cover_every_expert_once() {
        let mut rng = rng_from_seed(3);
        for (e, d) in [(8, 32), (64, 32), (8, 12), (64, 64)] {
            let s = ep_shares(e, d, &mut rng);
            assert!(s.max_sum_error() < 1e-12, "{e} {d}");
            let loads = s.node_load(&vec![1.0; e]);
            let max = loads.iter().copied().fold(0.0, f64::max);
            let min = loads.iter().copied().fold(f64::INFINITY, f64::min);
            // balanced in expert count up to one expert (or one expert's slice)
            assert!(max - min <= 1.0 + 1e-12, "{e} {d} {loads:?}");
        }
        let a = ep_shares(64, 32, &mut rng_from_seed(9));
        assert_eq!(a, ep_shares(64, 32, &mut rng_from_seed(9)));
        assert_ne!(a, ep_shares(64, 32, &mut rng_from_seed(10)));
    }

    #[test]
    fn places_a_model() {
        let m = ModelSpec::preset("mixtral-8x7b").unwrap();
        let map = EpRandom::default().place(&ctx(&m, 32)).unwrap();
        assert_eq!(map.kind, "ep_random");
        // 8 experts on 32 nodes: 4 nodes each
        assert_eq!(map.group(map.expert(0, 3)[0]).len(), 4);
        let c: crate::PlacementConfig =
            moesim_core::config::from_toml_str("e.toml", "kind = \"ep_random\"\nseed = 2").unwrap();
        assert_eq!(c.kind(), "ep_random");
    }
}
