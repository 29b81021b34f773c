//! `kind = "her_mapping"`: MoEntwine's Hierarchical Entwined Ring Mapping for systems of several
//! wafers (papers.md §1.3).
//!
//! Every wafer (`wafer_dies`) is entwined on its own as in [`crate::er_mapping`]:
//! `attention_tp` groups per wafer position, FTDs as compact blocks. A logical attention group is
//! the same entwined group on *every* wafer (`attention_tp x wafers` dies, members listed wafer by
//! wafer along a ring over the wafer grid, each wafer's part in entwined-ring order), so after attention every FTD of every wafer
//! holds every token it may need and the MoE all-to-all never leaves a wafer's FTDs.
//!
//! The group's all-reduce is meant to run hierarchically (`[executor.collective] kind =
//! "hierarchical", levels = wafers`): a reduce-scatter on each wafer's entwined ring, the exchange
//! of the reduced shards between wafers (an all-reduce of `1/attention_tp` of the tensor among
//! the dies at the same wafer position, i.e. the inter-wafer all-gather of the shards each wafer
//! reduced), and an all-gather on each wafer's ring. The combine after the experts goes back to
//! the nearest holder (`[executor] combine = "nearest_holder"`), and the same collective sums
//! the partial outputs across FTDs and wafers.
//!
//! `attention_tp x wafers` must divide the model's attention heads (the attention work of a
//! logical group is split over all its dies).

use crate::context::PlacementContext;
use crate::er_mapping::er_layout;
use crate::map::PlacementMap;
use crate::placement::Placement;
use crate::wsc_baseline::{check_parallelism, wsc_map};
use crate::wsc_grid::{DieGrid, ring_cycle};
use moesim_core::{NodeId, Result};
use moesim_workloads::Parallelism;
use moesim_workloads::flows::PostAttention;
use serde::{Deserialize, Serialize};

fn four() -> u32 {
    4
}
fn eight_by_eight() -> [u32; 2] {
    [8, 8]
}

/// The Hierarchical Entwined Ring Mapping.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HerMapping {
    /// Dies per entwined group on one wafer (= FTDs per wafer).
    #[serde(default = "four")]
    pub attention_tp: u32,
    /// The die grid of one wafer, `[x, y]`.
    #[serde(default = "eight_by_eight")]
    pub wafer_dies: [u32; 2],
}

impl Default for HerMapping {
    fn default() -> Self {
        HerMapping {
            attention_tp: four(),
            wafer_dies: eight_by_eight(),
        }
    }
}

/// The HER layout: logical groups across wafers and every wafer's FTDs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HerLayout {
    /// Wafers of the system.
    pub wafers: u32,
    /// Logical attention groups: `attention_tp` dies on each wafer, wafer by wafer.
    pub groups: Vec<Vec<NodeId>>,
    /// FTDs, wafer by wafer.
    pub ftds: Vec<Vec<NodeId>>,
}

impl HerMapping {
    /// The layout this mapping gives the platform of `ctx`.
    pub fn layout(&self, ctx: &PlacementContext) -> Result<HerLayout> {
        let g = DieGrid::of(ctx, self.kind())?;
        let er = er_layout(&g, Some(self.wafer_dies), self.attention_tp, &ctx.origin)?;
        let (wx, wy) = (g.width / er.region.0, g.height / er.region.1);
        let wafers = wx * wy;
        let per = er.groups.len() / wafers as usize;
        // wafers in ring order over the wafer grid, so the exchange between wafers hops between
        // neighbouring wafers
        let ring: Vec<usize> = ring_cycle(wx, wy)
            .into_iter()
            .map(|(x, y)| (y * wx + x) as usize)
            .collect();
        let groups = (0..per)
            .map(|k| {
                ring.iter()
                    .flat_map(|&w| er.groups[w * per + k].iter().copied())
                    .collect()
            })
            .collect();
        Ok(HerLayout {
            wafers,
            groups,
            ftds: er.ftds,
        })
    }
}

impl Placement for HerMapping {
    fn kind(&self) -> &'static str {
        "her_mapping"
    }

    fn place(&self, ctx: &PlacementContext) -> Result<PlacementMap> {
        let l = self.layout(ctx)?;
        let parallelism = Parallelism {
            attention_tp: self.attention_tp * l.wafers,
            attention_dp: l.groups.len() as u32,
            post_attention: PostAttention::AllReduce,
        };
        check_parallelism(ctx, &parallelism)?;
        let order: Vec<NodeId> = l.ftds.iter().flatten().copied().collect();
        wsc_map(self.kind(), ctx, parallelism, l.groups, &order)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tp::tests::ctx;
    use moesim_core::Coord;
    use moesim_workloads::ModelSpec;

    fn four_wafers(m: &ModelSpec) -> PlacementContext<'_> {
        PlacementContext {
            coords: (0..256).map(|i| Coord::new(i % 16, i / 16)).collect(),
            live: vec![true; 256],
            ..ctx(m, 1)
        }
    }

    #[test]
    fn groups_span_wafers_wafer_by_wafer() {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let c = four_wafers(&m);
        let p = HerMapping::default();
        let l = p.layout(&c).unwrap();
        assert_eq!(l.wafers, 4);
        assert_eq!(l.groups.len(), 16);
        assert_eq!(l.ftds.len(), 16);
        let wafer = |d: NodeId| {
            let q = c.coords[d.index()];
            (q.y / 8) * 2 + q.x / 8
        };
        for g in &l.groups {
            assert_eq!(g.len(), 16);
            let w: Vec<u32> = g.iter().map(|&d| wafer(d)).collect();
            assert_eq!(w, [0, 0, 0, 0, 1, 1, 1, 1, 3, 3, 3, 3, 2, 2, 2, 2]);
        }
        // every FTD (inside one wafer) holds one die of every logical group
        for f in &l.ftds {
            let w = wafer(f[0]);
            assert!(f.iter().all(|&d| wafer(d) == w));
            for g in &l.groups {
                assert_eq!(g.iter().filter(|d| f.contains(d)).count(), 1);
            }
        }
        let map = p.place(&c).unwrap();
        assert_eq!(map.parallelism.attention_tp, 16);
        assert_eq!(map.parallelism.attention_dp, 16);
        assert_eq!(map.expert(0, 0).len(), 1);
    }

    #[test]
    fn bad_input() {
        let mix = ModelSpec::preset("mixtral-8x22b").unwrap();
        let c = four_wafers(&mix);
        // 8 x 4 wafers = 32 does not divide 48 heads
        let e = HerMapping {
            attention_tp: 8,
            ..HerMapping::default()
        }
        .place(&c)
        .unwrap_err()
        .to_string();
        assert!(e.contains("key `placement.attention_tp`"), "{e}");
        let e = HerMapping {
            attention_tp: 4,
            wafer_dies: [5, 8],
        }
        .place(&c)
        .unwrap_err()
        .to_string();
        assert!(e.contains("key `placement.wafer_dies`"), "{e}");
        let e = HerMapping {
            attention_tp: 5,
            ..HerMapping::default()
        }
        .place(&c)
        .unwrap_err()
        .to_string();
        assert!(e.contains("one of 1, 2, 4, 8, 16, 32, 64"), "{e}");
        // Mixtral: 8 experts replicated 32 times, 4 replicas in every 16-die FTD
        let map = HerMapping::default().place(&c).unwrap();
        assert_eq!(map.expert(0, 3).len(), 32);
    }
}
