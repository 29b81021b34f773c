//! The routing section of an experiment (`[routing]`), a serde-tagged choice of source, and the
//! builder that turns it into a [`RoutingSource`].
//!
//! ```toml
//! [routing]
//! kind = "synthetic"        # or "trace", "uniform"
//! preset = "auto"           # "auto" (scaled to the model's expert count), "mixtral-mtbench", "olmoe-prefill"
//! request_steps = 512       # decode steps a request lasts before its slot takes a new one
//! drift = { kind = "cyclic", period_steps = 4096, amplitude = 1.0 }
//!
//! [routing]
//! kind = "trace"
//! files = ["data/routing/hdmoe-mtbench-mixtral/experts_reasoning_mixtral.json"]
//! format = "hdmoe_json"     # optional: from the extension (.json, .jsonl, .csv)
//! offset_tokens = 0
//! ```

use super::synthetic::{Drift, SyntheticParams, SyntheticPreset, SyntheticRouting};
use super::trace::{RoutingTrace, TraceFormat, TraceReplay};
use super::uniform::UniformRouting;
use super::{RoutingShape, RoutingSource};
use crate::model::ModelSpec;
use moesim_core::Result;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `kind = "synthetic"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticConfig {
    /// `auto`, or a preset name.
    #[serde(default = "default_preset")]
    pub preset: String,
    /// Explicit parameters, replacing the preset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<SyntheticParams>,
    #[serde(default)]
    pub drift: Drift,
    #[serde(default = "default_request_steps")]
    pub request_steps: u64,
}

fn default_preset() -> String {
    "auto".into()
}
fn default_request_steps() -> u64 {
    512
}

impl Default for SyntheticConfig {
    fn default() -> SyntheticConfig {
        SyntheticConfig {
            preset: default_preset(),
            params: None,
            drift: Drift::default(),
            request_steps: default_request_steps(),
        }
    }
}

/// `kind = "trace"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceConfig {
    /// One or more files, replayed one after the other.
    pub files: Vec<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<TraceFormat>,
    /// Trace tokens skipped before the first step.
    #[serde(default)]
    pub offset_tokens: u64,
}

/// `kind = "uniform"`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UniformConfig {}

/// Where the routing of a run comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RoutingConfig {
    Synthetic(SyntheticConfig),
    Trace(TraceConfig),
    Uniform(UniformConfig),
}

impl Default for RoutingConfig {
    fn default() -> RoutingConfig {
        RoutingConfig::Synthetic(SyntheticConfig::default())
    }
}

/// The routing source of `cfg` for `model`; `origin` names the config in errors.
pub fn build_routing(
    cfg: &RoutingConfig,
    model: &ModelSpec,
    seed: u64,
    origin: &str,
) -> Result<Box<dyn RoutingSource>> {
    let shape = RoutingShape::of(model);
    Ok(match cfg {
        RoutingConfig::Synthetic(c) => {
            let (params, label) = match &c.params {
                Some(p) => {
                    p.validate(origin, "routing.params")?;
                    (p.clone(), format!("{origin} params"))
                }
                None => (
                    SyntheticPreset::resolve(&c.preset, model.num_experts())?,
                    format!("preset {}", c.preset),
                ),
            };
            c.drift
                .validate(origin, "routing.drift", params.tasks.count)?;
            Box::new(SyntheticRouting::new(
                params,
                c.drift.clone(),
                c.request_steps,
                shape,
                seed,
                &label,
            )?)
        }
        RoutingConfig::Trace(c) => {
            let trace = RoutingTrace::load(&c.files, c.format, &shape, &model.moe_layers())?;
            Box::new(TraceReplay::new(shape, trace, c.offset_tokens))
        }
        RoutingConfig::Uniform(_) => Box::new(UniformRouting::new(shape, seed)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagged_configs_parse() {
        let c: RoutingConfig = moesim_core::config::from_toml_str(
            "e.toml",
            "kind = \"synthetic\"\ndrift = { kind = \"cyclic\", period_steps = 100, amplitude = 0.5 }",
        )
        .unwrap();
        assert!(matches!(
            c,
            RoutingConfig::Synthetic(SyntheticConfig {
                request_steps: 512,
                ..
            })
        ));
        let c: RoutingConfig =
            moesim_core::config::from_toml_str("e.toml", "kind = \"trace\"\nfiles = [\"a.csv\"]")
                .unwrap();
        assert!(matches!(c, RoutingConfig::Trace(_)));
        let e = moesim_core::config::from_toml_str::<RoutingConfig>("e.toml", "kind = \"zipf\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("synthetic") && e.contains("uniform"), "{e}");
        let e = moesim_core::config::from_toml_str::<RoutingConfig>(
            "e.toml",
            "kind = \"synthetic\"\npreset = \"auto\"\nseeds = 3",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("seeds"), "{e}");
    }

    #[test]
    fn builds_every_kind() {
        let m = ModelSpec::preset("qwen3-30b-a3b").unwrap();
        for cfg in [
            RoutingConfig::default(),
            RoutingConfig::Uniform(UniformConfig {}),
        ] {
            let src = build_routing(&cfg, &m, 1, "test").unwrap();
            assert_eq!(src.shape().num_experts, 128);
        }
        let bad = RoutingConfig::Synthetic(SyntheticConfig {
            drift: Drift::Fixed { task: 99 },
            ..SyntheticConfig::default()
        });
        let e = build_routing(&bad, &m, 1, "exp.toml")
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("exp.toml") && e.contains("routing.drift.task"),
            "{e}"
        );
    }
}
