//! The run grid of the balancing study: routing scenarios x balancers, built from the
//! experiment files in `configs/experiments/moentwine_balancer/`, run in parallel.

use crate::balance_run::{BalanceOutcome, BalanceRunConfig};
use moesim_core::Result;
use moesim_mapping::balancer::BalancerConfig;
use moesim_mapping::balancer::CopyPhase;
use moesim_mapping::balancer::eplb_invasive::EplbInvasiveConfig;
use moesim_mapping::balancer::ni_balancer::NiBalancerConfig;
use moesim_mapping::balancer::none::NoBalancing;
use moesim_workloads::routing::synthetic::Drift;
use moesim_workloads::{Phase, RoutingConfig};
use rayon::prelude::*;

/// DeepSeek-V3 decode on 4 wafers of 8x8 dies (the full study).
pub const FULL_TEXT: &str =
    include_str!("../../../../configs/experiments/moentwine_balancer/dsv3_4wafers_decode.toml");
/// DeepSeek-V3 decode on one 8x8 wafer (quick mode and validation).
pub const QUICK_TEXT: &str = include_str!(
    "../../../../configs/experiments/moentwine_balancer/dsv3_wafer8x8_decode_quick.toml"
);

/// Steps before the means are taken (history window and the first copies).
pub const WARMUP_STEPS: usize = 8;

/// A routing scenario (MoEntwine's load-balancing scenarios).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// Decode, every request of one task: loads settle.
    Fixed,
    /// Decode, the task mix rotates once over the run (requests of 8 steps): loads drift.
    Mixed,
    /// Prefill + decode: every step also prefills new prompts (fixed task).
    PrefillDecode,
}

impl Scenario {
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Fixed => "fixed, decode",
            Scenario::Mixed => "mixed, decode",
            Scenario::PrefillDecode => "fixed, prefill+decode",
        }
    }
    pub fn slug(self) -> &'static str {
        match self {
            Scenario::Fixed => "fixed_decode",
            Scenario::Mixed => "mixed_decode",
            Scenario::PrefillDecode => "fixed_prefill_decode",
        }
    }

    fn apply(self, c: &mut BalanceRunConfig) {
        let RoutingConfig::Synthetic(s) = &mut c.routing else {
            return;
        };
        match self {
            Scenario::Fixed => s.drift = Drift::Fixed { task: 0 },
            Scenario::Mixed => {
                s.drift = Drift::Cyclic {
                    period_steps: c.steps,
                    amplitude: 1.0,
                };
                s.request_steps = 8;
            }
            Scenario::PrefillDecode => {
                s.drift = Drift::Fixed { task: 0 };
                c.batch.phase = Phase::Mixed;
                c.batch.seq_len = 1024;
                c.batch.prefill_batch_size = (c.batch.batch_size / 2048).max(1);
            }
        }
    }
}

/// A balancer of the study.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    None,
    /// NI-Balancer, local pieces in the attention collective, global pieces in the MoE
    /// all-to-all (the detailed reading of the paper).
    Ni,
    /// NI-Balancer with the phases swapped (the other reading).
    NiSwapped,
    /// NI-Balancer with every piece in the MoE all-to-all.
    NiAllMoe,
    /// EPLB-style greedy that stalls inference while it copies.
    Invasive,
}

impl Variant {
    pub fn name(self) -> &'static str {
        match self {
            Variant::None => "none",
            Variant::Ni => "NI-Balancer",
            Variant::NiSwapped => "NI-Balancer, phases swapped",
            Variant::NiAllMoe => "NI-Balancer, all pieces in MoE",
            Variant::Invasive => "invasive (EPLB)",
        }
    }

    /// The balancer: NI with a 4-step history, at most one rebalance per 8 steps, alpha 0.2,
    /// one shadow slot; EPLB every 10 steps with the same history and slots.
    pub fn balancer(self) -> BalancerConfig {
        let ni = |local, global| {
            BalancerConfig::NiBalancer(NiBalancerConfig {
                history_steps: 4,
                min_interval_steps: 8,
                local_phase: local,
                global_phase: global,
                ..NiBalancerConfig::default()
            })
        };
        match self {
            Variant::None => BalancerConfig::None(NoBalancing {}),
            Variant::Ni => ni(CopyPhase::Attention, CopyPhase::Moe),
            Variant::NiSwapped => ni(CopyPhase::Moe, CopyPhase::Attention),
            Variant::NiAllMoe => ni(CopyPhase::Moe, CopyPhase::Moe),
            Variant::Invasive => BalancerConfig::EplbInvasive(EplbInvasiveConfig {
                history_steps: 4,
                interval_steps: 10,
                ..EplbInvasiveConfig::default()
            }),
        }
    }
}

/// The origin of the study's configurations in errors.
pub fn origin(quick: bool) -> &'static str {
    if quick {
        "configs/experiments/moentwine_balancer/dsv3_wafer8x8_decode_quick.toml"
    } else {
        "configs/experiments/moentwine_balancer/dsv3_4wafers_decode.toml"
    }
}

/// The configuration of one point.
pub fn config(quick: bool, s: Scenario, v: Variant) -> Result<BalanceRunConfig> {
    let text = if quick { QUICK_TEXT } else { FULL_TEXT };
    let mut c = BalanceRunConfig::from_toml_str(origin(quick), text)?;
    s.apply(&mut c);
    c.balancer = v.balancer();
    c.name = format!("{}_{}_{:?}", c.name, s.slug(), v).to_lowercase();
    Ok(c)
}

/// Runs one point.
pub fn run(quick: bool, s: Scenario, v: Variant) -> Result<BalanceOutcome> {
    config(quick, s, v)?.run(origin(quick))
}

/// The study's points.
pub fn grid(quick: bool) -> Vec<(Scenario, Variant)> {
    let mut g = Vec::new();
    let scenarios: &[Scenario] = if quick {
        &[Scenario::Fixed, Scenario::Mixed]
    } else {
        &[Scenario::Fixed, Scenario::Mixed, Scenario::PrefillDecode]
    };
    for &s in scenarios {
        for v in [Variant::None, Variant::Ni, Variant::Invasive] {
            g.push((s, v));
        }
    }
    g.push((Scenario::Fixed, Variant::NiSwapped));
    g.push((Scenario::Fixed, Variant::NiAllMoe));
    g
}

/// Runs every point of the grid in parallel (results in grid order).
pub fn run_grid(quick: bool) -> Result<Vec<(Scenario, Variant, BalanceOutcome)>> {
    grid(quick)
        .into_par_iter()
        .map(|(s, v)| run(quick, s, v).map(|o| (s, v, o)))
        .collect()
}
