//! LinkBalance's projection of a continuous candidate onto a one-to-one placement: every logical
//! device proposes a point `(x, y)` in the mesh's bounding box, and the Hungarian algorithm
//! (`pathfinding`'s Kuhn-Munkres) assigns devices to grid nodes minimising the total Manhattan
//! distance from each proposal to its node (HD-MoE's `linear_sum_assignment` step).

use moesim_core::{Error, MeshShape, NodeId, Result};
use pathfinding::prelude::{Matrix, kuhn_munkres_min};

/// Manhattan distances are scaled to integers with this resolution (the Hungarian solver works
/// on an ordered integer type); 1e-6 of a hop is far below any tie that matters.
const SCALE: f64 = 1e6;

/// The grid node of each logical device: `coords[d] = (x, y)` proposals, one per device, on a
/// mesh of `mesh.len()` nodes. Returns `node_of_slot[d]`, a permutation of the mesh's nodes
/// when there are as many devices as nodes (an injection otherwise).
pub fn project(coords: &[(f64, f64)], mesh: MeshShape) -> Result<Vec<NodeId>> {
    let n = mesh.len();
    if coords.is_empty() || coords.len() > n {
        return Err(Error::Check(format!(
            "link balance: {} devices do not fit one per node on a {mesh} mesh",
            coords.len()
        )));
    }
    let mut w = Vec::with_capacity(coords.len() * n);
    for &(x, y) in coords {
        for g in 0..n {
            let c = mesh.coord(g);
            let d = (x - c.x as f64).abs() + (y - c.y as f64).abs();
            if !d.is_finite() {
                return Err(Error::Check(format!(
                    "link balance: candidate coordinate ({x}, {y}) is not finite"
                )));
            }
            w.push((d * SCALE).round() as i64);
        }
    }
    let m = Matrix::from_vec(coords.len(), n, w)
        .map_err(|e| Error::Check(format!("link balance: cost matrix: {e:?}")))?;
    let (_, cols) = kuhn_munkres_min(&m);
    Ok(cols.into_iter().map(|g| NodeId(g as u32)).collect())
}

/// The proposal that projects back onto `node_of_slot` exactly: every device at its node.
pub fn coords_of(node_of_slot: &[NodeId], mesh: MeshShape) -> Vec<(f64, f64)> {
    node_of_slot
        .iter()
        .map(|n| {
            let c = mesh.coord(n.index());
            (c.x as f64, c.y as f64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_points_project_to_themselves() {
        let mesh = MeshShape::new(4, 8);
        let perm: Vec<NodeId> = (0..32).map(|i| NodeId((i * 7) % 32)).collect();
        assert_eq!(project(&coords_of(&perm, mesh), mesh).unwrap(), perm);
    }

    #[test]
    fn collisions_are_resolved_one_to_one() {
        let mesh = MeshShape::new(2, 2);
        // Every device wants (0, 0): the total distance is 0 + 1 + 1 + 2 whatever the order,
        // and every node is used once.
        let p = project(&[(0.0, 0.0); 4], mesh).unwrap();
        let mut s: Vec<u32> = p.iter().map(|n| n.0).collect();
        s.sort();
        assert_eq!(s, vec![0, 1, 2, 3]);
        // Near-points snap to the nearest free node.
        let p = project(&[(0.9, 0.1), (0.1, 0.2), (0.2, 0.8), (0.7, 0.9)], mesh).unwrap();
        assert_eq!(p, vec![NodeId(1), NodeId(0), NodeId(2), NodeId(3)]);
    }

    #[test]
    fn too_many_devices_or_nan() {
        let mesh = MeshShape::new(2, 1);
        assert!(project(&[(0.0, 0.0); 3], mesh).is_err());
        assert!(project(&[(f64::NAN, 0.0)], mesh).is_err());
        assert_eq!(project(&[(1.0, 0.0)], mesh).unwrap(), vec![NodeId(1)]);
    }
}
