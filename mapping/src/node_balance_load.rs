//! The routing statistics HD-MoE's placements are built from (papers.md section 4.3): per MoE
//! layer, the activation frequency `f_i` of every expert (activations per token, summing to
//! `top_k`) and the co-activation frequency `f_g` of every expert group (the exact top-k set of a
//! token), and where they come from ([`LoadProfile`]: a recorded trace or the calibrated
//! synthetic generator).

use moesim_core::{Error, Result};
use moesim_workloads::ModelSpec;
use moesim_workloads::routing::synthetic::{Drift, SyntheticPreset, SyntheticRouting};
use moesim_workloads::routing::trace::{RoutingTrace, TraceFormat};
use moesim_workloads::routing::{LayerRouting, RoutingShape, RoutingTable};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One expert group (a token's sorted top-k set) and its share of the tokens.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoGroup {
    pub experts: Vec<u32>,
    /// Tokens routed to exactly this set, over all tokens.
    pub freq: f64,
}

/// The routing statistics of one MoE layer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerLoad {
    pub num_experts: u32,
    pub top_k: u32,
    /// Tokens the statistics come from.
    pub tokens: u32,
    /// `f_i`: activations of expert `i` per token (the sum is `top_k`).
    pub freq: Vec<f64>,
    /// Every distinct group, most frequent first (ties by expert ids).
    pub groups: Vec<CoGroup>,
}

impl LayerLoad {
    /// The statistics of `layer` (tokens of `top_k` expert ids below `num_experts`).
    pub fn of_layer(layer: LayerRouting<'_>, num_experts: u32) -> LayerLoad {
        let tokens = layer.num_tokens();
        let mut counts = vec![0u64; num_experts as usize];
        let mut sets: BTreeMap<Vec<u32>, u64> = BTreeMap::new();
        for t in layer.tokens() {
            let mut set = t.to_vec();
            set.sort_unstable();
            for &e in &set {
                if let Some(c) = counts.get_mut(e as usize) {
                    *c += 1;
                }
            }
            *sets.entry(set).or_default() += 1;
        }
        let n = tokens.max(1) as f64;
        let mut groups: Vec<CoGroup> = sets
            .into_iter()
            .map(|(experts, c)| CoGroup {
                experts,
                freq: c as f64 / n,
            })
            .collect();
        groups.sort_by(|a, b| b.freq.total_cmp(&a.freq).then(a.experts.cmp(&b.experts)));
        LayerLoad {
            num_experts,
            top_k: layer.top_k() as u32,
            tokens: tokens as u32,
            freq: counts.iter().map(|&c| c as f64 / n).collect(),
            groups,
        }
    }

    /// The statistics of every MoE layer of `table`.
    pub fn of_table(table: &RoutingTable, num_experts: u32) -> Vec<LayerLoad> {
        (0..table.num_layers())
            .map(|l| LayerLoad::of_layer(table.layer(l), num_experts))
            .collect()
    }

    /// The `max` most frequent groups and the share of tokens they cover.
    pub fn top_groups(&self, max: usize) -> (&[CoGroup], f64) {
        let g = &self.groups[..self.groups.len().min(max)];
        (g, g.iter().map(|g| g.freq).sum())
    }
}

fn default_preset() -> String {
    "auto".into()
}
fn default_tokens() -> u32 {
    1024
}
fn default_seed() -> u64 {
    1
}

/// Where a placement's routing statistics come from (`[placement.profile]`).
///
/// ```toml
/// profile = { kind = "trace", files = ["data/routing/hdmoe-mtbench-mixtral/experts_reasoning_mixtral.json"] }
/// profile = { kind = "synthetic", preset = "auto", tokens = 1024, task = 0, seed = 1 }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum LoadProfile {
    /// A recorded trace (every token of every file).
    Trace {
        files: Vec<PathBuf>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        format: Option<TraceFormat>,
    },
    /// `tokens` tokens of one task of the calibrated synthetic generator.
    Synthetic {
        #[serde(default = "default_preset")]
        preset: String,
        #[serde(default = "default_tokens")]
        tokens: u32,
        #[serde(default)]
        task: u32,
        #[serde(default = "default_seed")]
        seed: u64,
    },
}

impl LoadProfile {
    /// The routing table of the profile for `model`. Errors name `key` (the profile's key in
    /// the configuration) or the trace file and line.
    pub fn table(&self, model: &ModelSpec, origin: &str, key: &str) -> Result<RoutingTable> {
        let shape = RoutingShape::of(model);
        match self {
            LoadProfile::Trace { files, format } => {
                let t = RoutingTrace::load(files, *format, &shape, &model.moe_layers())?;
                Ok(t.table)
            }
            LoadProfile::Synthetic {
                preset,
                tokens,
                task,
                seed,
            } => {
                if *tokens == 0 {
                    return Err(Error::config(
                        origin,
                        format!("{key}.tokens"),
                        "0 is out of range",
                    )
                    .allowed("an integer >= 1"));
                }
                let params = SyntheticPreset::resolve(preset, model.num_experts())?;
                if *task >= params.tasks.count {
                    return Err(Error::config(
                        origin,
                        format!("{key}.task"),
                        format!("task {task} does not exist"),
                    )
                    .allowed(format!("0..{}", params.tasks.count)));
                }
                let label = format!("preset {preset}");
                let g = SyntheticRouting::new(params, Drift::default(), 512, shape, *seed, &label)?;
                Ok(g.generate_task(*task, *tokens, *seed))
            }
        }
    }

    /// The per-layer statistics of the profile for `model`.
    pub fn loads(&self, model: &ModelSpec, origin: &str, key: &str) -> Result<Vec<LayerLoad>> {
        Ok(LayerLoad::of_table(
            &self.table(model, origin, key)?,
            model.num_experts(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequencies_and_groups() {
        let t = RoutingTable::from_vec(1, 4, 2, vec![0, 1, 1, 0, 2, 3, 0, 2]);
        let l = LayerLoad::of_layer(t.layer(0), 4);
        assert_eq!(l.freq, vec![0.75, 0.5, 0.5, 0.25]);
        assert_eq!(l.groups[0].experts, vec![0, 1]);
        assert_eq!(l.groups[0].freq, 0.5);
        assert_eq!(l.groups.len(), 3);
        let (g, cover) = l.top_groups(2);
        assert_eq!(g.len(), 2);
        assert_eq!(cover, 0.75);
    }

    #[test]
    fn trace_expert_ids_beyond_the_model_name_the_line() {
        let dir = std::env::temp_dir().join(format!("moesim-nb-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("experts_bad_mixtral.json");
        // Mixtral has 8 experts: id 9 on the third line is out of range
        std::fs::write(&path, "{\"0\": [[0, 1],\n[2, 3],\n[9, 1]]}\n").unwrap();
        let m = ModelSpec::preset("mixtral-8x7b").unwrap();
        let p = LoadProfile::Trace {
            files: vec![path.clone()],
            format: None,
        };
        let e = p
            .loads(&m, "e.toml", "placement.profile")
            .unwrap_err()
            .to_string();
        std::fs::remove_dir_all(&dir).ok();
        assert!(
            e.contains("experts_bad_mixtral.json") && e.contains("expert id 9") && e.contains(":3"),
            "{e}"
        );
    }

    #[test]
    fn synthetic_profile_and_bad_keys() {
        let m = ModelSpec::preset("deepseek-v2-lite").unwrap();
        let p = LoadProfile::Synthetic {
            preset: "auto".into(),
            tokens: 64,
            task: 0,
            seed: 3,
        };
        let loads = p.loads(&m, "e.toml", "placement.profile").unwrap();
        assert_eq!(loads.len(), 26);
        let s: f64 = loads[0].freq.iter().sum();
        assert!((s - 6.0).abs() < 1e-9, "{s}");
        let bad = LoadProfile::Synthetic {
            preset: "auto".into(),
            tokens: 0,
            task: 0,
            seed: 3,
        };
        let e = bad
            .loads(&m, "e.toml", "placement.profile")
            .unwrap_err()
            .to_string();
        assert!(e.contains("placement.profile.tokens"), "{e}");
    }
}
