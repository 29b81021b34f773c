//! All-bank refresh every tREFI.

use super::RefreshManager;
use crate::dram::spec::TimingCycles;

/// REFab every tREFI; all banks precharged first; the channel is blocked for tRFC.
#[derive(Clone, Copy, Debug, Default)]
pub struct AllBankRefresh;

impl RefreshManager for AllBankRefresh {
    fn first_due(&self, timing: &TimingCycles) -> Option<u64> {
        Some(timing.refi)
    }
    fn next_due(&self, due: u64, timing: &TimingCycles) -> u64 {
        due + timing.refi
    }
    fn busy_cycles(&self, timing: &TimingCycles) -> u64 {
        timing.rfc
    }
}
