//! Credits: one per flit slot freed in a downstream input buffer, travelling back upstream on
//! the channel's credit wire (BookSim's `Credit`, one VC per credit).

/// A credit for one slot of VC `vc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Credit {
    pub vc: u8,
}
