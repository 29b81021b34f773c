//! One point of the wafer-scale grid: a model on a platform under a mapping, run by the
//! executor from the experiment files of `configs/experiments/moentwine/` with the model, the
//! batch and the mapping's tensor-parallel degree laid over them.
//!
//! Only `moe_layers` MoE layers are simulated (no dense prefix): MoE layers are statistically
//! alike under the synthetic router, so per-layer figures are the mean over those layers.

use crate::executor::phases::PhaseKind;
use crate::executor::timeline::TrafficClass;
use crate::experiment::moe::MoeExperiment;
use moesim_core::{Error, Result};
use moesim_noc::heatmap::write_utilisation_svg;
use moesim_workloads::ModelSpec;
use std::path::PathBuf;
use toml::{Table, Value};

/// The experiment files of the study: `(name, TOML text)`.
pub const CONFIGS: &[(&str, &str)] = &[
    (
        "wafer8x8_baseline",
        include_str!("../../../../configs/experiments/moentwine/wafer8x8_baseline.toml"),
    ),
    (
        "wafer8x8_er",
        include_str!("../../../../configs/experiments/moentwine/wafer8x8_er.toml"),
    ),
    (
        "wafers4_baseline",
        include_str!("../../../../configs/experiments/moentwine/wafers4_baseline.toml"),
    ),
    (
        "wafers4_er",
        include_str!("../../../../configs/experiments/moentwine/wafers4_er.toml"),
    ),
    (
        "wafers4_her",
        include_str!("../../../../configs/experiments/moentwine/wafers4_her.toml"),
    ),
];

/// What to run.
#[derive(Clone, Debug, PartialEq)]
pub struct PointSpec {
    /// A key of [`CONFIGS`].
    pub config: &'static str,
    /// An embedded model name.
    pub model: String,
    /// Attention tensor-parallel degree of the mapping (per wafer for HER).
    pub attention_tp: u32,
    /// Decode sequences per die.
    pub seqs_per_die: u32,
    /// MoE layers simulated.
    pub moe_layers: u32,
    /// Write the attention / MoE link heatmaps to `<dir>/<stem>_{attention,moe}.svg`.
    pub heatmaps: Option<(PathBuf, String)>,
}

/// What a point measured (per MoE layer, microseconds, critical-path contributions).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PointResult {
    pub devices: usize,
    pub tokens: u64,
    /// Tokens to their experts (the all-to-all dispatch).
    pub dispatch_us: f64,
    /// Expert outputs back, with the holders' all-reduce / all-gather.
    pub combine_us: f64,
    /// The attention all-reduce.
    pub attention_ar_us: f64,
    pub router_us: f64,
    pub expert_us: f64,
    /// Router + dispatch + experts + combine.
    pub moe_layer_us: f64,
    /// Largest link utilisation of the attention and the MoE traffic.
    pub max_util_attention: f64,
    pub max_util_moe: f64,
    /// Bytes x hops of the MoE traffic per layer (MB x hops).
    pub moe_byte_hops_mb: f64,
    pub wall_s: f64,
}

impl PointResult {
    /// All-to-all (dispatch + combine) plus the attention all-reduce.
    pub fn comm_us(&self) -> f64 {
        self.dispatch_us + self.combine_us + self.attention_ar_us
    }
    /// MoE tokens per second per device.
    pub fn moe_tokens_per_s_per_device(&self) -> f64 {
        if self.moe_layer_us > 0.0 && self.devices > 0 {
            self.tokens as f64 / self.devices as f64 / (self.moe_layer_us * 1e-6)
        } else {
            0.0
        }
    }
}

fn config_text(name: &str) -> Result<&'static str> {
    CONFIGS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .ok_or_else(|| Error::Check(format!("moentwine study: no experiment file `{name}`")))
}

/// The model with only `moe_layers` MoE layers and no dense prefix.
pub fn truncated_model(name: &str, moe_layers: u32) -> Result<ModelSpec> {
    let mut m = ModelSpec::resolve(name)?;
    let step = m.moe.moe_layer_step.max(1);
    m.moe.first_dense_layers = 0;
    m.moe.num_moe_layers = moe_layers;
    m.arch.num_layers = moe_layers * step;
    Ok(m)
}

/// The experiment of `spec`.
pub fn experiment(spec: &PointSpec) -> Result<MoeExperiment> {
    let origin = format!("configs/experiments/moentwine/{}.toml", spec.config);
    let mut t: Table = moesim_core::config::parse_toml_value(&origin, config_text(spec.config)?)?;
    let model = truncated_model(&spec.model, spec.moe_layers)?;
    t.remove("model");
    t.insert(
        "model_spec".into(),
        Value::try_from(&model).map_err(|e| Error::Sim(format!("{origin}: model: {e}")))?,
    );
    t.insert(
        "name".into(),
        Value::String(format!("{}_{}", spec.config, spec.model)),
    );
    let devices = devices_of(spec.config);
    let batch = sub(&mut t, "batch", &origin)?;
    batch.insert(
        "batch_size".into(),
        Value::Integer(i64::from(spec.seqs_per_die) * devices),
    );
    let placement = sub(&mut t, "placement", &origin)?;
    placement.insert(
        "attention_tp".into(),
        Value::Integer(i64::from(spec.attention_tp)),
    );
    // the study reads phase times and link heat only
    let mut outputs = Table::new();
    outputs.insert("link_windows_csv".into(), Value::Boolean(false));
    outputs.insert("heatmaps".into(), Value::Boolean(false));
    t.insert("outputs".into(), Value::Table(outputs));
    MoeExperiment::from_table(&origin, t, &[])
}

fn devices_of(config: &str) -> i64 {
    if config.starts_with("wafers4") {
        256
    } else {
        64
    }
}

fn sub<'t>(t: &'t mut Table, key: &str, origin: &str) -> Result<&'t mut Table> {
    match t.get_mut(key) {
        Some(Value::Table(s)) => Ok(s),
        _ => Err(Error::config(origin, key, "missing table").allowed(format!("a [{key}] table"))),
    }
}

/// Runs `spec`.
pub fn run(spec: &PointSpec) -> Result<PointResult> {
    let e = experiment(spec)?;
    let origin = format!("moentwine point {}", e.name);
    let out = e.simulate(&origin)?;
    let r = &out.report;
    let moe: Vec<_> = r.layers.iter().filter(|l| l.kind == "moe").collect();
    let n = moe.len().max(1) as f64;
    let per = |p: PhaseKind| moe.iter().map(|l| l.phases.get(p).as_us()).sum::<f64>() / n;
    let topo = out.prepared.platform.topology();
    let moe_byte_hops: f64 = out.timeline.totals[TrafficClass::Moe.index()].iter().sum();
    if let Some((dir, stem)) = &spec.heatmaps {
        for c in [TrafficClass::Attention, TrafficClass::Moe] {
            write_utilisation_svg(
                topo,
                &out.links.class_util[c.index()],
                dir.join(format!("{stem}_{}.svg", c.name())),
                &format!("{}: {} traffic", e.name, c.name()),
            )?;
        }
    }
    let (dispatch, combine, router, expert) = (
        per(PhaseKind::MoeDispatch),
        per(PhaseKind::MoeCombine),
        per(PhaseKind::Router),
        per(PhaseKind::ExpertCompute),
    );
    Ok(PointResult {
        devices: out.prepared.platform.num_devices(),
        tokens: r.tokens,
        dispatch_us: dispatch,
        combine_us: combine,
        attention_ar_us: per(PhaseKind::AttentionCollective),
        router_us: router,
        expert_us: expert,
        moe_layer_us: router + dispatch + expert + combine,
        max_util_attention: out.links.max_class_util(TrafficClass::Attention),
        max_util_moe: out.links.max_class_util(TrafficClass::Moe),
        moe_byte_hops_mb: moe_byte_hops / 1e6 / n,
        wall_s: out.summary.wall_s,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_config_parses_for_every_model() {
        for (config, _) in CONFIGS {
            for model in ["deepseek-v3", "mixtral-8x22b"] {
                let spec = PointSpec {
                    config,
                    model: model.into(),
                    attention_tp: 4,
                    seqs_per_die: 2,
                    moe_layers: 1,
                    heatmaps: None,
                };
                let e = experiment(&spec).unwrap_or_else(|e| panic!("{config} {model}: {e}"));
                assert_eq!(e.batch.batch_size as i64, 2 * devices_of(config));
            }
        }
    }

    #[test]
    fn a_degree_that_cannot_tile_names_the_key_and_the_allowed_values() {
        for config in ["wafer8x8_er", "wafers4_her", "wafer8x8_baseline"] {
            let spec = PointSpec {
                config,
                model: "deepseek-v3".into(),
                attention_tp: 3,
                seqs_per_die: 1,
                moe_layers: 1,
                heatmaps: None,
            };
            let e = experiment(&spec).unwrap_err().to_string();
            assert!(
                e.contains("key `placement.attention_tp`") && e.contains("16"),
                "{config}: {e}"
            );
        }
    }
}
