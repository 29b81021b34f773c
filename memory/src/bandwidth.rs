//! A memory as a bandwidth and a latency: peak bandwidth, the fraction of it a stream achieves,
//! and the unloaded latency of the first byte. Used by the roofline compute model
//! (`time = max(flops / compute, bytes / mem_bw)`), which takes the memory side from here.

use crate::dram::closed_form;
use crate::dram::config::DramConfig;
use crate::dram::request::Access;
use crate::dram::row_policy::RowPolicyKind;
use crate::dram::system::MemorySystem;
use crate::dram::traffic;
use moesim_core::{Bandwidth, Error, Result, Tick};
use serde::{Deserialize, Serialize};

/// Peak bandwidth, achieved efficiency and unloaded latency of a memory (an HBM stack set, a
/// DRAM channel group, a 3D stack).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandwidthLatency {
    /// Datasheet peak (GB/s, 1e9 bytes per second).
    pub peak_gbytes_per_s: f64,
    /// Fraction of the peak a long stream achieves, in (0, 1].
    pub efficiency: f64,
    /// Latency of an isolated access (ns), paid once per transfer.
    pub unloaded_latency_ns: f64,
}

impl BandwidthLatency {
    /// Checks the fields; errors name `origin` and `prefix` + key.
    pub fn validate(&self, origin: &str, prefix: &str) -> Result<()> {
        if !(self.peak_gbytes_per_s.is_finite() && self.peak_gbytes_per_s > 0.0) {
            return Err(Error::config(
                origin,
                format!("{prefix}peak_gbytes_per_s"),
                format!("{} is not a bandwidth", self.peak_gbytes_per_s),
            )
            .allowed("GB/s > 0"));
        }
        if !(self.efficiency > 0.0 && self.efficiency <= 1.0) {
            return Err(Error::config(
                origin,
                format!("{prefix}efficiency"),
                format!("{} is out of range", self.efficiency),
            )
            .allowed("a fraction in (0, 1]"));
        }
        if !(self.unloaded_latency_ns.is_finite() && self.unloaded_latency_ns >= 0.0) {
            return Err(Error::config(
                origin,
                format!("{prefix}unloaded_latency_ns"),
                format!("{} is not a latency", self.unloaded_latency_ns),
            )
            .allowed("nanoseconds >= 0"));
        }
        Ok(())
    }

    pub fn peak(&self) -> Bandwidth {
        Bandwidth::from_gbytes_per_s(self.peak_gbytes_per_s)
    }
    /// Peak x efficiency.
    pub fn effective_bandwidth(&self) -> Bandwidth {
        Bandwidth::from_gbytes_per_s(self.peak_gbytes_per_s * self.efficiency)
    }
    pub fn latency(&self) -> Tick {
        Tick::from_ns(self.unloaded_latency_ns)
    }
    /// The throughput term alone: `bytes / (peak x efficiency)` (no latency), the roofline's
    /// memory time.
    pub fn streaming_time(&self, bytes: u64) -> Tick {
        self.effective_bandwidth().transfer_time(bytes as f64)
    }
    /// Time to read `bytes` in one transfer: latency + bytes / effective bandwidth (0 for 0 bytes).
    pub fn read_time(&self, bytes: u64) -> Tick {
        if bytes == 0 {
            return Tick::ZERO;
        }
        self.latency() + self.streaming_time(bytes)
    }
    /// Time to write `bytes`; the model does not distinguish writes from reads.
    pub fn write_time(&self, bytes: u64) -> Tick {
        self.read_time(bytes)
    }

    /// Finish times of streams that start together and share the bandwidth fairly (processor
    /// sharing): a stream finishes after its own bytes plus, for every stream still running, as
    /// many bytes of theirs. Result in the input order.
    pub fn concurrent_finish_times(&self, bytes: &[u64]) -> Vec<Tick> {
        let mut order: Vec<usize> = (0..bytes.len()).collect();
        order.sort_by_key(|&i| (bytes[i], i));
        let mut out = vec![Tick::ZERO; bytes.len()];
        let mut done_bytes = 0u128;
        for (rank, &i) in order.iter().enumerate() {
            let remaining = (bytes.len() - rank) as u128;
            let served = done_bytes + bytes[i] as u128 * remaining;
            out[i] = if bytes[i] == 0 {
                Tick::ZERO
            } else {
                self.latency() + self.streaming_time_f(served as f64)
            };
            done_bytes += bytes[i] as u128;
        }
        out
    }

    /// When the last of several concurrent streams finishes.
    pub fn concurrent_time(&self, bytes: &[u64]) -> Tick {
        self.concurrent_finish_times(bytes)
            .into_iter()
            .max()
            .unwrap_or(Tick::ZERO)
    }

    fn streaming_time_f(&self, bytes: f64) -> Tick {
        self.effective_bandwidth().transfer_time(bytes)
    }

    /// Characterises a bank-level device: the efficiency is the bandwidth a sequential read
    /// stream achieves in the bank-level model (refresh included) over the peak, and the latency
    /// is the unloaded read latency of the configured row policy (tRCD + tCL + tBURST for a
    /// closed page, tCL + tBURST for an open row hit).
    pub fn from_dram(cfg: &DramConfig) -> Result<BandwidthLatency> {
        let sys = MemorySystem::new(cfg)?;
        let t = sys.timing();
        let org = &cfg.device.organization;
        // Four refresh intervals' worth of bursts per channel.
        let per_channel = (4 * t.refi).div_ceil(t.burst.max(1));
        let stream = traffic::sequential(org, per_channel * org.channels as u64, Access::Read, 0);
        let measured = sys.run(&stream)?.bandwidth();
        let peak = closed_form::peak_bandwidth(&cfg.device);
        let latency_cycles = match cfg.controller.row_policy {
            RowPolicyKind::Closed => closed_form::read_latency_closed_cycles(&t),
            RowPolicyKind::Open => closed_form::read_latency_hit_cycles(&t),
        };
        Ok(BandwidthLatency {
            peak_gbytes_per_s: peak.gbytes_per_s(),
            efficiency: (measured.bytes_per_s / peak.bytes_per_s).clamp(f64::MIN_POSITIVE, 1.0),
            unloaded_latency_ns: (latency_cycles * t.tck_ps) as f64 / 1000.0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mem() -> BandwidthLatency {
        BandwidthLatency {
            peak_gbytes_per_s: 100.0,
            efficiency: 0.5,
            unloaded_latency_ns: 100.0,
        }
    }

    #[test]
    fn read_time_is_latency_plus_bytes_over_effective_bandwidth() {
        let m = mem();
        // 50 GB/s effective: 50_000 bytes take 1 us, plus 100 ns.
        assert_eq!(m.read_time(50_000), Tick::from_ns(1_100.0));
        assert_eq!(m.read_time(0), Tick::ZERO);
        assert_eq!(m.streaming_time(50_000), Tick::from_us(1.0));
    }

    #[test]
    fn concurrent_streams_share_fairly() {
        let m = mem();
        let t = m.concurrent_finish_times(&[50_000, 100_000]);
        // Both run at 25 GB/s until the first finishes at 2 us; the second then runs alone.
        assert_eq!(t[0], Tick::from_ns(2_100.0));
        assert_eq!(t[1], Tick::from_ns(3_100.0));
        assert_eq!(m.concurrent_time(&[50_000, 100_000]), m.read_time(150_000));
    }

    #[test]
    fn validation_names_the_key() {
        let mut m = mem();
        m.efficiency = 1.5;
        let e = m.validate("x.toml", "gpu.hbm.").unwrap_err().to_string();
        assert!(e.contains("gpu.hbm.efficiency"), "{e}");
    }
}
