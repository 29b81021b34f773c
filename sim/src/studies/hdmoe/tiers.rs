//! The link scheduler against the other network tiers on the same placements: one MoE layer's
//! messages (every holder of a group's experts to the group's aggregator, FP32) simulated by the
//! link scheduler (1 and 8 chunks), the flow tier (max-min fair sharing), the analytic tier and
//! the flit tier (cycle-level routers), plus the surrogate scaled by the fitted gamma.

use super::grid::{GridConfig, link_scheduler, loads_of};
use moesim_core::Result;
use moesim_core::rng::rng_from_seed;
use moesim_mapping::ep_random::{ep_shares, random_node_map};
use moesim_mapping::hybrid_tp_ep::{assign_regions, default_regions, hybrid_shares};
use moesim_mapping::node_balance::{NodeBalanceProblem, SolverLimits, solve};
use moesim_mapping::node_balance_comm::{fit_gamma_on, layer_messages, surrogate_of};
use moesim_mapping::node_balance_shares::Shares;
use moesim_nmp::NmpPlatform;
use moesim_noc::config::RoutingConfig;
use moesim_noc::tier::TierConfig;
use moesim_workloads::ModelSpec;
use serde::Serialize;
use std::path::Path;

/// One placement on one tier.
#[derive(Clone, Debug, Serialize)]
pub struct TierRow {
    pub placement: String,
    pub tier: String,
    pub makespan_us: f64,
    /// `makespan / link scheduler (1 chunk) - 1`.
    pub divergence: f64,
    pub wall_ms: f64,
}

/// The tiers compared, as `[network.tier]` TOML.
pub const TIERS: [(&str, &str); 5] = [
    ("link_scheduler (1 chunk)", "kind = \"link_scheduler\""),
    (
        "link_scheduler (8 chunks)",
        "kind = \"link_scheduler\"\nchunks = 8",
    ),
    ("flow", "kind = \"flow\""),
    ("analytic", "kind = \"analytic\""),
    ("flit", "kind = \"flit\""),
];

/// Compares the tiers on layer 0 of `model` at `point` / `mesh`, batch `batch`, for the EP,
/// hybrid and NodeBalance placements.
pub fn compare(
    grid: &GridConfig,
    model_name: &str,
    point: &str,
    mesh: &str,
    batch: u32,
    root: &Path,
) -> Result<Vec<TierRow>> {
    let gm = grid
        .models
        .iter()
        .find(|m| m.name == model_name)
        .unwrap_or(&grid.models[0]);
    let model = ModelSpec::preset(&gm.name)?;
    let platform = NmpPlatform::hdmoe(mesh, point)?;
    let d = platform.num_devices();
    let e = model.num_experts() as usize;
    let loads = loads_of(&model, &gm.profile, root, 1)?;
    let load = &loads[0];
    let bw = platform.link().bandwidth.bytes_per_s;
    let mut rng = rng_from_seed(grid.solver.seed);
    let ep = ep_shares(e, d, &mut rng);
    let ep_map = random_node_map(d, &mut rng);
    let identity: Vec<usize> = (0..d).collect();
    let regions = default_regions(model.num_experts()) as usize;
    let (assign, _) = assign_regions(&load.freq, regions, 1.0, 0.05)?;
    let hy = hybrid_shares(&assign, d, regions);
    let mut ls = link_scheduler(&platform, 1)?;
    let gamma = fit_gamma_on(
        &loads,
        ls.as_mut(),
        bw * 1e-12,
        1024,
        model.hidden(),
        grid.solver.gamma_samples,
        grid.solver.seed,
    )?
    .map_or(1.0, |g| g.gamma);
    let problem = NodeBalanceProblem {
        load,
        num_nodes: d,
        batch,
        hidden: model.hidden(),
        intermediate: model.moe.expert_intermediate_size,
        compute_flops_per_s: platform.compute().flops_per_s,
        link_bytes_per_s: bw,
        gamma,
    };
    let lim = SolverLimits {
        time_limit_s: grid.solver.time_limit_s,
        max_groups: grid.solver.max_groups,
        ..SolverLimits::default()
    };
    let (nb, _) = solve(&problem, &lim, "hdmoe tiers")?;
    let placements: [(&str, &Shares, &[usize]); 3] = [
        ("ep_random", &ep, &ep_map),
        ("hybrid_tp_ep", &hy, &identity),
        ("node_balance", &nb, &identity),
    ];
    let mut rows = Vec::new();
    for (name, shares, map) in placements {
        let m = layer_messages(
            shares,
            map,
            load,
            batch,
            model.hidden(),
            &mut rng_from_seed(7),
        );
        let mut reference = None;
        for (tier_name, text) in TIERS {
            let cfg: TierConfig = moesim_core::config::from_toml_str("hdmoe tiers", text)?;
            let mut net = cfg.build(
                platform.topology(),
                &RoutingConfig::Dor,
                platform.network_params(),
                platform.origin(),
            )?;
            let t0 = std::time::Instant::now();
            let run = net.simulate(&m.messages)?;
            let wall_ms = t0.elapsed().as_secs_f64() * 1e3;
            let us = run.makespan.as_ps() as f64 * 1e-6;
            let r = *reference.get_or_insert(us);
            rows.push(TierRow {
                placement: name.into(),
                tier: tier_name.into(),
                makespan_us: us,
                divergence: us / r - 1.0,
                wall_ms,
            });
        }
        let r = reference.unwrap_or(1.0);
        let sur = gamma * surrogate_of(&m, bw * 1e-12) * 1e-6;
        rows.push(TierRow {
            placement: name.into(),
            tier: format!("surrogate x gamma ({gamma:.3})"),
            makespan_us: sur,
            divergence: sur / r - 1.0,
            wall_ms: 0.0,
        });
    }
    Ok(rows)
}

/// The comparison as a markdown table.
pub fn table(rows: &[TierRow]) -> String {
    let mut s = String::from(
        "| placement | tier | makespan (us) | vs link scheduler | wall time (ms) |\n|---|---|---|---|---|\n",
    );
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {:.3} | {:+.1} % | {:.1} |\n",
            r.placement,
            r.tier,
            r.makespan_us,
            r.divergence * 100.0,
            r.wall_ms
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use moesim_mapping::node_balance_load::LoadProfile;

    #[test]
    fn link_scheduler_agrees_with_flow_and_flit_is_slower() {
        let model = ModelSpec::preset("deepseek-v2-lite").unwrap();
        let profile = LoadProfile::Synthetic {
            preset: "auto".into(),
            tokens: 128,
            task: 0,
            seed: 1,
        };
        let loads = profile.loads(&model, "t", "profile").unwrap();
        let platform = NmpPlatform::hdmoe("4x4", "5tf_50gbps").unwrap();
        let mut rng = rng_from_seed(1);
        let ep = ep_shares(64, 16, &mut rng);
        let map = random_node_map(16, &mut rng);
        let m = layer_messages(&ep, &map, &loads[0], 16, 2048, &mut rng_from_seed(2));
        let run = |text: &str| {
            let cfg: TierConfig = moesim_core::config::from_toml_str("t", text).unwrap();
            let mut net = cfg
                .build(
                    platform.topology(),
                    &RoutingConfig::Dor,
                    platform.network_params(),
                    "t",
                )
                .unwrap();
            net.simulate(&m.messages).unwrap().makespan.as_ps() as f64
        };
        let ls = run("kind = \"link_scheduler\"");
        let flow = run("kind = \"flow\"");
        let flit = run("kind = \"flit\"");
        // incast-dominated phase: the bottleneck links set both fluid models' makespan
        assert!(
            (flow / ls - 1.0).abs() < 0.05,
            "flow {flow} vs scheduler {ls}"
        );
        // the flit tier adds router pipelines and credits on top
        assert!(flit > ls, "flit {flit} vs scheduler {ls}");
    }
}
