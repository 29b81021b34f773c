//! k-ary 2D mesh (also non-square X x Y) with concentration `c` terminals per router.

use super::{
    Direction, Faults, GRID_NET_PORTS, GridLayout, Link, LinkKind, RouterNode, Terminal, Topology,
};
use moesim_core::{Coord, LinkId, MeshShape, NodeId, RouterId};

/// Builds an X x Y mesh of routers, each with `concentration` terminals, every link
/// `latency_cycles` long and one flit per cycle wide. Terminal `n` attaches to router
/// `n / concentration` (BookSim's concentrated-mesh order). Callers validate `shape` and
/// `concentration` (non-zero) first.
pub fn build_mesh(shape: MeshShape, concentration: u32, latency_cycles: u32) -> Topology {
    build_grid(shape, concentration, latency_cycles, false)
}

/// Shared grid builder for mesh (`wraparound = false`) and torus (`true`).
pub fn build_grid(
    shape: MeshShape,
    concentration: u32,
    latency_cycles: u32,
    wraparound: bool,
) -> Topology {
    let ports = (GRID_NET_PORTS as u32 + concentration) as usize;
    let mut routers: Vec<RouterNode> = shape
        .coords()
        .enumerate()
        .map(|(i, coord)| RouterNode {
            id: RouterId(i as u32),
            coord,
            out_links: vec![None; ports],
            in_links: vec![None; ports],
            terminals: vec![None; ports],
            failed: false,
        })
        .collect();
    let mut links = Vec::new();
    for (i, c) in shape.coords().enumerate() {
        for d in Direction::ALL {
            let Some(n) = neighbour(shape, c, d, wraparound) else {
                continue;
            };
            let j = shape.index(n);
            let id = LinkId(links.len() as u32);
            links.push(Link {
                id,
                src: RouterId(i as u32),
                src_port: d.port(),
                dst: RouterId(j as u32),
                dst_port: d.opposite().port(),
                latency_cycles,
                cycles_per_flit: 1,
                kind: LinkKind::OnDie,
                direction: Some(d),
                failed: false,
            });
            routers[i].out_links[d.port() as usize] = Some(id);
            routers[j].in_links[d.opposite().port() as usize] = Some(id);
        }
    }
    let mut terminals = Vec::with_capacity(shape.len() * concentration as usize);
    for (i, r) in routers.iter_mut().enumerate() {
        for t in 0..concentration {
            let node = NodeId(i as u32 * concentration + t);
            let port = GRID_NET_PORTS + t as u16;
            r.terminals[port as usize] = Some(node);
            terminals.push(Terminal {
                node,
                router: RouterId(i as u32),
                port,
            });
        }
    }
    let kind = if wraparound { "torus" } else { "mesh" };
    let name = if concentration == 1 {
        format!("{kind} {shape}")
    } else {
        format!("{kind} {shape} c={concentration}")
    };
    Topology {
        name,
        shape,
        wraparound,
        routers,
        links,
        terminals,
        layout: GridLayout::single(shape),
        faults: Faults::default(),
    }
}

/// The grid neighbour of `c` in direction `d`.
pub fn neighbour(shape: MeshShape, c: Coord, d: Direction, wraparound: bool) -> Option<Coord> {
    let (x, y) = (c.x as i64, c.y as i64);
    let (nx, ny) = match d {
        Direction::East => (x + 1, y),
        Direction::West => (x - 1, y),
        Direction::North => (x, y + 1),
        Direction::South => (x, y - 1),
    };
    let (w, h) = (shape.x as i64, shape.y as i64);
    if wraparound {
        if (w == 1 && matches!(d, Direction::East | Direction::West))
            || (h == 1 && matches!(d, Direction::North | Direction::South))
        {
            return None;
        }
        Some(Coord::new(nx.rem_euclid(w) as u32, ny.rem_euclid(h) as u32))
    } else if nx < 0 || ny < 0 || nx >= w || ny >= h {
        None
    } else {
        Some(Coord::new(nx as u32, ny as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mesh_link_count_and_ports() {
        let t = build_mesh(MeshShape::new(8, 4), 1, 1);
        // 2 * (X-1) * Y horizontal + 2 * X * (Y-1) vertical unidirectional links.
        assert_eq!(t.links.len(), 2 * 7 * 4 + 2 * 8 * 3);
        assert_eq!(t.num_nodes(), 32);
        let l = t.link_towards(RouterId(0), Direction::East).unwrap();
        assert_eq!(l.dst, RouterId(1));
        assert_eq!(l.dst_port, Direction::West.port());
        assert!(t.link_towards(RouterId(0), Direction::West).is_none());
        for l in &t.links {
            assert_eq!(t.router(l.src).out_links[l.src_port as usize], Some(l.id));
            assert_eq!(t.router(l.dst).in_links[l.dst_port as usize], Some(l.id));
        }
    }

    #[test]
    fn concentration_attaches_consecutive_nodes() {
        let t = build_mesh(MeshShape::new(2, 2), 4, 1);
        assert_eq!(t.num_nodes(), 16);
        assert_eq!(t.terminal(NodeId(5)).router, RouterId(1));
        assert_eq!(t.terminal(NodeId(5)).port, GRID_NET_PORTS + 1);
    }
}
