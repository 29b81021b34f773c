//! The GPU baselines of the MoEntwine study: one MoE layer of the same models on an NVL72 rack
//! (EP = 72, several experts per GPU) and on a DGX B200 cluster (8-GPU NVSwitch nodes joined by
//! 400 Gb/s InfiniBand, EP = 256), with the calibrated models of `moesim-gpu`: the dispatch and
//! the combine are direct all-to-alls with uneven blocks (`all_to_allv_times`, the slowest rank
//! ends the call), the experts run on the calibrated FFN model (device time, kernels back to
//! back), the shared experts on every GPU for its own tokens.
//!
//! Routing is the same synthetic generator as on the wafer; token `t` lives on rank `t mod D`.
//! Experts sit in contiguous blocks over the ranks (with fewer experts than ranks, rank `r`
//! holds expert `r mod E` and a token uses replica `r mod replicas`).

use super::points::truncated_model;
use moesim_core::{Error, Result};
use moesim_gpu::{ExpertShape, GpuSystem};
use moesim_workloads::routing::RoutingTable;
use moesim_workloads::{Batch, Precision, RoutingConfig, build_routing};

/// A GPU platform of the comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GpuPlatform {
    /// GB200 NVL72: 72 GPUs in one NVLink domain.
    Nvl72,
    /// 32 DGX B200 nodes (256 GPUs).
    DgxCluster,
}

impl GpuPlatform {
    pub fn label(self) -> &'static str {
        match self {
            GpuPlatform::Nvl72 => "NVL72 (EP=72)",
            GpuPlatform::DgxCluster => "DGX B200 x32 (EP=256)",
        }
    }

    /// The calibrated system.
    pub fn system(self) -> Result<GpuSystem> {
        match self {
            GpuPlatform::Nvl72 => GpuSystem::preset("gb200_nvl72"),
            GpuPlatform::DgxCluster => {
                let mut cfg = moesim_gpu::presets::preset("b200_dgx")?;
                cfg.system.domains = 32;
                GpuSystem::new(cfg)
            }
        }
    }
}

/// One MoE layer on a GPU platform (means over the simulated layers, microseconds).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GpuResult {
    pub devices: usize,
    pub tokens: u64,
    pub dispatch_us: f64,
    pub combine_us: f64,
    pub expert_us: f64,
    pub moe_layer_us: f64,
}

impl GpuResult {
    pub fn moe_tokens_per_s_per_device(&self) -> f64 {
        if self.moe_layer_us > 0.0 && self.devices > 0 {
            self.tokens as f64 / self.devices as f64 / (self.moe_layer_us * 1e-6)
        } else {
            0.0
        }
    }
}

/// The ranks holding each expert.
pub fn expert_ranks(num_experts: usize, ranks: usize) -> Vec<Vec<usize>> {
    if num_experts >= ranks {
        let (base, extra) = (num_experts / ranks, num_experts % ranks);
        let mut out = Vec::with_capacity(num_experts);
        for r in 0..ranks {
            out.extend(std::iter::repeat_n(vec![r], base + usize::from(r < extra)));
        }
        out
    } else {
        (0..num_experts)
            .map(|e| (e..ranks).step_by(num_experts).collect())
            .collect()
    }
}

/// Runs `moe_layers` MoE layers of `model` with `seqs_per_gpu` decode sequences per GPU.
pub fn run(
    platform: GpuPlatform,
    model: &str,
    seqs_per_gpu: u32,
    moe_layers: u32,
    seed: u64,
) -> Result<GpuResult> {
    let sys = platform.system()?;
    let d = match platform {
        GpuPlatform::Nvl72 => 72,
        GpuPlatform::DgxCluster => 256,
    }
    .min(sys.world_size());
    let origin = format!("moentwine gpu baseline {}", platform.label());
    let m = truncated_model(model, moe_layers)?;
    let p = Precision::default();
    let batch = Batch::decode(seqs_per_gpu * d as u32, 2048);
    let source = build_routing(&RoutingConfig::default(), &m, seed, &origin)?;
    let n_tok = batch.num_tokens() as u32;
    let mut table = RoutingTable::new(moe_layers, n_tok, m.top_k());
    source.route_step(0, &batch, &mut table)?;
    let tb = m.token_bytes(&p);
    let e_count = m.num_experts() as usize;
    let holders = expert_ranks(e_count, d);
    let shape = ExpertShape::new(m.hidden(), m.moe.expert_intermediate_size, p.weights);
    let shared = (m.moe.shared_expert_intermediate_size > 0)
        .then(|| ExpertShape::new(m.hidden(), m.moe.shared_expert_intermediate_size, p.weights));
    let mut acc = GpuResult {
        devices: d,
        tokens: u64::from(n_tok),
        ..GpuResult::default()
    };
    for layer in 0..moe_layers {
        let routing = table.layer(layer);
        let mut send = vec![vec![0u64; d]; d];
        let mut count = vec![vec![0u64; e_count]; d];
        let mut own = vec![0u64; d];
        let mut dests: Vec<usize> = Vec::new();
        for t in 0..routing.num_tokens() {
            let r = t % d;
            own[r] += 1;
            dests.clear();
            for &e in routing.token(t) {
                let reps = &holders[e as usize];
                let g = reps[r % reps.len()];
                count[g][e as usize] += 1;
                if g != r && !dests.contains(&g) {
                    dests.push(g);
                }
            }
            for &g in &dests {
                send[r][g] += tb;
            }
        }
        let back: Vec<Vec<u64>> = (0..d)
            .map(|i| (0..d).map(|j| send[j][i]).collect())
            .collect();
        let max_us = |v: Vec<moesim_core::Tick>| v.iter().map(|t| t.as_us()).fold(0.0, f64::max);
        let dispatch = max_us(sys.all_to_allv_times(&send)?);
        let combine = max_us(sys.all_to_allv_times(&back)?);
        let expert = (0..d)
            .map(|g| {
                let routed: f64 = count[g]
                    .iter()
                    .filter(|&&c| c > 0)
                    .map(|&c| sys.expert_ffn_time(&shape, c).as_us())
                    .sum();
                routed + shared.map_or(0.0, |s| sys.expert_ffn_time(&s, own[g]).as_us())
            })
            .fold(0.0, f64::max);
        acc.dispatch_us += dispatch;
        acc.combine_us += combine;
        acc.expert_us += expert;
    }
    let n = f64::from(moe_layers.max(1));
    acc.dispatch_us /= n;
    acc.combine_us /= n;
    acc.expert_us /= n;
    acc.moe_layer_us = acc.dispatch_us + acc.expert_us + acc.combine_us;
    if !acc.moe_layer_us.is_finite() {
        return Err(Error::Sim(format!("{origin}: non-finite layer time")));
    }
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expert_layouts() {
        let r = expert_ranks(256, 72);
        assert_eq!(r.len(), 256);
        assert_eq!(r[3], vec![0]);
        assert_eq!(r[4], vec![1]);
        let r = expert_ranks(8, 72);
        assert_eq!(r[1].len(), 9);
        assert_eq!(r[1][1], 9);
    }

    #[test]
    fn nvl72_layer_is_positive_and_grows_with_the_batch() {
        let a = run(GpuPlatform::Nvl72, "mixtral-8x22b", 4, 1, 1).unwrap();
        let b = run(GpuPlatform::Nvl72, "mixtral-8x22b", 64, 1, 1).unwrap();
        assert!(a.moe_layer_us > 0.0 && b.moe_layer_us > a.moe_layer_us);
        assert_eq!(a.devices, 72);
    }
}
