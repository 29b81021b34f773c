//! Row-buffer policies: whether a row stays open after a column access (Ramulator 2's
//! `IRowPolicy`). One implementation per file, chosen by [`RowPolicyKind`].

mod closed;
mod open;

pub use closed::ClosedPage;
pub use open::OpenPage;

use serde::{Deserialize, Serialize};

/// Decides, at each column access, whether the bank precharges right after it.
pub trait RowPolicy: Send + Sync {
    /// `pending_hits`: queued requests (other than the one being served) to the same open row.
    fn close_after_access(&self, pending_hits: usize) -> bool;
}

/// The row policies, chosen in configuration by `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RowPolicyKind {
    /// Keep the row open until a request to another row of the bank needs it closed.
    Open,
    /// Auto-precharge after the access unless a queued request hits the same row.
    Closed,
}

impl RowPolicyKind {
    pub fn build(self) -> Box<dyn RowPolicy> {
        match self {
            RowPolicyKind::Open => Box::new(OpenPage),
            RowPolicyKind::Closed => Box::new(ClosedPage),
        }
    }
}
