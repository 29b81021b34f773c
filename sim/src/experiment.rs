//! Experiments: what `moesim run` runs. An experiment file names its `kind`; each kind is one
//! struct in its own module, and the run writes one directory `out/<name>-<hash>/`.
//!
//! ```toml
//! kind = "noc"
//! name = "vc_study"
//! preset = "mesh8x8_uniform_p4"   # laid under [noc]
//! [noc.router]
//! num_vcs = 8
//! [sweep]
//! key = "injection_rate"
//! values = "0.02:0.50:0.04"
//! ```

pub mod moe;
pub mod tier_compare;

use crate::noc_experiment::NocExperiment;
use crate::output::{RunDir, to_toml};
use crate::overrides::{apply_sets, table_of};
use moesim_core::{Error, Result, config};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use toml::Table;

/// The kinds of experiment (the `kind` key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExperimentKind {
    /// A network on synthetic traffic: one point, optionally a load sweep.
    Noc,
    /// One step of an MoE model on a platform under a placement (the executor).
    Moe,
}

/// An experiment of any kind (built once per run, so the size difference between kinds is
/// irrelevant).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Experiment {
    Noc(NocExperiment),
    Moe(moe::MoeExperiment),
}

/// A NoC experiment: the 8x8 mesh of BookSim case a, one point at 0.30 flits/cycle/node for the
/// link statistics, plus its latency-load curve.
pub const NOC_EXAMPLE: &str = r#"
kind = "noc"
name = "noc_mesh8x8_uniform"
preset = "mesh8x8_uniform_p4"

[noc.traffic]
injection_rate = 0.30

[sweep]
key = "injection_rate"
values = "0.05:0.50:0.05"
"#;

/// The experiment `moesim run` runs when given no file: DeepSeek-V3 decode on one 8x8 wafer of
/// B200-class dies, expert-parallel baseline placement, flow tier.
pub const DEFAULT_EXPERIMENT: &str = moe::DEFAULT_TEXT;

/// The origin of the embedded default experiment.
pub const DEFAULT_ORIGIN: &str = "embedded:configs/experiments/dsv3_decode_wafer8x8_ep.toml";

/// What a run produced.
#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    pub kind: ExperimentKind,
    pub name: String,
    /// The run directory.
    pub dir: PathBuf,
    /// The headline figures (kind-specific).
    pub results: serde_json::Value,
}

impl Experiment {
    /// Reads an experiment file with `--set` overrides (keys relative to the file, e.g.
    /// `noc.router.num_vcs=8` or `noc.num_vcs=8`).
    pub fn load(path: &Path, sets: &[String]) -> Result<Experiment> {
        let text = moesim_core::error::read_to_string(path)?;
        Experiment::from_text(&text, &path.display().to_string(), sets)
    }

    /// The embedded default experiment with `--set` overrides.
    pub fn default_with(sets: &[String]) -> Result<Experiment> {
        Experiment::from_text(DEFAULT_EXPERIMENT, DEFAULT_ORIGIN, sets)
    }

    /// Parses experiment TOML `text` from `origin`.
    pub fn from_text(text: &str, origin: &str, sets: &[String]) -> Result<Experiment> {
        let mut table = config::parse_toml_value(origin, text)?;
        let kind_value = table
            .remove("kind")
            .ok_or_else(|| Error::config(origin, "kind", "missing").allowed(kind_names()))?;
        let kind: ExperimentKind = kind_value.clone().try_into().map_err(|_| {
            Error::config(
                origin,
                "kind",
                format!("unknown experiment kind {kind_value}"),
            )
            .allowed(kind_names())
        })?;
        let origin = if sets.is_empty() {
            origin.to_string()
        } else {
            format!("{origin} with --set")
        };
        match kind {
            ExperimentKind::Noc => {
                NocExperiment::expand_preset(&mut table, &origin)?;
                apply_sets(&mut table, &table_of(&NocExperiment::default())?, sets)?;
                let e: NocExperiment = config::from_table(&origin, table)?;
                e.validate(&origin)?;
                Ok(Experiment::Noc(e))
            }
            ExperimentKind::Moe => Ok(Experiment::Moe(moe::MoeExperiment::from_table(
                &origin, table, sets,
            )?)),
        }
    }

    pub fn kind(&self) -> ExperimentKind {
        match self {
            Experiment::Noc(_) => ExperimentKind::Noc,
            Experiment::Moe(_) => ExperimentKind::Moe,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Experiment::Noc(e) => &e.name,
            Experiment::Moe(e) => &e.name,
        }
    }

    /// The resolved configuration as TOML (every key, defaults filled in).
    pub fn resolved_toml(&self) -> Result<String> {
        to_toml(self)
    }

    /// Runs the experiment and writes `out_root/<name>-<hash>/`.
    pub fn run(&self, out_root: &Path) -> Result<RunSummary> {
        let resolved = self.resolved_toml()?;
        let name = crate::naming::run_name(self.name(), &resolved);
        let dir = RunDir::create(out_root, &name)?;
        dir.write_text("config.resolved.toml", &resolved)?;
        let results = match self {
            Experiment::Noc(e) => e.run(&dir)?,
            Experiment::Moe(e) => e.run(&dir)?,
        };
        Ok(RunSummary {
            kind: self.kind(),
            name,
            dir: dir.path().to_path_buf(),
            results,
        })
    }
}

fn kind_names() -> String {
    let names: Vec<String> = [ExperimentKind::Noc, ExperimentKind::Moe]
        .iter()
        .filter_map(|k| serde_json::to_value(k).ok())
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    names.join(", ")
}

/// The TOML table of an experiment (for `--set` key resolution and tests).
pub fn table(e: &Experiment) -> Result<Table> {
    table_of(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noc_example(sets: &[String]) -> Result<Experiment> {
        Experiment::from_text(NOC_EXAMPLE, "noc_example.toml", sets)
    }

    #[test]
    fn the_default_is_deepseek_v3_decode_on_one_wafer() {
        let e = Experiment::default_with(&[]).unwrap();
        assert_eq!(e.kind(), ExperimentKind::Moe);
        assert_eq!(e.name(), "dsv3_decode_wafer8x8_ep");
    }

    #[test]
    fn noc_experiment_resolves_and_round_trips() {
        let e = noc_example(&[]).unwrap();
        assert_eq!(e.kind(), ExperimentKind::Noc);
        let Experiment::Noc(n) = &e else {
            unreachable!()
        };
        assert_eq!(n.noc.router.num_vcs, 4);
        assert_eq!(n.noc.traffic.injection_rate, 0.30);
        let text = e.resolved_toml().unwrap();
        assert!(text.starts_with("kind = \"noc\""), "{text}");
        let back = Experiment::from_text(&text, "resolved", &[]).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn sets_reach_into_the_network() {
        let e = noc_example(&["noc.num_vcs=8".into(), "name=x".into()]).unwrap();
        let Experiment::Noc(n) = &e else {
            unreachable!()
        };
        assert_eq!(n.noc.router.num_vcs, 8);
        assert_eq!(n.name, "x");
    }

    #[test]
    fn errors_name_origin_and_key() {
        let e = Experiment::from_text("name = \"x\"\n", "e.toml", &[]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("e.toml: key `kind`: missing (allowed: noc, moe)"),
            "{e}"
        );
        let e = Experiment::from_text("kind = \"gpu_cluster\"\n", "e.toml", &[]).unwrap_err();
        assert!(e.to_string().contains("unknown experiment kind"), "{e}");
        let e = Experiment::from_text(
            "kind = \"noc\"\nname = \"x\"\n[noc.router]\nnum_vc = 2\n",
            "e.toml",
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("e.toml: key `noc.router") && e.contains("num_vc"),
            "{e}"
        );
        let e = noc_example(&["noc.traffic.packet_size=0".into()])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("with --set") && e.contains("traffic.packet_size"),
            "{e}"
        );
    }
}
