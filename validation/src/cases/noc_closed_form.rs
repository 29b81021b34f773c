//! The closed-form zero-load latency of the flit-level network (data/booksim/README.md, traced
//! in BookSim2 with `watch_packets`): a P-flit packet crossing H links (H + 1 routers) of the
//! 4-stage IQ router with 1-cycle links takes
//!
//! ```text
//! T0 = 2 + 5 (H + 1) + (P - 1) = 5 H + 6 + P   cycles
//! ```
//!
//! checked on every traffic pattern, with the pattern's mean H computed exactly over all sources
//! from BookSim's definition of the pattern (written out independently below), against the
//! packet latency simulated at a load low enough for packets to travel alone.

use crate::case::{Case, Check, Context, Tolerance};
use moesim::noc_config::NocSource;
use moesim::noc_point;
use moesim_core::{Coord, MeshShape, NodeId, Result};
use moesim_noc::NocConfig;
use moesim_noc::config::TrafficPattern;
use rayon::prelude::*;

/// The preset the patterns run on (8x8 mesh, DOR, 4 VCs x 8 flits, 4-flit packets).
const PRESET: &str = "mesh8x8_uniform_p4";

/// Offered load: packets rarely meet (0.0025 packets/node/cycle).
const RATE_FLITS: f64 = 0.01;

/// Offered load of the hotspot pattern, whose few destinations would otherwise queue packets at
/// their ejection ports.
const HOTSPOT_RATE_FLITS: f64 = 0.0025;

/// Sample period at [`RATE_FLITS`], long enough for about 1600 packets per sample; lower rates
/// get proportionally longer samples.
const SAMPLE_PERIOD_CYCLES: u64 = 10_000;

/// The `perm_seed` of the random-permutation pattern.
const PERM_SEED: u64 = 1;

/// Hot nodes of the hotspot pattern (two corners and a centre node).
const HOT_NODES: [u32; 3] = [0, 27, 63];

/// Pipeline constant: injection (2 cycles) plus ejection (one router stage of 5 cycles) minus
/// one of the P serialisation cycles.
fn t0(hops: f64, packet_flits: u32) -> f64 {
    5.0 * hops + 6.0 + packet_flits as f64
}

/// Where a pattern's destinations come from.
enum Dests {
    /// BookSim's definition, written out here: `(destination, probability)` of `src`.
    Formula(fn(src: u32, shape: MeshShape) -> Vec<(u32, f64)>),
    /// The model's own pattern: a random permutation drawn from moesim's generator (BookSim's
    /// draw from its own generator cannot be reproduced), enumerated over every source.
    Model,
}

/// One pattern: its native configuration, its destinations and the load it runs at.
struct Pattern {
    name: &'static str,
    native: fn() -> TrafficPattern,
    dests: Dests,
    rate_flits: f64,
}

fn bits(shape: MeshShape) -> u32 {
    (shape.len() as u32).trailing_zeros()
}

fn one(d: u32) -> Vec<(u32, f64)> {
    vec![(d, 1.0)]
}

/// Per-dimension shift of a coordinate (`tornado`, `neighbor`).
fn shifted(src: u32, shape: MeshShape, by: fn(u32) -> u32) -> u32 {
    let c = shape.coord(src as usize);
    let d = Coord::new((c.x + by(shape.x)) % shape.x, (c.y + by(shape.y)) % shape.y);
    shape.index(d) as u32
}

/// BookSim2's synthetic patterns (`trafficmanager`'s `TrafficPattern` classes).
const PATTERNS: &[Pattern] = &[
    Pattern {
        name: "uniform",
        native: || TrafficPattern::Uniform,
        dests: Dests::Formula(|_, s| {
            let n = s.len() as u32;
            (0..n).map(|d| (d, 1.0 / n as f64)).collect()
        }),
        rate_flits: RATE_FLITS,
    },
    Pattern {
        name: "transpose",
        native: || TrafficPattern::Transpose,
        dests: Dests::Formula(|src, s| {
            let (b, mask) = (bits(s), s.len() as u32 - 1);
            one(((src >> (b / 2)) | (src << (b / 2))) & mask)
        }),
        rate_flits: RATE_FLITS,
    },
    Pattern {
        name: "bitcomp",
        native: || TrafficPattern::Bitcomp,
        dests: Dests::Formula(|src, s| one(!src & (s.len() as u32 - 1))),
        rate_flits: RATE_FLITS,
    },
    Pattern {
        name: "bitrev",
        native: || TrafficPattern::Bitrev,
        dests: Dests::Formula(|src, s| {
            let b = bits(s);
            one((0..b).fold(0, |acc, i| acc | (((src >> i) & 1) << (b - 1 - i))))
        }),
        rate_flits: RATE_FLITS,
    },
    Pattern {
        name: "shuffle",
        native: || TrafficPattern::Shuffle,
        dests: Dests::Formula(|src, s| {
            let (b, mask) = (bits(s), s.len() as u32 - 1);
            one(((src << 1) & mask) | (src >> (b - 1)))
        }),
        rate_flits: RATE_FLITS,
    },
    Pattern {
        name: "tornado",
        native: || TrafficPattern::Tornado,
        dests: Dests::Formula(|src, s| one(shifted(src, s, |k| k.div_ceil(2) - 1))),
        rate_flits: RATE_FLITS,
    },
    Pattern {
        name: "neighbor",
        native: || TrafficPattern::Neighbor,
        dests: Dests::Formula(|src, s| one(shifted(src, s, |_| 1))),
        rate_flits: RATE_FLITS,
    },
    Pattern {
        name: "randperm",
        native: || TrafficPattern::Randperm {
            perm_seed: PERM_SEED,
        },
        dests: Dests::Model,
        rate_flits: RATE_FLITS,
    },
    Pattern {
        name: "hotspot",
        native: || TrafficPattern::Hotspot {
            nodes: HOT_NODES.to_vec(),
            rates: Vec::new(),
        },
        dests: Dests::Formula(|_, _| {
            let p = 1.0 / HOT_NODES.len() as f64;
            HOT_NODES.iter().map(|&d| (d, p)).collect()
        }),
        rate_flits: HOTSPOT_RATE_FLITS,
    },
];

/// `(destination, probability)` of every source of `p` on `cfg`'s network.
fn destinations(p: &Pattern, cfg: &NocConfig) -> Result<Vec<Vec<(u32, f64)>>> {
    let shape = cfg.topology.grid_shape();
    let n = shape.len() as u32;
    match &p.dests {
        Dests::Formula(f) => Ok((0..n).map(|src| f(src, shape)).collect()),
        Dests::Model => {
            let topo = moesim_noc::topology::build(&cfg.topology, p.name)?;
            let pattern = moesim_noc::traffic::build_pattern(&cfg.traffic.pattern, &topo, p.name)?;
            let mut rng = moesim_core::rng_from_seed(0);
            Ok((0..n)
                .map(|src| vec![(pattern.dest(NodeId(src), &mut rng).0, 1.0)])
                .collect())
        }
    }
}

/// The exact mean link-hop count over all sources under minimal routing on a mesh.
fn mean_hops(dests: &[Vec<(u32, f64)>], shape: MeshShape) -> f64 {
    let total: f64 = dests
        .iter()
        .enumerate()
        .flat_map(|(src, ds)| {
            ds.iter().map(move |&(dst, prob)| {
                let h = shape.coord(src).manhattan(shape.coord(dst as usize));
                prob * h as f64
            })
        })
        .sum();
    total / dests.len() as f64
}

/// The case.
pub fn cases() -> Vec<Case> {
    vec![Case {
        id: "noc_zero_load_closed_form",
        source: "data/booksim/README.md, \"Zero-load latency\": T0 = 5H + 6 + P, traced in \
                 BookSim2 with watch_packets",
        setup: "8x8 mesh, DOR, IQ router (RC, VA, SA, ST: 1 cycle each), 1-cycle links, 4 VCs \
                x 8 flits, 4-flit packets, Bernoulli injection at 0.01 flits/node/cycle with \
                10000-cycle samples (hotspot: 0.0025 with 40000-cycle samples, so packets do not \
                queue at the three hot nodes). One run per pattern (uniform, transpose, bitcomp, \
                bitrev, shuffle, tornado, neighbor, randperm with perm_seed 1, hotspot on nodes 0, \
                27, 63); H is the pattern's mean link-hop count computed exactly over all sources \
                from BookSim's definitions (randperm: from the model's permutation), \
                self-traffic included. Reference: T0(H); measured: the average packet latency. Two more checks \
                per pattern: the latency against T0 of the hop count the packets actually \
                measured (within half a cycle: the pipeline alone, free of which sources happened \
                to send), and that hop count against H.",
        run,
    }]
}

fn config(p: &Pattern) -> Result<NocConfig> {
    let mut cfg = NocSource::preset(PRESET)?.build(&[])?;
    cfg.traffic.pattern = (p.native)();
    cfg.traffic.injection_rate = p.rate_flits;
    cfg.traffic.injection_rate_uses_flits = true;
    cfg.sim.sample_period = (SAMPLE_PERIOD_CYCLES as f64 * RATE_FLITS / p.rate_flits) as u64;
    cfg.validate(&format!("{PRESET} ({})", p.name))?;
    Ok(cfg)
}

fn run(_: &Context) -> Result<Vec<Check>> {
    let runs: Vec<Result<Vec<Check>>> = PATTERNS
        .par_iter()
        .map(|p| {
            let cfg = config(p)?;
            let h = mean_hops(&destinations(p, &cfg)?, cfg.topology.grid_shape());
            let flits = cfg.traffic.packet_size;
            let point = noc_point::run(cfg, PRESET, p.name.to_string())?;
            Ok(vec![
                Check::new(
                    &format!("{}: zero-load latency T0 = 5H + 6 + P (H = {h:.4})", p.name),
                    "cycles",
                    t0(h, flits),
                    point.report.avg_packet_latency,
                    Tolerance::Relative { frac: 0.02 },
                ),
                Check::new(
                    &format!("{}: latency vs T0 of the measured hops", p.name),
                    "cycles",
                    t0(point.report.avg_hops_routers - 1.0, flits),
                    point.report.avg_packet_latency,
                    Tolerance::Absolute { abs: 0.5 },
                ),
                Check::new(
                    &format!("{}: mean link hops H", p.name),
                    "hops",
                    h,
                    point.report.avg_hops_routers - 1.0,
                    Tolerance::Relative { frac: 0.03 },
                ),
            ])
        })
        .collect();
    let mut out = Vec::new();
    for r in runs {
        out.extend(r?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_hop_counts_match_the_readme_and_hand_counts() {
        let s = MeshShape::new(8, 8);
        let formula = |n: &str| match &PATTERNS.iter().find(|p| p.name == n).unwrap().dests {
            Dests::Formula(f) => *f,
            Dests::Model => unreachable!("{n} has a formula"),
        };
        let all =
            |n: &str| -> Vec<Vec<(u32, f64)>> { (0..64).map(|src| formula(n)(src, s)).collect() };
        let by = |n: &str| all(n);
        // E[H] = 2 (k^2 - 1) / (3k) with self-traffic: 5.25 for k = 8; T0 = 36.25 for P = 4.
        assert!((mean_hops(&by("uniform"), s) - 5.25).abs() < 1e-12);
        assert!((t0(5.25, 4) - 36.25).abs() < 1e-12);
        // Transpose: 2|x - y| averaged over the grid = 2 * 21/8 = 5.25 as well.
        assert!((mean_hops(&by("transpose"), s) - 5.25).abs() < 1e-12);
        // Bitcomp: |7 - 2x| + |7 - 2y| averaged = 2 * 4 = 8.
        assert!((mean_hops(&by("bitcomp"), s) - 8.0).abs() < 1e-12);
        // Neighbor: +1 in x and y with wrap: (7*1 + 7) / 8 per dimension = 1.75 each.
        assert!((mean_hops(&by("neighbor"), s) - 3.5).abs() < 1e-12);
        // Tornado on k = 8: shift by 3; per dimension (5*3 + 3*5) / 8 = 3.75.
        assert!((mean_hops(&by("tornado"), s) - 7.5).abs() < 1e-12);
        // Transpose maps (x, y) to (y, x) in BookSim numbering.
        let t = formula("transpose")(s.index(Coord::new(1, 5)) as u32, s);
        assert_eq!(t, vec![(s.index(Coord::new(5, 1)) as u32, 1.0)]);
        for p in PATTERNS {
            let cfg = config(p).unwrap();
            let d = destinations(p, &cfg).unwrap();
            assert_eq!(d.len(), 64);
            for ds in &d {
                let total: f64 = ds.iter().map(|d| d.1).sum();
                assert!((total - 1.0).abs() < 1e-12, "{}", p.name);
            }
        }
        // The model's random permutation is a permutation.
        let rp = PATTERNS.iter().find(|p| p.name == "randperm").unwrap();
        let mut dst: Vec<u32> = destinations(rp, &config(rp).unwrap())
            .unwrap()
            .iter()
            .map(|d| d[0].0)
            .collect();
        dst.sort_unstable();
        assert_eq!(dst, (0..64).collect::<Vec<u32>>());
    }
}
