//! Measurement (sim) and link-statistics sections of the NoC configuration.

use super::range_err;
use moesim_core::Result;
use serde::{Deserialize, Serialize};

/// BookSim's measurement method (`sim_type = latency`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimConfig {
    pub warmup_periods: u32,
    pub sample_period: u64,
    pub max_samples: u32,
    pub latency_thres: f64,
    pub warmup_thres: f64,
    pub acc_warmup_thres: f64,
    pub stopping_thres: f64,
    pub acc_stopping_thres: f64,
    /// Packet latency includes source queueing.
    pub include_queuing: bool,
    pub seed: u64,
    /// Cycles with flits in flight and none moving before a deadlock is reported.
    pub deadlock_cycles: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            warmup_periods: 3,
            sample_period: 1000,
            max_samples: 10,
            latency_thres: 500.0,
            warmup_thres: 0.05,
            acc_warmup_thres: 0.05,
            stopping_thres: 0.05,
            acc_stopping_thres: 0.05,
            include_queuing: true,
            seed: 0,
            deadlock_cycles: 10_000,
        }
    }
}

/// Per-link, per-direction statistics over time windows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinkStatsConfig {
    /// Window length in cycles for link utilisation over time.
    pub window_cycles: u64,
}

impl Default for LinkStatsConfig {
    fn default() -> Self {
        LinkStatsConfig {
            window_cycles: 1000,
        }
    }
}

impl SimConfig {
    pub fn validate(&self, origin: &str) -> Result<()> {
        let s = self;
        if s.sample_period == 0 {
            return Err(range_err(
                origin,
                "sim.sample_period",
                s.sample_period,
                "an integer >= 1",
            ));
        }
        if s.deadlock_cycles == 0 {
            return Err(range_err(
                origin,
                "sim.deadlock_cycles",
                s.deadlock_cycles,
                "an integer >= 1",
            ));
        }
        if s.max_samples == 0 {
            return Err(range_err(
                origin,
                "sim.max_samples",
                s.max_samples,
                "an integer >= 1",
            ));
        }
        Ok(())
    }
}

impl LinkStatsConfig {
    pub fn validate(&self, origin: &str) -> Result<()> {
        if self.window_cycles == 0 {
            return Err(range_err(
                origin,
                "stats.window_cycles",
                self.window_cycles,
                "an integer >= 1",
            ));
        }
        Ok(())
    }
}
