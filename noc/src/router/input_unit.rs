//! An input port: its virtual channels and their flit buffers (`vc_buf_size` flits each,
//! private per VC as BookSim's default buffer policy), plus bit masks of the VCs in each state so
//! the allocators visit only VCs with work.

use super::virtual_channel::{VcState, VirtualChannel};
use crate::flit::Flit;

/// One input port of a router.
#[derive(Clone, Debug)]
pub struct InputUnit {
    /// The channel whose flits arrive here (`None` for an unconnected port).
    pub channel: Option<u32>,
    pub vcs: Vec<VirtualChannel>,
    buf: Vec<Flit>,
    depth: u16,
    /// VCs holding at least one flit.
    pub nonempty: u64,
    /// VCs in [`VcState::VcAlloc`].
    pub vcalloc: u64,
    /// VCs in [`VcState::Active`].
    pub active: u64,
    /// Flits received (since the last statistics reset).
    pub flits_in: u64,
}

impl InputUnit {
    pub fn new(channel: Option<u32>, num_vcs: usize, depth: u16) -> InputUnit {
        InputUnit {
            channel,
            vcs: vec![VirtualChannel::default(); num_vcs],
            buf: vec![Flit::new(0, false, false, 0); num_vcs * depth as usize],
            depth,
            nonempty: 0,
            vcalloc: 0,
            active: 0,
            flits_in: 0,
        }
    }

    /// Appends `f` to VC `v`; returns whether the VC was empty before.
    #[inline]
    pub fn push(&mut self, v: usize, f: Flit) -> bool {
        let d = self.depth as usize;
        let vc = &mut self.vcs[v];
        debug_assert!(vc.len < self.depth, "input buffer overflow on VC {v}");
        let mut slot = vc.head as usize + vc.len as usize;
        if slot >= d {
            slot -= d;
        }
        self.buf[v * d + slot] = f;
        vc.len += 1;
        self.nonempty |= 1 << v;
        vc.len == 1
    }

    /// Removes and returns the front flit of VC `v`.
    #[inline]
    pub fn pop(&mut self, v: usize) -> Flit {
        let d = self.depth as usize;
        let vc = &mut self.vcs[v];
        debug_assert!(vc.len > 0);
        let f = self.buf[v * d + vc.head as usize];
        vc.head = if vc.head as usize + 1 == d { 0 } else { vc.head + 1 };
        vc.len -= 1;
        if vc.len == 0 {
            self.nonempty &= !(1 << v);
        }
        f
    }

    /// The front flit of VC `v` (which must be non-empty).
    #[inline]
    pub fn front(&self, v: usize) -> Flit {
        let d = self.depth as usize;
        debug_assert!(self.vcs[v].len > 0);
        self.buf[v * d + self.vcs[v].head as usize]
    }

    /// The flits of VC `v`, front first.
    pub fn flits(&self, v: usize) -> impl Iterator<Item = Flit> + '_ {
        let d = self.depth as usize;
        let vc = &self.vcs[v];
        (0..vc.len as usize).map(move |k| self.buf[v * d + (vc.head as usize + k) % d])
    }

    /// Moves VC `v` to `state`, keeping the masks in step.
    #[inline]
    pub fn set_state(&mut self, v: usize, state: VcState) {
        let b = 1u64 << v;
        self.vcalloc &= !b;
        self.active &= !b;
        match state {
            VcState::VcAlloc => self.vcalloc |= b,
            VcState::Active => self.active |= b,
            VcState::Idle | VcState::Routing => {}
        }
        self.vcs[v].state = state;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_buffer_and_masks() {
        let mut u = InputUnit::new(None, 2, 2);
        assert!(u.push(1, Flit::new(1, true, false, 1)));
        assert!(!u.push(1, Flit::new(1, false, true, 1)));
        assert_eq!(u.nonempty, 0b10);
        assert_eq!(u.pop(1).packet, 1);
        assert!(!u.push(1, Flit::new(2, true, true, 1)));
        assert_eq!(u.flits(1).map(|f| f.packet).collect::<Vec<_>>(), vec![1, 2]);
        u.pop(1);
        assert_eq!(u.front(1).packet, 2);
        u.pop(1);
        assert_eq!(u.nonempty, 0);
        u.set_state(0, VcState::VcAlloc);
        assert_eq!(u.vcalloc, 1);
        u.set_state(0, VcState::Active);
        assert_eq!((u.vcalloc, u.active), (0, 1));
        u.set_state(0, VcState::Idle);
        assert_eq!(u.active, 0);
    }
}
