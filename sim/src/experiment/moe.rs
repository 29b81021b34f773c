//! The MoE experiment (`kind = "moe"`): one step of an MoE model on a platform under a
//! placement, played by the [executor](crate::executor). Keys are documented in docs/config.md
//! ("Experiment").
//!
//! ```toml
//! kind = "moe"
//! name = "dsv3_decode_wafer8x8_ep"
//! model = "deepseek-v3"            # an embedded model or a path to a model TOML
//! [batch]
//! phase = "decode"
//! batch_size = 256
//! [platform]
//! kind = "wafer"
//! preset = "b200_8x8"
//! [placement]
//! kind = "ep_contiguous"
//! [network.tier]
//! kind = "flow"
//! ```

use crate::executor::config::{ExecutorConfig, NetworkConfig};
use crate::executor::output::{RunFiles, write_run_files};
use crate::executor::platform::{Platform, PlatformConfig};
use crate::executor::report::{LinkSummary, StepReport, Summary};
use crate::executor::timeline::LinkTimeline;
use crate::executor::{Executor, NetDriver};
use crate::output::RunDir;
use crate::overrides::{apply_sets, merged, table_of};
use moesim_core::{Error, Result};
use moesim_mapping::{DeviceBytes, PlacementConfig, PlacementContext, PlacementMap};
use moesim_workloads::routing::TraceConfig;
use moesim_workloads::{
    Batch, BatchConfig, ModelSpec, Precision, RoutingConfig, RoutingSource, StepBuilder,
    StepWorkload, build_routing,
};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Instant;
use toml::Table;

/// The experiment `moesim run` runs when given no file.
pub const DEFAULT_TEXT: &str =
    include_str!("../../../configs/experiments/dsv3_decode_wafer8x8_ep.toml");

/// `(name, TOML text)` of the embedded MoE experiment presets (`configs/experiments/`).
pub const PRESETS: &[(&str, &str)] = &[
    ("dsv3_decode_wafer8x8_ep", DEFAULT_TEXT),
    (
        "dsv3_decode_4wafers_ep",
        include_str!("../../../configs/experiments/dsv3_decode_4wafers_ep.toml"),
    ),
    (
        "mixtral_decode_nmp4x8_tp",
        include_str!("../../../configs/experiments/mixtral_decode_nmp4x8_tp.toml"),
    ),
];

fn one() -> u64 {
    1
}
fn yes() -> bool {
    true
}

/// `[outputs]`: which optional files a run writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputsConfig {
    /// `link_windows.csv`: bytes and utilisation per link per window.
    #[serde(default = "yes")]
    pub link_windows_csv: bool,
    /// `plots/heatmap_*.svg`.
    #[serde(default = "yes")]
    pub heatmaps: bool,
}

impl Default for OutputsConfig {
    fn default() -> Self {
        OutputsConfig {
            link_windows_csv: true,
            heatmaps: true,
        }
    }
}

/// The MoE experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoeExperiment {
    pub name: String,
    /// Seed of the routing generator.
    #[serde(default = "one")]
    pub seed: u64,
    /// The step number (routing generators and traces advance with it).
    #[serde(default)]
    pub step: u64,
    /// An embedded model (`configs/models/<name>.toml`) or a path to a model TOML; give this
    /// or `model_spec`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// A model specification written inline (the schema of `configs/models/*.toml`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_spec: Option<ModelSpec>,
    #[serde(default)]
    pub precision: Precision,
    pub batch: BatchConfig,
    #[serde(default)]
    pub routing: RoutingConfig,
    pub platform: PlatformConfig,
    #[serde(default)]
    pub placement: PlacementConfig,
    #[serde(default)]
    pub network: NetworkConfig,
    #[serde(default)]
    pub executor: ExecutorConfig,
    #[serde(default)]
    pub outputs: OutputsConfig,
}

/// Everything a run is built from.
pub struct Prepared {
    pub platform: Platform,
    pub model: ModelSpec,
    pub batch: Batch,
    pub map: PlacementMap,
    pub memory: DeviceBytes,
    pub workload: StepWorkload,
}

/// What a run measured.
pub struct MoeOutcome {
    pub report: StepReport,
    pub summary: Summary,
    pub links: LinkSummary,
    pub timeline: LinkTimeline,
    pub prepared: Prepared,
}

impl MoeExperiment {
    /// The embedded default experiment.
    pub fn embedded_default() -> Result<MoeExperiment> {
        MoeExperiment::from_table(
            crate::experiment::DEFAULT_ORIGIN,
            moesim_core::config::parse_toml_value(crate::experiment::DEFAULT_ORIGIN, DEFAULT_TEXT)?,
            &[],
        )
    }

    /// Reads the experiment from `table` (its `kind` removed) with `--set` overrides, then
    /// checks it; errors name `origin` and the key.
    pub fn from_table(origin: &str, mut table: Table, sets: &[String]) -> Result<MoeExperiment> {
        table.remove("kind");
        if !sets.is_empty() {
            let mut shape_src = table.clone();
            PlatformConfig::expand_preset(&mut shape_src, origin)?;
            let default: Table = moesim_core::config::parse_toml_value(
                crate::experiment::DEFAULT_ORIGIN,
                DEFAULT_TEXT,
            )?;
            let mut default = default;
            default.remove("kind");
            PlatformConfig::expand_preset(&mut default, origin)?;
            let shape = merged(&default, &shape_src);
            apply_sets(&mut table, &shape, sets)?;
        }
        PlatformConfig::expand_preset(&mut table, origin)?;
        let e: MoeExperiment = moesim_core::config::from_table(origin, table)?;
        e.validate(origin)?;
        Ok(e)
    }

    /// Checks the values that parsing cannot, by building the run (platform, model, placement,
    /// workload, memory check, network tier).
    pub fn validate(&self, origin: &str) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(Error::config(origin, "name", "empty name").allowed("a non-empty string"));
        }
        let p = self.prepare(origin)?;
        NetDriver::new(
            &self.network.tier,
            &self.network.routing,
            p.platform.topology(),
            &self.network_params(&p.platform),
            origin,
        )?;
        Ok(())
    }

    fn network_params(&self, platform: &Platform) -> moesim_noc::tier::NetworkParams {
        let mut params = platform.network_params().clone();
        params.window = self.network.window();
        params
    }

    /// The routing configuration with relative trace paths that do not exist from the current
    /// directory resolved against the repository root.
    fn routing_resolved(&self) -> RoutingConfig {
        let RoutingConfig::Trace(t) = &self.routing else {
            return self.routing.clone();
        };
        let root = crate::repo::find_root().ok();
        let files: Vec<PathBuf> = t
            .files
            .iter()
            .map(|f| match &root {
                Some(r) if f.is_relative() && !f.exists() && r.join(f).exists() => r.join(f),
                _ => f.clone(),
            })
            .collect();
        RoutingConfig::Trace(TraceConfig { files, ..t.clone() })
    }

    /// The model: `model` resolved, or `model_spec` checked.
    pub fn model(&self, origin: &str) -> Result<ModelSpec> {
        match (&self.model, &self.model_spec) {
            (Some(name), None) => ModelSpec::resolve(name).map_err(|e| match e {
                Error::Config {
                    message, allowed, ..
                } => Error::Config {
                    origin: origin.to_string(),
                    key: "model".into(),
                    message,
                    allowed,
                },
                other => other,
            }),
            (None, Some(spec)) => {
                spec.validate(origin).map_err(|e| match e {
                    Error::Config {
                        key,
                        message,
                        allowed,
                        ..
                    } => Error::Config {
                        origin: origin.to_string(),
                        key: format!("model_spec.{key}"),
                        message,
                        allowed,
                    },
                    other => other,
                })?;
                Ok(spec.clone())
            }
            (Some(_), Some(_)) => {
                Err(
                    Error::config(origin, "model", "both model and model_spec are given")
                        .allowed("one of model (a name or path) or [model_spec]"),
                )
            }
            (None, None) => Err(Error::config(origin, "model", "missing").allowed(format!(
                "an embedded model ({}), a path to a model TOML, or a [model_spec] table",
                moesim_workloads::model::PRESET_NAMES.join(", ")
            ))),
        }
    }

    /// Builds the platform, model, batch, placement and the step's workload; checks memory.
    pub fn prepare(&self, origin: &str) -> Result<Prepared> {
        self.network.validate(origin)?;
        let platform = self.platform.build(origin)?;
        let model = self.model(origin)?;
        let batch = self.batch.to_batch(origin)?;
        let ctx = PlacementContext {
            model: &model,
            precision: self.precision,
            coords: platform.coords(),
            live: platform.live(),
            origin: origin.to_string(),
        };
        let map = self.placement.place(&ctx)?;
        let builder = StepBuilder::new(&model, self.precision, map.parallelism, origin)?;
        let source: Box<dyn RoutingSource> =
            build_routing(&self.routing_resolved(), &model, self.seed, origin)?;
        let workload = builder.build(self.step, &batch, source.as_ref())?;
        let n = platform.num_devices();
        let mut memory = moesim_mapping::weight_bytes_per_device(&map, &model, &self.precision, n);
        for lw in &workload.layers {
            for op in &lw.ops {
                if let moesim_workloads::Endpoint::AttentionShard(s) = op.endpoint {
                    memory.other[map.attention_device(s).index()] +=
                        op.cost.kv_read_bytes + op.cost.kv_write_bytes;
                }
            }
        }
        let caps: Vec<u64> = platform
            .devices()
            .iter()
            .map(|d| d.mem_capacity_bytes)
            .collect();
        moesim_mapping::check_capacity(
            &memory,
            &caps,
            &ctx.coords,
            origin,
            platform.capacity_key(),
        )?;
        Ok(Prepared {
            platform,
            model,
            batch,
            map,
            memory,
            workload,
        })
    }

    /// Runs the step without writing files.
    pub fn simulate(&self, origin: &str) -> Result<MoeOutcome> {
        let t0 = Instant::now();
        let prepared = self.prepare(origin)?;
        let params = self.network_params(&prepared.platform);
        let topo = prepared.platform.topology();
        let net = NetDriver::new(
            &self.network.tier,
            &self.network.routing,
            topo,
            &params,
            origin,
        )?;
        let mut exec = Executor::new(
            &prepared.model,
            &prepared.map,
            prepared.platform.devices(),
            prepared.platform.coords(),
            net,
            self.executor,
        )?;
        let report = exec.run_step(&prepared.workload)?;
        let timeline = std::mem::take(&mut exec.net.timeline);
        drop(exec);
        let links = LinkSummary::new(&timeline, topo, &params, report.step_time);
        let summary = Summary::new(&report, &links, t0.elapsed().as_secs_f64());
        Ok(MoeOutcome {
            report,
            summary,
            links,
            timeline,
            prepared,
        })
    }

    /// Runs the step and writes the run directory's stats, tables and plots; returns the
    /// summary as JSON.
    pub fn run(&self, dir: &RunDir) -> Result<serde_json::Value> {
        let origin = format!("experiment {}", self.name);
        let out = self.simulate(&origin)?;
        let p = &out.prepared;
        let mut stats = out.summary.stats(&out.report);
        stats.merge("platform", p.platform.summary());
        stats.set_text("placement.kind", "placement policy", p.map.kind.clone());
        stats.set_text("network.tier", "network tier", self.network.tier.kind());
        stats.set_text("model", "model", p.model.name.clone());
        let max_bytes = (0..p.platform.num_devices())
            .map(|n| p.memory.total(n))
            .max()
            .unwrap_or(0);
        stats.add_counter(
            "memory.max_device_bytes",
            "largest resident bytes of a device",
            max_bytes,
        );
        dir.write_stats(&stats)?;
        let params = self.network_params(&p.platform);
        write_run_files(
            dir,
            &RunFiles {
                name: &self.name,
                report: &out.report,
                topo: p.platform.topology(),
                params: &params,
                timeline: &out.timeline,
                links: &out.links,
                link_windows: self.outputs.link_windows_csv,
                heatmaps: self.outputs.heatmaps,
            },
        )?;
        serde_json::to_value(&out.summary).map_err(|e| Error::Sim(format!("summary: {e}")))
    }
}

/// The TOML shape of the default experiment (for `--set` key resolution).
pub fn default_shape() -> Result<Table> {
    table_of(&MoeExperiment::embedded_default()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_parse_and_validate() {
        for (name, text) in PRESETS {
            let t = moesim_core::config::parse_toml_value(name, text).unwrap();
            let e =
                MoeExperiment::from_table(name, t, &[]).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&e.name, name);
        }
    }
}
