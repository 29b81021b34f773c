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
use moesim_core::{Coord, MeshShape, Result};
use moesim_noc::NocConfig;
use moesim_noc::config::TrafficPattern;
use rayon::prelude::*;

/// The preset the patterns run on (8x8 mesh, DOR, 4 VCs x 8 flits, 4-flit packets).
const PRESET: &str = "mesh8x8_uniform_p4";

/// Offered load: packets rarely meet (0.0025 packets/node/cycle).
const RATE_FLITS: f64 = 0.01;

/// Sample period, long enough for a few thousand packets per sample.
const SAMPLE_PERIOD_CYCLES: u64 = 10_000;

/// Hot nodes of the hotspot pattern (two corners and a centre node).
const HOT_NODES: [u32; 3] = [0, 27, 63];

/// Pipeline constant: injection (2 cycles) plus ejection (one router stage of 5 cycles) minus
/// one of the P serialisation cycles.
fn t0(hops: f64, packet_flits: u32) -> f64 {
    5.0 * hops + 6.0 + packet_flits as f64
}

/// One pattern: its native configuration and its destinations with probabilities.
struct Pattern {
    name: &'static str,
    native: fn() -> TrafficPattern,
    /// `(destination, probability)` of `src` in an N-node network of `bits = log2 N`.
    dests: fn(src: u32, shape: MeshShape) -> Vec<(u32, f64)>,
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
        dests: |_, s| {
            let n = s.len() as u32;
            (0..n).map(|d| (d, 1.0 / n as f64)).collect()
        },
    },
    Pattern {
        name: "transpose",
        native: || TrafficPattern::Transpose,
        dests: |src, s| {
            let (b, mask) = (bits(s), s.len() as u32 - 1);
            one(((src >> (b / 2)) | (src << (b / 2))) & mask)
        },
    },
    Pattern {
        name: "bitcomp",
        native: || TrafficPattern::Bitcomp,
        dests: |src, s| one(!src & (s.len() as u32 - 1)),
    },
    Pattern {
        name: "bitrev",
        native: || TrafficPattern::Bitrev,
        dests: |src, s| {
            let b = bits(s);
            one((0..b).fold(0, |acc, i| acc | (((src >> i) & 1) << (b - 1 - i))))
        },
    },
    Pattern {
        name: "shuffle",
        native: || TrafficPattern::Shuffle,
        dests: |src, s| {
            let (b, mask) = (bits(s), s.len() as u32 - 1);
            one(((src << 1) & mask) | (src >> (b - 1)))
        },
    },
    Pattern {
        name: "tornado",
        native: || TrafficPattern::Tornado,
        dests: |src, s| one(shifted(src, s, |k| (k + 1) / 2 - 1)),
    },
    Pattern {
        name: "neighbor",
        native: || TrafficPattern::Neighbor,
        dests: |src, s| one(shifted(src, s, |_| 1)),
    },
    Pattern {
        name: "hotspot",
        native: || TrafficPattern::Hotspot {
            nodes: HOT_NODES.to_vec(),
            rates: Vec::new(),
        },
        dests: |_, _| {
            let p = 1.0 / HOT_NODES.len() as f64;
            HOT_NODES.iter().map(|&d| (d, p)).collect()
        },
    },
];

/// The exact mean link-hop count of `p` on a mesh under minimal routing, over all sources.
fn mean_hops(p: &Pattern, shape: MeshShape) -> f64 {
    let n = shape.len() as u32;
    let total: f64 = (0..n)
        .flat_map(|src| {
            (p.dests)(src, shape).into_iter().map(move |(dst, prob)| {
                let h = shape.coord(src as usize).manhattan(shape.coord(dst as usize));
                prob * h as f64
            })
        })
        .sum();
    total / n as f64
}

/// The case.
pub fn cases() -> Vec<Case> {
    vec![Case {
        id: "noc_zero_load_closed_form",
        source: "data/booksim/README.md, \"Zero-load latency\": T0 = 5H + 6 + P, traced in \
                 BookSim2 with watch_packets",
        setup: "8x8 mesh, DOR, IQ router (RC, VA, SA, ST: 1 cycle each), 1-cycle links, 4 VCs \
                x 8 flits, 4-flit packets, Bernoulli injection at 0.01 flits/node/cycle, 10000-cycle \
                samples. One run per pattern (uniform, transpose, bitcomp, bitrev, shuffle, \
                tornado, neighbor, hotspot on nodes 0, 27, 63); H is the pattern's mean link-hop \
                count computed exactly over all sources from BookSim's definitions, self-traffic \
                included. Reference: T0(H); measured: the average packet latency. A second check \
                per pattern compares the measured hop count (routers - 1) with H.",
        run,
    }]
}

fn config(p: &Pattern) -> Result<NocConfig> {
    let mut cfg = NocSource::preset(PRESET)?.build(&[])?;
    cfg.traffic.pattern = (p.native)();
    cfg.traffic.injection_rate = RATE_FLITS;
    cfg.traffic.injection_rate_uses_flits = true;
    cfg.sim.sample_period = SAMPLE_PERIOD_CYCLES;
    cfg.validate(&format!("{PRESET} ({})", p.name))?;
    Ok(cfg)
}

fn run(_: &Context) -> Result<Vec<Check>> {
    let runs: Vec<Result<Vec<Check>>> = PATTERNS
        .par_iter()
        .map(|p| {
            let cfg = config(p)?;
            let shape = cfg.topology.grid_shape();
            let flits = cfg.traffic.packet_size;
            let h = mean_hops(p, shape);
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
        let by = |n: &str| PATTERNS.iter().find(|p| p.name == n).unwrap();
        // E[H] = 2 (k^2 - 1) / (3k) with self-traffic: 5.25 for k = 8; T0 = 36.25 for P = 4.
        assert!((mean_hops(by("uniform"), s) - 5.25).abs() < 1e-12);
        assert!((t0(5.25, 4) - 36.25).abs() < 1e-12);
        // Transpose: 2|x - y| averaged over the grid = 2 * 21/8 = 5.25 as well.
        assert!((mean_hops(by("transpose"), s) - 5.25).abs() < 1e-12);
        // Bitcomp: |7 - 2x| + |7 - 2y| averaged = 2 * 4 = 8.
        assert!((mean_hops(by("bitcomp"), s) - 8.0).abs() < 1e-12);
        // Neighbor: +1 in x and y with wrap: (7*1 + 7) / 8 per dimension = 1.75 each.
        assert!((mean_hops(by("neighbor"), s) - 3.5).abs() < 1e-12);
        // Tornado on k = 8: shift by 3; per dimension (5*3 + 3*5) / 8 = 3.75.
        assert!((mean_hops(by("tornado"), s) - 7.5).abs() < 1e-12);
        // Transpose maps (x, y) to (y, x) in BookSim numbering.
        let t = (by("transpose").dests)(s.index(Coord::new(1, 5)) as u32, s);
        assert_eq!(t, vec![(s.index(Coord::new(5, 1)) as u32, 1.0)]);
        for p in PATTERNS {
            let total: f64 = (p.dests)(9, s).iter().map(|d| d.1).sum();
            assert!((total - 1.0).abs() < 1e-12, "{}", p.name);
        }
    }
}
