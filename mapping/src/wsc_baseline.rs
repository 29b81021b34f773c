//! `kind = "wsc_baseline"`: the baseline wafer-scale mapping of MoEntwine (papers.md §1.3).
//! Attention runs in tensor-parallel groups of `attention_tp` *contiguous* dies, data parallel
//! across groups (all-reduce after attention, so every member holds the group's tokens). A group
//! is a compact block (`groups = "block"`, the most square `a x b` tile that divides the grid)
//! or a run of dies along the boustrophedon over the grid (`groups = "row"`: with
//! `attention_tp` = the grid width, a row of dies). Routed experts sit in contiguous blocks over
//! the dies in node order (expert parallelism; fewer experts than dies are replicated, see
//! [`crate::wsc_grid::expert_instances`]); the shared experts are replicated on every die.
//!
//! A group's members are listed in ring order (a cycle of neighbours where the block allows),
//! which the executor uses with `[executor] ring_order = "placement"`. A Full Token Domain (one
//! die of every group) spans the whole grid, so the MoE all-to-all crosses the mesh centre.

use crate::context::PlacementContext;
use crate::map::{GroupTable, PlacementMap};
use crate::placement::Placement;
use crate::tp::rename;
use crate::wsc_grid::{DieGrid, expert_instances, ring_cycle, snake, tile_shapes, tilings};
use moesim_core::{Error, NodeId, Result};
use moesim_workloads::Parallelism;
use moesim_workloads::flows::PostAttention;
use serde::{Deserialize, Serialize};

/// The shape of a contiguous tensor-parallel group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupShape {
    /// The most square block that tiles the grid.
    #[default]
    Block,
    /// Consecutive dies along the boustrophedon over the grid.
    Row,
}

fn four() -> u32 {
    4
}

/// The baseline wafer-scale mapping.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WscBaseline {
    /// Dies per attention tensor-parallel group.
    #[serde(default = "four")]
    pub attention_tp: u32,
    /// `block` or `row`.
    #[serde(default)]
    pub groups: GroupShape,
}

impl Default for WscBaseline {
    fn default() -> Self {
        WscBaseline {
            attention_tp: four(),
            groups: GroupShape::Block,
        }
    }
}

/// Checks `parallelism` against the model, keyed to `placement.attention_tp`.
pub(crate) fn check_parallelism(ctx: &PlacementContext, p: &Parallelism) -> Result<()> {
    p.validate(ctx.model, &ctx.origin).map_err(|e| {
        rename(e, &ctx.origin, "placement.attention_tp", |m| {
            format!(
                "{m} (the mapping's attention group has {} dies)",
                p.attention_tp
            )
        })
    })
}

impl WscBaseline {
    /// The groups' members in ring order.
    fn groups(&self, g: &DieGrid, origin: &str) -> Result<Vec<Vec<NodeId>>> {
        let t = self.attention_tp;
        let n = g.len() as u32;
        match self.groups {
            GroupShape::Block => {
                let Some(&(a, b)) = tile_shapes(t, g.width, g.height).first() else {
                    let allowed: Vec<String> = tilings(g.width, g.height)
                        .into_iter()
                        .map(|k| (n / k).to_string())
                        .rev()
                        .collect();
                    return Err(Error::config(
                        origin,
                        "placement.attention_tp",
                        format!(
                            "groups of {t} dies cannot tile the {}x{} grid as blocks",
                            g.width, g.height
                        ),
                    )
                    .allowed(format!(
                        "one of {} (or groups = \"row\")",
                        allowed.join(", ")
                    )));
                };
                let ring = ring_cycle(a, b);
                let mut out = Vec::new();
                for by in 0..g.height / b {
                    for bx in 0..g.width / a {
                        out.push(
                            ring.iter()
                                .map(|&(x, y)| g.at(bx * a + x, by * b + y))
                                .collect(),
                        );
                    }
                }
                Ok(out)
            }
            GroupShape::Row => {
                if t == 0 || !n.is_multiple_of(t) {
                    return Err(Error::config(
                        origin,
                        "placement.attention_tp",
                        format!("{t} does not divide the {n} dies"),
                    )
                    .allowed(format!("a divisor of {n}")));
                }
                let path: Vec<NodeId> = snake(g.width, g.height)
                    .into_iter()
                    .map(|(x, y)| g.at(x, y))
                    .collect();
                Ok(path.chunks(t as usize).map(<[NodeId]>::to_vec).collect())
            }
        }
    }
}

/// The map shared by the wafer-scale mappings: attention shards in `groups` order (one group
/// after another, members in ring order), experts over `expert_order`, shared experts on every
/// die.
pub(crate) fn wsc_map(
    kind: &str,
    ctx: &PlacementContext,
    parallelism: Parallelism,
    groups: Vec<Vec<NodeId>>,
    expert_order: &[NodeId],
) -> Result<PlacementMap> {
    let m = ctx.model;
    let mut t = GroupTable::default();
    let experts = expert_instances(m.num_experts(), expert_order, &mut t, &ctx.origin)?;
    let shared: Vec<u32> = if m.has_shared_experts() {
        expert_order.iter().map(|&d| t.intern(vec![d])).collect()
    } else {
        Vec::new()
    };
    Ok(PlacementMap {
        kind: kind.into(),
        parallelism,
        attention: groups.into_iter().flatten().collect(),
        experts: vec![experts; m.num_moe_layers() as usize],
        shared: vec![shared; m.num_moe_layers() as usize],
        groups: t.into_groups(),
    })
}

impl Placement for WscBaseline {
    fn kind(&self) -> &'static str {
        "wsc_baseline"
    }

    fn place(&self, ctx: &PlacementContext) -> Result<PlacementMap> {
        let g = DieGrid::of(ctx, self.kind())?;
        let groups = self.groups(&g, &ctx.origin)?;
        let parallelism = Parallelism {
            attention_tp: self.attention_tp,
            attention_dp: groups.len() as u32,
            post_attention: PostAttention::AllReduce,
        };
        check_parallelism(ctx, &parallelism)?;
        let order: Vec<NodeId> = (0..g.len() as u32).map(NodeId).collect();
        wsc_map(self.kind(), ctx, parallelism, groups, &order)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tp::tests::ctx;
    use moesim_workloads::ModelSpec;

    fn xy(c: &PlacementContext, d: NodeId) -> (u32, u32) {
        let p = c.coords[d.index()];
        (p.x, p.y)
    }

    #[test]
    fn blocks_and_rows() {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let c = ctx(&m, 64);
        let map = WscBaseline::default().place(&c).unwrap();
        assert_eq!(map.parallelism.attention_tp, 4);
        assert_eq!(map.parallelism.attention_dp, 16);
        // group 1 is the 2x2 block at x 2..4, y 0..2, in ring order
        let g1: Vec<(u32, u32)> = map.attention[4..8].iter().map(|&d| xy(&c, d)).collect();
        assert_eq!(g1, vec![(2, 0), (3, 0), (3, 1), (2, 1)]);
        assert_eq!(map.group(map.expert(0, 255)[0]), &[NodeId(63)]);
        assert_eq!(map.shared(0).len(), 64);
        let rows = WscBaseline {
            attention_tp: 8,
            groups: GroupShape::Row,
        }
        .place(&c)
        .unwrap();
        let g1: Vec<(u32, u32)> = rows.attention[8..16].iter().map(|&d| xy(&c, d)).collect();
        assert_eq!(g1[0], (7, 1));
        assert_eq!(g1[7], (0, 1));
    }

    #[test]
    fn bad_degrees_name_the_key() {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let c = ctx(&m, 64);
        let e = WscBaseline {
            attention_tp: 3,
            groups: GroupShape::Block,
        }
        .place(&c)
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("key `placement.attention_tp`") && e.contains("1, 2, 4, 8, 16, 32, 64"),
            "{e}"
        );
        let e = WscBaseline {
            attention_tp: 6,
            groups: GroupShape::Row,
        }
        .place(&c)
        .unwrap_err()
        .to_string();
        assert!(e.contains("a divisor of 64"), "{e}");
        // 48 heads of Mixtral cannot be split 32 ways
        let mix = ModelSpec::preset("mixtral-8x22b").unwrap();
        let e = WscBaseline {
            attention_tp: 32,
            groups: GroupShape::Block,
        }
        .place(&ctx(&mix, 64))
        .unwrap_err()
        .to_string();
        assert!(e.contains("key `placement.attention_tp`"), "{e}");
    }
}
