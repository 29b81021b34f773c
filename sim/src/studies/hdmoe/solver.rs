//! The NodeBalance solver at the authors' default limit: one MoE layer of DeepSeek-V2-Lite on
//! the 4x8 mesh at 5 TFLOPS / 50 GB/s, 60 s, gap 0.05.

use super::grid::{GridConfig, link_scheduler, loads_of};
use moesim_core::Result;
use moesim_mapping::node_balance::{NodeBalanceProblem, SolveStats, SolverLimits, solve};
use moesim_mapping::node_balance_comm::fit_gamma_on;
use moesim_nmp::NmpPlatform;
use moesim_workloads::ModelSpec;
use std::path::Path;

/// Solves layer `layer` of `model` on `mesh` at `point` with `time_limit_s` and `max_groups`.
pub fn run(
    grid: &GridConfig,
    model_name: &str,
    mesh: &str,
    point: &str,
    time_limit_s: f64,
    max_groups: usize,
    root: &Path,
) -> Result<SolveStats> {
    let gm = grid
        .models
        .iter()
        .find(|m| m.name == model_name)
        .unwrap_or(&grid.models[0]);
    let model = ModelSpec::preset(&gm.name)?;
    let platform = NmpPlatform::hdmoe(mesh, point)?;
    let loads = loads_of(&model, &gm.profile, root, 1)?;
    let bw = platform.link().bandwidth.bytes_per_s;
    let mut net = link_scheduler(&platform, 1)?;
    let gamma = fit_gamma_on(
        &loads,
        net.as_mut(),
        bw * 1e-12,
        1024,
        model.hidden(),
        grid.solver.gamma_samples,
        grid.solver.seed,
    )?
    .map_or(1.0, |g| g.gamma);
    let p = NodeBalanceProblem {
        load: &loads[0],
        num_nodes: platform.num_devices(),
        batch: 128,
        hidden: model.hidden(),
        intermediate: model.moe.expert_intermediate_size,
        compute_flops_per_s: platform.compute().flops_per_s,
        link_bytes_per_s: bw,
        gamma,
    };
    let lim = SolverLimits {
        time_limit_s,
        mip_gap: 0.05,
        max_groups,
        load_bound: None,
        seed: grid.solver.seed,
    };
    Ok(solve(&p, &lim, "hdmoe solver")?.1)
}

/// The statistics as a markdown table row.
pub fn row(label: &str, s: &SolveStats) -> String {
    format!(
        "| {label} | {} | {:.2} | {} | {} | {} | {:.1} | {} | {} / {} | {:.0} % |\n",
        s.status,
        s.objective,
        s.best_bound.map_or("-".into(), |b| format!("{b:.2}")),
        s.gap.map_or("-".into(), |g| format!("{:.1} %", g * 100.0)),
        s.warm_start_objective
            .map_or("infeasible".into(), |w| format!("{w:.2}")),
        s.time_s,
        s.nodes,
        s.binaries,
        s.constraints,
        s.group_coverage * 100.0
    )
}

/// The table header of [`row`].
pub const HEADER: &str = "| run | status | objective (us, batch 128) | best bound | gap | EP warm start | time (s) | B&B nodes | binaries / constraints | token coverage of the modelled groups |\n|---|---|---|---|---|---|---|---|---|---|\n";
