//! The memory system: an in-order front end feeding per-channel controllers, run cycle by
//! cycle (skipping cycles in which nothing can happen).

use crate::dram::addr_mapper::AddressMapper;
use crate::dram::channel::{Channel, Completion, Pending, Policies, RowOutcome, Scratch};
use crate::dram::config::DramConfig;
use crate::dram::refresh::RefreshManager;
use crate::dram::report::DramReport;
use crate::dram::request::{Access, Request};
use crate::dram::row_policy::RowPolicy;
use crate::dram::scheduler::Scheduler;
use crate::dram::spec::{DramSpec, TimingCycles};
use moesim_core::{Error, Result};

/// A bank-level DRAM: channels, their controllers and the address mapping.
pub struct MemorySystem {
    spec: DramSpec,
    timing: TimingCycles,
    queue_depth: usize,
    mapper: Box<dyn AddressMapper>,
    scheduler: Box<dyn Scheduler>,
    row_policy: Box<dyn RowPolicy>,
    refresh: Box<dyn RefreshManager>,
}

impl MemorySystem {
    /// Builds the system of a validated configuration.
    pub fn new(cfg: &DramConfig) -> Result<MemorySystem> {
        cfg.validate(&cfg.name)?;
        Ok(MemorySystem {
            spec: cfg.device.clone(),
            timing: cfg.device.cycles(),
            queue_depth: cfg.controller.queue_depth,
            mapper: cfg.controller.address_mapping.build(),
            scheduler: cfg.controller.scheduler.build(),
            row_policy: cfg.controller.row_policy.build(),
            refresh: cfg.controller.refresh.build(),
        })
    }

    pub fn spec(&self) -> &DramSpec {
        &self.spec
    }
    pub fn timing(&self) -> TimingCycles {
        self.timing
    }

    fn new_channels(&self) -> Vec<Channel> {
        (0..self.spec.organization.channels)
            .map(|_| {
                Channel::new(
                    self.spec.organization.banks_per_channel,
                    self.queue_depth,
                    self.timing,
                    self.refresh.as_ref(),
                )
            })
            .collect()
    }

    /// Serves `requests` (ordered by arrival cycle) from an idle, precharged device and reports
    /// what happened. A full channel queue stalls the front end (head-of-line blocking).
    pub fn run(&self, requests: &[Request]) -> Result<DramReport> {
        if let Some(w) = requests
            .windows(2)
            .position(|w| w[1].arrival_cycle < w[0].arrival_cycle)
        {
            return Err(Error::Sim(format!(
                "request {} arrives at cycle {} before its predecessor (cycle {}); \
                 requests must be ordered by arrival",
                w + 1,
                requests[w + 1].arrival_cycle,
                requests[w].arrival_cycle
            )));
        }
        let mut channels = self.new_channels();
        let policies = Policies {
            scheduler: self.scheduler.as_ref(),
            row_policy: self.row_policy.as_ref(),
            refresh: self.refresh.as_ref(),
        };
        let mut report = DramReport::new(&self.spec, self.timing);
        let mut scratch = Scratch::default();
        let mut issued = vec![None; channels.len()];
        let mut next = 0usize;
        let mut cycle = requests.first().map_or(0, |r| r.arrival_cycle);
        report.first_arrival_cycle = cycle;
        while next < requests.len() || channels.iter().any(|c| !c.is_idle()) {
            // Front end: admit every request that has arrived while its channel has room.
            while let Some(r) = requests.get(next) {
                if r.arrival_cycle > cycle {
                    break;
                }
                let addr = self.mapper.map(r.addr, &self.spec.organization);
                let ch = &mut channels[addr.channel as usize];
                if !ch.has_space() {
                    break;
                }
                ch.enqueue(Pending {
                    seq: next as u64,
                    addr,
                    access: r.access,
                    arrival_cycle: r.arrival_cycle,
                    outcome: None,
                });
                next += 1;
            }
            // Evaluate every channel on the same state, then commit.
            for (slot, ch) in issued.iter_mut().zip(&channels) {
                *slot = ch.evaluate(cycle, &policies, &mut scratch);
            }
            for (slot, ch) in issued.iter_mut().zip(channels.iter_mut()) {
                if let Some(cmd) = slot.take()
                    && let Some(done) = ch.commit(cycle, cmd, self.refresh.as_ref())
                {
                    report.record(&done);
                }
            }
            cycle = self.next_cycle(cycle, &channels, requests.get(next));
        }
        report.finish(&channels);
        Ok(report)
    }

    /// The next cycle worth simulating: the next one if any channel has work, otherwise the next
    /// arrival or refresh deadline.
    fn next_cycle(&self, cycle: u64, channels: &[Channel], head: Option<&Request>) -> u64 {
        if channels.iter().any(|c| !c.is_idle()) {
            return cycle + 1;
        }
        let arrival = head.map_or(u64::MAX, |r| r.arrival_cycle);
        let refresh = channels
            .iter()
            .filter_map(Channel::refresh_due)
            .min()
            .unwrap_or(u64::MAX);
        // An idle channel still refreshes on time: do not jump past a deadline.
        arrival.min(refresh).max(cycle + 1)
    }
}

/// The outcome counters of served requests.
pub(crate) fn count_outcome(report: &mut DramReport, c: &Completion) {
    match c.outcome {
        RowOutcome::Hit => report.row_hits += 1,
        RowOutcome::Miss => report.row_misses += 1,
        RowOutcome::Conflict => report.row_conflicts += 1,
    }
    match c.access {
        Access::Read => report.reads += 1,
        Access::Write => report.writes += 1,
    }
}
