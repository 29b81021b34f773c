//! `kind = "er_mapping"`: MoEntwine's Entwined Ring Mapping (papers.md §1.3).
//!
//! Attention runs in tensor-parallel groups of `attention_tp` dies, data parallel across groups,
//! with an all-reduce after attention so every member holds its group's tokens. The groups are
//! *entwined*: with the region (the whole grid, or each wafer of `wafer_dies`) cut into
//! `attention_tp` equal tiles of `a x b` dies, die `(x, y)` belongs to group
//! `(x mod a, y mod b)` and to the Full Token Domain (FTD) `(x div a, y div b)`. Every FTD is a
//! compact block that holds one member of every group, i.e. every token of the region, so a die
//! fetches each token from the holder in its own FTD (the executor's nearest-holder rule) and the
//! MoE all-to-all stays inside disjoint blocks.
//!
//! The cost: a group's members are `a` or `b` dies apart, and its ring all-reduce runs on the
//! *entwined ring*, a cycle over the FTD grid (members listed in that order; the executor uses
//! it with `[executor] ring_order = "placement"`). After the experts, partial outputs go back to
//! the nearest holder (`[executor] combine = "nearest_holder"`) and an all-reduce on the same ring
//! restores every member's copy (the all-gather of the paper).
//!
//! An `attention_tp` works when the region splits into that many equal rectangular tiles whose
//! sides divide the region's (see [`crate::wsc_grid::tilings`]): on an 8x8 wafer 1, 2, 4, 8, 16,
//! 32 and 64; 3, 5, 6, 7, ... do not. It must also divide the model's attention heads.
//! Routed experts are laid out FTD by FTD (contiguous blocks, or replicas when the model has fewer
//! experts than dies), shared experts on every die.

use crate::context::PlacementContext;
use crate::map::PlacementMap;
use crate::placement::Placement;
use crate::wsc_baseline::{check_parallelism, wsc_map};
use crate::wsc_grid::{DieGrid, ring_cycle, tile_shapes, tilings};
use moesim_core::{Error, NodeId, Result};
use moesim_workloads::Parallelism;
use moesim_workloads::flows::PostAttention;
use serde::{Deserialize, Serialize};

fn four() -> u32 {
    4
}

/// The Entwined Ring Mapping.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErMapping {
    /// Dies per attention tensor-parallel group (= FTDs per region).
    #[serde(default = "four")]
    pub attention_tp: u32,
    /// Entwine each `[x, y]` block of dies (a wafer) on its own; default: the whole grid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wafer_dies: Option<[u32; 2]>,
}

impl Default for ErMapping {
    fn default() -> Self {
        ErMapping {
            attention_tp: four(),
            wafer_dies: None,
        }
    }
}

/// The entwined layout of a grid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErLayout {
    /// The FTD tile `(a, b)`: `a` dies wide, `b` high.
    pub tile: (u32, u32),
    /// The regions entwined on their own (`wafer_dies`), as `(width, height)`.
    pub region: (u32, u32),
    /// Tensor-parallel groups, region by region, members in entwined-ring order.
    pub groups: Vec<Vec<NodeId>>,
    /// Full Token Domains, region by region, dies in raster order.
    pub ftds: Vec<Vec<NodeId>>,
}

impl ErLayout {
    /// Dies in FTD order (the experts' layout).
    pub fn ftd_order(&self) -> Vec<NodeId> {
        self.ftds.iter().flatten().copied().collect()
    }
}

/// The entwined layout of `grid` cut into `region`s, `tp` FTDs per region. Errors name
/// `placement.attention_tp` or `placement.wafer_dies` and the allowed values.
pub fn er_layout(
    grid: &DieGrid,
    region: Option<[u32; 2]>,
    tp: u32,
    origin: &str,
) -> Result<ErLayout> {
    let (rw, rh) = match region {
        None => (grid.width, grid.height),
        Some([w, h]) => {
            if w == 0 || h == 0 || !grid.width.is_multiple_of(w) || !grid.height.is_multiple_of(h) {
                return Err(Error::config(
                    origin,
                    "placement.wafer_dies",
                    format!(
                        "[{w}, {h}] does not tile the {}x{} die grid",
                        grid.width, grid.height
                    ),
                )
                .allowed(format!(
                    "[x, y] with x dividing {} and y dividing {}",
                    grid.width, grid.height
                )));
            }
            (w, h)
        }
    };
    let area = rw * rh;
    let allowed = || {
        let list: Vec<String> = tilings(rw, rh).iter().map(u32::to_string).collect();
        format!(
            "one of {} (the FTD counts that tile a {rw}x{rh} region into equal blocks)",
            list.join(", ")
        )
    };
    if tp == 0 || !area.is_multiple_of(tp) {
        return Err(Error::config(
            origin,
            "placement.attention_tp",
            format!("{tp} groups cannot entwine a {rw}x{rh} region ({area} dies)"),
        )
        .allowed(allowed()));
    }
    let Some(&(a, b)) = tile_shapes(area / tp, rw, rh).first() else {
        return Err(Error::config(
            origin,
            "placement.attention_tp",
            format!(
                "{tp} groups need FTDs of {} dies, and no rectangle of that many dies tiles a \
                 {rw}x{rh} region",
                area / tp
            ),
        )
        .allowed(allowed()));
    };
    let (fx, fy) = (rw / a, rh / b);
    let ring = ring_cycle(fx, fy);
    let mut groups = Vec::new();
    let mut ftds = Vec::new();
    for ry in 0..grid.height / rh {
        for rx in 0..grid.width / rw {
            let (ox, oy) = (rx * rw, ry * rh);
            for j in 0..b {
                for i in 0..a {
                    groups.push(
                        ring.iter()
                            .map(|&(u, v)| grid.at(ox + i + a * u, oy + j + b * v))
                            .collect(),
                    );
                }
            }
            for v in 0..fy {
                for u in 0..fx {
                    let mut f = Vec::with_capacity((a * b) as usize);
                    for j in 0..b {
                        for i in 0..a {
                            f.push(grid.at(ox + a * u + i, oy + b * v + j));
                        }
                    }
                    ftds.push(f);
                }
            }
        }
    }
    Ok(ErLayout {
        tile: (a, b),
        region: (rw, rh),
        groups,
        ftds,
    })
}

impl ErMapping {
    /// The layout this mapping gives the platform of `ctx`.
    pub fn layout(&self, ctx: &PlacementContext) -> Result<ErLayout> {
        let g = DieGrid::of(ctx, self.kind())?;
        er_layout(&g, self.wafer_dies, self.attention_tp, &ctx.origin)
    }
}

impl Placement for ErMapping {
    fn kind(&self) -> &'static str {
        "er_mapping"
    }

    fn place(&self, ctx: &PlacementContext) -> Result<PlacementMap> {
        let l = self.layout(ctx)?;
        let parallelism = Parallelism {
            attention_tp: self.attention_tp,
            attention_dp: l.groups.len() as u32,
            post_attention: PostAttention::AllReduce,
        };
        check_parallelism(ctx, &parallelism)?;
        let order = l.ftd_order();
        wsc_map(self.kind(), ctx, parallelism, l.groups, &order)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tp::tests::ctx;
    use moesim_core::Coord;
    use moesim_workloads::ModelSpec;

    #[test]
    fn ftds_are_disjoint_blocks_holding_every_group() {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let c = ctx(&m, 64);
        for tp in [4, 8, 16] {
            let p = ErMapping {
                attention_tp: tp,
                wafer_dies: None,
            };
            let l = p.layout(&c).unwrap();
            assert_eq!(l.ftds.len(), tp as usize);
            assert_eq!(l.groups.len(), 64 / tp as usize);
            let (a, b) = l.tile;
            for f in &l.ftds {
                // a compact a x b block
                let xs: Vec<u32> = f.iter().map(|d| c.coords[d.index()].x).collect();
                let ys: Vec<u32> = f.iter().map(|d| c.coords[d.index()].y).collect();
                assert_eq!(xs.iter().max().unwrap() - xs.iter().min().unwrap() + 1, a);
                assert_eq!(ys.iter().max().unwrap() - ys.iter().min().unwrap() + 1, b);
                // one member of every group
                for g in &l.groups {
                    assert_eq!(g.iter().filter(|d| f.contains(d)).count(), 1);
                }
            }
            // ring hops are a or b dies
            for g in &l.groups {
                for k in 0..g.len() {
                    let (p, q) = (
                        c.coords[g[k].index()],
                        c.coords[g[(k + 1) % g.len()].index()],
                    );
                    let h = p.manhattan(q);
                    assert!(h == a || h == b, "tp {tp}: hop {h}");
                }
            }
            let map = p.place(&c).unwrap();
            assert_eq!(map.parallelism.attention_tp, tp);
            assert_eq!(map.attention.len(), 64);
        }
        // tp 16: 2x2 FTDs, logical neighbours 2 hops apart
        let l = ErMapping {
            attention_tp: 16,
            wafer_dies: None,
        }
        .layout(&c)
        .unwrap();
        assert_eq!(l.tile, (2, 2));
        assert_eq!(c.coords[l.groups[0][1].index()], Coord::new(2, 0));
    }

    #[test]
    fn degrees_that_cannot_tile() {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let c = ctx(&m, 64);
        for tp in [3, 0, 128] {
            let e = ErMapping {
                attention_tp: tp,
                wafer_dies: None,
            }
            .place(&c)
            .unwrap_err()
            .to_string();
            assert!(
                e.starts_with("e.toml: key `placement.attention_tp`")
                    && e.contains("1, 2, 4, 8, 16, 32, 64"),
                "{e}"
            );
        }
        let e = ErMapping {
            attention_tp: 4,
            wafer_dies: Some([3, 8]),
        }
        .place(&c)
        .unwrap_err()
        .to_string();
        assert!(e.contains("key `placement.wafer_dies`"), "{e}");
        // the heads still have to split
        let mix = ModelSpec::preset("mixtral-8x22b").unwrap();
        let e = ErMapping {
            attention_tp: 32,
            wafer_dies: None,
        }
        .place(&ctx(&mix, 64))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("key `placement.attention_tp`") && e.contains("heads"),
            "{e}"
        );
    }

    #[test]
    fn per_wafer_regions() {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let c = PlacementContext {
            coords: (0..256).map(|i| Coord::new(i % 16, i / 16)).collect(),
            live: vec![true; 256],
            ..ctx(&m, 1)
        };
        let l = ErMapping {
            attention_tp: 4,
            wafer_dies: Some([8, 8]),
        }
        .layout(&c)
        .unwrap();
        assert_eq!(l.groups.len(), 64);
        // every group stays in one wafer
        for g in &l.groups {
            let w: Vec<(u32, u32)> = g
                .iter()
                .map(|d| (c.coords[d.index()].x / 8, c.coords[d.index()].y / 8))
                .collect();
            assert!(w.iter().all(|&x| x == w[0]));
        }
    }
}
