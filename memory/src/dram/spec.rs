//! The device description of a DRAM (Ramulator 2's `DRAMStandard` as data): organisation and
//! timing parameters, in nanoseconds as a datasheet gives them, resolved to whole clock cycles
//! before the simulation loop.

use moesim_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// How one device is organised. A "channel" is an independently scheduled unit: an HBM
/// pseudo-channel or a vault of a 3D stack.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// Independent channels (HBM pseudo-channels, 3D-stack vaults).
    pub channels: u32,
    /// Banks per channel.
    pub banks_per_channel: u32,
    /// Rows per bank.
    pub rows_per_bank: u32,
    /// Bytes in one row (the row buffer, "page").
    pub row_bytes: u32,
    /// Bytes moved by one column command (bus width x burst length).
    pub burst_bytes: u32,
}

impl Organization {
    /// Column commands (bursts) per row.
    pub fn bursts_per_row(&self) -> u32 {
        self.row_bytes / self.burst_bytes.max(1)
    }
    /// Total capacity in bytes (saturating).
    pub fn capacity_bytes(&self) -> u64 {
        [self.banks_per_channel, self.rows_per_bank, self.row_bytes]
            .iter()
            .fold(self.channels as u64, |acc, &x| acc.saturating_mul(x as u64))
    }
}

/// Timing parameters. Everything is in nanoseconds except the clock period (picoseconds) and the
/// burst (cycles of data-bus occupancy per column command).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingNs {
    /// Command clock period.
    pub tck_ps: u64,
    /// Data-bus cycles one column command occupies (also the column-to-column spacing).
    pub burst_cycles: u64,
    /// ACT to column command.
    pub t_rcd_ns: f64,
    /// Column command to first data (CAS latency; used for writes too).
    pub t_cl_ns: f64,
    /// PRE to ACT of the same bank.
    pub t_rp_ns: f64,
    /// ACT to PRE of the same bank.
    pub t_ras_ns: f64,
    /// Read to PRE of the same bank.
    pub t_rtp_ns: f64,
    /// Write recovery: end of write data to PRE.
    pub t_wr_ns: f64,
    /// ACT to ACT of different banks of one channel.
    pub t_rrd_ns: f64,
    /// All-bank refresh duration.
    pub t_rfc_ns: f64,
    /// Average refresh interval.
    pub t_refi_ns: f64,
}

/// A DRAM device: organisation and timing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DramSpec {
    pub organization: Organization,
    pub timing: TimingNs,
}

/// Timing resolved to whole cycles (JEDEC rounding: up, with a 2.5 % guard band as Ramulator's
/// `JEDEC_rounding`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TimingCycles {
    pub tck_ps: u64,
    pub burst: u64,
    pub rcd: u64,
    pub cl: u64,
    pub rp: u64,
    pub ras: u64,
    pub rtp: u64,
    pub wr: u64,
    pub rrd: u64,
    pub rfc: u64,
    pub refi: u64,
}

impl TimingCycles {
    /// Same-bank ACT-to-ACT spacing for a read row cycle: max(tRAS, tRCD + tRTP) + tRP.
    pub fn row_cycle(&self) -> u64 {
        self.ras.max(self.rcd + self.rtp) + self.rp
    }
}

fn ns_to_cycles(ns: f64, tck_ps: u64) -> u64 {
    let cycles = ns * 1000.0 / tck_ps as f64;
    // A value within 2.5 % above an integer rounds down to it (JEDEC's rounding algorithm).
    (cycles - 0.025).ceil().max(0.0) as u64
}

impl DramSpec {
    /// Checks every field; errors name `origin` and the key.
    pub fn validate(&self, origin: &str, prefix: &str) -> Result<()> {
        let o = &self.organization;
        let pos = |key: &str, v: u64| -> Result<()> {
            if v == 0 {
                Err(
                    Error::config(origin, format!("{prefix}{key}"), "must be positive")
                        .allowed("an integer >= 1"),
                )
            } else {
                Ok(())
            }
        };
        pos("organization.channels", o.channels as u64)?;
        pos("organization.banks_per_channel", o.banks_per_channel as u64)?;
        pos("organization.rows_per_bank", o.rows_per_bank as u64)?;
        pos("organization.row_bytes", o.row_bytes as u64)?;
        pos("organization.burst_bytes", o.burst_bytes as u64)?;
        if !o.row_bytes.is_multiple_of(o.burst_bytes) {
            return Err(Error::config(
                origin,
                format!("{prefix}organization.row_bytes"),
                format!(
                    "{} is not a multiple of burst_bytes = {}",
                    o.row_bytes, o.burst_bytes
                ),
            )
            .allowed("a whole number of bursts per row"));
        }
        let t = &self.timing;
        pos("timing.tck_ps", t.tck_ps)?;
        pos("timing.burst_cycles", t.burst_cycles)?;
        let ns_fields = [
            ("t_rcd_ns", t.t_rcd_ns),
            ("t_cl_ns", t.t_cl_ns),
            ("t_rp_ns", t.t_rp_ns),
            ("t_ras_ns", t.t_ras_ns),
            ("t_rtp_ns", t.t_rtp_ns),
            ("t_wr_ns", t.t_wr_ns),
            ("t_rrd_ns", t.t_rrd_ns),
            ("t_rfc_ns", t.t_rfc_ns),
            ("t_refi_ns", t.t_refi_ns),
        ];
        for (key, v) in ns_fields {
            if !v.is_finite() || v < 0.0 {
                return Err(Error::config(
                    origin,
                    format!("{prefix}timing.{key}"),
                    format!("{v} is not a valid time"),
                )
                .allowed("a finite number of nanoseconds >= 0"));
            }
        }
        if t.t_refi_ns > 0.0 && t.t_rfc_ns >= t.t_refi_ns {
            return Err(Error::config(
                origin,
                format!("{prefix}timing.t_rfc_ns"),
                format!(
                    "tRFC = {} ns must be shorter than tREFI = {} ns",
                    t.t_rfc_ns, t.t_refi_ns
                ),
            )
            .allowed("t_rfc_ns < t_refi_ns"));
        }
        if t.t_refi_ns <= 0.0 {
            return Err(Error::config(
                origin,
                format!("{prefix}timing.t_refi_ns"),
                "must be positive",
            )
            .allowed("nanoseconds > 0 (disable refresh with controller.refresh.kind = \"none\")"));
        }
        Ok(())
    }

    /// The timing in whole cycles of the command clock.
    pub fn cycles(&self) -> TimingCycles {
        let t = &self.timing;
        let c = |ns: f64| ns_to_cycles(ns, t.tck_ps);
        TimingCycles {
            tck_ps: t.tck_ps,
            burst: t.burst_cycles,
            rcd: c(t.t_rcd_ns),
            cl: c(t.t_cl_ns),
            rp: c(t.t_rp_ns),
            ras: c(t.t_ras_ns),
            rtp: c(t.t_rtp_ns),
            wr: c(t.t_wr_ns),
            rrd: c(t.t_rrd_ns).max(1),
            rfc: c(t.t_rfc_ns),
            refi: c(t.t_refi_ns).max(1),
        }
    }

    /// Peak data bandwidth of the device in bytes per second: every channel moving one burst
    /// every `burst_cycles`.
    pub fn peak_bytes_per_s(&self) -> f64 {
        let o = &self.organization;
        let t = &self.timing;
        o.channels as f64 * o.burst_bytes as f64 / (t.burst_cycles as f64 * t.tck_ps as f64 * 1e-12)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jedec_rounding() {
        assert_eq!(ns_to_cycles(14.0, 625), 23); // 22.4 -> 23
        assert_eq!(ns_to_cycles(10.0, 1000), 10);
        assert_eq!(ns_to_cycles(10.02, 1000), 10); // within the guard band
        assert_eq!(ns_to_cycles(10.5, 1000), 11);
        assert_eq!(ns_to_cycles(0.0, 1000), 0);
    }
}
