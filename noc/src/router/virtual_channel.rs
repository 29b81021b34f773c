//! Virtual channels: the pipeline state of an input VC (BookSim's `VC`: idle, routing,
//! vc_alloc, active), the route a packet may take, and the results of multi-cycle allocation
//! waiting to take effect. The per-VC fields themselves are stored by the input units as arrays
//! (one entry per VC of the router), so that the allocators, which look at a few fields of many
//! VCs every cycle, read a few contiguous cache lines.

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
    fn vc_masks() {
        let r = |lo, hi| Route {
            port: 0,
            vc_lo: lo,
            vc_hi: hi,
        };
        assert_eq!(r(0, 3).vc_mask(), 0b1111);
        assert_eq!(r(2, 2).vc_mask(), 0b100);
        assert_eq!(r(0, 63).vc_mask(), !0);
        assert_eq!(r(1, 63).vc_mask(), !1);
    }
}
