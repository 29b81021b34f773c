//! What a balancer sees: the base placement, device coordinates, the bytes of one expert, and
//! the Full Token Domains (FTDs) that decide whether a copy is local or global.
//!
//! FTDs are taken from the placement's attention groups: data-parallel group `g` holds the
//! attention shards `g*tp .. (g+1)*tp`, and FTD `i` is the set of devices at position `i` of
//! every group (one device of each tensor-parallel group, MoEntwine's definition). A mapping
//! that entwines its groups lists each group's devices in FTD order, so position `i` of every
//! group lies in the same compact block. With `tp = 1` all devices form one FTD. Devices that
//! hold no attention shard are an FTD of their own each.

use crate::map::PlacementMap;
use moesim_core::{Coord, Error, NodeId, Result};

/// The inputs of a balancer.
#[derive(Clone, Debug)]
pub struct BalanceContext {
    /// The placement without replicas.
    pub base: PlacementMap,
    /// Every device of the platform, indexed by node id.
    pub coords: Vec<Coord>,
    /// Weight bytes of one routed expert.
    pub expert_bytes: u64,
    /// FTD of every node id.
    pub ftd: Vec<u32>,
    /// Members of every FTD, in node order.
    pub ftd_members: Vec<Vec<NodeId>>,
    /// Devices that hold a base instance of some routed expert, in node order.
    pub expert_devices: Vec<NodeId>,
    /// Largest number of routed experts (whole or split instances) any device holds in one MoE
    /// layer of the base placement.
    pub base_slots: u32,
    /// The configuration the balancer comes from, for errors.
    pub origin: String,
}

impl BalanceContext {
    /// The context of `base` on a platform with `coords`.
    pub fn new(
        base: &PlacementMap,
        coords: Vec<Coord>,
        expert_bytes: u64,
        origin: &str,
    ) -> Result<BalanceContext> {
        let n = coords.len();
        if let Some(d) = base.used_devices().iter().find(|d| d.index() >= n) {
            return Err(Error::Check(format!(
                "balancer: the placement uses device {d}, the platform has {n}"
            )));
        }
        let tp = base.parallelism.attention_tp.max(1) as usize;
        let mut ftd: Vec<Option<u32>> = vec![None; n];
        for (s, d) in base.attention.iter().enumerate() {
            let f = if tp == 1 { 0 } else { (s % tp) as u32 };
            ftd[d.index()].get_or_insert(f);
        }
        let mut next = if tp == 1 { 1 } else { tp as u32 };
        let ftd: Vec<u32> = ftd
            .into_iter()
            .map(|f| {
                f.unwrap_or_else(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect();
        let mut ftd_members = vec![Vec::new(); next as usize];
        for (d, &f) in ftd.iter().enumerate() {
            ftd_members[f as usize].push(NodeId(d as u32));
        }
        let mut holds = vec![false; n];
        let mut base_slots = 0u32;
        for layer in &base.experts {
            let mut per = vec![0u32; n];
            for inst in layer {
                for &g in inst {
                    for d in base.group(g) {
                        per[d.index()] += 1;
                        holds[d.index()] = true;
                    }
                }
            }
            base_slots = base_slots.max(per.into_iter().max().unwrap_or(0));
        }
        let expert_devices = (0..n as u32)
            .map(NodeId)
            .filter(|d| holds[d.index()])
            .collect();
        Ok(BalanceContext {
            base: base.clone(),
            coords,
            expert_bytes,
            ftd,
            ftd_members,
            expert_devices,
            base_slots,
            origin: origin.to_string(),
        })
    }

    /// Grid distance between two devices.
    pub fn distance(&self, a: NodeId, b: NodeId) -> u32 {
        self.coords[a.index()].manhattan(self.coords[b.index()])
    }

    pub fn num_nodes(&self) -> usize {
        self.coords.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PlacementConfig;
    use crate::dp_attention::DpAttention;
    use crate::placement::Placement;
    use crate::tp::tests::ctx;
    use moesim_workloads::ModelSpec;

    #[test]
    fn ftds_from_attention_groups() {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let c = ctx(&m, 64);
        // ep_contiguous, tp = 8 over rows: FTD i is column i
        let base = PlacementConfig::default().place(&c).unwrap();
        let b = BalanceContext::new(&base, c.coords.clone(), 1, "e.toml").unwrap();
        assert_eq!(b.ftd_members.len(), 8);
        assert_eq!(b.ftd[3], 3);
        assert_eq!(b.ftd[11], 3);
        assert_eq!(b.base_slots, 4);
        assert_eq!(b.expert_devices.len(), 64);
        let dp = DpAttention::default().place(&c).unwrap();
        let b = BalanceContext::new(&dp, c.coords.clone(), 1, "e.toml").unwrap();
        assert_eq!(b.ftd_members.len(), 1);
        assert_eq!(b.ftd_members[0].len(), 64);
    }
}
