//! Per-bank state: the open row and the earliest cycle of each command kind.

/// One bank's row buffer and timing bookkeeping (all cycles of the command clock).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BankState {
    /// The row latched in the row buffer, if any.
    pub open_row: Option<u32>,
    /// Earliest ACT (after tRP from the last precharge, or tRFC from a refresh).
    pub next_act: u64,
    /// Earliest PRE (tRAS after ACT, tRTP after a read, write recovery after a write).
    pub next_pre: u64,
    /// Earliest column command (tRCD after ACT).
    pub next_col: u64,
}

/// The command a queued request needs next, given its bank's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextCommand {
    /// The bank is precharged: activate the row.
    Activate,
    /// Another row is open: precharge it.
    Precharge,
    /// The row is open: read or write.
    Column,
}

impl BankState {
    pub fn next_command(&self, row: u32) -> NextCommand {
        match self.open_row {
            Some(r) if r == row => NextCommand::Column,
            Some(_) => NextCommand::Precharge,
            None => NextCommand::Activate,
        }
    }
}
