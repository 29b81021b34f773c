//! The NoC experiment: a network on synthetic traffic. The configured point is simulated for its
//! statistics, per-link loads and heatmap; an optional sweep adds the latency-load curve.
//!
//! Outputs in the run directory: `stats.txt`/`stats.json` (the point), `links.csv` and
//! `heatmap.svg` (the point's per-link loads), `results.csv` (BookSim's columns: the sweep's
//! rows, or the point's single row), `plots/latency.svg` (the sweep).

use crate::booksim_csv::BooksimRow;
use crate::noc_config::NocSource;
use crate::noc_point::{self, NocPoint, SweepOptions};
use crate::output::RunDir;
use crate::overrides::merged;
use crate::plots::{Series, line_chart};
use crate::presets;
use crate::sweep::{Schedule, SweepSpec};
use moesim_core::{Error, Result, StatsTree};
use moesim_noc::NocConfig;
use serde::{Deserialize, Serialize};
use serde_json::json;
use toml::{Table, Value};

/// A load sweep inside an experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepConfig {
    /// A key of the `noc` section (`injection_rate` or `traffic.injection_rate`, `num_vcs`, ...).
    pub key: String,
    /// `LO:HI:STEP` or `V1,V2,...`.
    pub values: String,
    /// Stop after this many saturated points in a row (0: never).
    #[serde(default = "three")]
    pub stop_after_unstable: usize,
    /// Run the points one after the other instead of in parallel (same results).
    #[serde(default)]
    pub serial: bool,
}

fn three() -> usize {
    3
}

/// The NoC experiment (`kind = "noc"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NocExperiment {
    pub name: String,
    /// An embedded preset (`configs/noc/<preset>.toml`) laid under `noc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    #[serde(default)]
    pub noc: NocConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepConfig>,
}

impl Default for NocExperiment {
    fn default() -> Self {
        NocExperiment {
            name: "noc".into(),
            preset: None,
            noc: NocConfig::default(),
            sweep: Some(SweepConfig {
                key: "injection_rate".into(),
                values: "0.02:0.50:0.02".into(),
                stop_after_unstable: 3,
                serial: false,
            }),
        }
    }
}

impl NocExperiment {
    /// Lays the table's `preset` (if any) under its `noc` table.
    pub fn expand_preset(table: &mut Table, origin: &str) -> Result<()> {
        let Some(p) = table.get("preset") else {
            return Ok(());
        };
        let name = p.as_str().ok_or_else(|| {
            Error::config(origin, "preset", "must be a string").allowed(preset_names())
        })?;
        let text = presets::noc_preset(name).map_err(|_| {
            Error::config(origin, "preset", format!("unknown NoC preset `{name}`"))
                .allowed(preset_names())
        })?;
        let base = moesim_core::config::parse_toml_value(&presets::origin(name), text)?;
        let over = match table.get("noc") {
            Some(Value::Table(t)) => t.clone(),
            _ => Table::new(),
        };
        table.insert("noc".into(), Value::Table(merged(&base, &over)));
        Ok(())
    }

    /// Checks the network and the sweep.
    pub fn validate(&self, origin: &str) -> Result<()> {
        self.noc.validate(origin)?;
        if let Some(s) = &self.sweep {
            let spec = self.sweep_spec(s).map_err(|e| match e {
                Error::Config {
                    message, allowed, ..
                } => Error::Config {
                    origin: origin.to_string(),
                    key: "sweep.values".into(),
                    message,
                    allowed,
                },
                other => other,
            })?;
            self.source(origin)?.build(&[spec.assignment(0)])?;
        }
        Ok(())
    }

    fn sweep_spec(&self, s: &SweepConfig) -> Result<SweepSpec> {
        SweepSpec::parse(&format!("{}={}", s.key, s.values))
    }

    /// The network as a configuration source for sweep points.
    fn source(&self, origin: &str) -> Result<NocSource> {
        Ok(NocSource::Native {
            table: crate::overrides::table_of(&self.noc)?,
            origin: origin.to_string(),
            sets: Vec::new(),
        })
    }

    /// Runs the point (and the sweep) and writes the outputs into `dir`; returns the headline.
    pub fn run(&self, dir: &RunDir) -> Result<serde_json::Value> {
        let origin = format!("experiment {}", self.name);
        let point = noc_point::run(self.noc.clone(), &origin, String::new())?;
        dir.write_stats(&stats_of(&point))?;
        self.write_links(&point, dir, &origin)?;
        let mut rows = vec![point.row()];
        if let Some(s) = &self.sweep {
            let spec = self.sweep_spec(s)?;
            let pb = crate::progress::bar(spec.values.len() as u64, &self.name);
            let opts = SweepOptions {
                schedule: if s.serial {
                    Schedule::Serial
                } else {
                    Schedule::Parallel
                },
                stop_after_unstable: (s.stop_after_unstable > 0).then_some(s.stop_after_unstable),
            };
            let points = noc_point::run_sweep(&self.source(&origin)?, &spec, opts, &pb)?;
            pb.finish_and_clear();
            rows = points.iter().map(NocPoint::row).collect();
            latency_plot(dir, &self.name, &rows)?;
        }
        dir.write_results(&rows)?;
        Ok(json!({
            "point": point.report,
            "results_csv": dir.file("results.csv"),
            "points": rows.len(),
        }))
    }

    fn write_links(&self, point: &NocPoint, dir: &RunDir, origin: &str) -> Result<()> {
        let topo = moesim_noc::topology::build(&point.config.topology, origin)?;
        moesim_noc::link_export::write_links_csv(
            &topo,
            &point.report.link_stats,
            dir.file("links.csv"),
        )?;
        let title = format!(
            "{}: link utilisation at {} {}/node/cycle",
            self.name,
            point.config.traffic.injection_rate,
            if point.config.traffic.injection_rate_uses_flits {
                "flits"
            } else {
                "packets"
            }
        );
        moesim_noc::heatmap::write_heatmap_svg(
            &topo,
            &point.report.link_stats,
            dir.file("heatmap.svg"),
            &title,
        )
    }
}

fn preset_names() -> String {
    let names: Vec<&str> = presets::NOC_PRESETS.iter().map(|(n, _)| *n).collect();
    names.join(", ")
}

/// The statistics of a point: the simulator's tree under `noc.`, plus the host time.
fn stats_of(point: &NocPoint) -> StatsTree {
    let mut s = StatsTree::new();
    s.merge("noc", point.report.stats.clone());
    s.set_scalar(
        "host_seconds",
        "wall-clock time of the point (configuration, simulation, reporting)",
        point.wall_s,
    );
    s.add_counter("sim_cycles", "simulated cycles", point.report.sim_cycles);
    s
}

fn latency_plot(dir: &RunDir, name: &str, rows: &[BooksimRow]) -> Result<()> {
    let series = |label: &str, f: fn(&BooksimRow) -> f64| Series {
        label: label.to_string(),
        points: rows.iter().map(|r| (r.rate(), f(r))).collect(),
    };
    line_chart(
        &dir.plot("latency.svg"),
        &format!("{name}: latency vs offered load"),
        "offered load (per node per cycle)",
        "latency (cycles)",
        &[
            series("packet latency", |r| r.avg_packet_latency),
            series("network latency", |r| r.avg_network_latency),
        ],
        500.0,
    )
}
