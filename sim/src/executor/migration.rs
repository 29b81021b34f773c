//! The migration stream: copies of expert weights between devices (replica creation, load
//! balancing), issued on a device's migration stream and carried by the network together with
//! the traffic of the phase they are assigned to, so they contend for the same links. A copy
//! is *hidden* when it is delivered before that phase's own traffic is.
//!
//! The baseline placements issue none; balancing policies queue them with
//! [`MigrationQueue::push`] before or between steps.

use moesim_core::{NodeId, Tick};
use serde::{Deserialize, Serialize};

/// The network phase a migration rides in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MigrationWindow {
    /// The tensor-parallel collective after attention (intra-group links busy).
    AttentionCollective,
    /// The MoE dispatch.
    MoeDispatch,
    /// The MoE combine.
    MoeCombine,
}

/// One copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Migration {
    pub src: NodeId,
    pub dst: NodeId,
    pub bytes: u64,
    pub window: MigrationWindow,
    /// Not released before this time.
    pub not_before: Tick,
    /// An id for [`Migration::after`] (0 when nothing depends on the copy).
    pub id: u64,
    /// Released only once the copy with this id has been delivered (chunks of one piece of a
    /// replica copy, store-and-forward pieces through an intermediate device).
    pub after: Option<u64>,
    /// A label for reports (e.g. `L5.expert[17]`).
    pub label: String,
}

/// A delivered copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MigrationRecord {
    pub migration: Migration,
    /// The model layer whose phase carried it.
    pub layer: u32,
    pub release: Tick,
    pub finish: Tick,
    /// When the phase's own traffic was delivered.
    pub phase_end: Tick,
    pub hidden: bool,
}

/// Pending and delivered copies.
#[derive(Clone, Debug, Default)]
pub struct MigrationQueue {
    pending: Vec<Migration>,
    pub done: Vec<MigrationRecord>,
}

impl MigrationQueue {
    pub fn push(&mut self, m: Migration) {
        self.pending.push(m);
    }
    pub fn pending(&self) -> &[Migration] {
        &self.pending
    }
    /// Removes and returns the copies for `window` that may start by `now`, in queue order:
    /// released by `not_before`, and the copy they wait for (if any) delivered by `now`.
    pub fn take(&mut self, window: MigrationWindow, now: Tick) -> Vec<Migration> {
        let delivered: std::collections::HashMap<u64, Tick> =
            if self.pending.iter().any(|m| m.after.is_some()) {
                self.done
                    .iter()
                    .map(|r| (r.migration.id, r.finish))
                    .collect()
            } else {
                std::collections::HashMap::new()
            };
        let ready = |m: &Migration| {
            m.after
                .is_none_or(|a| delivered.get(&a).is_some_and(|&f| f <= now))
        };
        let (out, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|m| m.window == window && m.not_before <= now && ready(m));
        self.pending = keep;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_by_window_and_time() {
        let mk = |w, t| Migration {
            src: NodeId(0),
            dst: NodeId(1),
            bytes: 1,
            window: w,
            not_before: Tick(t),
            id: 0,
            after: None,
            label: String::new(),
        };
        let mut q = MigrationQueue::default();
        q.push(mk(MigrationWindow::MoeDispatch, 0));
        q.push(mk(MigrationWindow::MoeDispatch, 100));
        q.push(mk(MigrationWindow::AttentionCollective, 0));
        assert_eq!(q.take(MigrationWindow::MoeDispatch, Tick(50)).len(), 1);
        assert_eq!(q.pending().len(), 2);
        assert_eq!(q.take(MigrationWindow::MoeDispatch, Tick(100)).len(), 1);
        assert_eq!(
            q.take(MigrationWindow::AttentionCollective, Tick(0)).len(),
            1
        );
        assert!(q.pending().is_empty());
    }

    #[test]
    fn chained_copies_wait_for_their_predecessor() {
        let mut q = MigrationQueue::default();
        let first = Migration {
            src: NodeId(0),
            dst: NodeId(1),
            bytes: 1,
            window: MigrationWindow::MoeDispatch,
            not_before: Tick(0),
            id: 7,
            after: None,
            label: String::new(),
        };
        let second = Migration {
            id: 8,
            after: Some(7),
            window: MigrationWindow::MoeCombine,
            ..first.clone()
        };
        q.push(second);
        assert!(q.take(MigrationWindow::MoeCombine, Tick(10)).is_empty());
        q.done.push(MigrationRecord {
            migration: first,
            layer: 0,
            release: Tick(0),
            finish: Tick(50),
            phase_end: Tick(60),
            hidden: true,
        });
        assert!(q.take(MigrationWindow::MoeCombine, Tick(40)).is_empty());
        assert_eq!(q.take(MigrationWindow::MoeCombine, Tick(50)).len(), 1);
    }
}
