//! `hotspot`: every packet goes to one of the listed hot nodes, node `i` with weight `rates[i]`
//! (all 1 when `rates` is empty; a shorter list is padded with its last value, as BookSim).

use super::Pattern;
use crate::topology::Topology;
use moesim_core::{Error, NodeId, Result, SimRng};
use rand::RngExt;

pub struct HotSpot {
    nodes: Vec<NodeId>,
    rates: Vec<u32>,
    total: u32,
}

impl HotSpot {
    pub fn new(topo: &Topology, nodes: &[u32], rates: &[u32], origin: &str) -> Result<HotSpot> {
        if nodes.is_empty() {
            return Err(Error::config(origin, "traffic.pattern.nodes", "is empty")
                .allowed("a non-empty list of node ids"));
        }
        for &n in nodes {
            if n as usize >= topo.num_nodes() || !topo.is_node_active(NodeId(n)) {
                return Err(Error::config(
                    origin,
                    "traffic.pattern.nodes",
                    format!("node {n} is not an active node of {}", topo.name),
                )
                .allowed(format!(
                    "node ids below {} on routers that have not failed",
                    topo.num_nodes()
                )));
            }
        }
        if rates.len() > nodes.len() {
            return Err(Error::config(
                origin,
                "traffic.pattern.rates",
                format!("has {} entries for {} nodes", rates.len(), nodes.len()),
            )
            .allowed("at most one rate per hot node"));
        }
        let mut r: Vec<u32> = rates.to_vec();
        let pad = r.last().copied().unwrap_or(1);
        r.resize(nodes.len(), pad);
        let total: u32 = r.iter().sum();
        if total == 0 {
            return Err(
                Error::config(origin, "traffic.pattern.rates", "are all zero")
                    .allowed("non-negative weights with a positive sum"),
            );
        }
        Ok(HotSpot {
            nodes: nodes.iter().map(|&n| NodeId(n)).collect(),
            rates: r,
            total,
        })
    }
}

impl Pattern for HotSpot {
    fn name(&self) -> &'static str {
        "hotspot"
    }
    #[inline]
    fn dest(&self, _src: NodeId, rng: &mut SimRng) -> NodeId {
        if self.nodes.len() == 1 {
            return self.nodes[0];
        }
        let mut pct = rng.random_range(0..self.total);
        for (i, &r) in self.rates.iter().enumerate() {
            if pct < r {
                return self.nodes[i];
            }
            pct -= r;
        }
        self.nodes[self.nodes.len() - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TopologyConfig;
    use moesim_core::rng_from_seed;

    #[test]
    fn weights_and_errors() {
        let t = crate::topology::build(&TopologyConfig::mesh(4, 4), "t").unwrap();
        let h = HotSpot::new(&t, &[3, 5], &[3, 1], "t").unwrap();
        let mut rng = rng_from_seed(2);
        let hits = (0..8000)
            .filter(|_| h.dest(NodeId(0), &mut rng) == NodeId(3))
            .count();
        assert!((hits as f64 / 8000.0 - 0.75).abs() < 0.03, "{hits}");
        let e = HotSpot::new(&t, &[16], &[], "f").err().unwrap().to_string();
        assert!(e.contains("traffic.pattern.nodes"), "{e}");
        let e = HotSpot::new(&t, &[1], &[0], "f").err().unwrap().to_string();
        assert!(e.contains("traffic.pattern.rates"), "{e}");
    }
}
