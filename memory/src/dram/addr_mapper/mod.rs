//! Address mapping: a byte address to (channel, bank, row, column). One implementation per file,
//! chosen by [`AddressMapping`] (`kind = "..."`).
//!
//! Names list the fields from the most to the least significant bits, as Ramulator 2's
//! `RoBaRaCoCh`: `ro_ba_co_ch` puts the channel in the lowest bits, then the column, the bank and
//! the row.

mod ro_ba_co_ch;
mod ro_co_ba_ch;

pub use ro_ba_co_ch::RoBaCoCh;
pub use ro_co_ba_ch::RoCoBaCh;

use crate::dram::request::DramAddr;
use crate::dram::spec::Organization;
use serde::{Deserialize, Serialize};

/// Maps byte addresses to device coordinates.
pub trait AddressMapper: Send + Sync {
    fn map(&self, addr: u64, org: &Organization) -> DramAddr;
}

/// The address mappings, chosen in configuration by `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AddressMapping {
    /// Row | bank | column | channel: consecutive bursts rotate over channels, then walk one row.
    RoBaCoCh,
    /// Row | column | bank | channel: consecutive bursts rotate over channels, then over banks.
    RoCoBaCh,
}

impl AddressMapping {
    pub fn build(self) -> Box<dyn AddressMapper> {
        match self {
            AddressMapping::RoBaCoCh => Box::new(RoBaCoCh),
            AddressMapping::RoCoBaCh => Box::new(RoCoBaCh),
        }
    }
}

/// Splits `value` by successive radices (least significant first).
pub(crate) fn split(mut value: u64, radices: &[u32]) -> [u32; 4] {
    let mut out = [0u32; 4];
    for (slot, &r) in out.iter_mut().zip(radices) {
        let r = r.max(1) as u64;
        *slot = (value % r) as u32;
        value /= r;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Organization {
        Organization {
            channels: 4,
            banks_per_channel: 8,
            rows_per_bank: 1024,
            row_bytes: 1024,
            burst_bytes: 32,
        }
    }

    #[test]
    fn mappings_are_bijective_on_bursts() {
        let o = org();
        let bursts = o.capacity_bytes() / o.burst_bytes as u64;
        for mapping in [AddressMapping::RoBaCoCh, AddressMapping::RoCoBaCh] {
            let m = mapping.build();
            let mut seen = std::collections::HashSet::new();
            for b in (0..bursts).step_by(97) {
                let a = m.map(b * o.burst_bytes as u64, &o);
                assert!(a.channel < o.channels && a.bank < o.banks_per_channel);
                assert!(a.row < o.rows_per_bank && a.column < o.bursts_per_row());
                assert!(seen.insert(a), "{mapping:?} maps two bursts to {a:?}");
            }
        }
    }

    #[test]
    fn consecutive_bursts_rotate_channels_first() {
        let o = org();
        let m = AddressMapping::RoBaCoCh.build();
        let a0 = m.map(0, &o);
        let a1 = m.map(32, &o);
        let a4 = m.map(4 * 32, &o);
        assert_eq!((a0.channel, a1.channel), (0, 1));
        assert_eq!((a4.channel, a4.column, a4.bank), (0, 1, 0));
        let m = AddressMapping::RoCoBaCh.build();
        let a4 = m.map(4 * 32, &o);
        assert_eq!((a4.channel, a4.column, a4.bank), (0, 0, 1));
    }
}
