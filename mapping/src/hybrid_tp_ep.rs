//! `kind = "hybrid_tp_ep"`: HD-MoE's hybrid TP-EP compute-balanced baseline (papers.md section
//! 4.3). The mesh is cut into `regions` sub-regions (contiguous runs of nodes in row-major
//! order, `D / regions` nodes each); every expert goes whole to one region (EP across regions)
//! and is split evenly over the region's nodes (TP inside). The experts are assigned by an ILP
//! that balances compute: binaries `Z_ir`, `sum_r Z_ir = 1`, minimise `t >= sum_i f_i Z_ir` for
//! every region (good_lp + microlp, warm-started from the longest-processing-time greedy).
//!
//! ```toml
//! [placement]
//! kind = "hybrid_tp_ep"
//! regions = 8               # default: 2 for 8 or fewer experts, else 8 (the paper's setting)
//! profile = { kind = "trace", files = ["data/routing/hdmoe-mtbench-mixtral/experts_reasoning_mixtral.json"] }
//! time_limit_s = 10
//! ```

use crate::context::PlacementContext;
use crate::devices;
use crate::map::PlacementMap;
use crate::node_balance::SolveStats;
use crate::node_balance_load::LoadProfile;
use crate::node_balance_shares::{Shares, to_placement_map};
use crate::placement::Placement;
use good_lp::{
    Expression, ResolutionError, Solution, SolverModel, Variable, WithInitialSolution, WithMipGap,
    WithTimeLimit, microlp, variable, variables,
};
use moesim_core::{Error, Result};
use serde::{Deserialize, Serialize};
use std::time::Instant;

fn default_time_limit() -> f64 {
    10.0
}
fn default_gap() -> f64 {
    0.05
}

/// The hybrid TP-EP placement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HybridTpEp {
    /// Sub-regions (default: 2 for models of at most 8 experts, else 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<u32>,
    /// The routing the expert loads come from.
    pub profile: LoadProfile,
    #[serde(default = "default_time_limit")]
    pub time_limit_s: f64,
    #[serde(default = "default_gap")]
    pub mip_gap: f64,
    /// The devices to use, in order (default: every live device).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<u32>>,
}

/// The paper's region count for a model of `num_experts` experts.
pub fn default_regions(num_experts: u32) -> u32 {
    if num_experts <= 8 { 2 } else { 8 }
}

/// Checks `regions` against the node count; errors name `key`.
pub fn check_regions(regions: u32, num_nodes: usize, origin: &str, key: &str) -> Result<()> {
    if regions == 0 || regions as usize > num_nodes || !num_nodes.is_multiple_of(regions as usize) {
        return Err(Error::config(
            origin,
            key,
            format!("{regions} regions cannot split {num_nodes} nodes evenly"),
        )
        .allowed(format!("a divisor of {num_nodes}")));
    }
    Ok(())
}

/// Assigns every expert (load `freq[i]`) to one of `regions` regions, balancing the summed load.
pub fn assign_regions(
    freq: &[f64],
    regions: usize,
    time_limit_s: f64,
    mip_gap: f64,
) -> Result<(Vec<usize>, SolveStats)> {
    let started = Instant::now();
    // greedy warm start: heaviest expert to the lightest region
    let mut order: Vec<usize> = (0..freq.len()).collect();
    order.sort_by(|&a, &b| freq[b].total_cmp(&freq[a]).then(a.cmp(&b)));
    let mut greedy = vec![0usize; freq.len()];
    let mut sums = vec![0.0f64; regions];
    for &i in &order {
        let r = (0..regions)
            .min_by(|&a, &b| sums[a].total_cmp(&sums[b]))
            .unwrap_or(0);
        greedy[i] = r;
        sums[r] += freq[i];
    }
    let greedy_obj = sums.iter().copied().fold(0.0, f64::max);
    let mut vars = variables!();
    let z: Vec<Vec<Variable>> = (0..freq.len())
        .map(|_| {
            (0..regions)
                .map(|_| vars.add(variable().binary()))
                .collect()
        })
        .collect();
    let t = vars.add(variable().min(0.0));
    let mut init: Vec<(Variable, f64)> = vec![(t, greedy_obj)];
    for (i, row) in z.iter().enumerate() {
        for (r, &v) in row.iter().enumerate() {
            init.push((v, if greedy[i] == r { 1.0 } else { 0.0 }));
        }
    }
    let mut model = vars
        .minimise(t)
        .using(microlp)
        .with_time_limit(time_limit_s)
        .with_mip_gap(mip_gap as f32)
        .map_err(|e| Error::Sim(format!("hybrid_tp_ep: {e}")))?
        .with_initial_solution(init);
    for row in &z {
        let s: Expression = row.iter().copied().sum();
        model.add_constraint(s.eq(1.0));
    }
    for r in 0..regions {
        let load: Expression = z.iter().zip(freq).map(|(row, &f)| f * row[r]).sum();
        model.add_constraint(load.leq(t));
    }
    let sol = model.solve().map_err(|e| solve_error("hybrid_tp_ep", e))?;
    let assign: Vec<usize> = z
        .iter()
        .map(|row| {
            (0..regions)
                .max_by(|&a, &b| sol.value(row[a]).total_cmp(&sol.value(row[b])))
                .unwrap_or(0)
        })
        .collect();
    let objective = sol.value(t);
    let inner = sol.into_inner();
    let st = inner.stats();
    Ok((
        assign,
        SolveStats {
            status: format!("{:?}", inner.termination_reason()),
            objective: objective.min(greedy_obj),
            best_bound: st.best_bound,
            gap: inner.gap(),
            time_s: started.elapsed().as_secs_f64(),
            nodes: st.nodes_solved,
            warm_start_objective: Some(greedy_obj),
            binaries: freq.len() * regions,
            constraints: freq.len() + regions,
            groups: 0,
            group_coverage: 0.0,
        },
    ))
}

/// A solver failure as a simulation error.
pub(crate) fn solve_error(what: &str, e: ResolutionError) -> Error {
    Error::Sim(format!("{what}: the solver failed: {e}"))
}

/// The shares of an assignment: region `r` is nodes `r * D / R .. (r + 1) * D / R`.
pub fn hybrid_shares(assign: &[usize], num_nodes: usize, regions: usize) -> Shares {
    let per = num_nodes / regions.max(1);
    let mut s = Shares::zeros(assign.len(), num_nodes);
    for (i, &r) in assign.iter().enumerate() {
        for c in r * per..(r + 1) * per {
            s.set(i, c, 1.0 / per as f64);
        }
    }
    s
}

impl Placement for HybridTpEp {
    fn kind(&self) -> &'static str {
        "hybrid_tp_ep"
    }

    fn place(&self, ctx: &PlacementContext) -> Result<PlacementMap> {
        let devs = devices::select(ctx, self.devices.as_deref())?;
        let regions = self
            .regions
            .unwrap_or_else(|| default_regions(ctx.model.num_experts()));
        check_regions(regions, devs.len(), &ctx.origin, "placement.regions")?;
        let loads = self
            .profile
            .loads(ctx.model, &ctx.origin, "placement.profile")?;
        let mut layers = Vec::with_capacity(loads.len());
        for l in &loads {
            let (a, _) =
                assign_regions(&l.freq, regions as usize, self.time_limit_s, self.mip_gap)?;
            layers.push(hybrid_shares(&a, devs.len(), regions as usize));
        }
        to_placement_map(self.kind(), ctx, &devs, &layers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balances_and_splits_inside_regions() {
        let f = [0.9, 0.8, 0.1, 0.1, 0.05, 0.05];
        let (a, st) = assign_regions(&f, 2, 5.0, 0.0).unwrap();
        let mut sums = [0.0; 2];
        for (i, &r) in a.iter().enumerate() {
            sums[r] += f[i];
        }
        assert!((sums[0] - sums[1]).abs() < 1e-9, "{sums:?}");
        assert!((st.objective - 1.0).abs() < 1e-6, "{st:?}");
        let s = hybrid_shares(&a, 8, 2);
        assert_eq!(s.holders(0).len(), 4);
        assert!(s.max_sum_error() < 1e-12);
        let e = check_regions(3, 32, "e.toml", "placement.regions")
            .unwrap_err()
            .to_string();
        assert!(e.contains("placement.regions"), "{e}");
    }
}
