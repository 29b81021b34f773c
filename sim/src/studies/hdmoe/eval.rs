//! HD-MoE's evaluation of one placement (papers.md sections 4.1 and 4.3): per MoE layer the
//! compute time of the busiest node, the communication time (dispatch and combine, twice one
//! phase), and the attention and memory term of the authors' `e2e.py`; the time between tokens
//! (TBT) is their sum over the MoE layers.
//!
//! ```text
//! comp_l  = max_c sum_i P_ic f_i B 2 h IS / comp
//! comm_l  = 2 x (TP: 4 B h / BW   |   otherwise: the link scheduler's makespan of the layer)
//! att     = (3Bh^2 + 2BLh + Bh^2) / (D comp)
//!         + (2BhL + 4h(B+h) + 2 E IS h + Bh(IS/h + 1)) / (D BW_mem)      (the code's formula)
//! TBT     = sum_l (comp_l + comm_l + att)
//! ```
//!
//! Both compute and link-scheduler communication are linear in the batch (no latency term), so
//! a placement is simulated once at batch 1 and scaled.

use moesim_core::rng::rng_from_seed;
use moesim_core::{Error, Result};
use moesim_mapping::node_balance_comm::{BYTES_PER_ELEMENT, layer_messages};
use moesim_mapping::node_balance_load::LayerLoad;
use moesim_mapping::node_balance_shares::Shares;
use moesim_noc::tier::Network;
use moesim_workloads::ModelSpec;
use serde::Serialize;

/// The attention context of the authors' evaluation.
pub const CONTEXT_TOKENS: f64 = 1024.0;

/// The model and hardware numbers of one configuration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HdMoeDims {
    pub experts: u32,
    pub top_k: u32,
    pub hidden: f64,
    pub intermediate: f64,
    pub moe_layers: u32,
    pub nodes: usize,
    pub compute_flops_per_s: f64,
    pub link_bytes_per_s: f64,
    pub memory_bytes_per_s: f64,
}

impl HdMoeDims {
    pub fn of(
        model: &ModelSpec,
        nodes: usize,
        compute_flops_per_s: f64,
        link_bytes_per_s: f64,
        memory_bytes_per_s: f64,
    ) -> HdMoeDims {
        HdMoeDims {
            experts: model.num_experts(),
            top_k: model.top_k(),
            hidden: model.hidden() as f64,
            intermediate: model.moe.expert_intermediate_size as f64,
            moe_layers: model.num_moe_layers(),
            nodes,
            compute_flops_per_s,
            link_bytes_per_s,
            memory_bytes_per_s,
        }
    }

    /// The attention and memory term of one layer at batch `b`, seconds.
    pub fn attention_s(&self, b: f64) -> f64 {
        let (h, d) = (self.hidden, self.nodes as f64);
        let comp = (3.0 * b * h * h + 2.0 * b * CONTEXT_TOKENS * h + b * h * h)
            / (d * self.compute_flops_per_s);
        let inter = self.intermediate / h;
        let mem = 2.0 * b * h * CONTEXT_TOKENS
            + 3.0 * h * (b + h)
            + h * (b + h)
            + 2.0 * f64::from(self.experts) * inter * h * h
            + b * h * (inter + 1.0);
        comp + mem / (d * self.memory_bytes_per_s)
    }

    /// Compute seconds per unit of node load (activations per token) at batch 1.
    pub fn comp_s_per_load(&self) -> f64 {
        2.0 * self.hidden * self.intermediate / self.compute_flops_per_s
    }

    /// TP's communication of one phase at batch 1, seconds.
    pub fn tp_phase_s(&self) -> f64 {
        BYTES_PER_ELEMENT * self.hidden / self.link_bytes_per_s
    }
}

/// Per-layer compute and communication of a placement at batch 1 (seconds).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LayerCosts {
    /// Per layer: the busiest node's compute.
    pub comp_s: Vec<f64>,
    /// Per layer: dispatch + combine.
    pub comm_s: Vec<f64>,
}

impl LayerCosts {
    pub fn push(&mut self, comp_s: f64, comm_s: f64) {
        self.comp_s.push(comp_s);
        self.comm_s.push(comm_s);
    }

    /// Summed compute and communication at batch `b`, microseconds.
    pub fn totals_us(&self, b: f64) -> (f64, f64) {
        (
            self.comp_s.iter().sum::<f64>() * b * 1e6,
            self.comm_s.iter().sum::<f64>() * b * 1e6,
        )
    }

    /// TBT at batch `b`, microseconds.
    pub fn tbt_us(&self, dims: &HdMoeDims, b: f64) -> f64 {
        let (c, m) = self.totals_us(b);
        c + m + self.comp_s.len() as f64 * dims.attention_s(b) * 1e6
    }
}

/// Compute seconds (batch 1) of `shares` on `load`.
pub fn comp_s(dims: &HdMoeDims, shares: &Shares, load: &LayerLoad) -> f64 {
    shares.node_load(&load.freq).into_iter().fold(0.0, f64::max) * dims.comp_s_per_load()
}

/// Communication seconds (batch 1, dispatch + combine) of `shares` laid out by `node_map`,
/// simulated on `net`. Messages are built at `scale_batch` (so byte rounding is negligible) and
/// the result divided by it.
pub fn comm_s(
    dims: &HdMoeDims,
    shares: &Shares,
    node_map: &[usize],
    load: &LayerLoad,
    net: &mut dyn Network,
    seed: u64,
) -> Result<f64> {
    const SCALE_BATCH: u32 = 1024;
    if shares.num_nodes != net.topology().num_nodes() {
        return Err(Error::Sim(format!(
            "a placement of {} nodes on a network of {}",
            shares.num_nodes,
            net.topology().num_nodes()
        )));
    }
    let m = layer_messages(
        shares,
        node_map,
        load,
        SCALE_BATCH,
        dims.hidden as u64,
        &mut rng_from_seed(seed),
    );
    let run = net.simulate(&m.messages)?;
    Ok(2.0 * run.makespan.as_ps() as f64 * 1e-12 / f64::from(SCALE_BATCH))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tp_rows_match_the_published_numbers() {
        // papers.md 4.4: ds, B = 128, 4x8, 5 TF / 50 GB/s: comm 1090.52 us, comp 719.74 us
        let m = ModelSpec::preset("deepseek-v2-lite").unwrap();
        let d = HdMoeDims::of(&m, 32, 5e12, 50e9, 625e9);
        let comm = 2.0 * d.tp_phase_s() * 128.0 * 26.0 * 1e6;
        assert!((comm - 1090.52).abs() < 0.01, "{comm}");
        let comp = 6.0 / 32.0 * d.comp_s_per_load() * 128.0 * 26.0 * 1e6;
        assert!((comp - 719.74).abs() < 0.01, "{comp}");
        assert!(d.attention_s(128.0) > 0.0);
    }
}
