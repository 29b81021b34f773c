//! Die-grid geometry shared by the wafer-scale mappings ([`crate::wsc_baseline`],
//! [`crate::er_mapping`], [`crate::her_mapping`]): the full grid of a platform, the tile shapes
//! that divide a region of it, ring cycles over small grids, and the expert-parallel layout.

use crate::blocks::contiguous_blocks;
use crate::context::PlacementContext;
use crate::map::{GroupId, GroupTable};
use moesim_core::{Coord, Error, NodeId, Result};

/// A full, rectangular die grid: `width x height` live devices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DieGrid {
    pub width: u32,
    pub height: u32,
    /// Node at `(x, y)`, indexed `y * width + x`.
    nodes: Vec<NodeId>,
}

impl DieGrid {
    /// The grid of `ctx`: every node's coordinate distinct, filling a rectangle, all live.
    /// Errors name `placement.kind` (the mapping needs the whole grid).
    pub fn of(ctx: &PlacementContext, kind: &str) -> Result<DieGrid> {
        let width = ctx.coords.iter().map(|c| c.x + 1).max().unwrap_or(0);
        let height = ctx.coords.iter().map(|c| c.y + 1).max().unwrap_or(0);
        let n = (width as usize) * (height as usize);
        let mut nodes = vec![None; n];
        for (i, c) in ctx.coords.iter().enumerate() {
            let k = (c.y * width + c.x) as usize;
            if nodes[k].is_some() {
                return Err(grid_error(ctx, kind, format!("two devices at {c}")));
            }
            if !ctx.live[i] {
                return Err(Error::config(
                    &ctx.origin,
                    "placement.kind",
                    format!("{kind} tiles the whole die grid, but the die at {c} has failed"),
                )
                .allowed(format!(
                    "a platform without failed dies for {kind}, or kind = \"ep_contiguous\" / \
                     \"dp_attention\" with an explicit placement.devices list"
                )));
            }
            nodes[k] = Some(NodeId(i as u32));
        }
        let nodes: Option<Vec<NodeId>> = nodes.into_iter().collect();
        match nodes {
            Some(nodes) if n > 0 => Ok(DieGrid {
                width,
                height,
                nodes,
            }),
            _ => Err(grid_error(
                ctx,
                kind,
                format!("the devices do not fill a {width}x{height} grid"),
            )),
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node at `(x, y)`.
    pub fn at(&self, x: u32, y: u32) -> NodeId {
        self.nodes[(y * self.width + x) as usize]
    }
}

fn grid_error(ctx: &PlacementContext, kind: &str, msg: String) -> Error {
    Error::config(&ctx.origin, "placement.kind", format!("{kind}: {msg}"))
        .allowed("a wafer platform (a full rectangular die grid)")
}

/// Tile shapes `(a, b)` with `a * b = area`, `a` dividing `width` and `b` dividing `height`,
/// most square first (then wider first).
pub fn tile_shapes(area: u32, width: u32, height: u32) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = (1..=width)
        .filter(|a| width.is_multiple_of(*a) && area.is_multiple_of(*a))
        .map(|a| (a, area / a))
        .filter(|&(_, b)| b >= 1 && b <= height && height.is_multiple_of(b))
        .collect();
    out.sort_by_key(|&(a, b)| (a.abs_diff(b), std::cmp::Reverse(a)));
    out
}

/// The tile counts `n` for which a `width x height` region splits into `n` equal rectangular
/// tiles of a shape that divides it (ascending): the tensor-parallel degrees an entwined mapping
/// accepts, and the group sizes a block mapping accepts.
pub fn tilings(width: u32, height: u32) -> Vec<u32> {
    let area = width * height;
    (1..=area)
        .filter(|n| area.is_multiple_of(*n) && !tile_shapes(area / n, width, height).is_empty())
        .collect()
}

/// A ring over the cells of a `cols x rows` grid whose every hop (the closing one included) joins
/// neighbours whenever one side is even and both exceed 1; otherwise a snake (boustrophedon),
/// whose closing hop is longer.
pub fn ring_cycle(cols: u32, rows: u32) -> Vec<(u32, u32)> {
    if cols >= 2 && rows >= 2 && (rows.is_multiple_of(2) || cols.is_multiple_of(2)) {
        if !rows.is_multiple_of(2) {
            return ring_cycle(rows, cols)
                .into_iter()
                .map(|(x, y)| (y, x))
                .collect();
        }
        // along row 0 from column 1, snake over columns 1.. of every row, back up column 0
        let mut out = Vec::with_capacity((cols * rows) as usize);
        out.push((0, 0));
        for y in 0..rows {
            if y.is_multiple_of(2) {
                out.extend((1..cols).map(|x| (x, y)));
            } else {
                out.extend((1..cols).rev().map(|x| (x, y)));
            }
        }
        out.extend((1..rows).rev().map(|y| (0, y)));
        return out;
    }
    snake(cols, rows)
}

/// Boustrophedon over a `cols x rows` grid: even rows west to east, odd rows east to west.
pub fn snake(cols: u32, rows: u32) -> Vec<(u32, u32)> {
    let mut out = Vec::with_capacity((cols * rows) as usize);
    for y in 0..rows {
        if y.is_multiple_of(2) {
            out.extend((0..cols).map(|x| (x, y)));
        } else {
            out.extend((0..cols).rev().map(|x| (x, y)));
        }
    }
    out
}

/// The routed experts over the devices of `order` (one copy per device slot): with at least as
/// many experts as devices, contiguous blocks (several experts per device); with fewer, expert
/// `e` is replicated on the devices at positions `e, e + E, e + 2E, ...` of `order` (a token uses
/// the replica nearest to it).
pub fn expert_instances(
    num_experts: u32,
    order: &[NodeId],
    t: &mut GroupTable,
    origin: &str,
) -> Result<Vec<Vec<GroupId>>> {
    let e = num_experts as usize;
    if e >= order.len() {
        return Ok(
            contiguous_blocks(num_experts, order, origin, "placement.kind")?
                .into_iter()
                .map(|g| vec![t.intern(g)])
                .collect(),
        );
    }
    Ok((0..e)
        .map(|x| {
            order
                .iter()
                .skip(x)
                .step_by(e)
                .map(|&d| t.intern(vec![d]))
                .collect()
        })
        .collect())
}

/// Manhattan distance between two cells.
pub fn hops(a: (u32, u32), b: (u32, u32)) -> u32 {
    Coord::new(a.0, a.1).manhattan(Coord::new(b.0, b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_tilings() {
        assert_eq!(tile_shapes(4, 8, 8), vec![(2, 2), (4, 1), (1, 4)]);
        assert_eq!(tile_shapes(8, 8, 8)[0], (4, 2));
        assert!(tile_shapes(3, 8, 8).is_empty());
        assert_eq!(tilings(8, 8), vec![1, 2, 4, 8, 16, 32, 64]);
        assert_eq!(tilings(6, 4), vec![1, 2, 3, 4, 6, 8, 12, 24]);
    }

    #[test]
    fn rings_close_on_neighbours() {
        for (c, r) in [(2, 2), (4, 4), (2, 4), (3, 4), (4, 3), (8, 2)] {
            let ring = ring_cycle(c, r);
            assert_eq!(ring.len(), (c * r) as usize);
            let mut seen = ring.clone();
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), ring.len());
            for k in 0..ring.len() {
                assert_eq!(hops(ring[k], ring[(k + 1) % ring.len()]), 1, "{c}x{r}");
            }
        }
        // odd x odd and lines: a snake
        assert_eq!(ring_cycle(3, 1), vec![(0, 0), (1, 0), (2, 0)]);
        assert_eq!(ring_cycle(3, 3).len(), 9);
    }

    #[test]
    fn expert_layouts() {
        let order: Vec<NodeId> = (0..8).map(NodeId).collect();
        let mut t = GroupTable::default();
        let inst = expert_instances(2, &order, &mut t, "o").unwrap();
        assert_eq!(inst.len(), 2);
        assert_eq!(inst[1].len(), 4);
        let groups = t.into_groups();
        assert_eq!(groups[inst[1][1] as usize], vec![NodeId(3)]);
        let mut t = GroupTable::default();
        let inst = expert_instances(16, &order, &mut t, "o").unwrap();
        assert_eq!(inst.len(), 16);
        assert!(inst.iter().all(|i| i.len() == 1));
    }
}
