//! Channels and time: delay pipes for flits and credits, and the calendar that wakes the units a
//! delivery is due at.
//!
//! Timing follows BookSim's channels: a flit sent in cycle `t` on a channel of latency `L` is
//! read by the receiver in cycle `t + L + 1` (the channel's output register adds the `+ 1`; the
//! README's "link 1 cycle" plus the receiving router's input stage). A link narrower than a flit
//! (`cycles_per_flit = c > 1`) holds each flit for `c` cycles: it arrives `c - 1` cycles later and
//! the next flit may start only `c` cycles after the previous one. Credits travel back on a wire
//! of latency `credit_latency_cycles` and a router processes them `credit_delay` cycles after
//! they arrive (BookSim's `credit_delay`).

use crate::credit::Credit;
use crate::flit::Flit;
use moesim_core::LinkId;
use std::collections::VecDeque;

/// A FIFO of items each due at a cycle; due cycles never decrease along the FIFO.
#[derive(Clone, Debug)]
pub struct DelayPipe<T> {
    items: VecDeque<(u64, T)>,
}

impl<T: Copy> DelayPipe<T> {
    pub fn with_capacity(n: usize) -> DelayPipe<T> {
        DelayPipe {
            items: VecDeque::with_capacity(n),
        }
    }
    /// Puts `item`, due at cycle `due`.
    #[inline]
    pub fn push(&mut self, due: u64, item: T) {
        debug_assert!(self.items.back().is_none_or(|&(d, _)| d <= due));
        self.items.push_back((due, item));
    }
    /// Takes the front item if it is due at `now` (items are never left past their cycle).
    #[inline]
    pub fn pop_due(&mut self, now: u64) -> Option<T> {
        match self.items.front() {
            Some(&(d, x)) if d <= now => {
                debug_assert_eq!(d, now, "a delivery was missed");
                self.items.pop_front();
                Some(x)
            }
            _ => None,
        }
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    /// The items in flight with their due cycles.
    pub fn iter(&self) -> impl Iterator<Item = &(u64, T)> + '_ {
        self.items.iter()
    }
}

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
    pub flits: DelayPipe<Flit>,
    pub credits: DelayPipe<Credit>,
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
        let depth = (latency_cycles + cycles_per_flit + 2) as usize;
        Channel {
            flits: DelayPipe::with_capacity(depth),
            credits: DelayPipe::with_capacity(depth + credit_process_cycles as usize),
            src,
            dst,
            latency_cycles,
            cycles_per_flit: cycles_per_flit.max(1),
            credit_latency_cycles: latency_cycles,
            credit_process_cycles,
            link,
        }
    }
    /// Sends `f` in cycle `now`; returns the cycle the receiver reads it.
    #[inline]
    pub fn send_flit(&mut self, now: u64, f: Flit) -> u64 {
        let due = now + self.latency_cycles as u64 + self.cycles_per_flit as u64;
        self.flits.push(due, f);
        due
    }
    /// Sends a credit for `vc` in cycle `now`; returns the cycle the sender processes it.
    #[inline]
    pub fn send_credit(&mut self, now: u64, vc: u8) -> u64 {
        let due = now + self.credit_latency_cycles as u64 + 1 + self.credit_process_cycles as u64;
        self.credits.push(due, Credit { vc });
        due
    }
    /// The longest delay, in cycles, between sending something on this channel and its use.
    pub fn max_delay_cycles(&self) -> u64 {
        (self.latency_cycles + self.cycles_per_flit)
            .max(self.credit_latency_cycles + 1 + self.credit_process_cycles) as u64
    }
}

/// A calendar of wake-ups: for each of the next `W` cycles, the set of unit ids (routers or NIs)
/// that have something due. Ids come back in ascending order, so the order units are processed
/// in never depends on the order events were scheduled in.
#[derive(Clone, Debug)]
pub struct Calendar {
    mask: u64,
    words: usize,
    bits: Vec<u64>,
}

impl Calendar {
    /// A calendar for `ids` units that accepts wake-ups up to `horizon` cycles ahead.
    pub fn new(ids: usize, horizon: u64) -> Calendar {
        let slots = (horizon + 2).next_power_of_two();
        let words = ids.div_ceil(64).max(1);
        Calendar {
            mask: slots - 1,
            words,
            bits: vec![0; slots as usize * words],
        }
    }
    /// The longest distance ahead a wake-up may be scheduled.
    pub fn horizon(&self) -> u64 {
        self.mask - 1
    }
    pub fn words(&self) -> usize {
        self.words
    }
    #[inline]
    pub fn schedule(&mut self, cycle: u64, id: u32) {
        let b = (cycle & self.mask) as usize * self.words + id as usize / 64;
        self.bits[b] |= 1 << (id % 64);
    }
    /// The wake-up set of `cycle` (a bit row), to be read and then cleared with [`Self::clear`].
    pub fn slot(&self, cycle: u64) -> &[u64] {
        let b = (cycle & self.mask) as usize * self.words;
        &self.bits[b..b + self.words]
    }
    /// Moves the wake-up set of `cycle` into `out` (OR-ed) and clears it.
    pub fn take_into(&mut self, cycle: u64, out: &mut [u64]) {
        let b = (cycle & self.mask) as usize * self.words;
        for (o, w) in out.iter_mut().zip(&mut self.bits[b..b + self.words]) {
            *o |= *w;
            *w = 0;
        }
    }
    /// Whether nothing is scheduled in any cycle.
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|&w| w == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_timing_matches_booksim() {
        let mut c = Channel::new(
            Endpoint::Router { router: 0, port: 0 },
            Endpoint::Router { router: 1, port: 1 },
            1,
            1,
            0,
            None,
        );
        assert_eq!(c.send_flit(10, Flit::new(0, true, true, 0)), 12);
        assert!(c.flits.pop_due(11).is_none());
        assert!(c.flits.pop_due(12).is_some());
        assert_eq!(c.send_credit(10, 1), 12);
        let mut narrow = Channel::new(Endpoint::Ni(0), Endpoint::Ni(1), 2, 3, 1, None);
        assert_eq!(narrow.send_flit(0, Flit::new(0, true, true, 0)), 5);
        assert_eq!(narrow.send_credit(0, 0), 4);
        assert_eq!(narrow.max_delay_cycles(), 5);
    }

    #[test]
    fn calendar_returns_ids_in_order() {
        let mut cal = Calendar::new(130, 5);
        assert!(cal.horizon() >= 5);
        cal.schedule(7, 129);
        cal.schedule(7, 3);
        cal.schedule(8, 5);
        let mut out = vec![0u64; cal.words()];
        cal.take_into(7, &mut out);
        let ids: Vec<usize> = crate::router::allocator::bits(&out).collect();
        assert_eq!(ids, vec![3, 129]);
        assert!(cal.slot(7).iter().all(|&w| w == 0));
        assert!(!cal.is_empty());
    }
}
