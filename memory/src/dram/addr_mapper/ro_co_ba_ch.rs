//! Row | column | bank | channel.

use super::{AddressMapper, split};
use crate::dram::request::DramAddr;
use crate::dram::spec::Organization;

/// Channel in the lowest bits, then the bank, the column and the row: a sequential stream
/// spreads over every bank of every channel (bank-level parallelism first).
#[derive(Clone, Copy, Debug, Default)]
pub struct RoCoBaCh;

impl AddressMapper for RoCoBaCh {
    fn map(&self, addr: u64, org: &Organization) -> DramAddr {
        let burst = addr / org.burst_bytes.max(1) as u64;
        let [channel, bank, column, row] = split(
            burst,
            &[
                org.channels,
                org.banks_per_channel,
                org.bursts_per_row(),
                org.rows_per_bank,
            ],
        );
        DramAddr {
            channel,
            bank,
            row,
            column,
        }
    }
}
