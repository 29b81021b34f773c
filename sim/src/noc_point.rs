//! One NoC simulation point, timed, and sweeps of points over one key.

use crate::booksim_csv::BooksimRow;
use crate::noc_config::NocSource;
use crate::sweep::{self, Schedule, SweepSpec};
use indicatif::ProgressBar;
use moesim_core::Result;
use moesim_noc::{NocConfig, NocReport};
use std::time::Instant;

/// A simulated point: its configuration and report.
#[derive(Clone, Debug)]
pub struct NocPoint {
    /// The injection rate as written (`0.10` from a sweep over it; else the configured value).
    pub rate: String,
    /// The sweep point's `key=value`, empty for a single run.
    pub label: String,
    pub config: NocConfig,
    pub report: NocReport,
    /// Wall time of the whole point.
    pub wall_s: f64,
}

/// The flit-level simulation of `cfg` (from `origin`).
pub fn simulate(cfg: &NocConfig, origin: &str) -> Result<NocReport> {
    moesim_noc::run(cfg, origin)
}

/// Runs one point.
pub fn run(cfg: NocConfig, origin: &str, label: String) -> Result<NocPoint> {
    run_with_rate(cfg.traffic.injection_rate.to_string(), cfg, origin, label)
}

fn run_with_rate(rate: String, cfg: NocConfig, origin: &str, label: String) -> Result<NocPoint> {
    let t = Instant::now();
    let report = simulate(&cfg, origin)?;
    Ok(NocPoint {
        rate,
        label,
        config: cfg,
        report,
        wall_s: t.elapsed().as_secs_f64(),
    })
}

impl NocPoint {
    /// The point as a BookSim CSV row.
    pub fn row(&self) -> BooksimRow {
        BooksimRow::new(&self.config, &self.report, &self.rate, self.wall_s)
    }
}

/// How a sweep runs.
#[derive(Clone, Copy, Debug)]
pub struct SweepOptions {
    pub schedule: Schedule,
    /// Stop after this many saturated points in a row (BookSim's reference sweeps: 3).
    pub stop_after_unstable: Option<usize>,
}

impl Default for SweepOptions {
    fn default() -> Self {
        SweepOptions {
            schedule: Schedule::Parallel,
            stop_after_unstable: Some(3),
        }
    }
}

/// Sweeps `spec` over `source`. Every point's configuration is built (and checked) before any
/// runs; each point's seed is derived from the configured seed and the point's `key=value`.
pub fn run_sweep(
    source: &NocSource,
    spec: &SweepSpec,
    opts: SweepOptions,
    progress: &ProgressBar,
) -> Result<Vec<NocPoint>> {
    let configs = (0..spec.values.len())
        .map(|i| {
            let a = spec.assignment(i);
            let mut cfg = source.build(std::slice::from_ref(&a))?;
            cfg.sim.seed = sweep::point_seed(cfg.sim.seed, &a);
            Ok(cfg)
        })
        .collect::<Result<Vec<NocConfig>>>()?;
    let origin = source.origin();
    let sweeps_rate = spec.key.ends_with("injection_rate");
    sweep::run_points(
        configs.len(),
        opts.schedule,
        opts.stop_after_unstable,
        progress,
        |i| {
            let cfg = configs[i].clone();
            let rate = if sweeps_rate {
                spec.values[i].clone()
            } else {
                cfg.traffic.injection_rate.to_string()
            };
            run_with_rate(rate, cfg, origin, spec.assignment(i))
        },
        |p| p.report.saturated,
    )
}
