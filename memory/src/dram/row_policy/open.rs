//! Open-page policy.

use super::RowPolicy;

/// Rows stay open; a conflicting request precharges them.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenPage;

impl RowPolicy for OpenPage {
    fn close_after_access(&self, _pending_hits: usize) -> bool {
        false
    }
}
