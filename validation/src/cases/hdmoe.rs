//! HD-MoE's headline ranges (ICCAD 2025, arXiv 2509.09420; papers.md section 4.4 and section 7
//! row 4): NodeBalance against TP (1.1-1.8x), EP (1.1-1.5x) and the hybrid TP-EP baseline
//! (1.0-1.4x), and the one published exception (Mixtral on 8x8 at 5 TFLOPS / 50 GB/s, where the
//! hybrid is slightly faster).
//!
//! The cases run a reduced grid of the study (`moesim study hdmoe` runs the full one): the first
//! four MoE layers, NodeBalance with a 0.3 s limit per layer, batches 16 and 128. Mixtral uses
//! the real MT-Bench `reasoning` routing, DeepSeek-V2-Lite the calibrated synthetic generator.
//! Each range is checked at its ends: the smallest speedup of the reduced grid against the
//! published lower end, the largest against the upper end.
//!
//! Where the model disagrees (measured by `moesim study hdmoe`, docs/studies/hdmoe.md): microlp
//! does not solve the root relaxation of most NodeBalance instances within these limits (nor
//! within 60 s for DeepSeek-V2-Lite on 4x8), so NodeBalance returns its warm start, the EP
//! placement repaired to the load bound. Over the full grid the speedups came out at 0.34-1.18
//! over TP (published 1.1-1.8), 0.76-2.15 over EP (1.1-1.5) and 1.00-7.82 over the hybrid
//! (1.0-1.4): TP wins where the repaired EP's communication exceeds TP's all-reduce, and the
//! hybrid with in-region TP loses badly on large meshes because every region node is a holder
//! of every group touching the region.
//!
//! The paper's NodeBalance numbers include LinkBalance's physical mapping; these use the
//! row-major node order (NodeBalance alone), so they sit at or below the published speedups
//! wherever communication matters. The authors' hybrid baseline also carries an extra
//! communication term in `e2e.py` (the NodeBalance surrogate added to its own simulated
//! communication) that this model does not add, which lowers the speedup over the hybrid.

use crate::case::{Case, Check, Context, Tolerance};
use moesim::studies::hdmoe::grid::{
    ConfigResult, GridConfig, GridModel, GridSolver, LoadProfile, QuickGrid, run_configuration,
};
use moesim::studies::hdmoe::report::{SpeedupRow, speedups, spread};
use moesim_core::Result;
use rayon::prelude::*;

/// Why the NodeBalance checks are known deviations (the module documentation has the detail).
const DEVIATION: &str = "microlp does not solve the root relaxation of most NodeBalance MILPs \
                         within the time limit, so NodeBalance mostly returns its warm start \
                         (EP repaired to the load bound), evaluated without LinkBalance; see \
                         docs/studies/hdmoe.md";

const SOURCE: &str = "HD-MoE (ICCAD 2025, arXiv 2509.09420) Figs. 8-9 and text; papers.md §4.4 and \
                      §7 row 4";

/// The HD-MoE range cases.
pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "hdmoe_nodebalance_speedup_ranges",
            source: SOURCE,
            setup: "Reduced HD-MoE grid: Mixtral-8x7B (real MT-Bench reasoning routing) and \
                    DeepSeek-V2-Lite (synthetic routing), 4x4 and 4x8 meshes, 5 TFLOPS / 50 GB/s \
                    and 10 TFLOPS / 25 GB/s, batches 16 and 128, first 4 MoE layers; TP, random \
                    EP, compute-balanced hybrid TP-EP and NodeBalance (MILP, microlp, 0.3 s per \
                    layer, row-major node order) evaluated with the link scheduler. The smallest \
                    and largest speedup of NodeBalance over each baseline against the published \
                    range ends: TP 1.1-1.8, EP 1.1-1.5, hybrid 1.0-1.4.",
            run: run_ranges,
        },
        Case {
            id: "hdmoe_exception_mixtral_8x8_5tf_50gbps",
            source: SOURCE,
            setup: "Mixtral-8x7B (real routing) on the 8x8 mesh at 5 TFLOPS / 50 GB/s, batch \
                    128, first 4 MoE layers: the paper's one exception, where the hybrid \
                    baseline is slightly faster than HD-MoE; checked as NodeBalance's speedup \
                    over the hybrid in [0.9, 1.0].",
            run: run_exception,
        },
    ]
}

fn grid(models: &[&str], points: &[&str], meshes: &[&str], batches: &[u32]) -> GridConfig {
    let all = [
        GridModel {
            name: "mixtral-8x7b".into(),
            real_routing: true,
            profile: LoadProfile::Trace {
                files: vec![
                    "data/routing/hdmoe-mtbench-mixtral/experts_reasoning_mixtral.json".into(),
                ],
                format: None,
            },
        },
        GridModel {
            name: "deepseek-v2-lite".into(),
            real_routing: false,
            profile: LoadProfile::Synthetic {
                preset: "auto".into(),
                tokens: 512,
                task: 0,
                seed: 1,
            },
        },
    ];
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    GridConfig {
        models: all
            .into_iter()
            .filter(|m| models.contains(&m.name.as_str()))
            .collect(),
        points: s(points),
        meshes: s(meshes),
        batches: batches.to_vec(),
        layers: 4,
        solver: GridSolver {
            time_limit_s: 0.3,
            mip_gap: 0.05,
            max_groups: 32,
            hybrid_time_limit_s: 0.3,
            gamma_samples: 4,
            seed: 1,
        },
        quick: QuickGrid {
            models: s(models),
            points: s(points),
            meshes: s(meshes),
            batches: batches.to_vec(),
            time_limit_s: 0.3,
            layers: 4,
        },
    }
}

fn run_grid(g: &GridConfig, ctx: &Context) -> Result<Vec<ConfigResult>> {
    g.configurations()
        .par_iter()
        .map(|(m, p, mesh)| run_configuration(g, *m, p, mesh, &ctx.root))
        .collect()
}

fn run_ranges(ctx: &Context) -> Result<Vec<Check>> {
    let g = grid(
        &["mixtral-8x7b", "deepseek-v2-lite"],
        &["5tf_50gbps", "10tf_25gbps"],
        &["4x4", "4x8"],
        &[16, 128],
    );
    let rows = speedups(&run_grid(&g, ctx)?, &g.batches);
    let mut out = Vec::new();
    for (name, lo, hi, get) in [
        (
            "TP",
            1.1,
            1.8,
            (|r: &SpeedupRow| r.vs_tp) as fn(&SpeedupRow) -> f64,
        ),
        ("EP", 1.1, 1.5, |r| r.vs_ep),
        ("hybrid", 1.0, 1.4, |r| r.vs_hybrid),
    ] {
        let (min, _, max) = spread(rows.iter().map(get));
        out.push(
            Check::new(
                &format!("smallest NodeBalance speedup over {name}"),
                "x",
                lo,
                min,
                Tolerance::Range { lo, hi },
            )
            .known_deviation(DEVIATION),
        );
        out.push(
            Check::new(
                &format!("largest NodeBalance speedup over {name}"),
                "x",
                hi,
                max,
                Tolerance::Range { lo, hi },
            )
            .known_deviation(DEVIATION),
        );
    }
    Ok(out)
}

fn run_exception(ctx: &Context) -> Result<Vec<Check>> {
    let g = grid(&["mixtral-8x7b"], &["5tf_50gbps"], &["8x8"], &[128]);
    let rows = speedups(&run_grid(&g, ctx)?, &g.batches);
    let r = rows.first().map_or(f64::NAN, |r| r.vs_hybrid);
    Ok(vec![
        Check::new(
            "NodeBalance speedup over hybrid (published: hybrid slightly faster)",
            "x",
            1.0,
            r,
            Tolerance::Range { lo: 0.9, hi: 1.0 },
        )
        .known_deviation(DEVIATION),
    ])
}
