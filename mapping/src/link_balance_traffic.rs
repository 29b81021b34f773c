//! The MoE layer's communication in HD-MoE's model (papers.md §4.1, §4.3): for each token group
//! (the exact top-k expert set of a token), every device holding one of the group's experts
//! sends the group's tokens' hidden vectors to one aggregator device (the combine); dispatch
//! is the same volume the other way. Devices here are *logical slots* (the node ids of a base
//! [`PlacementMap`]); LinkBalance decides which physical node each slot sits on.
//!
//! The aggregator of a group is the first holder (in slot order) of one of the group's experts
//! chosen at random (seeded per layer and group), as in the authors' scheduler, so that it
//! depends on the placement only and not on where the slots sit in the mesh.

use crate::map::PlacementMap;
use moesim_core::rng::{hash_bytes, rng_from_seed, seed_from_parts};
use moesim_core::{Error, Result};
use moesim_workloads::routing::table::LayerRouting;
use rand::RngExt;
use std::collections::BTreeMap;

/// Tokens whose expert holders are the same set of slots and share one aggregator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrafficGroup {
    /// The slots that hold an expert of the group, sorted, distinct.
    pub holders: Vec<u32>,
    /// The slot that gathers the group's outputs (one of `holders`).
    pub aggregator: u32,
    /// Tokens of the group.
    pub tokens: u32,
}

/// One MoE layer's groups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LayerTraffic {
    /// The MoE layer (for reports).
    pub moe_layer: u32,
    groups: BTreeMap<(Vec<u32>, u32), u32>,
}

impl LayerTraffic {
    pub fn new(moe_layer: u32) -> LayerTraffic {
        LayerTraffic {
            moe_layer,
            groups: BTreeMap::new(),
        }
    }

    /// Adds `tokens` tokens whose holders are `holders` (any order, duplicates allowed),
    /// gathered at `aggregator`.
    pub fn add(&mut self, mut holders: Vec<u32>, aggregator: u32, tokens: u32) {
        holders.sort_unstable();
        holders.dedup();
        if tokens > 0 {
            *self.groups.entry((holders, aggregator)).or_insert(0) += tokens;
        }
    }

    /// The groups in a fixed order (by holders, then aggregator).
    pub fn groups(&self) -> impl Iterator<Item = TrafficGroup> + '_ {
        self.groups.iter().map(|((h, a), &t)| TrafficGroup {
            holders: h.clone(),
            aggregator: *a,
            tokens: t,
        })
    }

    pub fn num_groups(&self) -> usize {
        self.groups.len()
    }

    /// Tokens over all groups.
    pub fn tokens(&self) -> u64 {
        self.groups.values().map(|&t| t as u64).sum()
    }

    /// The largest slot id referred to, plus one.
    pub fn slots_needed(&self) -> u32 {
        self.groups
            .keys()
            .flat_map(|(h, a)| h.iter().copied().chain(std::iter::once(*a)))
            .max()
            .map_or(0, |m| m + 1)
    }

    /// HD-MoE's static traffic of MoE layer `moe_layer` of `map` for the tokens of `routing`:
    /// tokens with the same expert set form one group; `seed` picks each group's aggregator.
    pub fn from_routing(
        map: &PlacementMap,
        moe_layer: u32,
        routing: LayerRouting<'_>,
        seed: u64,
    ) -> Result<LayerTraffic> {
        let holders = expert_holders(map, moe_layer)?;
        let mut sets: BTreeMap<Vec<u32>, u32> = BTreeMap::new();
        for tok in routing.tokens() {
            let mut s = tok.to_vec();
            s.sort_unstable();
            if let Some(&e) = s.iter().find(|&&e| e as usize >= holders.len()) {
                return Err(Error::Check(format!(
                    "link balance: expert {e} of MoE layer {moe_layer} is not in the placement \
                     ({} experts)",
                    holders.len()
                )));
            }
            *sets.entry(s).or_insert(0) += 1;
        }
        let mut t = LayerTraffic::new(moe_layer);
        for (set, tokens) in sets {
            let key: Vec<u8> = set.iter().flat_map(|e| e.to_le_bytes()).collect();
            let mut rng =
                rng_from_seed(seed_from_parts(&[seed, moe_layer as u64, hash_bytes(&key)]));
            let chosen = set[rng.random_range(0..set.len())];
            let aggregator = holders[chosen as usize][0];
            let hs: Vec<u32> = set
                .iter()
                .flat_map(|&e| holders[e as usize].iter().copied())
                .collect();
            t.add(hs, aggregator, tokens);
        }
        Ok(t)
    }
}

/// The slots (device ids) of each routed expert of MoE layer `moe_layer`: the devices of its
/// first instance, in the group's order.
pub fn expert_holders(map: &PlacementMap, moe_layer: u32) -> Result<Vec<Vec<u32>>> {
    let layer = map.experts.get(moe_layer as usize).ok_or_else(|| {
        Error::Check(format!(
            "link balance: the placement has {} MoE layers, not {}",
            map.experts.len(),
            moe_layer + 1
        ))
    })?;
    layer
        .iter()
        .enumerate()
        .map(|(e, inst)| {
            let g = inst.first().ok_or_else(|| {
                Error::Check(format!(
                    "link balance: expert {e} of MoE layer {moe_layer} has no instance"
                ))
            })?;
            let devs: Vec<u32> = map.group(*g).iter().map(|n| n.0).collect();
            if devs.is_empty() {
                return Err(Error::Check(format!(
                    "link balance: expert {e} of MoE layer {moe_layer} has an empty group"
                )));
            }
            Ok(devs)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ep_contiguous::EpContiguous;
    use crate::placement::Placement;
    use crate::tp::tests::ctx;
    use moesim_workloads::ModelSpec;
    use moesim_workloads::routing::table::RoutingTable;

    #[test]
    fn groups_merge_and_aggregators_are_holders() {
        let m = ModelSpec::preset("mixtral-8x7b").unwrap();
        let map = EpContiguous::default().place(&ctx(&m, 32)).unwrap();
        // 4 tokens: {0,1} twice, {1,0} (same set), {2,7}.
        let r = RoutingTable::from_vec(1, 4, 2, vec![0, 1, 0, 1, 1, 0, 2, 7]);
        let t = LayerTraffic::from_routing(&map, 0, r.layer(0), 5).unwrap();
        let g: Vec<TrafficGroup> = t.groups().collect();
        assert_eq!(g.len(), 2);
        assert_eq!(t.tokens(), 4);
        let a = g.iter().find(|g| g.tokens == 3).unwrap();
        assert_eq!(a.holders, (0..8).collect::<Vec<u32>>());
        assert!(a.aggregator == 0 || a.aggregator == 4);
        let b = g.iter().find(|g| g.tokens == 1).unwrap();
        assert_eq!(b.holders, vec![8, 9, 10, 11, 28, 29, 30, 31]);
        assert_eq!(t.slots_needed(), 32);
        // Same seed, same aggregators.
        assert_eq!(
            t,
            LayerTraffic::from_routing(&map, 0, r.layer(0), 5).unwrap()
        );
        let bad = RoutingTable::from_vec(1, 1, 2, vec![0, 9]);
        assert!(LayerTraffic::from_routing(&map, 0, bad.layer(0), 5).is_err());
        assert!(LayerTraffic::from_routing(&map, 99, r.layer(0), 5).is_err());
    }
}
