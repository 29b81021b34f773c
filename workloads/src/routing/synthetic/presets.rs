//! Fitted generator presets (embedded TOML in `presets/`), and their scaling to other expert
//! counts.
//!
//! - `mixtral-mtbench` (8 experts, top-2): fitted on the eight Mixtral-8x7B MT-Bench traces of
//!   `data/routing/hdmoe-mtbench-mixtral` (per-token, all 32 layers);
//! - `olmoe-prefill` (64 experts, top-8): fitted on the OLMoE-1B-7B counts of
//!   `data/routing/allenai-olmoe` (per-expert loads and rank-aligned 0->7, 7->15 pairs over five
//!   text domains), with the profile persistence (`follow`, `switch`) and profile count taken from
//!   the Mixtral fit, which that data cannot identify.
//!
//! Models without a real trace use `auto`: the parameters interpolated between the two anchors
//! in log2 of the expert count (8 -> Mixtral's, 64 -> OLMoE's; clamped outside 8..64). This is an
//! assumption, not a measurement: DeepSeek-V3 (256 experts) gets OLMoE's fitted skew.
//! `examples/fit_presets.rs` regenerates both files.

use super::params::SyntheticParams;
use moesim_core::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A fitted statistic: the real value and what the preset produces.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FitPoint {
    pub target: f64,
    pub achieved: f64,
}

/// A preset file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticPreset {
    pub name: String,
    pub source: String,
    pub notes: String,
    /// The expert count and top_k of the model it was fitted on.
    pub num_experts: u32,
    pub top_k: u32,
    pub params: SyntheticParams,
    /// What the fit matched.
    #[serde(default)]
    pub fit: BTreeMap<String, FitPoint>,
}

/// Names of the embedded presets (plus `auto`, the scaled one).
pub const PRESET_NAMES: &[&str] = &["mixtral-mtbench", "olmoe-prefill"];

fn text(name: &str) -> Option<&'static str> {
    match name {
        "mixtral-mtbench" => Some(include_str!("presets/mixtral-mtbench.toml")),
        "olmoe-prefill" => Some(include_str!("presets/olmoe-prefill.toml")),
        _ => None,
    }
}

impl SyntheticPreset {
    /// The embedded preset `name`.
    pub fn named(name: &str) -> Result<SyntheticPreset> {
        let t = text(name).ok_or_else(|| {
            Error::config(
                "routing",
                "routing.preset",
                format!("no preset named `{name}`"),
            )
            .allowed(format!("auto, {}", PRESET_NAMES.join(", ")))
        })?;
        let origin = format!("embedded:workloads/src/routing/synthetic/presets/{name}.toml");
        let p: SyntheticPreset = moesim_core::config::from_toml_str(&origin, t)?;
        p.params.validate(&origin, "params")?;
        Ok(p)
    }

    /// The parameters for a model of `num_experts` experts: the anchors interpolated in log2 of
    /// the expert count.
    pub fn for_experts(num_experts: u32) -> Result<SyntheticParams> {
        let lo = SyntheticPreset::named("mixtral-mtbench")?;
        let hi = SyntheticPreset::named("olmoe-prefill")?;
        let (a, b) = (lo.num_experts as f64, hi.num_experts as f64);
        let t = ((num_experts.max(1) as f64).log2() - a.log2()) / (b.log2() - a.log2());
        Ok(SyntheticParams::interpolate(&lo.params, &hi.params, t))
    }

    /// `auto` (scaled for `num_experts`) or a named preset's parameters.
    pub fn resolve(name: &str, num_experts: u32) -> Result<SyntheticParams> {
        match name {
            "auto" => SyntheticPreset::for_experts(num_experts),
            _ => Ok(SyntheticPreset::named(name)?.params),
        }
    }

    /// The preset as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_load_and_anchor_the_scaling() {
        for n in PRESET_NAMES {
            let p = SyntheticPreset::named(n).unwrap();
            assert_eq!(&p.name, n);
            let round: SyntheticPreset = toml::from_str(&p.to_toml()).unwrap();
            assert_eq!(round, p);
        }
        let m = SyntheticPreset::named("mixtral-mtbench").unwrap();
        assert_eq!(SyntheticPreset::for_experts(8).unwrap(), m.params);
        assert_eq!(SyntheticPreset::for_experts(4).unwrap(), m.params);
        let o = SyntheticPreset::named("olmoe-prefill").unwrap();
        assert_eq!(SyntheticPreset::for_experts(256).unwrap(), o.params);
        let e = SyntheticPreset::resolve("mixtral", 8)
            .unwrap_err()
            .to_string();
        assert!(e.contains("mixtral-mtbench"), "{e}");
    }
}
