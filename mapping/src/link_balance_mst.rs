//! The authors' annealing proxy for link balance (papers.md §4.3, `evaluate_placement`): the
//! token-weighted mean, over groups, of the Manhattan minimum-spanning-tree length of the nodes
//! the group touches. Cheap (no routing), blind to link contention; in hops.

use crate::link_balance_cost::{CommCost, CommEval};
use crate::link_balance_traffic::LayerTraffic;
use moesim_core::{Error, MeshShape, NodeId, Result};

/// The MST proxy on a mesh of `mesh`.
#[derive(Clone, Copy, Debug)]
pub struct MstCost {
    pub mesh: MeshShape,
}

/// Length of the Manhattan minimum spanning tree of `pts` (Prim, O(n^2)).
pub fn manhattan_mst(pts: &[(i64, i64)]) -> i64 {
    let n = pts.len();
    if n < 2 {
        return 0;
    }
    let mut in_tree = vec![false; n];
    let mut best = vec![i64::MAX; n];
    best[0] = 0;
    let mut total = 0;
    for _ in 0..n {
        let mut u = usize::MAX;
        for v in 0..n {
            if !in_tree[v] && (u == usize::MAX || best[v] < best[u]) {
                u = v;
            }
        }
        in_tree[u] = true;
        total += best[u];
        let pu = pts[u];
        for ((p, b), t) in pts.iter().zip(best.iter_mut()).zip(&in_tree) {
            let d = (pu.0 - p.0).abs() + (pu.1 - p.1).abs();
            if !t && d < *b {
                *b = d;
            }
        }
    }
    total
}

impl CommCost for MstCost {
    fn name(&self) -> String {
        "Manhattan MST proxy".into()
    }
    fn is_time(&self) -> bool {
        false
    }

    fn evaluate(&mut self, traffic: &[LayerTraffic], node_of_slot: &[NodeId]) -> Result<CommEval> {
        let (mut weighted, mut tokens) = (0.0, 0.0);
        let mut pts = Vec::new();
        for t in traffic {
            for g in t.groups() {
                pts.clear();
                for &h in &g.holders {
                    let n = node_of_slot.get(h as usize).ok_or_else(|| {
                        Error::Check(format!("link balance: slot {h} has no node"))
                    })?;
                    let c = self.mesh.coord(n.index());
                    pts.push((c.x as i64, c.y as i64));
                }
                weighted += g.tokens as f64 * manhattan_mst(&pts) as f64;
                tokens += g.tokens as f64;
            }
        }
        Ok(CommEval {
            value: if tokens > 0.0 { weighted / tokens } else { 0.0 },
            link_bytes: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mst_lengths() {
        assert_eq!(manhattan_mst(&[(0, 0)]), 0);
        assert_eq!(manhattan_mst(&[(0, 0), (3, 4)]), 7);
        // A plus shape: centre linked to four arms of length 1.
        assert_eq!(manhattan_mst(&[(1, 1), (0, 1), (2, 1), (1, 0), (1, 2)]), 4);
        let mut c = MstCost {
            mesh: MeshShape::new(4, 4),
        };
        let mut t = LayerTraffic::new(0);
        t.add(vec![0, 1], 0, 3);
        t.add(vec![2], 2, 1);
        let ident: Vec<NodeId> = (0..16).map(NodeId).collect();
        // (3 x 1 + 1 x 0) / 4 tokens
        assert_eq!(
            c.evaluate(std::slice::from_ref(&t), &ident).unwrap().value,
            0.75
        );
        let mut far = ident.clone();
        far.swap(1, 15);
        // slot 1 at (3,3): distance 6 from (0,0)
        assert_eq!(c.evaluate(&[t], &far).unwrap().value, 4.5);
    }
}
