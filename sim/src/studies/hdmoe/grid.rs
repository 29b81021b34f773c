//! The HD-MoE grid: TBT of TP, EP, hybrid TP-EP and NodeBalance for every model, compute/link
//! point and mesh of `configs/experiments/hdmoe/grid.toml`, batch 16-128. One configuration
//! (model, point, mesh) runs per rayon task; its placements are solved once and evaluated at
//! every batch (compute and communication are linear in the batch).

use super::eval::{HdMoeDims, LayerCosts, comm_s, comp_s};
use moesim_core::rng::rng_from_seed;
use moesim_core::{Error, Result};
use moesim_mapping::ep_random::{ep_shares, random_node_map};
use moesim_mapping::hybrid_tp_ep::{assign_regions, check_regions, default_regions, hybrid_shares};
use moesim_mapping::node_balance::{NodeBalanceProblem, SolveStats, SolverLimits, solve};
use moesim_mapping::node_balance_comm::fit_gamma_on;
use moesim_mapping::node_balance_load::LayerLoad;
pub use moesim_mapping::node_balance_load::LoadProfile;
use moesim_mapping::node_balance_shares::Shares;
use moesim_nmp::NmpPlatform;
use moesim_noc::config::RoutingConfig;
use moesim_noc::tier::link_scheduler_fit::GammaFit;
use moesim_noc::tier::{Network, TierConfig};
use moesim_workloads::ModelSpec;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The grid file, relative to the repository root.
pub const GRID_FILE: &str = "configs/experiments/hdmoe/grid.toml";

/// The policies, in table order.
pub const POLICIES: [&str; 4] = ["tp", "ep_random", "hybrid_tp_ep", "node_balance"];

/// One model of the grid and where its routing comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridModel {
    /// A model preset (`configs/models/<name>.toml`).
    pub name: String,
    pub profile: LoadProfile,
    /// Whether the routing is recorded (`true`) or synthetic, for the report.
    pub real_routing: bool,
}

/// The solver settings of the grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSolver {
    /// NodeBalance time limit per layer.
    pub time_limit_s: f64,
    pub mip_gap: f64,
    pub max_groups: usize,
    /// Hybrid ILP time limit per layer.
    pub hybrid_time_limit_s: f64,
    /// Random placements per gamma fit.
    pub gamma_samples: usize,
    pub seed: u64,
}

/// The reduced grid of `--quick`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuickGrid {
    pub models: Vec<String>,
    pub points: Vec<String>,
    pub meshes: Vec<String>,
    pub batches: Vec<u32>,
    pub time_limit_s: f64,
    /// MoE layers used (the first ones).
    pub layers: usize,
}

/// `configs/experiments/hdmoe/grid.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridConfig {
    pub models: Vec<GridModel>,
    pub points: Vec<String>,
    pub meshes: Vec<String>,
    pub batches: Vec<u32>,
    /// MoE layers used (the first ones; 0 = all).
    #[serde(default)]
    pub layers: usize,
    pub solver: GridSolver,
    pub quick: QuickGrid,
}

impl GridConfig {
    /// Reads the grid file under `root`.
    pub fn load(root: &Path) -> Result<GridConfig> {
        let path = root.join(GRID_FILE);
        let g: GridConfig = moesim_core::config::load_toml(&path)?;
        g.validate(&path.display().to_string())?;
        Ok(g)
    }

    fn validate(&self, origin: &str) -> Result<()> {
        if self.batches.is_empty() || self.batches.contains(&0) {
            return Err(Error::config(origin, "batches", "empty, or a batch of 0")
                .allowed("batch sizes >= 1"));
        }
        if !(self.solver.time_limit_s > 0.0 && self.solver.hybrid_time_limit_s > 0.0) {
            return Err(Error::config(
                origin,
                "solver.time_limit_s",
                "time limits must be positive",
            )
            .allowed("seconds > 0"));
        }
        Ok(())
    }

    /// The reduced grid.
    pub fn quick(&self) -> GridConfig {
        let q = &self.quick;
        let mut g = self.clone();
        g.models.retain(|m| q.models.contains(&m.name));
        g.points = q.points.clone();
        g.meshes = q.meshes.clone();
        g.batches = q.batches.clone();
        g.layers = q.layers;
        g.solver.time_limit_s = q.time_limit_s;
        g.solver.hybrid_time_limit_s = q.time_limit_s;
        g
    }

    /// Every (model, point, mesh) of the grid, in report order.
    pub fn configurations(&self) -> Vec<(usize, String, String)> {
        let mut out = Vec::new();
        for m in 0..self.models.len() {
            for p in &self.points {
                for mesh in &self.meshes {
                    out.push((m, p.clone(), mesh.clone()));
                }
            }
        }
        out
    }
}

/// The result of one configuration.
#[derive(Clone, Debug, Serialize)]
pub struct ConfigResult {
    pub model: String,
    pub point: String,
    pub mesh: String,
    pub dims: HdMoeDims,
    pub gamma: Option<GammaFit>,
    /// Per policy of [`POLICIES`].
    pub costs: Vec<LayerCosts>,
    /// NodeBalance solver statistics per layer.
    pub node_balance: Vec<SolveStats>,
}

impl ConfigResult {
    /// TBT of policy `p` at batch `b`, microseconds.
    pub fn tbt_us(&self, p: usize, b: u32) -> f64 {
        self.costs[p].tbt_us(&self.dims, f64::from(b))
    }
}

/// The link-scheduler tier of a platform.
pub fn link_scheduler(platform: &NmpPlatform, chunks: u32) -> Result<Box<dyn Network>> {
    TierConfig::LinkScheduler { chunks }.build(
        platform.topology(),
        &RoutingConfig::Dor,
        platform.network_params(),
        platform.origin(),
    )
}

/// The routing statistics of `model` under `profile` (paths relative to `root`), the first
/// `layers` MoE layers (0 = all).
pub fn loads_of(
    model: &ModelSpec,
    profile: &LoadProfile,
    root: &Path,
    layers: usize,
) -> Result<Vec<LayerLoad>> {
    let profile = match profile {
        LoadProfile::Trace { files, format } => LoadProfile::Trace {
            files: files.iter().map(|f| root.join(f)).collect(),
            format: *format,
        },
        other => other.clone(),
    };
    let mut loads = profile.loads(model, "hdmoe grid", "profile")?;
    if layers > 0 {
        loads.truncate(layers);
    }
    Ok(loads)
}

/// The four placements of one configuration, evaluated.
pub fn run_configuration(
    grid: &GridConfig,
    model_ix: usize,
    point: &str,
    mesh: &str,
    root: &Path,
) -> Result<ConfigResult> {
    let gm = &grid.models[model_ix];
    let model = ModelSpec::preset(&gm.name)?;
    let platform = NmpPlatform::hdmoe(mesh, point)?;
    let d = platform.num_devices();
    let dims = HdMoeDims::of(
        &model,
        d,
        platform.compute().flops_per_s,
        platform.link().bandwidth.bytes_per_s,
        platform.memory().effective.bytes_per_s,
    );
    let loads = loads_of(&model, &gm.profile, root, grid.layers)?;
    let mut net = link_scheduler(&platform, 1)?;
    let s = &grid.solver;
    let gamma = fit_gamma_on(
        &loads,
        net.as_mut(),
        dims.link_bytes_per_s * 1e-12,
        1024,
        dims.hidden as u64,
        s.gamma_samples,
        s.seed,
    )?;
    let identity: Vec<usize> = (0..d).collect();
    let e = model.num_experts() as usize;
    let mut rng = rng_from_seed(s.seed);
    let ep = ep_shares(e, d, &mut rng);
    let ep_map = random_node_map(d, &mut rng);
    let regions = default_regions(model.num_experts());
    check_regions(regions, d, "hdmoe grid", "regions")?;
    let lim = SolverLimits {
        time_limit_s: s.time_limit_s,
        mip_gap: s.mip_gap,
        max_groups: s.max_groups,
        load_bound: None,
        seed: s.seed,
    };
    let mut costs = vec![LayerCosts::default(); POLICIES.len()];
    let mut stats = Vec::with_capacity(loads.len());
    for (l, load) in loads.iter().enumerate() {
        let seed = s.seed ^ ((l as u64) << 8);
        let tp = Shares::tensor_parallel(e, d);
        costs[0].push(comp_s(&dims, &tp, load), 2.0 * dims.tp_phase_s());
        let ep_comm = comm_s(&dims, &ep, &ep_map, load, net.as_mut(), seed)?;
        costs[1].push(comp_s(&dims, &ep, load), ep_comm);
        let (assign, _) = assign_regions(
            &load.freq,
            regions as usize,
            s.hybrid_time_limit_s,
            s.mip_gap,
        )?;
        let hy = hybrid_shares(&assign, d, regions as usize);
        let hy_comm = comm_s(&dims, &hy, &identity, load, net.as_mut(), seed)?;
        costs[2].push(comp_s(&dims, &hy, load), hy_comm);
        let problem = NodeBalanceProblem {
            load,
            num_nodes: d,
            batch: 128,
            hidden: dims.hidden as u64,
            intermediate: dims.intermediate as u64,
            compute_flops_per_s: dims.compute_flops_per_s,
            link_bytes_per_s: dims.link_bytes_per_s,
            gamma: gamma.map_or(1.0, |g| g.gamma),
        };
        let (nb, st) = solve(&problem, &lim, &format!("hdmoe grid {}", gm.name))?;
        let nb_comm = comm_s(&dims, &nb, &identity, load, net.as_mut(), seed)?;
        costs[3].push(comp_s(&dims, &nb, load), nb_comm);
        stats.push(st);
    }
    Ok(ConfigResult {
        model: gm.name.clone(),
        point: point.to_string(),
        mesh: mesh.to_string(),
        dims,
        gamma,
        costs,
        node_balance: stats,
    })
}

/// Every configuration of `grid`, in parallel (results in grid order).
pub fn run_grid(grid: &GridConfig, root: &Path) -> Result<Vec<ConfigResult>> {
    grid.configurations()
        .par_iter()
        .map(|(m, p, mesh)| run_configuration(grid, *m, p, mesh, root))
        .collect()
}
