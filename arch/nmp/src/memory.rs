//! A node's stacked DRAM: vaults with their own bandwidth under a vertical (TSV / hybrid-bonding)
//! interface. The logic die sees `min(vaults x vault bandwidth, vertical bandwidth)`.
//!
//! [`sustained_bandwidth`] derives the figure from the bank-level model of moesim-memory instead:
//! a long sequential read (a streaming weight read) through every vault, refresh included, then
//! the vertical cap.

use crate::config::MemoryConfig;
use moesim_core::{Bandwidth, Error, Result};
use moesim_memory::{BandwidthLatency, DramConfig};
use serde::{Deserialize, Serialize};

/// Bytes in one `_gib` unit of the configuration.
pub const BYTES_PER_GIB: f64 = (1u64 << 30) as f64;

/// The memory side of one node.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeMemory {
    pub vaults: u32,
    /// Bandwidth of one vault.
    pub vault: Bandwidth,
    /// All vaults together.
    pub vault_aggregate: Bandwidth,
    /// The vertical interface.
    pub vertical: Bandwidth,
    /// What the logic die sees: the smaller of the two.
    pub effective: Bandwidth,
    pub capacity_bytes: u64,
}

impl NodeMemory {
    pub fn from_config(c: &MemoryConfig) -> NodeMemory {
        let vault = Bandwidth::from_gbytes_per_s(c.vault_bandwidth_gbytes_per_s);
        let vault_aggregate = Bandwidth {
            bytes_per_s: vault.bytes_per_s * f64::from(c.vaults),
        };
        let vertical = Bandwidth::from_gbytes_per_s(c.vertical_bandwidth_gbytes_per_s);
        let effective = if vault_aggregate.bytes_per_s <= vertical.bytes_per_s {
            vault_aggregate
        } else {
            vertical
        };
        NodeMemory {
            vaults: c.vaults,
            vault,
            vault_aggregate,
            vertical,
            effective,
            capacity_bytes: (c.capacity_gib * BYTES_PER_GIB) as u64,
        }
    }
    /// Which side limits the bandwidth: `"vertical"` or `"vaults"`.
    pub fn bound(&self) -> &'static str {
        if self.vertical.bytes_per_s < self.vault_aggregate.bytes_per_s {
            "vertical"
        } else {
            "vaults"
        }
    }
}

/// The sustained bandwidth of a streaming read measured on the bank-level model `dram`, then
/// capped by the node's vertical interface; with the stream's characterisation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SustainedBandwidth {
    /// Peak, efficiency and unloaded latency measured on the bank-level model.
    pub dram: BandwidthLatency,
    /// `min(peak x efficiency, vertical)`.
    pub sustained: Bandwidth,
}

/// Runs the bank-level model of `dram` on a sequential read through every vault (several
/// refresh intervals long) and caps the result by `memory`'s vertical bandwidth. Errors, naming
/// `origin` and the key, when the device's vault count differs from the configuration's.
pub fn sustained_bandwidth(
    memory: &MemoryConfig,
    dram: &DramConfig,
    origin: &str,
) -> Result<SustainedBandwidth> {
    let channels = dram.device.organization.channels;
    if channels != memory.vaults {
        return Err(Error::config(
            origin,
            "node.memory.vaults",
            format!(
                "{} vaults, but the bank-level device `{}` has {channels} channels",
                memory.vaults, dram.name
            ),
        )
        .allowed(format!(
            "{channels}, or a dram_preset with {} channels",
            memory.vaults
        )));
    }
    let measured = BandwidthLatency::from_dram(dram)?;
    let stream = measured.effective_bandwidth();
    let vertical = Bandwidth::from_gbytes_per_s(memory.vertical_bandwidth_gbytes_per_s);
    let sustained = if stream.bytes_per_s <= vertical.bytes_per_s {
        stream
    } else {
        vertical
    };
    Ok(SustainedBandwidth {
        dram: measured,
        sustained,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(vaults: u32, vault: f64, vertical: f64) -> MemoryConfig {
        MemoryConfig {
            vaults,
            vault_bandwidth_gbytes_per_s: vault,
            vertical_bandwidth_gbytes_per_s: vertical,
            capacity_gib: 16.0,
            dram_preset: None,
        }
    }

    #[test]
    fn effective_bandwidth_is_the_smaller_side() {
        let m = NodeMemory::from_config(&cfg(32, 20.0, 625.0));
        assert!((m.vault_aggregate.gbytes_per_s() - 640.0).abs() < 1e-9);
        assert_eq!(m.effective, m.vertical);
        assert_eq!(m.bound(), "vertical");
        assert_eq!(m.capacity_bytes, 16 << 30);
        let m = NodeMemory::from_config(&cfg(16, 20.0, 625.0));
        assert!((m.effective.gbytes_per_s() - 320.0).abs() < 1e-9);
        assert_eq!(m.bound(), "vaults");
    }

    #[test]
    fn vault_count_must_match_the_device() {
        let dram = moesim_memory::dram::presets::preset("hybrid_bonded_3d").unwrap();
        let e = sustained_bandwidth(&cfg(16, 20.0, 625.0), &dram, "n.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("node.memory.vaults") && e.contains("32 channels"),
            "{e}"
        );
    }
}
