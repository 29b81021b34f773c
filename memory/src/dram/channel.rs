//! One channel's controller: the request queue, the banks, refresh, and the per-cycle command
//! choice, split into [`Channel::evaluate`] (reads state, picks at most one command) and
//! [`Channel::commit`] (applies it), so channels never observe each other mid-cycle.

use crate::dram::bank::{BankState, NextCommand};
use crate::dram::refresh::RefreshManager;
use crate::dram::request::{Access, DramAddr};
use crate::dram::row_policy::RowPolicy;
use crate::dram::scheduler::{Candidate, Scheduler};
use crate::dram::spec::TimingCycles;

/// A request waiting in a channel queue.
#[derive(Clone, Copy, Debug)]
pub struct Pending {
    pub seq: u64,
    pub addr: DramAddr,
    pub access: Access,
    pub arrival_cycle: u64,
    /// How the request found its row when its first command issued.
    pub outcome: Option<RowOutcome>,
}

/// Row-buffer outcome of a request, decided by its first command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowOutcome {
    Hit,
    Miss,
    Conflict,
}

/// A command chosen by [`Channel::evaluate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Activate {
        bank: u32,
        row: u32,
        queue_index: usize,
    },
    Precharge {
        bank: u32,
        queue_index: Option<usize>,
    },
    Column {
        queue_index: usize,
        auto_precharge: bool,
    },
    Refresh,
}

/// A served request.
#[derive(Clone, Copy, Debug)]
pub struct Completion {
    pub seq: u64,
    pub access: Access,
    pub arrival_cycle: u64,
    /// The cycle the last data beat is transferred.
    pub done_cycle: u64,
    pub outcome: RowOutcome,
}

/// Command counters of one channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChannelCounters {
    pub activates: u64,
    pub precharges: u64,
    pub reads: u64,
    pub writes: u64,
    pub refreshes: u64,
    /// Cycles the data bus carried data.
    pub busy_cycles: u64,
}

/// The policies every channel of a memory system shares.
pub struct Policies<'a> {
    pub scheduler: &'a dyn Scheduler,
    pub row_policy: &'a dyn RowPolicy,
    pub refresh: &'a dyn RefreshManager,
}

/// Per-cycle work space of [`Channel::evaluate`], reused across cycles and channels.
#[derive(Debug, Default)]
pub struct Scratch {
    candidates: Vec<Candidate>,
    /// Queued requests hitting each bank's open row.
    hits: Vec<usize>,
}

/// One independently scheduled channel (an HBM pseudo-channel, a vault).
pub struct Channel {
    timing: TimingCycles,
    banks: Vec<BankState>,
    queue: Vec<Pending>,
    capacity: usize,
    /// Earliest ACT to any bank (tRRD).
    next_act_any: u64,
    /// Earliest column command (data bus free, tBURST spacing).
    next_col_any: u64,
    /// The pending refresh deadline.
    refresh_due: Option<u64>,
    /// A refresh in progress blocks the channel until this cycle.
    blocked_until: u64,
    pub counters: ChannelCounters,
}

impl Channel {
    pub fn new(
        banks: u32,
        capacity: usize,
        timing: TimingCycles,
        refresh: &dyn RefreshManager,
    ) -> Channel {
        Channel {
            timing,
            banks: vec![BankState::default(); banks as usize],
            queue: Vec::with_capacity(capacity),
            capacity,
            next_act_any: 0,
            next_col_any: 0,
            refresh_due: refresh.first_due(&timing),
            blocked_until: 0,
            counters: ChannelCounters::default(),
        }
    }

    pub fn has_space(&self) -> bool {
        self.queue.len() < self.capacity
    }
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty()
    }
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }
    /// The next refresh deadline, if any.
    pub fn refresh_due(&self) -> Option<u64> {
        self.refresh_due
    }
    pub fn bank(&self, bank: u32) -> &BankState {
        &self.banks[bank as usize]
    }

    pub fn enqueue(&mut self, p: Pending) {
        self.queue.push(p);
    }

    /// Counts, per bank, the queued requests that hit its open row.
    fn count_hits(&self, hits: &mut Vec<usize>) {
        hits.clear();
        hits.resize(self.banks.len(), 0);
        for p in &self.queue {
            if self.banks[p.addr.bank as usize].open_row == Some(p.addr.row) {
                hits[p.addr.bank as usize] += 1;
            }
        }
    }

    /// Picks at most one command for `cycle` without changing any state.
    pub fn evaluate(
        &self,
        cycle: u64,
        policies: &Policies<'_>,
        scratch: &mut Scratch,
    ) -> Option<Command> {
        if cycle < self.blocked_until {
            return None;
        }
        if let Some(due) = self.refresh_due
            && cycle >= due
        {
            return self.evaluate_refresh(cycle);
        }
        if self.queue.is_empty() {
            return None;
        }
        let Scratch { candidates, hits } = scratch;
        self.count_hits(hits);
        candidates.clear();
        for (i, p) in self.queue.iter().enumerate() {
            let b = &self.banks[p.addr.bank as usize];
            let (row_hit, ready) = match b.next_command(p.addr.row) {
                NextCommand::Column => (true, cycle >= b.next_col && cycle >= self.next_col_any),
                NextCommand::Precharge => (
                    false,
                    cycle >= b.next_pre && hits[p.addr.bank as usize] == 0,
                ),
                NextCommand::Activate => (false, cycle >= b.next_act && cycle >= self.next_act_any),
            };
            candidates.push(Candidate {
                queue_index: i,
                seq: p.seq,
                row_hit,
                ready,
            });
        }
        let chosen = policies.scheduler.pick(candidates)?;
        let i = candidates[chosen].queue_index;
        let p = &self.queue[i];
        let b = &self.banks[p.addr.bank as usize];
        Some(match b.next_command(p.addr.row) {
            NextCommand::Column => Command::Column {
                queue_index: i,
                // The other queued hits on this row (the served request is one of the counted).
                auto_precharge: policies
                    .row_policy
                    .close_after_access(hits[p.addr.bank as usize].saturating_sub(1)),
            },
            NextCommand::Precharge => Command::Precharge {
                bank: p.addr.bank,
                queue_index: Some(i),
            },
            NextCommand::Activate => Command::Activate {
                bank: p.addr.bank,
                row: p.addr.row,
                queue_index: i,
            },
        })
    }

    /// With a refresh due: precharge open banks, then refresh once every bank may activate.
    fn evaluate_refresh(&self, cycle: u64) -> Option<Command> {
        if let Some(bank) = self
            .banks
            .iter()
            .position(|b| b.open_row.is_some() && cycle >= b.next_pre)
        {
            return Some(Command::Precharge {
                bank: bank as u32,
                queue_index: None,
            });
        }
        self.banks
            .iter()
            .all(|b| b.open_row.is_none() && cycle >= b.next_act)
            .then_some(Command::Refresh)
    }

    fn note_outcome(&mut self, queue_index: Option<usize>, outcome: RowOutcome) {
        if let Some(p) = queue_index.and_then(|i| self.queue.get_mut(i))
            && p.outcome.is_none()
        {
            p.outcome = Some(outcome);
        }
    }

    /// Applies `cmd` at `cycle`; returns the request it served, if it was a column command.
    pub fn commit(
        &mut self,
        cycle: u64,
        cmd: Command,
        refresh: &dyn RefreshManager,
    ) -> Option<Completion> {
        let t = self.timing;
        match cmd {
            Command::Activate {
                bank,
                row,
                queue_index,
            } => {
                let b = &mut self.banks[bank as usize];
                b.open_row = Some(row);
                b.next_col = cycle + t.rcd;
                b.next_pre = cycle + t.ras;
                self.next_act_any = cycle + t.rrd;
                self.counters.activates += 1;
                self.note_outcome(Some(queue_index), RowOutcome::Miss);
                None
            }
            Command::Precharge { bank, queue_index } => {
                let b = &mut self.banks[bank as usize];
                b.open_row = None;
                b.next_act = b.next_act.max(cycle + t.rp);
                self.counters.precharges += 1;
                self.note_outcome(queue_index, RowOutcome::Conflict);
                None
            }
            Command::Column {
                queue_index,
                auto_precharge,
            } => {
                self.note_outcome(Some(queue_index), RowOutcome::Hit);
                let p = self.queue.remove(queue_index);
                let b = &mut self.banks[p.addr.bank as usize];
                let recovery = match p.access {
                    Access::Read => t.rtp,
                    Access::Write => t.cl + t.burst + t.wr,
                };
                b.next_pre = b.next_pre.max(cycle + recovery);
                if auto_precharge {
                    b.open_row = None;
                    b.next_act = b.next_act.max(b.next_pre + t.rp);
                    self.counters.precharges += 1;
                }
                self.next_col_any = cycle + t.burst;
                self.counters.busy_cycles += t.burst;
                match p.access {
                    Access::Read => self.counters.reads += 1,
                    Access::Write => self.counters.writes += 1,
                }
                Some(Completion {
                    seq: p.seq,
                    access: p.access,
                    arrival_cycle: p.arrival_cycle,
                    done_cycle: cycle + t.cl + t.burst,
                    outcome: p.outcome.unwrap_or(RowOutcome::Hit),
                })
            }
            Command::Refresh => {
                let busy = refresh.busy_cycles(&t);
                for b in &mut self.banks {
                    b.next_act = b.next_act.max(cycle + busy);
                }
                self.blocked_until = cycle + busy;
                self.refresh_due = self.refresh_due.map(|d| refresh.next_due(d, &t));
                self.counters.refreshes += 1;
                None
            }
        }
    }
}
