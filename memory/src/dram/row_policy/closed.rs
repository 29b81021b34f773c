//! Closed-page policy (Ramulator 2's `ClosedRowPolicy` with a cap of queued hits).

use super::RowPolicy;

/// Precharge after the access unless queued requests still hit the row.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClosedPage;

impl RowPolicy for ClosedPage {
    fn close_after_access(&self, pending_hits: usize) -> bool {
        pending_hits == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closes_only_without_pending_hits() {
        assert!(ClosedPage.close_after_access(0));
        assert!(!ClosedPage.close_after_access(2));
    }
}
