//! An output port: the channel it drives, the state of the downstream input VCs
//! ([`OutVcState`]), and when its channel can take the next flit (a link narrower than a flit is
//! busy for `cycles_per_flit` cycles per flit).

use super::out_vc_state::OutVcState;
use moesim_core::LinkId;

/// One output port of a router.
#[derive(Clone, Debug)]
pub struct OutputUnit {
    /// The channel this port drives (`None` for an unconnected or failed port).
    pub channel: Option<u32>,
    /// The topology link behind the channel (router-to-router channels only).
    pub link: Option<LinkId>,
    pub vcs: OutVcState,
    pub cycles_per_flit: u32,
    /// The first cycle the channel is free for another flit.
    next_send_ok: u64,
    /// Flits sent (since the last statistics reset).
    pub flits_out: u64,
}

impl OutputUnit {
    pub fn new(
        channel: Option<u32>,
        link: Option<LinkId>,
        cycles_per_flit: u32,
        vcs: OutVcState,
    ) -> OutputUnit {
        OutputUnit {
            channel,
            link,
            vcs,
            cycles_per_flit: cycles_per_flit.max(1),
            next_send_ok: 0,
            flits_out: 0,
        }
    }
    /// Whether a flit leaving the crossbar in cycle `send_at` finds the channel free.
    #[inline(always)]
    pub fn can_send(&self, send_at: u64) -> bool {
        send_at >= self.next_send_ok
    }
    /// Books the channel for a flit sent in cycle `send_at`.
    #[inline(always)]
    pub fn reserve(&mut self, send_at: u64) {
        debug_assert!(self.can_send(send_at));
        self.next_send_ok = send_at + self.cycles_per_flit as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_link_spaces_flits() {
        let mut o = OutputUnit::new(Some(0), None, 3, OutVcState::new(1, 4));
        assert!(o.can_send(5));
        o.reserve(5);
        assert!(!o.can_send(7));
        assert!(o.can_send(8));
    }
}
