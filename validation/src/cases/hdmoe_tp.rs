//! HD-MoE's TP baseline (ICCAD 2025, arXiv 2509.09420; papers.md §4.4 and §7 rows 1 and 2): the
//! MoE communication and compute summed over the MoE layers, as the authors' result files give
//! them, reproduced by the executor on the NMP platform with the `tp` placement.
//!
//! What the executor does (nothing of the closed form is written here): attention and every
//! expert are split over all 32 nodes; after attention every node holds every token, so the
//! dispatch moves nothing; each node computes `1/32` of every routed expert for its tokens
//! (roofline; the FLOP-bound part is HD-MoE's `t_comp`); the partial outputs are all-reduced
//! over the 32 nodes with the `reduce_broadcast` collective (a pipelined reduce along a snake
//! chain of the mesh, then a pipelined broadcast back: each chain link streams the whole
//! `B x h` FP32 tensor each way), which is the algorithm whose cost HD-MoE's analytic model
//! charges (`2 x 4 B h / BW` per layer, whatever the node count; a ring would charge
//! `2 (D-1)/D` of it).
//!
//! Conventions carried over from HD-MoE's evaluator, each a unit conversion rather than a fit:
//! - FLOPs: HD-MoE charges `2 h IS` per token and expert (one `h x IS` product); moesim counts
//!   the three SwiGLU products (`6 h IS`), so a node of HD-MoE's `X` TFLOPS is a node of `3X`
//!   moesim TFLOPS (`node.compute_tflops` = point x the model's matrices per FFN).
//! - Links: HD-MoE's link scheduler has no per-hop latency, so `link.latency_ns = 0` (the tiers
//!   keep one network cycle per hop; the clock is raised so that cycle is 0.1-0.2 ns).
//! - The ds model is DeepSeek-V2-Lite's MoE (E=64, top-6, h=2048, IS=1408, 26 MoE layers after
//!   one dense layer) without the shared experts, which HD-MoE's cost model leaves out, and
//!   with plain multi-head attention of 32 heads (HD-MoE's attention term is MHA over `h`; 32
//!   heads let attention split over 32 nodes). Attention is not part of the checked figures.
//!
//! Row 7 (HD-MoE Table III, ring all-reduce against ASTRA-sim) is the separate case
//! `hdmoe_ring_allreduce_astra` at the end of this file.

use crate::case::{Case, Check, Context, Tolerance};
use moesim::executor::collective::Ring;
use moesim::executor::collectives::{CollectiveJob, run_collectives};
use moesim::executor::{NetDriver, TrafficClass};
use moesim::experiment::moe::MoeExperiment;
use moesim_core::{Bandwidth, ClockDomain, Coord, MeshShape, NodeId, Result, Tick};
use moesim_noc::config::RoutingConfig as NocRouting;
use moesim_noc::tier::{EndpointBandwidth, NetworkParams, TierConfig};
use moesim_noc::topology::torus::build_torus;
use moesim_workloads::ModelSpec;
use moesim_workloads::flows::CollectiveKind;
use moesim_workloads::model::{AttentionKind, AttentionSpec};

/// Exact closed forms: within 0.1 %.
const EXACT: Tolerance = Tolerance::Relative { frac: 1e-3 };

const SOURCE: &str = "HD-MoE (ICCAD 2025, arXiv 2509.09420), code angerybob/HD-MoE \
                      evaluation/results/result_e2e.json, TP baseline; papers.md §4.4 and §7 rows \
                      1-2";

/// The HD-MoE TP cases.
pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "hdmoe_tp_ds_4x8_5tf_50gbps",
            source: SOURCE,
            setup: "ds (DeepSeek-V2-Lite MoE: E=64, top-6, h=2048, IS=1408, 26 MoE layers), \
                    4x8 NMP mesh, 5 TFLOPS per node (15 in moesim's SwiGLU FLOP count), 50 GB/s \
                    links without hop latency, batch 128 decode, FP32 payloads, tp placement, \
                    reduce_broadcast all-reduce. MoE comm = dispatch + combine summed over the \
                    MoE layers (analytic and flow tiers); MoE comp = sum over MoE layers of the \
                    largest FLOP-bound expert time of a node. Reference 1090.52 / 719.74 us; \
                    within 0.1%.",
            run: run_ds,
        },
        Case {
            id: "hdmoe_tp_mixtral_4x8_10tf_25gbps",
            source: SOURCE,
            setup: "mixtral (Mixtral-8x7B: E=8, top-2, h=4096, IS=14336, 32 MoE layers), 4x8 \
                    NMP mesh, 10 TFLOPS per node (30 in moesim's SwiGLU FLOP count), 25 GB/s \
                    links without hop latency, batch 128 decode, FP32 payloads, tp placement, \
                    reduce_broadcast all-reduce; as the ds case. Reference 5368.71 / 3007.55 us; \
                    within 0.1%.",
            run: run_mixtral,
        },
        ring_allreduce_case(),
    ]
}

/// DeepSeek-V2-Lite as HD-MoE's evaluator models it.
fn hdmoe_ds() -> Result<ModelSpec> {
    let mut m = ModelSpec::preset("deepseek-v2-lite")?;
    m.name = "DeepSeek-V2-Lite (HD-MoE cost model)".into();
    m.moe.num_shared_experts = 0;
    m.moe.shared_expert_intermediate_size = 0;
    m.attention = AttentionSpec {
        kind: AttentionKind::Mha,
        num_heads: 32,
        num_kv_heads: 32,
        head_dim: 64,
        q_lora_rank: None,
        kv_lora_rank: None,
        qk_nope_head_dim: None,
        qk_rope_head_dim: None,
        v_head_dim: None,
    };
    Ok(m)
}

/// The experiment of one HD-MoE point on `tier` (`analytic` or `flow`).
fn experiment(
    model: &ModelSpec,
    point: &str,
    tflops: f64,
    clock_ghz: f64,
    tier: &str,
) -> Result<MoeExperiment> {
    let matrices = model.ffn_act.num_matrices() as f64;
    let text = format!(
        r#"
kind = "moe"
name = "hdmoe_tp"
seed = 1
model = "mixtral-8x7b"

[precision]
weights = "fp32"
activations = "fp32"
kv_cache = "fp32"

[batch]
phase = "decode"
batch_size = 128
context_len = 1024

[routing]
kind = "uniform"

[platform]
kind = "nmp"
preset = "hdmoe"
mesh = "4x8"
point = "{point}"
network_clock_ghz = {clock_ghz}
node.compute_tflops = {compute}
link.latency_ns = 0.0

[placement]
kind = "tp"

[network.tier]
kind = "{tier}"

[executor.collective]
kind = "reduce_broadcast"
"#,
        compute = tflops * matrices,
    );
    let origin = format!("validation hdmoe_tp {point} {tier}");
    let table = moesim_core::config::parse_toml_value(&origin, &text)?;
    let mut e = MoeExperiment::from_table(&origin, table, &[])?;
    e.model = None;
    e.model_spec = Some(model.clone());
    e.validate(&origin)?;
    Ok(e)
}

fn checks(
    model: &ModelSpec,
    point: &str,
    tflops: f64,
    clock_ghz: f64,
    comm_us: f64,
    comp_us: f64,
) -> Result<Vec<Check>> {
    let mut out = Vec::new();
    for tier in ["analytic", "flow"] {
        let e = experiment(model, point, tflops, clock_ghz, tier)?;
        let o = e.simulate(&format!("validation hdmoe_tp {point} {tier}"))?;
        out.push(Check::new(
            &format!("MoE comm, sum over layers ({tier} tier)"),
            "us",
            comm_us,
            o.summary.moe_comm_us,
            EXACT,
        ));
        if tier == "analytic" {
            out.push(Check::new(
                "MoE comp (FLOP-bound), sum over layers",
                "us",
                comp_us,
                o.summary.moe_comp_flops_us,
                EXACT,
            ));
        }
    }
    Ok(out)
}

fn run_ds(_ctx: &Context) -> Result<Vec<Check>> {
    checks(&hdmoe_ds()?, "5tf_50gbps", 5.0, 10.0, 1090.52, 719.74)
}

fn run_mixtral(_ctx: &Context) -> Result<Vec<Check>> {
    let m = ModelSpec::preset("mixtral-8x7b")?;
    checks(&m, "10tf_25gbps", 10.0, 5.0, 5368.71, 3007.55)
}

// ---- Row 7: ring all-reduce against ASTRA-sim (HD-MoE Table III) ----

/// The authors' ASTRA-sim setup (angerybob/HD-MoE, `evaluation/`): 64 NPUs on the logical
/// dimensions `[2, 32]` (`sample_8nodes_1D.json`), `ring` all-reduce on every dimension
/// (`system_cfg.json`), and the all-reduce of the TP baseline, `comm_size = 2 x sum over layers
/// of 4 B h` bytes (`test.py`: 4-byte activations, dispatch plus combine).
const RING_DIMS: (u32, u32) = (2, 32);
/// DeepSeek-V2-Lite (`ds`): hidden size and MoE layers.
const RING_HIDDEN: u64 = 2048;
const RING_LAYERS: u64 = 26;
/// The batch: the one value of the paper's set {16, 32, 64, 128} whose tensor reproduces the
/// zero-latency row; the 5 us row is then a prediction.
const RING_BATCH: u64 = 16;
/// The published figures are whole microseconds: each bound of the spread carries +-0.5 us.
const ROUNDING_US: f64 = 0.5;

/// (link latency in us, link bandwidth in GB/s, HD-MoE analytic us, ASTRA-sim us).
const RING_ROWS: [(f64, f64, f64, f64); 2] = [(5.0, 25.0, 751.0, 879.0), (0.0, 20.0, 671.0, 692.0)];

fn ring_allreduce_case() -> Case {
    Case {
        id: "hdmoe_ring_allreduce_astra",
        source: "HD-MoE (ICCAD 2025, arXiv 2509.09420) Table III, ring all-reduce, HD-MoE's \
                 analytic model against ASTRA-sim; setup from the authors' ASTRA-sim inputs \
                 (angerybob/HD-MoE evaluation/sample_8nodes_1D.json, system_cfg.json, test.py); \
                 papers.md §4.1 and §7 row 7",
        setup: "All-reduce of the ds TP tensor, 2 x 26 layers x 4 B x 2048 x 16 tokens = \
                6,815,744 bytes, over 64 nodes arranged as ASTRA-sim's logical dimensions [2, 32] \
                (a 32x2 torus, torus DOR routing, one link per logical hop): ring reduce-scatter \
                over the pairs, ring reduce-scatter over the 32-rings, ring all-gather over the \
                32-rings, ring all-gather over the pairs (64 steps, 1.96875 x the tensor sent per \
                node), played by the executor's collective engine on the analytic and flow tiers. \
                Rows: 5 us per hop at 25 GB/s (analytic 751 us, ASTRA-sim 879 us) and no hop \
                latency at 20 GB/s (671 / 692 us; a 1 ns hop is the smallest the tiers take). \
                Pass: within the spread between the two published values, +-0.5 us for their \
                rounding. The batch of 16 is chosen by the zero-latency row. The 0.1 us row at \
                25 GB/s (673 / 668 us) is not reproduced: its bandwidth term is 536.7 us, and \
                the 131-136 us left would take 1313-1363 hop latencies of 0.1 us where the 5 us \
                row leaves room for 43-68, so that row's published figures include a cost \
                beyond the bandwidth and hop terms of an all-reduce.",
        run: run_ring_allreduce,
    }
}

/// The all-reduce time in us of `bytes` over the `[2, 32]` logical torus on `tier`.
fn hierarchical_ring_allreduce_us(
    tier: &TierConfig,
    hop_latency: Tick,
    link: Bandwidth,
    bytes: u64,
) -> Result<f64> {
    let (pair, ring) = RING_DIMS;
    let shape = MeshShape::new(ring, pair);
    let topo = build_torus(shape, 1, 1);
    let mut params = NetworkParams::from_link(link, ClockDomain::from_ghz(1.0), hop_latency, 1)?;
    params.endpoint = EndpointBandwidth::Unlimited;
    let origin = "validation hdmoe_ring_allreduce_astra";
    let mut net = NetDriver::new(tier, &NocRouting::TorusDor, &topo, &params, origin)?;
    let node = |x: u32, y: u32| NodeId(shape.index(Coord::new(x, y)) as u32);
    let pairs: Vec<Vec<NodeId>> = (0..ring)
        .map(|x| (0..pair).map(|y| node(x, y)).collect())
        .collect();
    let rings: Vec<Vec<NodeId>> = (0..pair)
        .map(|y| (0..ring).map(|x| node(x, y)).collect())
        .collect();
    // (groups, collective, tensor bytes of each group's collective)
    let stages = [
        (&pairs, CollectiveKind::ReduceScatter, bytes),
        (&rings, CollectiveKind::ReduceScatter, bytes / pair as u64),
        (&rings, CollectiveKind::AllGather, bytes / pair as u64),
        (&pairs, CollectiveKind::AllGather, bytes),
    ];
    let mut now = Tick::ZERO;
    for (groups, kind, tensor) in stages {
        let jobs: Vec<CollectiveJob> = groups
            .iter()
            .map(|members| CollectiveJob {
                members: members.clone(),
                kind,
                bytes: tensor,
                start: now,
            })
            .collect();
        let run = run_collectives(
            &mut net,
            &Ring,
            &jobs,
            TrafficClass::Attention,
            &[],
            TrafficClass::Migration,
        )?;
        now = run.job_end.iter().copied().max().unwrap_or(now);
    }
    Ok(now.as_us())
}

fn run_ring_allreduce(_ctx: &Context) -> Result<Vec<Check>> {
    let bytes = 2 * RING_LAYERS * 4 * RING_BATCH * RING_HIDDEN;
    let mut out = Vec::new();
    for (latency_us, gbps, analytic, astra) in RING_ROWS {
        let hop = Tick::from_ns((latency_us * 1e3).max(1.0));
        let link = Bandwidth::from_gbytes_per_s(gbps);
        let spread = Tolerance::Range {
            lo: analytic.min(astra) - ROUNDING_US,
            hi: analytic.max(astra) + ROUNDING_US,
        };
        for (name, tier) in [
            ("analytic", TierConfig::Analytic),
            ("flow", TierConfig::default()),
        ] {
            let us = hierarchical_ring_allreduce_us(&tier, hop, link, bytes)?;
            out.push(Check::new(
                &format!(
                    "ring all-reduce, {latency_us} us per hop, {gbps} GB/s ({name} tier; \
                     reference = ASTRA-sim)"
                ),
                "us",
                astra,
                us,
                spread,
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ds_reproduces_the_closed_forms() {
        let ctx = Context {
            root: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."),
        };
        for c in run_ds(&ctx).unwrap() {
            assert!(c.passed, "{c:?}");
        }
    }

    #[test]
    fn ring_allreduce_rows_within_the_published_spread() {
        let ctx = Context {
            root: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."),
        };
        let checks = run_ring_allreduce(&ctx).unwrap();
        assert_eq!(checks.len(), 4);
        for c in &checks {
            assert!(c.passed, "{c:?}");
        }
        // without hop latency the time is the bandwidth term, 1.96875 x the tensor / 20 GB/s
        let bw_term = 1.96875 * 6_815_744.0 / 20e9 * 1e6;
        assert!(
            (checks[2].measured - bw_term).abs() < 0.2,
            "{:?}",
            checks[2]
        );
    }
}
