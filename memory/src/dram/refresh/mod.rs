//! Refresh managers (Ramulator 2's `IRefreshManager`). One implementation per file, chosen by
//! [`RefreshKind`].

mod all_bank;
mod none;

pub use all_bank::AllBankRefresh;
pub use none::NoRefresh;

use crate::dram::spec::TimingCycles;
use serde::{Deserialize, Serialize};

/// When a channel must refresh, and for how long the refresh blocks it.
pub trait RefreshManager: Send + Sync {
    /// The cycle of the first refresh deadline, or `None` if the device never refreshes.
    fn first_due(&self, timing: &TimingCycles) -> Option<u64>;
    /// The next deadline after one at `due`.
    fn next_due(&self, due: u64, timing: &TimingCycles) -> u64;
    /// Cycles a refresh command blocks every bank of the channel.
    fn busy_cycles(&self, timing: &TimingCycles) -> u64;
}

/// The refresh managers, chosen in configuration by `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RefreshKind {
    /// All-bank refresh (REFab) every tREFI, blocking the channel for tRFC.
    AllBank,
    /// No refresh (for checks that isolate other effects).
    None,
}

impl RefreshKind {
    pub fn build(self) -> Box<dyn RefreshManager> {
        match self {
            RefreshKind::AllBank => Box::new(AllBankRefresh),
            RefreshKind::None => Box::new(NoRefresh),
        }
    }
}
