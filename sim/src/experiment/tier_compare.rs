//! How far the network tiers diverge on one MoE experiment (`moesim run --compare-tiers
//! analytic,flit`): the step is run again with each named tier (its default settings) in place of
//! the experiment's own, and every communication figure of the summary is compared with the
//! experiment's tier, which is the reference. Compute is the same on every tier; only the
//! network (and through it the overlap of phases) changes.

use super::moe::MoeExperiment;
use crate::executor::report::Summary;
use moesim_core::{Error, Result};
use moesim_noc::tier::TierConfig;
use serde::Serialize;
use std::fmt::Write;

/// One tier's run of the experiment.
#[derive(Clone, Debug, Serialize)]
pub struct TierRun {
    pub tier: String,
    pub summary: Summary,
}

/// The experiment on its own tier (first) and on the others.
#[derive(Clone, Debug, Serialize)]
pub struct TierComparison {
    pub experiment: String,
    pub runs: Vec<TierRun>,
}

/// The default configuration of the tier named `kind`.
pub fn tier_of(kind: &str, origin: &str) -> Result<TierConfig> {
    let mut t = toml::Table::new();
    t.insert("kind".into(), toml::Value::String(kind.to_string()));
    let tier: TierConfig = moesim_core::config::from_table(origin, t).map_err(|e| match e {
        Error::Config { message, .. } => Error::config(origin, "--compare-tiers", message)
            .allowed("analytic, flow, flit, link_scheduler (comma separated)"),
        other => other,
    })?;
    tier.validate(origin)?;
    Ok(tier)
}

/// Runs `exp` on its own tier and on each tier of `kinds` (those equal to its own are skipped).
pub fn compare_tiers(exp: &MoeExperiment, kinds: &[String]) -> Result<TierComparison> {
    let origin = format!("experiment {}", exp.name);
    let own = exp.network.tier.kind();
    let mut others = Vec::new();
    for k in kinds {
        let tier = tier_of(k.trim(), &origin)?;
        if tier.kind() != own && !others.iter().any(|t: &TierConfig| t.kind() == tier.kind()) {
            others.push(tier);
        }
    }
    let mut runs = vec![TierRun {
        tier: own.to_string(),
        summary: exp.simulate(&origin)?.summary,
    }];
    for tier in others {
        let mut e = exp.clone();
        e.network.tier = tier;
        let summary = e.simulate(&origin)?.summary;
        runs.push(TierRun {
            tier: e.network.tier.kind().to_string(),
            summary,
        });
    }
    Ok(TierComparison {
        experiment: exp.name.clone(),
        runs,
    })
}

type Metric = (&'static str, &'static str, fn(&Summary) -> f64);

/// The figures compared: the ones the network decides.
const METRICS: [Metric; 8] = [
    ("step", "us", |s| s.step_us),
    ("attention communication", "us", |s| s.attention_comm_us),
    ("MoE dispatch", "us", |s| s.moe_dispatch_us),
    ("MoE combine", "us", |s| s.moe_combine_us),
    ("MoE communication", "us", |s| s.moe_comm_us),
    ("max link utilisation (step)", "", |s| s.max_link_util_step),
    ("max link utilisation (window)", "", |s| s.max_link_util),
    ("wall time", "s", |s| s.wall_s),
];

impl TierComparison {
    /// (other - reference) / reference of metric `m` for run `i`; `None` when the reference is 0.
    pub fn rel_diff(&self, i: usize, m: usize) -> Option<f64> {
        let f = METRICS[m].2;
        let r = f(&self.runs[0].summary);
        (r != 0.0).then(|| (f(&self.runs[i].summary) - r) / r)
    }

    /// A Markdown table: one row per figure, per tier its value and (after the reference) its
    /// difference from the reference.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let _ = write!(s, "| figure | {} (reference)", self.runs[0].tier);
        for r in &self.runs[1..] {
            let _ = write!(s, " | {} | diff", r.tier);
        }
        let _ = writeln!(s, " |");
        let _ = writeln!(s, "|---|---:{}|", "|---:|---:".repeat(self.runs.len() - 1));
        for (m, (name, unit, f)) in METRICS.iter().enumerate() {
            let label = if unit.is_empty() {
                name.to_string()
            } else {
                format!("{name} ({unit})")
            };
            let _ = write!(s, "| {label} | {:.4}", f(&self.runs[0].summary));
            for i in 1..self.runs.len() {
                let d = self
                    .rel_diff(i, m)
                    .map_or("-".to_string(), |d| format!("{:+.2} %", d * 100.0));
                let _ = write!(s, " | {:.4} | {d}", f(&self.runs[i].summary));
            }
            let _ = writeln!(s, " |");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> MoeExperiment {
        let t = moesim_core::config::parse_toml_value(
            "test",
            r#"
kind = "moe"
name = "tiers"
model = "mixtral-8x7b"
[batch]
phase = "decode"
batch_size = 16
context_len = 128
[platform]
kind = "nmp"
preset = "hdmoe"
mesh = "4x4"
point = "10tf_25gbps"
[placement]
kind = "ep_contiguous"
[network.tier]
kind = "flow"
"#,
        )
        .unwrap();
        MoeExperiment::from_table("test", t, &[]).unwrap()
    }

    #[test]
    fn compares_each_named_tier_with_the_experiments_own() {
        let c = compare_tiers(&small(), &["analytic".into(), "flow".into()]).unwrap();
        assert_eq!(c.runs.len(), 2, "flow is the experiment's own tier");
        assert_eq!(
            (c.runs[0].tier.as_str(), c.runs[1].tier.as_str()),
            ("flow", "analytic")
        );
        // Compute is the same on every tier; the network figures are compared.
        let (a, b) = (&c.runs[0].summary, &c.runs[1].summary);
        assert_eq!(a.moe_comp_flops_us, b.moe_comp_flops_us);
        assert!(a.moe_comm_us > 0.0 && b.moe_comm_us > 0.0);
        let t = c.table();
        assert!(t.starts_with("| figure | flow (reference) | analytic | diff |"));
        assert_eq!(t.lines().count(), 2 + METRICS.len());
    }

    #[test]
    fn an_unknown_tier_names_the_flag_and_the_allowed_kinds() {
        let e = compare_tiers(&small(), &["fluid".into()])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("--compare-tiers") && e.contains("analytic, flow, flit"),
            "{e}"
        );
    }
}
