//! The HD-MoE study: MoE inference on a mesh of 3D near-memory nodes (NodeBalance, LinkBalance,
//! DynamicPlacement) against TP, EP and hybrid baselines. `moesim study hdmoe` writes
//! docs/studies/hdmoe.md.
//!
//! - [`eval`]: the per-layer evaluation of a placement (compute, link-scheduler communication,
//!   the attention and memory term);
//! - [`grid`]: the grid of `configs/experiments/hdmoe/grid.toml`, run in parallel;
//! - [`report`]: its tables, speedup summary and figures;
//! - [`tiers`]: the link scheduler against the flow, analytic and flit tiers;
//! - [`solver`]: NodeBalance at the authors' 60 s limit;
//! - [`link_dynamic`]: LinkBalance and DynamicPlacement.

pub mod eval;
pub mod grid;
pub mod link_dynamic;
pub mod report;
pub mod solver;
pub mod tiers;

use super::{Section, StudyOptions};
use moesim_core::Result;

/// The study's name (the markdown file and figure directory).
pub const NAME: &str = "hdmoe";
/// The report's title.
pub const TITLE: &str = "3D near-memory MoE (HD-MoE)";

/// Runs the study and returns its sections in report order.
pub fn run(opts: &StudyOptions) -> Result<Vec<Section>> {
    let root = crate::repo::find_root()?;
    let full = grid::GridConfig::load(&root)?;
    let g = if opts.quick {
        full.quick()
    } else {
        full.clone()
    };
    let mut sections = vec![setup_section(&g)];
    let results = grid::run_grid(&g, &root)?;
    sections.extend(report::sections(&g, &results, opts, NAME)?);
    let (tmodel, tmesh) = if opts.quick {
        ("deepseek-v2-lite", "4x4")
    } else {
        ("deepseek-v2-lite", "4x8")
    };
    let rows = tiers::compare(&g, tmodel, "5tf_50gbps", tmesh, 16, &root)?;
    sections.push(Section {
        title: "Communication model: link scheduler against the flow, analytic and flit tiers"
            .into(),
        markdown: format!(
            "One MoE layer (layer 0) of {tmodel} on the {tmesh} mesh at 5 TFLOPS / 50 GB/s, batch \
             16: the same messages (each holder of a group's experts to the group's aggregator, \
             FP32) on every tier. The link scheduler has no router latency (the paper gives link \
             bandwidth only) and moves whole chunks hop by hop (store and forward); the flow tier \
             shares links max-min fairly and pipelines a message over its path; the flit tier adds \
             router pipelines, virtual channels and credits.\n\n{}",
            tiers::table(&rows)
        ),
    });
    let limit = if opts.quick { 5.0 } else { 60.0 };
    let mut solver_md = String::from(solver::HEADER);
    for groups in [g.solver.max_groups, 64] {
        let st = solver::run(
            &g,
            "deepseek-v2-lite",
            "4x8",
            "5tf_50gbps",
            limit,
            groups,
            &root,
        )?;
        solver_md.push_str(&solver::row(
            &format!("{limit} s limit, {groups} groups"),
            &st,
        ));
    }
    sections.push(Section {
        title: "NodeBalance solver: DeepSeek-V2-Lite on 4x8".into(),
        markdown: format!(
            "Layer 0 of DeepSeek-V2-Lite (synthetic routing), 4x8 mesh, 5 TFLOPS / 50 GB/s, \
             batch 128, MIP gap 0.05, solved by microlp (pure Rust branch and bound) through \
             good_lp. The objective is `t_comp + 2 t_comm` of the model in microseconds.\n\n{solver_md}"
        ),
    });
    sections.extend(link_dynamic::sections(opts)?);
    Ok(sections)
}

fn setup_section(g: &grid::GridConfig) -> Section {
    Section {
        title: "Setup".into(),
        markdown: format!(
            "Grid from `{}`: models {}, points {}, meshes {}, batches {:?}. Every number below is \
             computed by `moesim study hdmoe{}`.\n\n\
             - TBT = sum over MoE layers of compute (busiest node, `sum_i P_ic f_i B 2 h IS / comp`) \
             + communication (dispatch + combine) + the attention and memory term of the authors' \
             `e2e.py` (context 1024, 625 GB/s per node). Shared experts are left out, as in the \
             authors' evaluation.\n\
             - TP: every expert split over all nodes; communication `2 x 4 B h / BW` (the exact TP \
             rows of papers.md 4.4).\n\
             - EP: random experts per node (seeded) on a random node map; communication from the \
             link scheduler.\n\
             - Hybrid TP-EP: {} sub-regions of contiguous nodes, experts assigned by the \
             compute-balancing ILP, split evenly inside their region; link scheduler.\n\
             - NodeBalance: the MILP of papers.md 4.3 per layer (good_lp + microlp, warm start EP, \
             time limit {} s per layer, gap {}, the {} most frequent groups), gamma fitted per \
             configuration; row-major node order (no LinkBalance); link scheduler.\n\
             - The link scheduler is the `link_scheduler` network tier (1 chunk, XY routes, FP32).",
            grid::GRID_FILE,
            g.models
                .iter()
                .map(|m| format!(
                    "{} ({})",
                    m.name,
                    if m.real_routing {
                        "real MT-Bench routing"
                    } else {
                        "synthetic routing"
                    }
                ))
                .collect::<Vec<_>>()
                .join(", "),
            g.points.join(", "),
            g.meshes.join(", "),
            g.batches,
            if g.layers > 0 { " --quick" } else { "" },
            "2 (Mixtral) or 8 (64-expert models)",
            g.solver.time_limit_s,
            g.solver.mip_gap,
            g.solver.max_groups,
        ),
    }
}
