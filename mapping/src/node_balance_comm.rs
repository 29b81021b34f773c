//! HD-MoE's communication phase of one MoE layer as network messages, its linear surrogate, and
//! the fit of the surrogate's slope gamma on a network tier (papers.md section 4.1).
//!
//! For every expert group `g` (a token's top-k set, frequency `f_g`), every node holding part of
//! an expert of `g` sends `f_g B h` FP32 elements to one aggregator: the lowest-numbered holder
//! of an expert of `g` drawn at random (seeded). A logical node `c` sits at network node
//! `node_map[c]`. The surrogate is the busiest node's injected bytes over the link bandwidth.

use crate::ep_random::{ep_shares, random_node_map};
use crate::node_balance_load::LayerLoad;
use crate::node_balance_shares::Shares;
use moesim_core::rng::{SimRng, rng_from_seed};
use moesim_core::{NodeId, Result, Tick};
use moesim_noc::tier::link_scheduler_fit::{GammaFit, fit_gamma, surrogate_ps};
use moesim_noc::tier::{Message, Network};
use rand::RngExt;

/// FP32 activations, as HD-MoE's communication model.
pub const BYTES_PER_ELEMENT: f64 = 4.0;

/// One layer's messages and the bytes each logical node sends (the surrogate's load, which
/// counts a holder once per group even when it is the aggregator).
#[derive(Clone, Debug, PartialEq)]
pub struct LayerMessages {
    pub messages: Vec<Message>,
    pub node_bytes: Vec<f64>,
}

/// The messages of one layer at batch `batch` and hidden size `hidden`.
pub fn layer_messages(
    shares: &Shares,
    node_map: &[usize],
    load: &LayerLoad,
    batch: u32,
    hidden: u64,
    rng: &mut SimRng,
) -> LayerMessages {
    let mut messages = Vec::new();
    let mut node_bytes = vec![0.0; shares.num_nodes];
    let holders: Vec<Vec<usize>> = (0..shares.num_experts).map(|i| shares.holders(i)).collect();
    let mut touched = vec![false; shares.num_nodes];
    for g in &load.groups {
        let bytes = BYTES_PER_ELEMENT * g.freq * f64::from(batch) * hidden as f64;
        let pick = g.experts[rng.random_range(0..g.experts.len())] as usize;
        let Some(&agg) = holders.get(pick).and_then(|h| h.first()) else {
            continue;
        };
        touched.iter_mut().for_each(|t| *t = false);
        for &i in &g.experts {
            for &c in holders.get(i as usize).map_or(&[][..], |h| h.as_slice()) {
                touched[c] = true;
            }
        }
        for (c, _) in touched.iter().enumerate().filter(|(_, t)| **t) {
            node_bytes[c] += bytes;
            let id = messages.len() as u64;
            messages.push(Message::new(
                id,
                NodeId(node_map[c] as u32),
                NodeId(node_map[agg] as u32),
                bytes.round() as u64,
                Tick::ZERO,
            ));
        }
    }
    LayerMessages {
        messages,
        node_bytes,
    }
}

/// The surrogate of `m` in picoseconds at `bytes_per_ps` per link.
pub fn surrogate_of(m: &LayerMessages, bytes_per_ps: f64) -> f64 {
    surrogate_ps(&m.node_bytes, bytes_per_ps)
}

/// Fits gamma for a configuration: `samples` random placements (EP placements and random
/// partial splits, each on a random node map) of the layers of `loads`, each simulated on `net`
/// and compared with its surrogate. `net`'s nodes are the logical nodes.
pub fn fit_gamma_on(
    loads: &[LayerLoad],
    net: &mut dyn Network,
    link_bytes_per_ps: f64,
    batch: u32,
    hidden: u64,
    samples: usize,
    seed: u64,
) -> Result<Option<GammaFit>> {
    let d = net.topology().num_nodes();
    let mut rng = rng_from_seed(seed);
    let mut points = Vec::with_capacity(samples);
    for s in 0..samples {
        let Some(load) = loads.get(s % loads.len().max(1)) else {
            break;
        };
        let e = load.num_experts as usize;
        let shares = if s % 2 == 0 {
            ep_shares(e, d, &mut rng)
        } else {
            random_split(e, d, &mut rng)
        };
        let map = random_node_map(d, &mut rng);
        let m = layer_messages(&shares, &map, load, batch, hidden, &mut rng);
        let run = net.simulate(&m.messages)?;
        points.push((
            surrogate_of(&m, link_bytes_per_ps),
            run.makespan.as_ps() as f64,
        ));
    }
    Ok(fit_gamma(&points))
}

/// Every expert split evenly over a random number (1..=D) of random nodes.
pub fn random_split(num_experts: usize, num_nodes: usize, rng: &mut SimRng) -> Shares {
    let mut s = Shares::zeros(num_experts, num_nodes);
    for i in 0..num_experts {
        let k = rng.random_range(1..=num_nodes);
        let nodes = crate::ep_random::shuffled((0..num_nodes).collect(), rng);
        for &c in &nodes[..k] {
            s.set(i, c, 1.0 / k as f64);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use moesim_workloads::routing::RoutingTable;

    #[test]
    fn holders_send_to_one_aggregator() {
        let t = RoutingTable::from_vec(1, 2, 2, vec![0, 1, 0, 1]);
        let l = LayerLoad::of_layer(t.layer(0), 2);
        let mut s = Shares::zeros(2, 3);
        s.set(0, 0, 1.0);
        s.set(1, 1, 0.5);
        s.set(1, 2, 0.5);
        let m = layer_messages(&s, &[0, 1, 2], &l, 8, 16, &mut rng_from_seed(1));
        // one group (f = 1): three holders, 4 x 8 x 16 bytes each
        assert_eq!(m.messages.len(), 3);
        assert!(m.messages.iter().all(|x| x.bytes == 512));
        let dst = m.messages[0].dst;
        assert!(m.messages.iter().all(|x| x.dst == dst));
        assert_eq!(m.node_bytes, vec![512.0; 3]);
        assert_eq!(surrogate_of(&m, 2.0), 256.0);
    }
}
