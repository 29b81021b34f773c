//! Platform presets against the papers' hardware figures (papers.md §1.1 for MoEntwine's
//! wafer-scale chip, §4.1 for HD-MoE's 3D NMP mesh). The measured side is read from the built
//! platforms: the device rooflines the executor times operations with, and the link bandwidths
//! the network tiers realise from the topology's cycle figures and the network parameters.

use crate::case::{Case, Check, Context, Tolerance};
use moesim_core::{DType, Error, Result};
use moesim_nmp::NmpPlatform;
use moesim_noc::tier::NetworkParams;
use moesim_noc::topology::{LinkKind, Topology};
use moesim_wafer::WaferPlatform;

const EXACT: Tolerance = Tolerance::Relative { frac: 1e-9 };

/// The platform cases.
pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "platform_wafer_b200_die_and_d2d",
            source: "MoEntwine (HPCA 2026, arXiv 2510.25258), papers.md §1.1: B200-equivalent die, \
                     2250 TFLOPS BF16, 180 GB HBM, 8 TB/s; die-to-die link 900 GB/s; 4 wafers \
                     of 8x8 dies = 256 devices",
            setup: "Presets b200_8x8 and b200_2x2_wafers of moesim-wafer: every working die's \
                    roofline, and every D2D link's bandwidth as the network tiers realise it \
                    (flit bytes / (cycles per flit x clock period)); the worst die and the worst \
                    link are reported. 1 MiB over one D2D link: serialisation time.",
            run: run_wafer,
        },
        Case {
            id: "platform_nmp_hdmoe_points",
            source: "HD-MoE (ICCAD 2025, arXiv 2509.09420), papers.md §4.1: meshes 4x4, 4x8, \
                     8x8; 2.5 TFLOPS + 75 GB/s, 5 + 50, 10 + 25 per node and link; \
                     BWmem = 625e9 B/s per node (evaluation/scripts/e2e.py)",
            setup: "Preset hdmoe of moesim-nmp at every mesh x point: node count, every node's \
                    compute and effective memory bandwidth (min(vaults, vertical)), every mesh \
                    link's bandwidth as the network tiers realise it. The worst node and link of \
                    each of the nine platforms are reported.",
            run: run_nmp_points,
        },
        Case {
            id: "platform_nmp_dram_sustained",
            source: "HD-MoE code (angerybob/HD-MoE, evaluation/scripts/e2e.py): BWmem = 625e9 B/s",
            setup: "The bank-level model of moesim-memory (preset hybrid_bonded_3d: 32 vaults, \
                    640 GB/s peak) streams a sequential read through every vault for four \
                    refresh intervals; the measured bandwidth, capped by the node's vertical \
                    interface, against 625 GB/s. Expected below it by about the all-bank refresh \
                    share tRFC/tREFI (9%): the paper's figure carries no refresh.",
            run: run_nmp_dram,
        },
    ]
}

/// The bandwidth (GB/s) of the links of `kind` that `params` realises: (min, max).
fn link_range(topo: &Topology, params: &NetworkParams, kind: LinkKind) -> Result<(f64, f64)> {
    let bws: Vec<f64> = topo
        .links
        .iter()
        .filter(|l| l.kind == kind && !l.failed)
        .map(|l| params.link_bandwidth(l).gbytes_per_s())
        .collect();
    if bws.is_empty() {
        return Err(Error::Check(format!("{}: no {kind:?} links", topo.name)));
    }
    Ok((
        bws.iter().copied().fold(f64::INFINITY, f64::min),
        bws.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    ))
}

/// The value farthest from `reference`.
fn worst(values: impl Iterator<Item = f64>, reference: f64) -> f64 {
    values
        .max_by(|a, b| (a - reference).abs().total_cmp(&(b - reference).abs()))
        .unwrap_or(f64::NAN)
}

fn run_wafer(_ctx: &Context) -> Result<Vec<Check>> {
    let one = WaferPlatform::preset("b200_8x8")?;
    let four = WaferPlatform::preset("b200_2x2_wafers")?;
    let mut checks = Vec::new();
    let devices = one.devices();
    let live: Vec<_> = one
        .live_nodes()
        .into_iter()
        .map(|n| &devices[n.index()])
        .collect();
    checks.push(Check::new(
        "die BF16 peak",
        "TFLOPS",
        2250.0,
        worst(live.iter().map(|d| d.peak(DType::Bf16).tflops()), 2250.0),
        EXACT,
    ));
    checks.push(Check::new(
        "die HBM capacity",
        "GB",
        180.0,
        worst(
            live.iter().map(|d| d.mem_capacity_bytes as f64 / 1e9),
            180.0,
        ),
        EXACT,
    ));
    checks.push(Check::new(
        "die HBM bandwidth",
        "GB/s",
        8000.0,
        worst(live.iter().map(|d| d.mem_bandwidth.gbytes_per_s()), 8000.0),
        EXACT,
    ));
    for (label, p) in [("1 wafer", &one), ("4 wafers", &four)] {
        let (lo, hi) = link_range(p.topology(), p.network_params(), LinkKind::DieToDie)?;
        checks.push(Check::new(
            &format!("D2D link bandwidth, slowest ({label})"),
            "GB/s",
            900.0,
            lo,
            EXACT,
        ));
        checks.push(Check::new(
            &format!("D2D link bandwidth, fastest ({label})"),
            "GB/s",
            900.0,
            hi,
            EXACT,
        ));
    }
    checks.push(Check::new(
        "devices (4 wafers of 8x8)",
        "dies",
        256.0,
        four.live_nodes().len() as f64,
        EXACT,
    ));
    let mib = 1024.0 * 1024.0;
    let d2d = four.realised_links().d2d;
    checks.push(Check::new(
        "1 MiB over one D2D link",
        "us",
        mib / 900e9 * 1e6,
        d2d.serialization_time(mib).as_us(),
        Tolerance::Absolute { abs: 1e-6 },
    ));
    Ok(checks)
}

fn run_nmp_points(_ctx: &Context) -> Result<Vec<Check>> {
    let mut checks = Vec::new();
    for (mesh, nodes) in [("4x4", 16.0), ("4x8", 32.0), ("8x8", 64.0)] {
        for (point, tflops, gbps) in [
            ("2p5tf_75gbps", 2.5, 75.0),
            ("5tf_50gbps", 5.0, 50.0),
            ("10tf_25gbps", 10.0, 25.0),
        ] {
            let p = NmpPlatform::hdmoe(mesh, point)?;
            let d = p.devices();
            let at = format!("{mesh}, {point}");
            checks.push(Check::new(
                &format!("nodes ({at})"),
                "nodes",
                nodes,
                d.len() as f64,
                EXACT,
            ));
            checks.push(Check::new(
                &format!("node compute ({at})"),
                "TFLOPS",
                tflops,
                worst(d.iter().map(|x| x.peak(DType::Fp32).tflops()), tflops),
                EXACT,
            ));
            checks.push(Check::new(
                &format!("node memory bandwidth ({at})"),
                "GB/s",
                625.0,
                worst(d.iter().map(|x| x.mem_bandwidth.gbytes_per_s()), 625.0),
                EXACT,
            ));
            let (lo, hi) = link_range(p.topology(), p.network_params(), LinkKind::OnDie)?;
            checks.push(Check::new(
                &format!("link bandwidth ({at})"),
                "GB/s",
                gbps,
                worst([lo, hi].into_iter(), gbps),
                EXACT,
            ));
        }
    }
    Ok(checks)
}

fn run_nmp_dram(_ctx: &Context) -> Result<Vec<Check>> {
    let p = NmpPlatform::preset("hdmoe")?;
    let s = p
        .dram_sustained_bandwidth()?
        .ok_or_else(|| Error::Check("preset hdmoe has no node.memory.dram_preset".to_string()))?;
    Ok(vec![Check::new(
        "sustained streaming-read bandwidth per node (bank-level model)",
        "GB/s",
        625.0,
        s.sustained.gbytes_per_s(),
        Tolerance::Relative { frac: 0.10 },
    )])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn every_platform_check_passes() {
        let ctx = Context {
            root: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."),
        };
        for case in cases() {
            let checks = (case.run)(&ctx).unwrap();
            assert!(!checks.is_empty(), "{}", case.id);
            for c in &checks {
                assert!(c.passed, "{}: {c:?}", case.id);
            }
        }
    }
}
