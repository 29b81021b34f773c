//! Channels and time: what a channel is (its endpoints, latency and width) and the delivery
//! wheel that carries flits and credits along channels until the cycle they are due.
//!
//! Timing follows BookSim's channels: a flit sent in cycle `t` on a channel of latency `L` is
//! read by the receiver in cycle `t + L + 1` (the channel's output register adds the `+ 1`; the
//! README's "link 1 cycle" plus the receiving router's input stage). A link narrower than a flit
//! (`cycles_per_flit = c > 1`) holds each flit for `c` cycles: it arrives `c - 1` cycles later and
//! the next flit may start only `c` cycles after the previous one. Credits travel back on a wire
//! of the same latency and a router processes them `credit_delay` cycles after they arrive
//! (BookSim's `credit_delay`).
//!
//! Everything in flight on any channel sits in one [`DeliveryWheel`]: a ring of per-cycle lists,
//! so a cycle's deliveries are found without polling channels, and nothing is allocated once the
//! lists have grown to their working size.

use crate::flit::Flit;
use moesim_core::LinkId;

/// What sits at one end of a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// Router `router`, port `port`.
    Router { router: u32, port: u16 },
    /// The network interface of node `n`.
    Ni(u32),
}

/// A unidirectional flit channel with its reverse credit wire: a router-to-router link, an
/// injection channel (NI to router) or an ejection channel (router to NI).
#[derive(Clone, Debug)]
pub struct Channel {
    /// The flit sender (and credit receiver).
    pub src: Endpoint,
    /// The flit receiver (and credit sender).
    pub dst: Endpoint,
    pub latency_cycles: u32,
    pub cycles_per_flit: u32,
    pub credit_latency_cycles: u32,
    /// Cycles the credit receiver takes to process a credit (router `credit_delay`, 0 at an NI).
    pub credit_process_cycles: u32,
    /// The topology link, for router-to-router channels.
    pub link: Option<LinkId>,
}

impl Channel {
    pub fn new(
        src: Endpoint,
        dst: Endpoint,
        latency_cycles: u32,
        cycles_per_flit: u32,
        credit_process_cycles: u32,
        link: Option<LinkId>,
    ) -> Channel {
        Channel {
            src,
            dst,
            latency_cycles,
            cycles_per_flit: cycles_per_flit.max(1),
            credit_latency_cycles: latency_cycles,
            credit_process_cycles,
            link,
        }
    }
    /// The cycle a flit sent in cycle `sent` is read by the receiver.
    #[inline(always)]
    pub fn flit_due(&self, sent: u64) -> u64 {
        sent + self.latency_cycles as u64 + self.cycles_per_flit as u64
    }
    /// The cycle a flit read in cycle `due` was sent in.
    #[inline(always)]
    pub fn flit_sent(&self, due: u64) -> u64 {
        due - self.latency_cycles as u64 - self.cycles_per_flit as u64
    }
    /// The cycle a credit sent in cycle `sent` is processed by the flit sender.
    #[inline(always)]
    pub fn credit_due(&self, sent: u64) -> u64 {
        sent + self.credit_latency_cycles as u64 + 1 + self.credit_process_cycles as u64
    }
    /// The longest delay, in cycles, between sending something on this channel and its use.
    pub fn max_delay_cycles(&self) -> u64 {
        (self.latency_cycles + self.cycles_per_flit)
            .max(self.credit_latency_cycles + 1 + self.credit_process_cycles) as u64
    }
}

/// A flit or a credit due on a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub channel: u32,
    /// A credit (for VC `flit.vc`) travelling back, rather than a flit travelling forward.
    pub credit: bool,
    pub flit: Flit,
}

/// Deliveries by due cycle, for the next `horizon` cycles.
#[derive(Clone, Debug)]
pub struct DeliveryWheel {
    mask: u64,
    slots: Vec<Vec<Delivery>>,
    len: usize,
}

impl DeliveryWheel {
    /// A wheel for deliveries at most `horizon` cycles ahead.
    pub fn new(horizon: u64) -> DeliveryWheel {
        let n = (horizon + 2).next_power_of_two();
        DeliveryWheel {
            mask: n - 1,
            slots: vec![Vec::new(); n as usize],
            len: 0,
        }
    }
    /// The longest distance ahead a delivery may be scheduled.
    pub fn horizon(&self) -> u64 {
        self.mask - 1
    }
    #[inline(always)]
    pub fn push(&mut self, due: u64, d: Delivery) {
        self.slots[(due & self.mask) as usize].push(d);
        self.len += 1;
    }
    /// Takes the deliveries due in cycle `now` (give the vector back with [`Self::restore`]).
    #[inline(always)]
    pub fn take(&mut self, now: u64) -> Vec<Delivery> {
        let v = std::mem::take(&mut self.slots[(now & self.mask) as usize]);
        self.len -= v.len();
        v
    }
    /// Returns an emptied vector to the slot of `now`, keeping its capacity.
    #[inline(always)]
    pub fn restore(&mut self, now: u64, mut v: Vec<Delivery>) {
        v.clear();
        let s = &mut self.slots[(now & self.mask) as usize];
        if s.is_empty() && s.capacity() < v.capacity() {
            *s = v;
        }
    }
    /// Whether anything is due in cycle `c`.
    #[inline(always)]
    pub fn has_due(&self, c: u64) -> bool {
        !self.slots[(c & self.mask) as usize].is_empty()
    }
    /// Deliveries in flight.
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Every delivery in flight with its slot position (not its cycle).
    pub fn iter(&self) -> impl Iterator<Item = &Delivery> + '_ {
        self.slots.iter().flatten()
    }
    /// Every delivery in flight with the cycle it is due, given the current cycle `now`.
    pub fn iter_due(&self, now: u64) -> impl Iterator<Item = (u64, &Delivery)> + '_ {
        (0..=self.mask).flat_map(move |d| {
            let c = now + d;
            self.slots[(c & self.mask) as usize]
                .iter()
                .map(move |x| (c, x))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_timing_matches_booksim() {
        let c = Channel::new(
            Endpoint::Router { router: 0, port: 0 },
            Endpoint::Router { router: 1, port: 1 },
            1,
            1,
            0,
            None,
        );
        assert_eq!(c.flit_due(10), 12);
        assert_eq!(c.flit_sent(12), 10);
        assert_eq!(c.credit_due(10), 12);
        let narrow = Channel::new(Endpoint::Ni(0), Endpoint::Ni(1), 2, 3, 1, None);
        assert_eq!(narrow.flit_due(0), 5);
        assert_eq!(narrow.credit_due(0), 4);
        assert_eq!(narrow.max_delay_cycles(), 5);
    }

    #[test]
    fn wheel_delivers_in_due_cycle() {
        let mut w = DeliveryWheel::new(5);
        assert!(w.horizon() >= 5);
        let d = |c| Delivery {
            channel: c,
            credit: false,
            flit: Flit::new(0, true, true, 0),
        };
        w.push(7, d(1));
        w.push(7, d(2));
        w.push(9, d(3));
        assert_eq!(w.len(), 3);
        assert!(!w.has_due(8) && w.has_due(9));
        assert_eq!(
            w.iter_due(7).map(|(c, _)| c).collect::<Vec<_>>(),
            vec![7, 7, 9]
        );
        let v = w.take(7);
        assert_eq!(v.iter().map(|x| x.channel).collect::<Vec<_>>(), vec![1, 2]);
        w.restore(7, v);
        assert_eq!(w.len(), 1);
        assert!(!w.has_due(7));
    }
}
