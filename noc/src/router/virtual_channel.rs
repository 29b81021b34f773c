//! One input virtual channel: its state in the router pipeline (BookSim's `VC`: idle, routing,
//! vc_alloc, active), the route chosen for the packet at its front, the output VC it holds, and
//! the first cycles its next allocation attempts may run. The flits themselves sit in the input
//! units' buffer. Results of multi-cycle allocation waiting to take effect are kept apart
//! ([`PendingAlloc`]), so the state visited every cycle fits in 32 bytes.

/// "Not scheduled" for the `*_done` cycles.
pub const NEVER: u64 = u64::MAX;
/// "No VC" for grants.
pub const NO_VC: u8 = u8::MAX;
/// "No port" for grants and routes.
pub const NO_PORT: u16 = u16::MAX;

/// The pipeline state of an input VC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum VcState {
    /// Empty, no packet.
    Idle,
    /// The head flit is in route computation.
    Routing,
    /// The head flit waits for an output VC.
    VcAlloc,
    /// The packet holds an output VC; its flits compete for the switch.
    Active,
}

/// The output port and inclusive VC range a packet may use next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub port: u16,
    pub vc_lo: u8,
    pub vc_hi: u8,
}

impl Route {
    pub const NONE: Route = Route {
        port: NO_PORT,
        vc_lo: 0,
        vc_hi: 0,
    };
    /// The VC range as a bit mask.
    #[inline]
    pub fn vc_mask(self) -> u64 {
        let n = (self.vc_hi - self.vc_lo) as u32 + 1;
        let ones = if n >= 64 { !0 } else { (1u64 << n) - 1 };
        ones << self.vc_lo
    }
}

/// The state of one input VC.
#[derive(Clone, Copy, Debug)]
pub struct VirtualChannel {
    /// First cycle the next switch allocation attempt may run.
    pub sa_ready: u64,
    /// First cycle the next VC allocation attempt may run.
    pub va_ready: u64,
    /// The route of the packet at the front (valid from the end of route computation).
    pub route: Route,
    /// The output port and VC held while active.
    pub out_port: u16,
    pub out_vc: u8,
    pub state: VcState,
    /// Ring-buffer position of the front flit and number of flits.
    pub head: u16,
    pub len: u16,
}

impl Default for VirtualChannel {
    fn default() -> Self {
        VirtualChannel {
            sa_ready: 0,
            va_ready: 0,
            route: Route::NONE,
            out_port: NO_PORT,
            out_vc: NO_VC,
            state: VcState::Idle,
            head: 0,
            len: 0,
        }
    }
}

/// Allocation results waiting to take effect (`vc_alloc_delay` or `sw_alloc_delay` > 1).
#[derive(Clone, Copy, Debug)]
pub struct PendingAlloc {
    /// Cycle a pending VC allocation result takes effect ([`NEVER`] if none).
    pub va_done: u64,
    /// The output VC granted by it ([`NO_VC`] if it failed).
    pub va_grant: u8,
    /// Cycle a pending switch allocation result takes effect ([`NEVER`] if none).
    pub sa_done: u64,
    /// The output port granted by it ([`NO_PORT`] if it failed).
    pub sa_grant: u16,
}

impl Default for PendingAlloc {
    fn default() -> Self {
        PendingAlloc {
            va_done: NEVER,
            va_grant: NO_VC,
            sa_done: NEVER,
            sa_grant: NO_PORT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vc_masks_and_size() {
        let r = |lo, hi| Route {
            port: 0,
            vc_lo: lo,
            vc_hi: hi,
        };
        assert_eq!(r(0, 3).vc_mask(), 0b1111);
        assert_eq!(r(2, 2).vc_mask(), 0b100);
        assert_eq!(r(0, 63).vc_mask(), !0);
        assert_eq!(r(1, 63).vc_mask(), !1);
        assert_eq!(std::mem::size_of::<VirtualChannel>(), 32);
    }
}
