//! Synthetic message sets for the cross-checks between tiers and for benchmarks.

use super::Message;
use crate::topology::Topology;
use moesim_core::{NodeId, Tick, rng_from_seed};
use rand::RngExt;

/// Every node sends `bytes` to every other node, released at `release`.
pub fn all_to_all(num_nodes: usize, bytes: u64, release: Tick) -> Vec<Message> {
    let mut v = Vec::with_capacity(num_nodes * num_nodes.saturating_sub(1));
    for s in 0..num_nodes {
        for d in 0..num_nodes {
            if s != d {
                let id = v.len() as u64;
                v.push(Message::new(
                    id,
                    NodeId(s as u32),
                    NodeId(d as u32),
                    bytes,
                    release,
                ));
            }
        }
    }
    v
}

/// An MoE-style dispatch: each of `num_nodes` nodes holds `tokens_per_node` tokens, each routed
/// to `top_k` distinct experts drawn uniformly from `num_nodes` (one expert per node); a node
/// sends `token_bytes` per token to each chosen node other than itself, aggregated per (src,
/// dst). Deterministic for a given `seed`.
pub fn moe_dispatch(
    num_nodes: usize,
    tokens_per_node: usize,
    top_k: usize,
    token_bytes: u64,
    seed: u64,
) -> Vec<Message> {
    let mut rng = rng_from_seed(seed);
    let k = top_k.min(num_nodes);
    let mut counts = vec![0u64; num_nodes];
    let mut chosen: Vec<usize> = Vec::with_capacity(k);
    let mut v = Vec::new();
    for s in 0..num_nodes {
        counts.iter_mut().for_each(|c| *c = 0);
        for _ in 0..tokens_per_node {
            chosen.clear();
            while chosen.len() < k {
                let e = rng.random_range(0..num_nodes);
                if !chosen.contains(&e) {
                    chosen.push(e);
                }
            }
            for &e in &chosen {
                counts[e] += 1;
            }
        }
        for (d, &c) in counts.iter().enumerate() {
            if d != s && c > 0 {
                let id = v.len() as u64;
                v.push(Message::new(
                    id,
                    NodeId(s as u32),
                    NodeId(d as u32),
                    c * token_bytes,
                    Tick::ZERO,
                ));
            }
        }
    }
    v
}

/// On a grid topology without wraparound, every node except the last column sends `bytes` to its
/// east neighbour: a permutation whose paths share no link and no endpoint.
pub fn east_shift(topo: &Topology, bytes: u64) -> Vec<Message> {
    let mut v = Vec::new();
    for t in &topo.terminals {
        let c = topo.router(t.router).coord;
        if c.x + 1 >= topo.shape.x {
            continue;
        }
        let east = topo.router_at(moesim_core::Coord::new(c.x + 1, c.y));
        let Some(dst) = topo
            .terminals
            .iter()
            .find(|u| u.router == east && u.port == t.port)
        else {
            continue;
        };
        let id = v.len() as u64;
        v.push(Message::new(id, t.node, dst.node, bytes, Tick::ZERO));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::mesh::build_mesh;
    use moesim_core::MeshShape;

    #[test]
    fn pattern_sizes() {
        assert_eq!(all_to_all(4, 8, Tick::ZERO).len(), 12);
        let m = moe_dispatch(8, 16, 2, 10, 1);
        let total: u64 = m.iter().map(|x| x.bytes).sum();
        // 8 nodes x 16 tokens x 2 experts x 10 B, minus the tokens that stay local.
        assert!(total <= 8 * 16 * 2 * 10 && total > 8 * 16 * 10, "{total}");
        assert_eq!(m, moe_dispatch(8, 16, 2, 10, 1));
        let t = build_mesh(MeshShape::new(4, 2), 1, 1);
        assert_eq!(east_shift(&t, 1).len(), 6);
    }
}
