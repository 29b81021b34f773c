//! Synthetic traffic: destination patterns (BookSim's `traffic`, one per file) and the packet
//! arrival process (BookSim's `injection_process`), combined into a [`SyntheticSource`] that the
//! flit network draws packets from.
//!
//! Patterns are defined on node ids (node `n` attaches to router `n / c`, BookSim's order).
//! Bit-permutation patterns need a power-of-two node count, `transpose` a square router grid;
//! other shapes are configuration errors naming `traffic.pattern`. Nodes of failed routers
//! neither send nor receive: `uniform` and `randperm` use the active nodes only, and a
//! permutation that sends an active node's packets to a failed one is an error.
//!
//! Every node draws from its own random stream, seeded from the run's seed and the node id, so
//! a run is the same bit for bit for the same seed.

pub mod bernoulli;
pub mod bitcomp;
pub mod bitrev;
pub mod hotspot;
pub mod neighbor;
pub mod randperm;
pub mod shuffle;
pub mod tornado;
pub mod transpose;
pub mod uniform;

use crate::config::{InjectionProcess, TrafficConfig, TrafficPattern};
use crate::topology::Topology;
use moesim_core::rng::derive_seed;
use moesim_core::{Error, NodeId, Result, SimRng, rng_from_seed};

/// A destination pattern.
pub trait Pattern: Send {
    /// BookSim's name.
    fn name(&self) -> &'static str;
    /// The destination of a packet from `src`.
    fn dest(&self, src: NodeId, rng: &mut SimRng) -> NodeId;
}

/// A packet arrival process at one node.
pub trait ArrivalProcess: Send {
    fn name(&self) -> &'static str;
    /// The cycle of the first packet (0-based).
    fn first(&self, rng: &mut SimRng) -> u64;
    /// Cycles from one packet to the next (at least 1).
    fn gap(&self, rng: &mut SimRng) -> u64;
}

/// The error for a pattern that does not fit the topology.
pub(crate) fn misfit(origin: &str, pattern: &str, topo: &Topology, need: &str) -> Error {
    Error::config(
        origin,
        "traffic.pattern",
        format!(
            "`{pattern}` needs {need}; {} has {} nodes ({}x{} routers, {} per router)",
            topo.name,
            topo.num_nodes(),
            topo.shape.x,
            topo.shape.y,
            topo.num_nodes() / topo.num_routers().max(1)
        ),
    )
    .allowed(
        "uniform, randperm, hotspot, tornado or neighbor on any grid; transpose on a square \
         grid; bitcomp, bitrev or shuffle with a power-of-two node count",
    )
}

/// Nodes per router.
pub(crate) fn concentration(topo: &Topology) -> usize {
    (topo.num_nodes() / topo.num_routers().max(1)).max(1)
}

/// The number of address bits of a power-of-two node count, or an error for `pattern`.
pub(crate) fn pow2_bits(topo: &Topology, pattern: &str, origin: &str) -> Result<u32> {
    let n = topo.num_nodes();
    if n.is_power_of_two() && n > 1 {
        Ok(n.trailing_zeros())
    } else {
        Err(misfit(origin, pattern, topo, "a power-of-two node count"))
    }
}

/// The pattern configured by `cfg` for `topo`.
pub fn build_pattern(
    cfg: &TrafficPattern,
    topo: &Topology,
    origin: &str,
) -> Result<Box<dyn Pattern>> {
    let p: Box<dyn Pattern> = match cfg {
        TrafficPattern::Uniform => Box::new(uniform::Uniform::new(topo, origin)?),
        TrafficPattern::Transpose => Box::new(transpose::Transpose::new(topo, origin)?),
        TrafficPattern::Bitcomp => Box::new(bitcomp::BitComp::new(topo, origin)?),
        TrafficPattern::Bitrev => Box::new(bitrev::BitRev::new(topo, origin)?),
        TrafficPattern::Shuffle => Box::new(shuffle::Shuffle::new(topo, origin)?),
        TrafficPattern::Tornado => Box::new(tornado::Tornado::new(topo)),
        TrafficPattern::Neighbor => Box::new(neighbor::Neighbor::new(topo)),
        TrafficPattern::Randperm { perm_seed } => {
            Box::new(randperm::RandPerm::new(topo, *perm_seed, origin)?)
        }
        TrafficPattern::Hotspot { nodes, rates } => {
            Box::new(hotspot::HotSpot::new(topo, nodes, rates, origin)?)
        }
    };
    check_active(p.as_ref(), topo, origin)?;
    Ok(p)
}

/// Rejects a deterministic pattern that maps an active node to a failed one.
fn check_active(p: &dyn Pattern, topo: &Topology, origin: &str) -> Result<()> {
    if !topo.has_faults() || matches!(p.name(), "uniform" | "randperm" | "hotspot") {
        return Ok(());
    }
    let mut rng = rng_from_seed(0);
    for n in topo.active_nodes() {
        let d = p.dest(n, &mut rng);
        if !topo.is_node_active(d) {
            return Err(Error::config(
                origin,
                "traffic.pattern",
                format!(
                    "`{}` sends node {n}'s packets to node {d}, whose router has failed",
                    p.name()
                ),
            )
            .allowed("uniform, randperm or hotspot on a topology with failed routers"));
        }
    }
    Ok(())
}

/// The arrival process configured by `cfg` (packets per node per cycle from the rate).
pub fn build_process(cfg: &TrafficConfig) -> Result<Box<dyn ArrivalProcess>> {
    let per_cycle = packets_per_cycle(cfg);
    Ok(match cfg.injection_process {
        InjectionProcess::Bernoulli => Box::new(bernoulli::Bernoulli::new(per_cycle)?),
    })
}

/// Packets per node per cycle offered by `cfg`.
pub fn packets_per_cycle(cfg: &TrafficConfig) -> f64 {
    if cfg.injection_rate_uses_flits {
        cfg.injection_rate / cfg.packet_size.max(1) as f64
    } else {
        cfg.injection_rate
    }
}

/// Synthetic packets: where they go, when they come, how long they are.
pub struct SyntheticSource {
    pub pattern: Box<dyn Pattern>,
    pub process: Box<dyn ArrivalProcess>,
    pub packet_flits: u32,
    /// Packet latency counts source queueing (BookSim's `include_queuing`).
    pub include_queuing: bool,
    rngs: Vec<SimRng>,
    active: Vec<bool>,
}

impl SyntheticSource {
    /// The source of `cfg` on `topo`, with per-node streams derived from `seed`.
    pub fn new(
        cfg: &TrafficConfig,
        include_queuing: bool,
        seed: u64,
        topo: &Topology,
        origin: &str,
    ) -> Result<SyntheticSource> {
        cfg.validate(origin)?;
        let n = topo.num_nodes();
        Ok(SyntheticSource {
            pattern: build_pattern(&cfg.pattern, topo, origin)?,
            process: build_process(cfg)?,
            packet_flits: cfg.packet_size,
            include_queuing,
            rngs: (0..n as u64)
                .map(|i| rng_from_seed(derive_seed(seed, i)))
                .collect(),
            active: (0..n)
                .map(|i| topo.is_node_active(NodeId(i as u32)))
                .collect(),
        })
    }
    /// The first arrival at `node` ([`u64::MAX`] for a node that does not send).
    pub fn first_arrival(&mut self, node: usize) -> u64 {
        if self.active[node] {
            self.process.first(&mut self.rngs[node])
        } else {
            u64::MAX
        }
    }
    /// Cycles to the next arrival at `node`.
    pub fn next_gap(&mut self, node: usize) -> u64 {
        self.process.gap(&mut self.rngs[node])
    }
    /// The destination of a new packet from `node`.
    pub fn dest(&mut self, node: usize) -> NodeId {
        self.pattern.dest(NodeId(node as u32), &mut self.rngs[node])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TopologyConfig;
    use crate::topology;

    fn mesh(x: u32, y: u32) -> Topology {
        topology::build(&TopologyConfig::mesh(x, y), "t").unwrap()
    }

    /// On an 8x8 mesh every permutation pattern is a permutation and matches BookSim's formula.
    #[test]
    fn patterns_on_8x8() {
        let t = mesh(8, 8);
        let mut rng = rng_from_seed(1);
        let d = |p: &TrafficPattern, s: u32| {
            build_pattern(p, &t, "t")
                .unwrap()
                .dest(NodeId(s), &mut rng_from_seed(0))
        };
        // transpose: (x,y) -> (y,x); node 1 = (1,0) -> (0,1) = 8.
        assert_eq!(d(&TrafficPattern::Transpose, 1), NodeId(8));
        assert_eq!(d(&TrafficPattern::Transpose, 9), NodeId(9));
        // bitcomp: (x,y) -> (7-x, 7-y).
        assert_eq!(d(&TrafficPattern::Bitcomp, 0), NodeId(63));
        // bitrev of 6 bits: 000001 -> 100000.
        assert_eq!(d(&TrafficPattern::Bitrev, 1), NodeId(32));
        // shuffle: rotate left: 100000 -> 000001.
        assert_eq!(d(&TrafficPattern::Shuffle, 32), NodeId(1));
        // tornado on k=8: +3 in each dimension.
        assert_eq!(d(&TrafficPattern::Tornado, 0), NodeId(3 + 3 * 8));
        // neighbor: +1 in each dimension, wrapping.
        assert_eq!(d(&TrafficPattern::Neighbor, 63), NodeId(0));
        for p in [
            TrafficPattern::Transpose,
            TrafficPattern::Bitcomp,
            TrafficPattern::Bitrev,
            TrafficPattern::Shuffle,
            TrafficPattern::Tornado,
            TrafficPattern::Neighbor,
            TrafficPattern::Randperm { perm_seed: 3 },
        ] {
            let pat = build_pattern(&p, &t, "t").unwrap();
            let mut seen = [false; 64];
            for s in 0..64 {
                seen[pat.dest(NodeId(s), &mut rng).index()] = true;
            }
            assert!(seen.iter().all(|&b| b), "{p:?} is not a permutation");
        }
    }

    #[test]
    fn shape_errors_name_the_key() {
        let t = mesh(6, 6);
        for p in [
            TrafficPattern::Bitcomp,
            TrafficPattern::Bitrev,
            TrafficPattern::Shuffle,
        ] {
            let e = build_pattern(&p, &t, "f.toml").err().unwrap().to_string();
            assert!(
                e.contains("f.toml") && e.contains("traffic.pattern") && e.contains("power-of-two"),
                "{e}"
            );
        }
        build_pattern(&TrafficPattern::Transpose, &t, "f").unwrap();
        let e = build_pattern(&TrafficPattern::Transpose, &mesh(8, 4), "f")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("square"), "{e}");
        for p in [
            TrafficPattern::Tornado,
            TrafficPattern::Neighbor,
            TrafficPattern::Uniform,
        ] {
            build_pattern(&p, &mesh(5, 3), "f").unwrap();
        }
    }

    #[test]
    fn source_rates_and_streams() {
        let t = mesh(4, 4);
        let cfg = TrafficConfig {
            injection_rate: 0.4,
            injection_rate_uses_flits: true,
            packet_size: 4,
            ..TrafficConfig::default()
        };
        assert!((packets_per_cycle(&cfg) - 0.1).abs() < 1e-12);
        let mut a = SyntheticSource::new(&cfg, true, 7, &t, "t").unwrap();
        let mut b = SyntheticSource::new(&cfg, true, 7, &t, "t").unwrap();
        for n in 0..16 {
            assert_eq!(a.first_arrival(n), b.first_arrival(n));
            assert_eq!(a.dest(n), b.dest(n));
        }
        // Mean gap of a Bernoulli process is 1/p.
        let gaps: u64 = (0..20_000).map(|_| a.next_gap(3)).sum();
        let mean = gaps as f64 / 20_000.0;
        assert!((mean - 10.0).abs() < 0.3, "{mean}");
    }
}
