//! What LinkBalance minimises: the communication cost of a set of MoE layers' traffic when
//! logical slot `s` sits at physical node `node_of_slot[s]`. One trait, one implementation per
//! file: [`TierCost`] (here: the traffic as messages on a network tier, any of moesim's tiers
//! or a link scheduler behind the same [`Network`] trait) and
//! [`crate::link_balance_mst::MstCost`] (the authors' annealing proxy).

use crate::link_balance_traffic::LayerTraffic;
use moesim_core::{Error, NodeId, Result, Tick};
use moesim_noc::tier::{Message, Network};

/// One evaluation of a cost.
#[derive(Clone, Debug, PartialEq)]
pub struct CommEval {
    /// The cost; lower is better. For simulated costs, the communication time in picoseconds
    /// (dispatch and combine, summed over the layers).
    pub value: f64,
    /// Bytes per topology link (`LinkId` order), summed over layers and directions simulated;
    /// empty for costs that do not route.
    pub link_bytes: Vec<u64>,
}

/// A communication cost of placed traffic.
pub trait CommCost: Send {
    /// The cost's name, for reports.
    fn name(&self) -> String;
    /// Whether `value` is a time in picoseconds.
    fn is_time(&self) -> bool;
    /// The cost of `traffic` (every layer) with slot `s` at `node_of_slot[s]`.
    fn evaluate(&mut self, traffic: &[LayerTraffic], node_of_slot: &[NodeId]) -> Result<CommEval>;
}

/// Communication time on a network tier: each group's holders send `tokens x bytes_per_token`
/// to the aggregator, all released at once; a layer costs `directions x` its makespan (HD-MoE
/// counts the combine and charges the dispatch the same: `directions = 2`).
pub struct TierCost {
    net: Box<dyn Network>,
    /// Bytes of one token's hidden vector (HD-MoE: `4 h`, FP32); fractional when a profile of
    /// many tokens stands for a smaller batch (each message is rounded to whole bytes).
    pub bytes_per_token: f64,
    /// Phases charged per layer (2: dispatch and combine).
    pub directions: u32,
    msgs: Vec<Message>,
}

impl TierCost {
    pub fn new(net: Box<dyn Network>, bytes_per_token: f64, directions: u32) -> TierCost {
        TierCost {
            net,
            bytes_per_token,
            directions,
            msgs: Vec::new(),
        }
    }

    /// The combine messages of one layer.
    pub fn messages(
        traffic: &LayerTraffic,
        node_of_slot: &[NodeId],
        bytes_per_token: f64,
        out: &mut Vec<Message>,
    ) -> Result<()> {
        out.clear();
        let node = |s: u32| -> Result<NodeId> {
            node_of_slot.get(s as usize).copied().ok_or_else(|| {
                Error::Check(format!(
                    "link balance: slot {s} has no node ({} placed)",
                    node_of_slot.len()
                ))
            })
        };
        for g in traffic.groups() {
            let dst = node(g.aggregator)?;
            for &h in &g.holders {
                let src = node(h)?;
                if src != dst {
                    let id = out.len() as u64;
                    out.push(Message::new(
                        id,
                        src,
                        dst,
                        (g.tokens as f64 * bytes_per_token).round() as u64,
                        Tick::ZERO,
                    ));
                }
            }
        }
        Ok(())
    }
}

impl CommCost for TierCost {
    fn name(&self) -> String {
        format!("{} tier", self.net.name())
    }
    fn is_time(&self) -> bool {
        true
    }

    fn evaluate(&mut self, traffic: &[LayerTraffic], node_of_slot: &[NodeId]) -> Result<CommEval> {
        let nlinks = self.net.topology().links.len();
        let mut link_bytes = vec![0u64; nlinks];
        let mut total_ps = 0.0;
        let mut msgs = std::mem::take(&mut self.msgs);
        for t in traffic {
            TierCost::messages(t, node_of_slot, self.bytes_per_token, &mut msgs)?;
            let run = self.net.simulate(&msgs)?;
            total_ps += run.makespan.as_ps() as f64 * self.directions as f64;
            for (a, b) in link_bytes.iter_mut().zip(&run.link_bytes) {
                *a += b;
            }
        }
        self.msgs = msgs;
        Ok(CommEval {
            value: total_ps,
            link_bytes,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use moesim_core::{ClockDomain, MeshShape};
    use moesim_noc::routing::dor::DimensionOrderRouting;
    use moesim_noc::tier::{EndpointBandwidth, FlowNetwork, NetworkParams};
    use moesim_noc::topology::mesh::build_mesh;

    /// A flow tier on an `x` by `y` mesh of 50 GB/s links (50-byte flits at 1 GHz), no hop
    /// latency beyond one cycle, unlimited endpoints.
    pub(crate) fn flow_cost(x: u32, y: u32) -> TierCost {
        let topo = build_mesh(MeshShape::new(x, y), 1, 1);
        let mut p = NetworkParams::new(ClockDomain::from_ghz(1.0), 50);
        p.router_delay_cycles = 0;
        p.endpoint = EndpointBandwidth::Unlimited;
        let net = FlowNetwork::new(topo, Box::new(DimensionOrderRouting::xy()), p, true, "t");
        TierCost::new(Box::new(net), 4.0 * 4096.0, 2)
    }

    #[test]
    fn one_group_on_a_line() {
        let mut c = flow_cost(4, 1);
        let mut t = LayerTraffic::new(0);
        // slots 0 and 3 send 10 tokens of 16 KiB to slot 1.
        t.add(vec![0, 1, 3], 1, 10);
        let ident: Vec<NodeId> = (0..4).map(NodeId).collect();
        let e = c.evaluate(std::slice::from_ref(&t), &ident).unwrap();
        // 163840 B at 50 B/ns = 3276.8 ns, +1 or 2 hop cycles; twice.
        let one = 163_840.0 / 50.0 * 1e3;
        assert!((e.value - 2.0 * (one + 2000.0)).abs() < 1.0, "{}", e.value);
        assert_eq!(e.link_bytes.iter().sum::<u64>(), 163_840 * 3);
        // Moving slot 3 next to the aggregator saves a hop of latency and a link's bytes.
        let moved = vec![NodeId(0), NodeId(1), NodeId(3), NodeId(2)];
        let e2 = c.evaluate(std::slice::from_ref(&t), &moved).unwrap();
        assert_eq!(e2.link_bytes.iter().sum::<u64>(), 163_840 * 2);
        assert!(
            (e2.value - 2.0 * (one + 1000.0)).abs() < 1.0,
            "{}",
            e2.value
        );
        assert!(c.evaluate(&[t], &ident[..2]).is_err());
    }
}
