//! The link-scheduler tier: HD-MoE's discrete-event communication model (papers.md section 4.1).
//!
//! Every message is cut into `chunks` equal chunks released together. A chunk crosses its path
//! one link at a time (store and forward, no router latency: the paper gives link bandwidth as
//! the only network parameter). Each link keeps its busy intervals; a chunk arriving at time `t`
//! takes the first idle time at or after `t` and, when the idle gap before the next booked
//! interval is shorter than its transmission, sends what fits and waits for the next gap for the
//! rest. Chunks are served in order of their ready time (ties by the order they became ready),
//! so the result does not depend on anything but the message list.
//!
//! ```text
//! on link k at time t, chunk of b bytes:  t' = first idle instant >= t on k
//!                                          dt = min(b / bw(k), gap(t'))
//!                                          book [t', t' + dt) on k
//! ```
//!
//! The message finishes when its last chunk leaves its last link. Endpoint channels are not
//! modelled (the model has links only).

use super::link_load::LinkLoad;
use super::params::NetworkParams;
use super::routes::RouteTable;
use super::{Message, Network, NetworkRun, tick_of_ps};
use crate::routing::RoutingFunction;
use crate::topology::Topology;
use moesim_core::{Result, Tick};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The link-scheduler tier.
pub struct LinkScheduler {
    routes: RouteTable,
    chunks: u32,
}

impl LinkScheduler {
    /// A scheduler cutting every message into `chunks` (at least 1).
    pub fn new(
        topo: Topology,
        routing: Box<dyn RoutingFunction>,
        params: NetworkParams,
        chunks: u32,
        origin: &str,
    ) -> LinkScheduler {
        LinkScheduler {
            routes: RouteTable::new(topo, routing, params, origin),
            chunks: chunks.max(1),
        }
    }

    pub fn chunks(&self) -> u32 {
        self.chunks
    }
}

/// The busy intervals of every link after a [`schedule`] call.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schedule {
    /// Per message: when its last chunk left its last link (its release if the path is empty).
    pub finish_ps: Vec<f64>,
    /// Per link: disjoint busy intervals `[start, end)` in picoseconds, sorted.
    pub busy_ps: Vec<Vec<(f64, f64)>>,
}

impl Schedule {
    /// Total busy time of `link` in picoseconds.
    pub fn busy_time_ps(&self, link: usize) -> f64 {
        self.busy_ps[link].iter().map(|(s, e)| e - s).sum()
    }
}

/// Relative tolerance under which two interval ends are treated as touching.
const TOUCH_PS: f64 = 1e-6;

/// Runs the scheduler: message `m` of `bytes[m]` bytes released at `release_ps[m]` follows the
/// links `paths[m]` (indices into `bytes_per_ps`).
pub fn schedule(
    paths: &[&[u32]],
    bytes: &[f64],
    release_ps: &[f64],
    chunks: u32,
    bytes_per_ps: &[f64],
) -> Schedule {
    let chunks = chunks.max(1);
    let mut busy: Vec<Vec<(f64, f64)>> = vec![Vec::new(); bytes_per_ps.len()];
    let mut finish: Vec<f64> = release_ps.to_vec();
    // (ready time bits, sequence) -> (message, hop, bytes left on this hop)
    let mut heap: BinaryHeap<Reverse<(u64, u64)>> = BinaryHeap::new();
    let mut state: Vec<(usize, usize, f64)> = Vec::new();
    let push = |heap: &mut BinaryHeap<Reverse<(u64, u64)>>,
                state: &mut Vec<(usize, usize, f64)>,
                t: f64,
                s: (usize, usize, f64)| {
        let seq = state.len() as u64;
        state.push(s);
        heap.push(Reverse((t.max(0.0).to_bits(), seq)));
    };
    for (m, path) in paths.iter().enumerate() {
        if path.is_empty() || bytes[m] <= 0.0 {
            continue;
        }
        let chunk = bytes[m] / f64::from(chunks);
        for _ in 0..chunks {
            push(&mut heap, &mut state, release_ps[m], (m, 0, chunk));
        }
    }
    while let Some(Reverse((tb, seq))) = heap.pop() {
        let t = f64::from_bits(tb);
        let (m, hop, left) = state[seq as usize];
        let link = paths[m][hop] as usize;
        let bw = bytes_per_ps[link];
        let (start, gap) = first_idle(&busy[link], t);
        let need = left / bw;
        let dt = need.min(gap);
        book(&mut busy[link], start, start + dt);
        let end = start + dt;
        if dt < need {
            push(&mut heap, &mut state, end, (m, hop, left - dt * bw));
        } else if hop + 1 < paths[m].len() {
            let chunk = bytes[m] / f64::from(chunks);
            push(&mut heap, &mut state, end, (m, hop + 1, chunk));
        } else {
            finish[m] = finish[m].max(end);
        }
    }
    Schedule {
        finish_ps: finish,
        busy_ps: busy,
    }
}

/// The first idle instant at or after `t` on a link with sorted disjoint intervals `iv`, and the
/// length of the idle gap that starts there (infinite after the last interval).
fn first_idle(iv: &[(f64, f64)], t: f64) -> (f64, f64) {
    // first interval ending after t
    let mut i = iv.partition_point(|&(_, e)| e <= t);
    let mut cur = t;
    while i < iv.len() {
        let (s, e) = iv[i];
        if s > cur + TOUCH_PS {
            return (cur, s - cur);
        }
        cur = cur.max(e);
        i += 1;
    }
    (cur, f64::INFINITY)
}

/// Books `[s, e)` (idle on the link), merging with touching neighbours.
fn book(iv: &mut Vec<(f64, f64)>, s: f64, e: f64) {
    if e <= s {
        return;
    }
    let i = iv.partition_point(|&(a, _)| a < s);
    let joins_prev = i > 0 && (iv[i - 1].1 - s).abs() <= TOUCH_PS;
    let joins_next = i < iv.len() && (iv[i].0 - e).abs() <= TOUCH_PS;
    match (joins_prev, joins_next) {
        (true, true) => {
            iv[i - 1].1 = iv[i].1;
            iv.remove(i);
        }
        (true, false) => iv[i - 1].1 = e,
        (false, true) => iv[i].0 = s,
        (false, false) => iv.insert(i, (s, e)),
    }
}

impl Network for LinkScheduler {
    fn name(&self) -> &'static str {
        "link_scheduler"
    }
    fn topology(&self) -> &Topology {
        self.routes.topology()
    }
    fn params(&self) -> &NetworkParams {
        self.routes.params()
    }

    fn simulate(&mut self, msgs: &[Message]) -> Result<NetworkRun> {
        let nlinks = self.routes.resources().num_links;
        let mut refs = Vec::with_capacity(msgs.len());
        for m in msgs {
            self.routes.check_node(m.src, m.id)?;
            self.routes.check_node(m.dst, m.id)?;
            refs.push(self.routes.route(m.src, m.dst)?);
        }
        // links only: endpoint resources (indices >= nlinks) are not part of the model
        let paths: Vec<Vec<u32>> = refs
            .iter()
            .map(|&r| {
                self.routes
                    .path(r)
                    .iter()
                    .copied()
                    .filter(|&k| (k as usize) < nlinks)
                    .collect()
            })
            .collect();
        let path_refs: Vec<&[u32]> = paths.iter().map(|p| p.as_slice()).collect();
        let bytes: Vec<f64> = msgs.iter().map(|m| m.bytes as f64).collect();
        let release: Vec<f64> = msgs.iter().map(|m| m.release.as_ps() as f64).collect();
        let cap = &self.routes.resources().bytes_per_ps[..nlinks];
        let s = schedule(&path_refs, &bytes, &release, self.chunks, cap);
        let finish: Vec<Tick> = s.finish_ps.iter().map(|&f| tick_of_ps(f)).collect();
        let start = msgs.iter().map(|m| m.release).min().unwrap_or(Tick::ZERO);
        let mut link_load = LinkLoad::new(nlinks, self.routes.params().window, start);
        let mut link_bytes = vec![0u64; nlinks];
        for (m, p) in msgs.iter().zip(&paths) {
            for &k in p {
                link_bytes[k as usize] += m.bytes;
            }
        }
        for (k, iv) in s.busy_ps.iter().enumerate() {
            for &(a, b) in iv {
                link_load.add_interval(k, a, b, cap[k]);
            }
        }
        link_load.finish();
        Ok(NetworkRun::new(self.name(), finish, link_bytes, link_load))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::dor::DimensionOrderRouting;
    use crate::topology::mesh::build_mesh;
    use moesim_core::{ClockDomain, MeshShape, NodeId};

    fn net(chunks: u32) -> LinkScheduler {
        let topo = build_mesh(MeshShape::new(4, 1), 1, 1);
        // 1 GHz, 10-byte flits: 10 B/ns links
        let p = NetworkParams::new(ClockDomain::from_ghz(1.0), 10);
        LinkScheduler::new(topo, Box::new(DimensionOrderRouting::xy()), p, chunks, "t")
    }

    #[test]
    fn lone_message_is_store_and_forward_of_chunks() {
        // 1000 B over 3 links at 10 B/ns: one chunk pays 100 ns per hop; 4 chunks pipeline:
        // 25 ns per chunk-hop, (4 + 3 - 1) x 25 = 150 ns
        let m = Message::new(0, NodeId(0), NodeId(3), 1000, Tick::ZERO);
        assert_eq!(
            net(1).simulate(&[m]).unwrap().finish[0],
            Tick::from_ns(300.0)
        );
        let run = net(4).simulate(&[m]).unwrap();
        assert_eq!(run.finish[0], Tick::from_ns(150.0));
        assert_eq!(run.link_bytes.iter().sum::<u64>(), 3000);
    }

    #[test]
    fn shared_link_serialises_and_gaps_are_filled() {
        // a: 0->2 and b: 1->2 share link 1->2; each 500 B = 50 ns per link.
        let a = Message::new(0, NodeId(0), NodeId(2), 500, Tick::ZERO);
        let b = Message::new(1, NodeId(1), NodeId(2), 500, Tick::ZERO);
        let run = net(1).simulate(&[a, b]).unwrap();
        // b books 1->2 at [0,50); a arrives at 50 and takes [50,100)
        assert_eq!(run.finish[1], Tick::from_ns(50.0));
        assert_eq!(run.finish[0], Tick::from_ns(100.0));
        // gap filling: a short interval booked later fits before a later one
        let mut iv = vec![(100.0, 200.0)];
        assert_eq!(first_idle(&iv, 0.0), (0.0, 100.0));
        assert_eq!(first_idle(&iv, 150.0).0, 200.0);
        book(&mut iv, 0.0, 100.0);
        assert_eq!(iv, vec![(0.0, 200.0)]);
        let s = schedule(&[&[0][..]], &[50.0], &[0.0], 1, &[1.0]);
        assert_eq!(s.finish_ps, vec![50.0]);
        assert_eq!(s.busy_time_ps(0), 50.0);
        let local = Message::new(2, NodeId(1), NodeId(1), 500, Tick::from_ns(3.0));
        assert_eq!(
            net(2).simulate(&[local]).unwrap().finish[0],
            Tick::from_ns(3.0)
        );
    }

    #[test]
    fn a_later_chunk_waits_for_the_link() {
        let paths: [&[u32]; 2] = [&[1, 0], &[0]];
        let s = schedule(&paths, &[10.0, 15.0], &[0.0, 0.0], 1, &[1.0, 1.0]);
        // message 0 reaches link 0 at 10 (after link 1), message 1 starts on link 0 at 0 and
        // holds it to 15; message 0 then runs [15, 25)
        assert_eq!(s.finish_ps, vec![25.0, 15.0]);
        let s = schedule(&[&[0][..], &[0][..]], &[5.0, 5.0], &[0.0, 2.0], 1, &[1.0]);
        assert_eq!(s.finish_ps, vec![5.0, 10.0]);
    }
}

#[cfg(test)]
mod config_tests {
    use crate::config::RoutingConfig;
    use crate::tier::{Message, NetworkParams, TierConfig};
    use crate::topology::mesh::build_mesh;
    use moesim_core::{ClockDomain, MeshShape, NodeId, Tick};

    #[test]
    fn selected_by_kind_and_checked() {
        let topo = build_mesh(MeshShape::new(3, 3), 1, 1);
        let p = NetworkParams::new(ClockDomain::from_ghz(1.0), 16);
        let c: TierConfig =
            moesim_core::config::from_toml_str("x.toml", "kind = \"link_scheduler\"\nchunks = 4")
                .unwrap();
        assert_eq!(c.kind(), "link_scheduler");
        let mut net = c.build(&topo, &RoutingConfig::Dor, &p, "x.toml").unwrap();
        let msgs = [Message::new(0, NodeId(0), NodeId(8), 1600, Tick::ZERO)];
        // 4 hops, 4 chunks of 25 ns: (4 + 4 - 1) x 25 ns
        assert_eq!(net.simulate(&msgs).unwrap().finish[0], Tick::from_ns(175.0));
        let bad: TierConfig =
            moesim_core::config::from_toml_str("x.toml", "kind = \"link_scheduler\"\nchunks = 0")
                .unwrap();
        let e = bad
            .build(&topo, &RoutingConfig::Dor, &p, "x.toml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("network.tier.chunks"), "{e}");
    }
}
