//! Row | bank | column | channel.

use super::{AddressMapper, split};
use crate::dram::request::DramAddr;
use crate::dram::spec::Organization;

/// Channel in the lowest bits, then the column, the bank and the row: a sequential stream
/// reads whole rows of one bank in every channel before moving to the next bank.
#[derive(Clone, Copy, Debug, Default)]
pub struct RoBaCoCh;

impl AddressMapper for RoBaCoCh {
    fn map(&self, addr: u64, org: &Organization) -> DramAddr {
        let burst = addr / org.burst_bytes.max(1) as u64;
        let [channel, column, bank, row] = split(
            burst,
            &[
                org.channels,
                org.bursts_per_row(),
                org.banks_per_channel,
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
