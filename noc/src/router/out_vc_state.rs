//! What an upstream sender knows of the input buffers at the other end of its channel (BookSim's
//! `BufferState`, private buffers): per VC the flits sent and not yet credited back (occupancy),
//! whether a packet holds the VC, and whether that packet's tail has been sent. Used by a router's
//! output units and by a network interface for the router's injection port.

/// The most VCs per channel.
pub const MAX_VCS: usize = 64;

/// Downstream VC state of one channel (stored inline: no pointer to follow).
#[derive(Clone, Debug)]
pub struct OutVcState {
    busy: u64,
    full: u64,
    tail_sent: u64,
    depth: u16,
    vcs: u16,
    occupancy: [u16; MAX_VCS],
}

impl OutVcState {
    pub fn new(num_vcs: usize, depth: u16) -> OutVcState {
        debug_assert!(num_vcs <= MAX_VCS);
        OutVcState {
            busy: 0,
            full: 0,
            tail_sent: 0,
            depth,
            vcs: num_vcs.min(MAX_VCS) as u16,
            occupancy: [0; MAX_VCS],
        }
    }
    /// VCs not held by a packet (BookSim's `IsAvailableFor`).
    #[inline(always)]
    pub fn available_mask(&self) -> u64 {
        !self.busy
    }
    #[inline(always)]
    pub fn is_available(&self, vc: u8) -> bool {
        self.busy & (1 << vc) == 0
    }
    /// VCs with no free slot (BookSim's `IsFullFor`).
    #[inline(always)]
    pub fn full_mask(&self) -> u64 {
        self.full
    }
    #[inline(always)]
    pub fn is_full(&self, vc: u8) -> bool {
        self.full & (1 << vc) != 0
    }
    pub fn occupancy(&self, vc: u8) -> u16 {
        self.occupancy[(vc & 63) as usize]
    }
    pub fn depth(&self) -> u16 {
        self.depth
    }
    pub fn num_vcs(&self) -> usize {
        self.vcs as usize
    }
    /// Free slots summed over the VCs of `mask`.
    pub fn free_slots(&self, mask: u64) -> u32 {
        crate::router::allocator::bits(&[mask])
            .filter(|&v| v < self.vcs as usize)
            .map(|v| (self.depth - self.occupancy[v]) as u32)
            .sum()
    }
    /// A packet takes VC `vc` (VC allocation).
    #[inline(always)]
    pub fn take(&mut self, vc: u8) {
        debug_assert!(self.is_available(vc), "VC {vc} taken while in use");
        self.busy |= 1 << vc;
        self.tail_sent &= !(1 << vc);
    }
    /// A flit is sent on `vc`. Without `wait_for_tail_credit` the VC is free again as soon as the
    /// tail has been sent; with it, once the tail's credit has come back.
    #[inline(always)]
    pub fn sending(&mut self, vc: u8, tail: bool, wait_for_tail_credit: bool) {
        let o = &mut self.occupancy[(vc & 63) as usize];
        debug_assert!(*o < self.depth, "buffer overflow on VC {vc}");
        *o += 1;
        if *o >= self.depth {
            self.full |= 1 << vc;
        }
        if tail {
            self.tail_sent |= 1 << vc;
            if !wait_for_tail_credit {
                self.busy &= !(1 << vc);
            }
        }
    }
    /// A credit for `vc` came back.
    #[inline(always)]
    pub fn credit(&mut self, vc: u8, wait_for_tail_credit: bool) {
        let o = &mut self.occupancy[(vc & 63) as usize];
        debug_assert!(*o > 0, "credit for VC {vc} with nothing outstanding");
        *o = o.saturating_sub(1);
        self.full &= !(1 << vc);
        if wait_for_tail_credit && *o == 0 && self.tail_sent & (1 << vc) != 0 {
            self.busy &= !(1 << vc);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vc_released_at_tail_or_tail_credit() {
        for wait in [false, true] {
            let mut s = OutVcState::new(2, 2);
            s.take(1);
            assert!(!s.is_available(1));
            s.sending(1, false, wait);
            s.sending(1, true, wait);
            assert!(s.is_full(1));
            assert_eq!(s.is_available(1), !wait);
            s.credit(1, wait);
            assert!(!s.is_full(1));
            assert_eq!(s.is_available(1), !wait);
            s.credit(1, wait);
            assert!(s.is_available(1));
            assert_eq!(s.occupancy(1), 0);
            assert_eq!(s.free_slots(0b11), 4);
        }
    }
}
