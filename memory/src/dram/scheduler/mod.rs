//! Request schedulers: which queued request's next command a channel issues this cycle
//! (Ramulator 2's `IScheduler`). One implementation per file, chosen by [`SchedulerKind`].

mod fcfs;
mod frfcfs;

pub use fcfs::Fcfs;
pub use frfcfs::FrFcfs;

use serde::{Deserialize, Serialize};

/// A queued request as the scheduler sees it this cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// Position in the channel's queue.
    pub queue_index: usize,
    /// Admission order (smaller is older).
    pub seq: u64,
    /// The next command is a column command to an open row (a row hit).
    pub row_hit: bool,
    /// The next command may issue this cycle.
    pub ready: bool,
}

/// Picks the request whose next command issues this cycle.
pub trait Scheduler: Send + Sync {
    /// `candidates` holds every queued request, in queue order. Returns an index into
    /// `candidates`, or `None` to issue nothing.
    fn pick(&self, candidates: &[Candidate]) -> Option<usize>;
}

/// The schedulers, chosen in configuration by `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SchedulerKind {
    /// First-ready, first-come-first-served: ready row hits first, then the oldest ready request.
    Frfcfs,
    /// Strict arrival order: only the oldest request may issue.
    Fcfs,
}

impl SchedulerKind {
    pub fn build(self) -> Box<dyn Scheduler> {
        match self {
            SchedulerKind::Frfcfs => Box::new(FrFcfs),
            SchedulerKind::Fcfs => Box::new(Fcfs),
        }
    }
}
