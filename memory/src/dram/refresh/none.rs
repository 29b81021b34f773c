//! No refresh.

use super::RefreshManager;
use crate::dram::spec::TimingCycles;

/// Never refreshes.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoRefresh;

impl RefreshManager for NoRefresh {
    fn first_due(&self, _timing: &TimingCycles) -> Option<u64> {
        None
    }
    fn next_due(&self, _due: u64, _timing: &TimingCycles) -> u64 {
        u64::MAX
    }
    fn busy_cycles(&self, _timing: &TimingCycles) -> u64 {
        0
    }
}
