//! The order in which a group's devices form a ring or chain: boustrophedon ("snake") over their
//! grid positions (rows by increasing y, even rows west to east, odd rows east to west), so
//! consecutive members are neighbours whenever the group is a block of the grid. The ring's
//! closing hop (last to first) may be longer.

use moesim_core::{Coord, NodeId};

/// `devices` in snake order of `coords` (indexed by node id); ties keep the input order.
pub fn snake_order(devices: &[NodeId], coords: &[Coord]) -> Vec<NodeId> {
    let mut out = devices.to_vec();
    out.sort_by_key(|d| {
        let c = coords[d.index()];
        let x = if c.y.is_multiple_of(2) {
            i64::from(c.x)
        } else {
            -i64::from(c.x)
        };
        (c.y, x)
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_over_a_block() {
        let coords: Vec<Coord> = (0..16).map(|i| Coord::new(i % 4, i / 4)).collect();
        let block: Vec<NodeId> = [0, 1, 4, 5, 8, 9].map(NodeId).to_vec();
        let o = snake_order(&block, &coords);
        assert_eq!(o, [0, 1, 5, 4, 8, 9].map(NodeId).to_vec());
        for w in o.windows(2) {
            assert_eq!(coords[w[0].index()].manhattan(coords[w[1].index()]), 1);
        }
    }
}
