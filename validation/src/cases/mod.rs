//! The registry of validation cases: one module per area, each with a `cases()` list.

use crate::case::Case;

/// Every validation case, in a fixed order.
pub fn all() -> Vec<Case> {
    Vec::new()
}
