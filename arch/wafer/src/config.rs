//! The wafer-scale platform's configuration: one die type, the die grid of one wafer, the
//! die-to-die links, how many wafers and which dies failed, and the wafer-to-wafer links.
//!
//! Units are in the key names: `_gb` = 1e9 bytes, `_mb` = 1e6 bytes, `_gbytes_per_s` = 1e9 bytes/s
//! per direction, `_ns` = nanoseconds. [`WaferConfig::validate`] checks every range after parsing.

use moesim_core::check::{count, non_negative, positive};
use moesim_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// The largest die grid accepted, in dies (keeps node ids and router tables small).
pub const MAX_DIES: u32 = 1 << 16;

/// A whole wafer-scale system.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaferConfig {
    /// A label for reports, e.g. `wsc-b200-8x8`.
    pub name: String,
    pub die: DieConfig,
    pub wafer: WaferGridConfig,
    /// Die-to-die links inside a wafer.
    pub d2d: LinkConfig,
    #[serde(default)]
    pub system: SystemConfig,
    /// Wafer-to-wafer links; required when the system has more than one wafer.
    #[serde(default)]
    pub w2w: Option<LinkConfig>,
    /// Clock of the network tiers (latencies are whole cycles of it, at least one).
    #[serde(default = "default_clock_ghz")]
    pub network_clock_ghz: f64,
}

/// The default network clock: 1 GHz, so latencies are whole nanoseconds.
pub const DEFAULT_NETWORK_CLOCK_GHZ: f64 = 1.0;

fn default_clock_ghz() -> f64 {
    DEFAULT_NETWORK_CLOCK_GHZ
}

/// One die: compute, memory and network interface.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DieConfig {
    /// Peak dense BF16 throughput.
    pub bf16_tflops: f64,
    /// Peak dense FP8 throughput.
    pub fp8_tflops: f64,
    /// Peak FP32 throughput.
    pub fp32_tflops: f64,
    /// HBM capacity in 1e9 bytes.
    pub hbm_capacity_gb: f64,
    pub hbm_bandwidth_gbytes_per_s: f64,
    /// On-die SRAM (last-level cache / scratchpad) in 1e6 bytes; 0 if not modelled.
    #[serde(default)]
    pub sram_capacity_mb: f64,
    /// Bandwidth between the die's network interface and its router, per direction.
    pub nic_bandwidth_gbytes_per_s: f64,
}

/// The die grid of one wafer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaferGridConfig {
    pub dies_x: u32,
    pub dies_y: u32,
}

/// A class of links: bandwidth and latency per hop, per direction.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkConfig {
    pub bandwidth_gbytes_per_s: f64,
    /// Time of flight plus the router traversal of one hop.
    pub latency_ns: f64,
}

/// The wafer grid and failed dies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemConfig {
    #[serde(default = "one")]
    pub wafers_x: u32,
    #[serde(default = "one")]
    pub wafers_y: u32,
    /// `[x, y]` positions in the system-wide die grid (x in `0..wafers_x*dies_x`).
    #[serde(default)]
    pub failed_dies: Vec<[u32; 2]>,
}

impl Default for SystemConfig {
    fn default() -> Self {
        SystemConfig {
            wafers_x: 1,
            wafers_y: 1,
            failed_dies: Vec::new(),
        }
    }
}

fn one() -> u32 {
    1
}

impl LinkConfig {
    fn validate(&self, origin: &str, section: &str) -> Result<()> {
        positive(
            origin,
            &format!("{section}.bandwidth_gbytes_per_s"),
            self.bandwidth_gbytes_per_s,
        )?;
        non_negative(origin, &format!("{section}.latency_ns"), self.latency_ns)
    }
}

impl DieConfig {
    fn validate(&self, origin: &str) -> Result<()> {
        positive(origin, "die.bf16_tflops", self.bf16_tflops)?;
        positive(origin, "die.fp8_tflops", self.fp8_tflops)?;
        positive(origin, "die.fp32_tflops", self.fp32_tflops)?;
        positive(origin, "die.hbm_capacity_gb", self.hbm_capacity_gb)?;
        positive(
            origin,
            "die.hbm_bandwidth_gbytes_per_s",
            self.hbm_bandwidth_gbytes_per_s,
        )?;
        non_negative(origin, "die.sram_capacity_mb", self.sram_capacity_mb)?;
        positive(
            origin,
            "die.nic_bandwidth_gbytes_per_s",
            self.nic_bandwidth_gbytes_per_s,
        )
    }
}

impl WaferConfig {
    /// Dies along x and y in the whole system.
    pub fn system_dies(&self) -> (u32, u32) {
        (
            self.system.wafers_x.saturating_mul(self.wafer.dies_x),
            self.system.wafers_y.saturating_mul(self.wafer.dies_y),
        )
    }

    /// Number of wafers.
    pub fn num_wafers(&self) -> u32 {
        self.system.wafers_x.saturating_mul(self.system.wafers_y)
    }

    /// Checks every value; `origin` names the file (or preset) the config came from.
    pub fn validate(&self, origin: &str) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(Error::config(origin, "name", "empty name").allowed("a non-empty string"));
        }
        self.die.validate(origin)?;
        if !(self.network_clock_ghz.is_finite()
            && self.network_clock_ghz > 0.0
            && self.network_clock_ghz <= 1000.0)
        {
            return Err(Error::config(
                origin,
                "network_clock_ghz",
                format!("{} is out of range", self.network_clock_ghz),
            )
            .allowed("a number in (0, 1000]"));
        }
        count(origin, "wafer.dies_x", self.wafer.dies_x, MAX_DIES)?;
        count(origin, "wafer.dies_y", self.wafer.dies_y, MAX_DIES)?;
        count(origin, "system.wafers_x", self.system.wafers_x, MAX_DIES)?;
        count(origin, "system.wafers_y", self.system.wafers_y, MAX_DIES)?;
        let (sx, sy) = self.system_dies();
        let total = u64::from(sx) * u64::from(sy);
        if total > u64::from(MAX_DIES) {
            return Err(Error::config(
                origin,
                "wafer.dies_x",
                format!(
                    "{sx}x{sy} = {total} dies in the system (wafers {}x{} of {}x{} dies)",
                    self.system.wafers_x,
                    self.system.wafers_y,
                    self.wafer.dies_x,
                    self.wafer.dies_y
                ),
            )
            .allowed(format!("at most {MAX_DIES} dies in total")));
        }
        self.d2d.validate(origin, "d2d")?;
        match (&self.w2w, self.num_wafers()) {
            (Some(l), _) => l.validate(origin, "w2w")?,
            (None, n) if n > 1 => {
                return Err(Error::config(
                    origin,
                    "w2w",
                    format!("missing, but the system has {n} wafers"),
                )
                .allowed("a [w2w] table with bandwidth_gbytes_per_s and latency_ns"));
            }
            (None, _) => {}
        }
        self.validate_failed_dies(origin, sx, sy, total)
    }

    fn validate_failed_dies(&self, origin: &str, sx: u32, sy: u32, total: u64) -> Result<()> {
        let mut seen = std::collections::BTreeSet::new();
        for (i, &[x, y]) in self.system.failed_dies.iter().enumerate() {
            let key = format!("system.failed_dies[{i}]");
            if x >= sx || y >= sy {
                return Err(Error::config(
                    origin,
                    key,
                    format!("[{x}, {y}] is outside the die grid"),
                )
                .allowed(format!("[x, y] with x in 0..{sx} and y in 0..{sy}")));
            }
            if !seen.insert((x, y)) {
                return Err(
                    Error::config(origin, key, format!("[{x}, {y}] is listed twice"))
                        .allowed("each die at most once"),
                );
            }
        }
        if seen.len() as u64 >= total {
            return Err(
                Error::config(origin, "system.failed_dies", "every die has failed")
                    .allowed(format!("at most {} failed dies", total - 1)),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moesim_core::config::from_toml_str;

    const MIN: &str = r#"
name = "t"
[die]
bf16_tflops = 1.0
fp8_tflops = 2.0
fp32_tflops = 0.5
hbm_capacity_gb = 10.0
hbm_bandwidth_gbytes_per_s = 100.0
nic_bandwidth_gbytes_per_s = 10.0
[wafer]
dies_x = 2
dies_y = 3
[d2d]
bandwidth_gbytes_per_s = 10.0
latency_ns = 5.0
"#;

    fn parse(extra: &str) -> Result<WaferConfig> {
        let c: WaferConfig = from_toml_str("t.toml", &format!("{MIN}{extra}"))?;
        c.validate("t.toml")?;
        Ok(c)
    }

    #[test]
    fn minimal_config_has_one_wafer_and_no_failures() {
        let c = parse("").unwrap();
        assert_eq!(c.system, SystemConfig::default());
        assert_eq!(c.system_dies(), (2, 3));
        assert_eq!(c.die.sram_capacity_mb, 0.0);
    }

    #[test]
    fn several_wafers_need_w2w() {
        let e = parse("[system]\nwafers_x = 2\n").unwrap_err().to_string();
        assert!(e.contains("key `w2w`") && e.contains("2 wafers"), "{e}");
        let c = parse(
            "[system]\nwafers_x = 2\n[w2w]\nbandwidth_gbytes_per_s = 1.0\nlatency_ns = 100.0\n",
        )
        .unwrap();
        assert_eq!(c.system_dies(), (4, 3));
    }

    #[test]
    fn failed_die_checks() {
        let e = parse("[system]\nfailed_dies = [[2, 0]]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("system.failed_dies[0]") && e.contains("x in 0..2 and y in 0..3"),
            "{e}"
        );
        let e = parse("[system]\nfailed_dies = [[1, 1], [1, 1]]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("system.failed_dies[1]"), "{e}");
        let all = "[system]\nfailed_dies = [[0,0],[1,0],[0,1],[1,1],[0,2],[1,2]]\n";
        assert!(parse(all).unwrap_err().to_string().contains("every die"));
    }

    #[test]
    fn too_many_dies() {
        let e = parse("[system]\nwafers_x = 60000\nwafers_y = 60000\n[w2w]\nbandwidth_gbytes_per_s = 1.0\nlatency_ns = 1.0\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("at most 65536 dies"), "{e}");
    }
}
