//! `kind = "node_balance"`: HD-MoE's NodeBalance (papers.md section 4.3), the MILP that places
//! expert shares on logical nodes to balance compute and communication, solved per MoE layer with
//! good_lp + microlp (pure Rust) instead of the authors' Gurobi.
//!
//! Variables: `P_ic` in [0, 1] (share of expert `i` on node `c`), binaries `Z_ic` (node `c`
//! holds part of `i`), `Y_gc` in [0, 1] (group `g` touches node `c`), and the epigraph variables
//! `t_comp`, `t_comm` (microseconds). Model:
//!
//! ```text
//! minimise  t_comp + 2 t_comm
//! s.t.      sum_c P_ic = 1                      every expert placed
//!           P_ic <= Z_ic
//!           Y_gc >= Z_ic          for i in g    (group g costs once per node it touches)
//!           t_comp >= sum_i P_ic f_i B 2 h IS / comp            every node c
//!           t_comm >= 4 gamma B h / BW * sum_g f_g Y_gc         every node c
//!           sum_i P_ic f_i <= (1 / R_CC + 1) e / D               the load bound
//!           R_CC = BW IS e / (2 D comp)
//! ```
//!
//! With binary `Z`, `Y_gc >= Z_ic` for every member is the same set of integer solutions as the
//! authors' binary `Y_gc >= sum_i Z_ic / |g|`, with `Y` continuous and a tighter relaxation.
//! Only the `max_groups` most frequent groups enter the model (their coverage is reported); the
//! evaluation replays every group. The solver is warm-started from the EP placement when that
//! placement meets the load bound, stops at `mip_gap` or `time_limit_s`, and [`solve`] returns the
//! best placement found with the objective, bound, gap and time.
//!
//! ```toml
//! [placement]
//! kind = "node_balance"
//! profile = { kind = "synthetic", tokens = 1024 }
//! compute_tflops = 5.0
//! link_gbytes_per_s = 50.0
//! batch_size = 128
//! gamma = 1.0              # the fitted slope of the communication surrogate
//! time_limit_s = 60
//! mip_gap = 0.05
//! max_groups = 64
//! # load_bound = 0.3       # optional: override the bound (activations per token per node)
//! ```

use crate::context::PlacementContext;
use crate::devices;
use crate::ep_random::ep_shares;
use crate::hybrid_tp_ep::solve_error;
use crate::map::PlacementMap;
use crate::node_balance_load::{LayerLoad, LoadProfile};
use crate::node_balance_shares::{HOLD_EPS, Shares, to_placement_map};
use crate::placement::Placement;
use good_lp::{
    Expression, Solution, SolverModel, Variable, WithInitialSolution, WithMipGap, WithTimeLimit,
    microlp, variable, variables,
};
use moesim_core::rng::rng_from_seed;
use moesim_core::{Error, Result};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// What a solver run reached.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SolveStats {
    /// microlp's termination reason (`ProvenOptimal`, `MipGap`, `TimeLimit`, ...).
    pub status: String,
    /// Objective of the returned placement (NodeBalance: microseconds per layer).
    pub objective: f64,
    /// Best proven lower bound, when the solver has one.
    pub best_bound: Option<f64>,
    /// Relative gap between `objective` and `best_bound`, when known.
    pub gap: Option<f64>,
    pub time_s: f64,
    /// Branch-and-bound nodes solved.
    pub nodes: u64,
    /// Objective of the warm start (EP, with shares moved off nodes above the load bound).
    pub warm_start_objective: Option<f64>,
    pub binaries: usize,
    pub constraints: usize,
    /// Groups in the model and the share of tokens they cover.
    pub groups: usize,
    pub group_coverage: f64,
}

/// One layer's NodeBalance problem.
#[derive(Clone, Debug)]
pub struct NodeBalanceProblem<'a> {
    pub load: &'a LayerLoad,
    pub num_nodes: usize,
    pub batch: u32,
    pub hidden: u64,
    /// The expert's intermediate size `IS`.
    pub intermediate: u64,
    /// Per-node compute, FLOP/s.
    pub compute_flops_per_s: f64,
    /// Per-link bandwidth, bytes/s.
    pub link_bytes_per_s: f64,
    /// The fitted slope of the communication surrogate.
    pub gamma: f64,
}

/// The solver's limits.
#[derive(Clone, Debug, PartialEq)]
pub struct SolverLimits {
    pub time_limit_s: f64,
    pub mip_gap: f64,
    pub max_groups: usize,
    /// Overrides the paper's load bound (activations per token per node).
    pub load_bound: Option<f64>,
    /// Seed of the EP warm start.
    pub seed: u64,
}

impl Default for SolverLimits {
    fn default() -> Self {
        SolverLimits {
            time_limit_s: 60.0,
            mip_gap: 0.05,
            max_groups: 64,
            load_bound: None,
            seed: 1,
        }
    }
}

impl NodeBalanceProblem<'_> {
    /// `R_CC = BW IS e / (2 D comp)`.
    pub fn r_cc(&self) -> f64 {
        self.link_bytes_per_s * self.intermediate as f64 * f64::from(self.load.top_k)
            / (2.0 * self.num_nodes as f64 * self.compute_flops_per_s)
    }

    /// The paper's load bound `(1 / R_CC + 1) e / D`.
    pub fn paper_load_bound(&self) -> f64 {
        (1.0 / self.r_cc() + 1.0) * f64::from(self.load.top_k) / self.num_nodes as f64
    }

    /// Microseconds of compute per unit of node load (activations per token).
    pub fn comp_us_per_load(&self) -> f64 {
        f64::from(self.batch) * 2.0 * self.hidden as f64 * self.intermediate as f64
            / self.compute_flops_per_s
            * 1e6
    }

    /// Microseconds of modelled communication per unit of `sum_g f_g Y_gc`.
    pub fn comm_us_per_group_load(&self) -> f64 {
        4.0 * self.gamma * f64::from(self.batch) * self.hidden as f64 / self.link_bytes_per_s * 1e6
    }

    /// The model's objective of `shares` over the modelled groups.
    pub fn objective(&self, shares: &Shares, groups: &[crate::node_balance_load::CoGroup]) -> f64 {
        let comp = shares
            .node_load(&self.load.freq)
            .into_iter()
            .fold(0.0, f64::max)
            * self.comp_us_per_load();
        let comm = (0..self.num_nodes)
            .map(|c| {
                groups
                    .iter()
                    .filter(|g| g.experts.iter().any(|&i| shares.holds(i as usize, c)))
                    .map(|g| g.freq)
                    .sum::<f64>()
            })
            .fold(0.0, f64::max)
            * self.comm_us_per_group_load();
        comp + 2.0 * comm
    }
}

/// Checks the problem's sizes; errors name `origin` and the key at fault.
pub fn check(p: &NodeBalanceProblem, lim: &SolverLimits, origin: &str) -> Result<f64> {
    let k = p.load.top_k as usize;
    if p.num_nodes < k {
        return Err(Error::config(
            origin,
            "platform.mesh",
            format!(
                "{} nodes cannot hold the {k} distinct experts a token activates",
                p.num_nodes
            ),
        )
        .allowed(format!("a mesh of at least top_k = {k} nodes")));
    }
    let bound = lim.load_bound.unwrap_or_else(|| p.paper_load_bound());
    let total: f64 = p.load.freq.iter().sum();
    let need = total / p.num_nodes as f64;
    if !(bound.is_finite() && bound >= need * (1.0 - 1e-9)) {
        return Err(Error::config(
            origin,
            "placement.load_bound",
            format!(
                "a node load of at most {bound} activations per token is infeasible: {} nodes \
                 must carry {total:.4} activations per token",
                p.num_nodes
            ),
        )
        .allowed(format!("a bound >= {need:.6} (sum_i f_i / D)")));
    }
    Ok(bound)
}

/// Solves one layer: the placement and the solver's statistics.
pub fn solve(
    p: &NodeBalanceProblem,
    lim: &SolverLimits,
    origin: &str,
) -> Result<(Shares, SolveStats)> {
    let bound = check(p, lim, origin)?;
    let started = Instant::now();
    let (e, d) = (p.load.num_experts as usize, p.num_nodes);
    let (groups, coverage) = p.load.top_groups(lim.max_groups);
    let comp_k = p.comp_us_per_load();
    let comm_k = p.comm_us_per_group_load();

    let mut vars = variables!();
    let pv: Vec<Vec<Variable>> = (0..e)
        .map(|_| {
            (0..d)
                .map(|_| vars.add(variable().min(0.0).max(1.0)))
                .collect()
        })
        .collect();
    let zv: Vec<Vec<Variable>> = (0..e)
        .map(|_| (0..d).map(|_| vars.add(variable().binary())).collect())
        .collect();
    let yv: Vec<Vec<Variable>> = groups
        .iter()
        .map(|_| {
            (0..d)
                .map(|_| vars.add(variable().min(0.0).max(1.0)))
                .collect()
        })
        .collect();
    let t_comp = vars.add(variable().min(0.0));
    let t_comm = vars.add(variable().min(0.0));

    // warm start: the EP placement, if it meets the load bound
    let mut ep = ep_shares(e, d, &mut rng_from_seed(lim.seed));
    repair_to_bound(&mut ep, &p.load.freq, bound);
    let ep_loads = ep.node_load(&p.load.freq);
    let ep_ok = ep_loads.iter().all(|&l| l <= bound * (1.0 + 1e-9));
    let mut init: Vec<(Variable, f64)> = Vec::new();
    let mut warm_objective = None;
    if ep_ok {
        let comp = ep_loads.iter().copied().fold(0.0, f64::max) * comp_k;
        let mut comm_max = 0.0f64;
        for c in 0..d {
            let mut s = 0.0;
            for (g, y) in groups.iter().zip(&yv) {
                let touch = g.experts.iter().any(|&i| ep.holds(i as usize, c));
                init.push((y[c], if touch { 1.0 } else { 0.0 }));
                if touch {
                    s += g.freq;
                }
            }
            comm_max = comm_max.max(s * comm_k);
        }
        for i in 0..e {
            for c in 0..d {
                init.push((pv[i][c], ep.get(i, c)));
                init.push((zv[i][c], if ep.holds(i, c) { 1.0 } else { 0.0 }));
            }
        }
        init.push((t_comp, comp));
        init.push((t_comm, comm_max));
        warm_objective = Some(comp + 2.0 * comm_max);
    }

    let objective: Expression = t_comp + 2.0 * t_comm;
    let mut model = vars
        .minimise(objective)
        .using(microlp)
        .with_time_limit(lim.time_limit_s)
        .with_mip_gap(lim.mip_gap as f32)
        .map_err(|err| Error::Sim(format!("node_balance: {err}")))?;
    if !init.is_empty() {
        model = model.with_initial_solution(init);
    }
    let mut constraints = 0usize;
    for i in 0..e {
        let s: Expression = pv[i].iter().copied().sum();
        model.add_constraint(s.eq(1.0));
        for c in 0..d {
            model.add_constraint((pv[i][c] - zv[i][c]).leq(0.0));
        }
        constraints += 1 + d;
    }
    for (g, y) in groups.iter().zip(&yv) {
        for c in 0..d {
            for &i in &g.experts {
                model.add_constraint((zv[i as usize][c] - y[c]).leq(0.0));
                constraints += 1;
            }
        }
    }
    for c in 0..d {
        let load: Expression = (0..e).map(|i| p.load.freq[i] * pv[i][c]).sum();
        model.add_constraint((comp_k * load.clone() - t_comp).leq(0.0));
        model.add_constraint(load.leq(bound));
        let comm: Expression = groups.iter().zip(&yv).map(|(g, y)| g.freq * y[c]).sum();
        model.add_constraint((comm_k * comm - t_comm).leq(0.0));
        constraints += 3;
    }
    let sol = match model.solve() {
        Ok(sol) => sol,
        Err(good_lp::ResolutionError::Other(msg)) if warm_objective.is_some() => {
            // the limit expired before the root relaxation was solved: the warm start stands
            let groups_n = groups.len();
            return Ok((
                ep.clone(),
                SolveStats {
                    status: format!("TimeLimit ({msg}): EP warm start returned"),
                    objective: p.objective(&ep, groups),
                    best_bound: None,
                    gap: None,
                    time_s: started.elapsed().as_secs_f64(),
                    nodes: 0,
                    warm_start_objective: warm_objective,
                    binaries: e * d,
                    constraints,
                    groups: groups_n,
                    group_coverage: coverage,
                },
            ));
        }
        Err(err) => return Err(solve_error_of(err, origin, bound)),
    };
    let mut shares = Shares::zeros(e, d);
    for (i, row) in pv.iter().enumerate() {
        let mut sum = 0.0;
        for (c, &var) in row.iter().enumerate() {
            let v = sol.value(var).clamp(0.0, 1.0);
            let v = if v > HOLD_EPS { v } else { 0.0 };
            shares.set(i, c, v);
            sum += v;
        }
        for c in 0..d {
            shares.set(i, c, shares.get(i, c) / sum.max(HOLD_EPS));
        }
    }
    let inner = sol.into_inner();
    let st = inner.stats();
    let reached = p.objective(&shares, groups);
    Ok((
        shares,
        SolveStats {
            status: format!("{:?}", inner.termination_reason()),
            objective: reached,
            best_bound: st.best_bound,
            gap: inner.gap(),
            time_s: started.elapsed().as_secs_f64(),
            nodes: st.nodes_solved,
            warm_start_objective: warm_objective,
            binaries: e * d,
            constraints,
            groups: groups.len(),
            group_coverage: coverage,
        },
    ))
}

/// Moves shares off nodes above `bound` (activations per token) to the least-loaded nodes until
/// every node meets it: the EP placement made feasible for the load bound (a no-op when EP
/// already meets it). Needs `sum_i f_i <= D bound`.
pub fn repair_to_bound(s: &mut Shares, freq: &[f64], bound: f64) {
    let mut loads = s.node_load(freq);
    for _ in 0..s.num_experts * s.num_nodes * 4 {
        let Some((c, &lc)) = loads.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)) else {
            return;
        };
        if lc <= bound * (1.0 + 1e-12) {
            return;
        }
        let (to, &lt) = match loads.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)) {
            Some(x) => x,
            None => return,
        };
        // the heaviest expert with a share on c
        let Some(i) = (0..s.num_experts)
            .filter(|&i| s.holds(i, c) && freq[i] > 0.0)
            .max_by(|&a, &b| freq[a].total_cmp(&freq[b]))
        else {
            return;
        };
        let x = s
            .get(i, c)
            .min((lc - bound) / freq[i])
            .min(((bound - lt) / freq[i]).max(0.0));
        if x <= 0.0 {
            return;
        }
        s.set(i, c, s.get(i, c) - x);
        s.set(i, to, s.get(i, to) + x);
        loads[c] -= x * freq[i];
        loads[to] += x * freq[i];
    }
}

/// A solver failure: infeasibility names the load bound.
fn solve_error_of(err: good_lp::ResolutionError, origin: &str, bound: f64) -> Error {
    match err {
        good_lp::ResolutionError::Infeasible => Error::config(
            origin,
            "placement.load_bound",
            format!("no placement meets a node load of at most {bound} activations per token"),
        )
        .allowed("a larger bound, or leave the key out for the paper's bound"),
        other => solve_error("node_balance", other),
    }
}

fn default_time_limit() -> f64 {
    60.0
}
fn default_gap() -> f64 {
    0.05
}
fn default_groups() -> usize {
    64
}
fn default_gamma() -> f64 {
    1.0
}
fn default_seed() -> u64 {
    1
}

/// The NodeBalance placement as a `[placement]` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeBalance {
    pub profile: LoadProfile,
    pub compute_tflops: f64,
    pub link_gbytes_per_s: f64,
    pub batch_size: u32,
    #[serde(default = "default_gamma")]
    pub gamma: f64,
    #[serde(default = "default_time_limit")]
    pub time_limit_s: f64,
    #[serde(default = "default_gap")]
    pub mip_gap: f64,
    #[serde(default = "default_groups")]
    pub max_groups: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_bound: Option<f64>,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// The devices to use, in order (default: every live device).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<u32>>,
}

impl NodeBalance {
    fn validate(&self, origin: &str) -> Result<()> {
        let pos = |v: f64, key: &str| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(Error::config(
                    origin,
                    format!("placement.{key}"),
                    format!("{v} is out of range"),
                )
                .allowed("a positive number"))
            }
        };
        pos(self.compute_tflops, "compute_tflops")?;
        pos(self.link_gbytes_per_s, "link_gbytes_per_s")?;
        pos(self.gamma, "gamma")?;
        pos(self.time_limit_s, "time_limit_s")?;
        pos(f64::from(self.batch_size), "batch_size")?;
        if !(self.mip_gap.is_finite() && self.mip_gap >= 0.0) {
            return Err(Error::config(
                origin,
                "placement.mip_gap",
                format!("{} is out of range", self.mip_gap),
            )
            .allowed("a number >= 0"));
        }
        Ok(())
    }
}

impl Placement for NodeBalance {
    fn kind(&self) -> &'static str {
        "node_balance"
    }

    fn place(&self, ctx: &PlacementContext) -> Result<PlacementMap> {
        self.validate(&ctx.origin)?;
        let devs = devices::select(ctx, self.devices.as_deref())?;
        let loads = self
            .profile
            .loads(ctx.model, &ctx.origin, "placement.profile")?;
        let lim = SolverLimits {
            time_limit_s: self.time_limit_s,
            mip_gap: self.mip_gap,
            max_groups: self.max_groups,
            load_bound: self.load_bound,
            seed: self.seed,
        };
        let mut layers = Vec::with_capacity(loads.len());
        for l in &loads {
            let p = NodeBalanceProblem {
                load: l,
                num_nodes: devs.len(),
                batch: self.batch_size,
                hidden: ctx.model.hidden(),
                intermediate: ctx.model.moe.expert_intermediate_size,
                compute_flops_per_s: self.compute_tflops * 1e12,
                link_bytes_per_s: self.link_gbytes_per_s * 1e9,
                gamma: self.gamma,
            };
            layers.push(solve(&p, &lim, &ctx.origin)?.0);
        }
        to_placement_map(self.kind(), ctx, &devs, &layers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moesim_workloads::routing::RoutingTable;

    fn load() -> LayerLoad {
        // 4 experts, top-2, expert 0 hot
        let t = RoutingTable::from_vec(
            1,
            8,
            2,
            vec![0, 1, 0, 2, 0, 3, 0, 1, 1, 2, 0, 2, 0, 3, 2, 3],
        );
        LayerLoad::of_layer(t.layer(0), 4)
    }

    fn problem(l: &LayerLoad, d: usize) -> NodeBalanceProblem<'_> {
        NodeBalanceProblem {
            load: l,
            num_nodes: d,
            batch: 16,
            hidden: 1024,
            intermediate: 1024,
            compute_flops_per_s: 5e12,
            link_bytes_per_s: 50e9,
            gamma: 1.0,
        }
    }

    #[test]
    fn beats_or_matches_the_warm_start_and_meets_the_bound() {
        let l = load();
        let p = problem(&l, 4);
        let lim = SolverLimits {
            time_limit_s: 5.0,
            ..SolverLimits::default()
        };
        let (s, st) = solve(&p, &lim, "e.toml").unwrap();
        assert!(s.max_sum_error() < 1e-9);
        let bound = p.paper_load_bound();
        assert!(s.node_load(&l.freq).iter().all(|&x| x <= bound + 1e-6));
        if let Some(w) = st.warm_start_objective {
            assert!(st.objective <= w * (1.0 + 1e-6), "{st:?}");
        }
        // the hot expert (f = 0.875) must not sit whole on one node with others: compute max
        // is at least the mean load
        let mean: f64 = l.freq.iter().sum::<f64>() / 4.0;
        assert!(st.objective >= mean * p.comp_us_per_load() - 1e-9);
    }

    #[test]
    fn repair_meets_the_bound() {
        let l = load();
        let mut s = Shares::zeros(4, 4);
        for i in 0..4 {
            s.set(i, 0, 1.0);
        }
        repair_to_bound(&mut s, &l.freq, 0.6);
        assert!(s.max_sum_error() < 1e-9);
        assert!(s.node_load(&l.freq).iter().all(|&x| x <= 0.6 + 1e-9));
    }

    #[test]
    fn bad_bound_and_small_mesh_are_config_errors() {
        let l = load();
        let lim = SolverLimits {
            load_bound: Some(0.1),
            ..SolverLimits::default()
        };
        let e = solve(&problem(&l, 4), &lim, "e.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("placement.load_bound") && e.contains("0.5"),
            "{e}"
        );
        let e = solve(&problem(&l, 1), &SolverLimits::default(), "e.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("platform.mesh") && e.contains("top_k = 2"),
            "{e}"
        );
    }
}
