//! `moesim workload`: the workload of one step of an MoE model (per-layer FLOPs, tokens per
//! expert, load imbalance, dispatch bytes), or the routing statistics of a trace or generator.

use moesim_core::{Error, Result};
use moesim_workloads::flows::{Parallelism, PostAttention, StepBuilder, StepTotals};
use moesim_workloads::routing::calibrate::{PerTokenTargets, fit_per_token, generated_segments};
use moesim_workloads::routing::config::{SyntheticConfig, TraceConfig, UniformConfig};
use moesim_workloads::routing::stats::{DEFAULT_WINDOW_TOKENS, RoutingStats};
use moesim_workloads::routing::synthetic::{SyntheticPreset, presets::PRESET_NAMES};
use moesim_workloads::routing::trace::RoutingTrace;
use moesim_workloads::routing::{RoutingShape, RoutingTable, StepRouting};
use moesim_workloads::{
    BatchConfig, DType, ModelSpec, Phase, Precision, RoutingConfig, build_routing,
};
use serde::de::IntoDeserializer;
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct WorkloadArgs {
    /// Model: an embedded name (mixtral-8x7b, deepseek-v3, qwen3-235b-a22b, ...) or a TOML file.
    #[arg(long)]
    model: String,
    /// prefill, decode or mixed (decode sequences plus prefill sequences).
    #[arg(long, default_value = "decode", value_parser = parse_enum::<Phase>)]
    phase: Phase,
    /// Sequences in the batch (decode sequences for `mixed`).
    #[arg(long, default_value_t = 64)]
    batch: u32,
    /// Cached tokens per decode sequence.
    #[arg(long, default_value_t = 1024)]
    context: u64,
    /// Prompt tokens per prefill sequence.
    #[arg(long, default_value_t = 1024)]
    seq: u64,
    /// Prefill sequences of a `mixed` batch.
    #[arg(long, default_value_t = 1)]
    prefill_batch: u32,
    /// Data type of weights, activations and KV cache: fp32, bf16, fp8.
    #[arg(long, default_value = "bf16", value_parser = parse_enum::<DType>)]
    dtype: DType,
    /// Weight data type, when it differs from --dtype.
    #[arg(long, value_parser = parse_enum::<DType>)]
    weight_dtype: Option<DType>,
    /// KV-cache data type, when it differs from --dtype.
    #[arg(long, value_parser = parse_enum::<DType>)]
    kv_dtype: Option<DType>,
    /// synthetic[:PRESET] (auto, mixtral-mtbench, olmoe-prefill), uniform, or trace:FILE[,FILE...]
    /// (.json HD-MoE format, .jsonl, .csv).
    #[arg(long, default_value = "synthetic")]
    routing: String,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Step index (routing differs from step to step).
    #[arg(long, default_value_t = 0)]
    step: u64,
    /// Attention tensor-parallel shards per data-parallel group.
    #[arg(long, default_value_t = 1)]
    tp: u32,
    /// Attention data-parallel groups.
    #[arg(long, default_value_t = 1)]
    dp: u32,
    /// Reduce-scatter after attention (and all-gather before it) instead of an all-reduce.
    #[arg(long)]
    reduce_scatter: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Print the routing statistics (skew, co-activation, l -> l+1 transitions) of the routing
    /// source instead of a step.
    #[arg(long)]
    stats: bool,
    /// Tokens per task (per segment) generated for --stats of a synthetic or uniform source.
    #[arg(long, default_value_t = 8192)]
    stats_tokens: u32,
    /// Fit the synthetic generator to the trace given with --routing trace:... and print the
    /// fitted preset (TOML).
    #[arg(long)]
    fit: bool,
}

/// Parses a lower-case enum name the way the config files do (serde), listing the choices.
fn parse_enum<T: serde::de::DeserializeOwned>(s: &str) -> std::result::Result<T, String> {
    let de: serde::de::value::StrDeserializer<'_, serde::de::value::Error> = s.into_deserializer();
    T::deserialize(de).map_err(|e| e.to_string())
}

fn routing_config(spec: &str) -> Result<RoutingConfig> {
    let (kind, arg) = spec.split_once(':').unwrap_or((spec, ""));
    let bad = || {
        Error::config(
            "--routing",
            "routing",
            format!("`{spec}` is not a routing source"),
        )
        .allowed(format!(
            "synthetic, synthetic:PRESET (auto, {}), uniform, trace:FILE[,FILE...]",
            PRESET_NAMES.join(", ")
        ))
    };
    match (kind, arg) {
        ("synthetic", p) => Ok(RoutingConfig::Synthetic(SyntheticConfig {
            preset: if p.is_empty() {
                "auto".into()
            } else {
                p.into()
            },
            ..SyntheticConfig::default()
        })),
        ("uniform", "") => Ok(RoutingConfig::Uniform(UniformConfig {})),
        ("trace", files) if !files.is_empty() => Ok(RoutingConfig::Trace(TraceConfig {
            files: files.split(',').map(PathBuf::from).collect(),
            format: None,
            offset_tokens: 0,
        })),
        _ => Err(bad()),
    }
}

pub fn run(args: WorkloadArgs) -> Result<ExitCode> {
    let model = ModelSpec::resolve(&args.model)?;
    let routing = routing_config(&args.routing)?;
    if args.fit {
        return fit(&args, &model, &routing);
    }
    if args.stats {
        return stats(&args, &model, &routing);
    }
    let batch = BatchConfig {
        phase: args.phase,
        batch_size: args.batch,
        seq_len: args.seq,
        context_len: args.context,
        prefill_batch_size: args.prefill_batch,
    }
    .to_batch("command line")?;
    let precision = Precision {
        weights: args.weight_dtype.unwrap_or(args.dtype),
        activations: args.dtype,
        kv_cache: args.kv_dtype.unwrap_or(args.dtype),
    };
    let par = Parallelism {
        attention_tp: args.tp,
        attention_dp: args.dp,
        post_attention: if args.reduce_scatter {
            PostAttention::ReduceScatter
        } else {
            PostAttention::AllReduce
        },
    };
    let source = build_routing(&routing, &model, args.seed, "--routing")?;
    let builder = StepBuilder::new(&model, precision, par, "command line")?;
    let w = builder.build(args.step, &batch, source.as_ref())?;
    if args.json {
        let out = json!({
            "model": model.name,
            "phase": batch.phase(),
            "batch_size": batch.num_seqs(),
            "tokens_per_step": batch.num_tokens(),
            "precision": precision,
            "parallelism": par,
            "routing": source.describe(),
            "step": args.step,
            "layers": w.summaries().collect::<Vec<_>>(),
            "totals": w.totals,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}: {:?} batch of {} sequences, {} tokens per step, {} weights / {} activations / {} KV",
        model.name,
        batch.phase(),
        batch.num_seqs(),
        batch.num_tokens(),
        precision.weights.name(),
        precision.activations.name(),
        precision.kv_cache.name()
    );
    println!("routing: {}, step {}", source.describe(), args.step);
    println!(
        "{:>5} {:>5} {:>14} {:>14} {:>9} {:>13}  tokens per expert",
        "layer", "kind", "attn_GFLOP", "moe_GFLOP", "max/mean", "dispatch_MB"
    );
    for s in w.summaries() {
        println!(
            "{:>5} {:>5} {:>14.3} {:>14.3} {:>9.3} {:>13.3}  {}",
            s.layer,
            s.kind,
            s.attention_flops as f64 / 1e9,
            (s.moe_flops + s.dense_ffn_flops) as f64 / 1e9,
            s.max_over_mean_load,
            s.dispatch_bytes as f64 / 1e6,
            expert_tokens_text(&s.expert_tokens)
        );
    }
    print_totals(&w.totals);
    Ok(ExitCode::SUCCESS)
}

fn expert_tokens_text(t: &[u32]) -> String {
    if t.is_empty() {
        return "-".into();
    }
    if t.len() <= 16 {
        return t.iter().map(u32::to_string).collect::<Vec<_>>().join(" ");
    }
    let mut s = t.to_vec();
    s.sort_unstable();
    format!(
        "min {} median {} max {} (of {} experts, {} idle)",
        s[0],
        s[s.len() / 2],
        s[s.len() - 1],
        s.len(),
        s.iter().filter(|&&x| x == 0).count()
    )
}

fn print_totals(t: &StepTotals) {
    println!(
        "total: {:.3} GFLOP (attention {:.3}, MoE {:.3}, dense FFN {:.3}, router {:.3}, embedding + LM head {:.3})",
        t.flops as f64 / 1e9,
        t.attention_flops as f64 / 1e9,
        t.moe_flops as f64 / 1e9,
        t.dense_ffn_flops as f64 / 1e9,
        t.router_flops as f64 / 1e9,
        t.head_flops as f64 / 1e9
    );
    println!(
        "       dispatch {:.3} MB, combine {:.3} MB, shared experts {:.3} MB, collectives {:.3} MB, bytes read {:.3} GB",
        t.dispatch_bytes as f64 / 1e6,
        t.combine_bytes as f64 / 1e6,
        t.shared_bytes as f64 / 1e6,
        t.collective_bytes as f64 / 1e6,
        t.bytes_read as f64 / 1e9
    );
}

/// Segments to compute statistics on: the trace's files, or generated segments (one per task).
fn stat_segments(
    args: &WorkloadArgs,
    model: &ModelSpec,
    routing: &RoutingConfig,
) -> Result<(Vec<RoutingTable>, String)> {
    let shape = RoutingShape::of(model);
    match routing {
        RoutingConfig::Trace(t) => {
            let trace = RoutingTrace::load(&t.files, t.format, &shape, &model.moe_layers())?;
            let segs = (0..trace.segments.len())
                .map(|i| trace.segment_table(i))
                .collect();
            Ok((segs, format!("trace {}", trace.origin)))
        }
        RoutingConfig::Synthetic(c) => {
            let params = SyntheticPreset::resolve(&c.preset, model.num_experts())?;
            let sizes = vec![args.stats_tokens; params.tasks.count as usize];
            let segs = generated_segments(&params, &shape, args.seed, &sizes)?;
            let what = format!(
                "synthetic preset {} (seed {}, {} tasks x {} tokens)",
                c.preset, args.seed, params.tasks.count, args.stats_tokens
            );
            Ok((segs, what))
        }
        RoutingConfig::Uniform(_) => {
            let source = build_routing(routing, model, args.seed, "--routing")?;
            let mut r = StepRouting::default();
            let batch = moesim_workloads::Batch::decode(args.stats_tokens, 0);
            source.route_step(0, &batch, &mut r)?;
            Ok((vec![r], format!("uniform (seed {})", args.seed)))
        }
    }
}

fn opt(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{x:.4}"))
}

fn stats(args: &WorkloadArgs, model: &ModelSpec, routing: &RoutingConfig) -> Result<ExitCode> {
    let (segs, what) = stat_segments(args, model, routing)?;
    let s = RoutingStats::of_segments(&segs, model.num_experts(), DEFAULT_WINDOW_TOKENS);
    if args.json {
        let out = json!({ "model": model.name, "source": what, "stats": s });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}: routing statistics of {what}: {} tokens in {} segment(s), {} experts, top-{}",
        model.name, s.num_tokens, s.num_segments, s.num_experts, s.top_k
    );
    println!(
        "{:>5} {:>9} {:>8} {:>12} {:>12} {:>14}",
        "layer", "max/mean", "load_cv", "coactivation", "l->l+1 top-k", "window max/mean"
    );
    for l in &s.layers {
        println!(
            "{:>5} {:>9.3} {:>8.3} {:>12} {:>12} {:>14.3}",
            l.layer,
            l.max_over_mean,
            l.load_cv,
            opt(l.coactivation_share),
            opt(l.transition_share),
            l.window_max_over_mean
        );
    }
    let m = &s.max_over_mean;
    println!(
        "max/mean load per layer: mean {:.3}, std {:.3}, range {:.3}..{:.3}; load CV {:.3}",
        m.mean, m.std, m.min, m.max, s.load_cv
    );
    println!(
        "co-activation share (top {} pairs): {}",
        (s.num_experts / 2).max(1),
        opt(s.coactivation_share)
    );
    println!(
        "transition concentration (top-{} destinations): l->l+1 {}, l->l+7 {} (independent uniform: {:.4})",
        s.top_k,
        opt(s.transition_share),
        opt(s.far_transition_share),
        s.transition_share_uniform
    );
    println!(
        "batch skew (windows of {} tokens): {:.3}; segment divergence (TV): {}",
        s.window_tokens,
        s.window_max_over_mean,
        opt(s.segment_divergence)
    );
    Ok(ExitCode::SUCCESS)
}

fn fit(args: &WorkloadArgs, model: &ModelSpec, routing: &RoutingConfig) -> Result<ExitCode> {
    let RoutingConfig::Trace(t) = routing else {
        return Err(
            Error::config("--routing", "routing", "--fit needs a trace to fit to")
                .allowed("--routing trace:FILE[,FILE...]"),
        );
    };
    let shape = RoutingShape::of(model);
    let trace = RoutingTrace::load(&t.files, t.format, &shape, &model.moe_layers())?;
    let real = RoutingStats::of_trace(&trace);
    let targets = PerTokenTargets::of(&real);
    let sizes: Vec<u32> = trace.segments.iter().map(|s| s.len).collect();
    let start = SyntheticPreset::for_experts(model.num_experts())?;
    let f = fit_per_token(&targets, &shape, &sizes, &start, args.seed, 3)?;
    let a = &f.achieved;
    let mut fitted = std::collections::BTreeMap::new();
    for (name, target, achieved) in [
        (
            "max_over_mean",
            targets.max_over_mean,
            Some(a.max_over_mean.mean),
        ),
        (
            "transition_share",
            targets.transition_share,
            a.transition_share,
        ),
        (
            "far_transition_share",
            targets.far_transition_share,
            a.far_transition_share,
        ),
        (
            "coactivation_share",
            targets.coactivation_share,
            a.coactivation_share,
        ),
        (
            "segment_divergence",
            targets.segment_divergence,
            a.segment_divergence,
        ),
    ] {
        if let Some(achieved) = achieved {
            fitted.insert(
                name.to_string(),
                moesim_workloads::routing::synthetic::FitPoint { target, achieved },
            );
        }
    }
    let preset = SyntheticPreset {
        name: "fitted".into(),
        source: trace.origin.clone(),
        notes: format!(
            "moesim workload --fit, seed {}, {} evaluations",
            args.seed, f.evaluations
        ),
        num_experts: model.num_experts(),
        top_k: model.top_k(),
        params: f.params,
        fit: fitted,
    };
    print!("{}", preset.to_toml());
    Ok(ExitCode::SUCCESS)
}
