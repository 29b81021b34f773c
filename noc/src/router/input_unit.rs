//! The input units of a router: for every input port, its virtual channels and their flit
//! buffers (`vc_buf_size` flits each, private per VC as BookSim's default buffer policy), plus
//! bit masks of the VCs in each state so the allocators visit only VCs with work. The VCs of all
//! ports sit in one array, indexed `port << vshift | vc` (see
//! [`super::vc_allocator::vc_shift`]), and their flits in another, so a router's state is a few
//! contiguous blocks.

use super::virtual_channel::{VcState, VirtualChannel};
use crate::flit::Flit;

/// The input ports of one router.
#[derive(Clone, Debug)]
pub struct InputUnits {
    vshift: u32,
    depth: usize,
    /// Per VC index.
    pub vcs: Vec<VirtualChannel>,
    buf: Vec<Flit>,
    /// Per port: VCs holding at least one flit.
    pub nonempty: Vec<u64>,
    /// Per port: VCs in [`VcState::VcAlloc`].
    pub vcalloc: Vec<u64>,
    /// Per port: VCs in [`VcState::Active`].
    pub active: Vec<u64>,
    /// Per port: the channel whose flits arrive there (`None` for an unconnected port).
    pub channel: Vec<Option<u32>>,
    /// Per port: flits received since construction.
    pub flits_in: Vec<u64>,
}

impl InputUnits {
    pub fn new(channels: Vec<Option<u32>>, vshift: u32, depth: u16) -> InputUnits {
        let p = channels.len();
        let n = p << vshift;
        InputUnits {
            vshift,
            depth: depth as usize,
            vcs: vec![VirtualChannel::default(); n],
            buf: vec![Flit::new(0, false, false, 0); n * depth as usize],
            nonempty: vec![0; p],
            vcalloc: vec![0; p],
            active: vec![0; p],
            channel: channels,
            flits_in: vec![0; p],
        }
    }
    /// Number of ports.
    #[inline(always)]
    pub fn ports(&self) -> usize {
        self.channel.len()
    }
    /// The VC index of VC `v` of `port`.
    #[inline(always)]
    pub fn index(&self, port: usize, v: usize) -> usize {
        (port << self.vshift) | v
    }

    /// Appends `f` to VC `v` of `port`; returns whether the VC was empty before.
    #[inline(always)]
    pub fn push(&mut self, port: usize, v: usize, f: Flit) -> bool {
        let d = self.depth;
        let idx = (port << self.vshift) | v;
        let vc = &mut self.vcs[idx];
        debug_assert!((vc.len as usize) < d, "input buffer overflow on VC {v}");
        let mut slot = vc.head as usize + vc.len as usize;
        if slot >= d {
            slot -= d;
        }
        self.buf[idx * d + slot] = f;
        vc.len += 1;
        self.nonempty[port] |= 1 << v;
        vc.len == 1
    }

    /// Removes and returns the front flit of VC `v` of `port`.
    #[inline(always)]
    pub fn pop(&mut self, port: usize, v: usize) -> Flit {
        let d = self.depth;
        let idx = (port << self.vshift) | v;
        let vc = &mut self.vcs[idx];
        debug_assert!(vc.len > 0);
        let f = self.buf[idx * d + vc.head as usize];
        vc.head = if vc.head as usize + 1 == d { 0 } else { vc.head + 1 };
        vc.len -= 1;
        if vc.len == 0 {
            self.nonempty[port] &= !(1 << v);
        }
        f
    }

    /// The front flit of VC index `idx` (which must be non-empty).
    #[inline(always)]
    pub fn front(&self, idx: usize) -> Flit {
        debug_assert!(self.vcs[idx].len > 0);
        self.buf[idx * self.depth + self.vcs[idx].head as usize]
    }

    /// The flits of VC index `idx`, front first.
    pub fn flits(&self, idx: usize) -> impl Iterator<Item = Flit> + '_ {
        let d = self.depth;
        let vc = &self.vcs[idx];
        (0..vc.len as usize).map(move |k| self.buf[idx * d + (vc.head as usize + k) % d])
    }

    /// Moves VC `v` of `port` to `state`, keeping the masks in step.
    #[inline(always)]
    pub fn set_state(&mut self, port: usize, v: usize, state: VcState) {
        let b = 1u64 << v;
        match state {
            VcState::VcAlloc => {
                self.vcalloc[port] |= b;
                self.active[port] &= !b;
            }
            VcState::Active => {
                self.active[port] |= b;
                self.vcalloc[port] &= !b;
            }
            VcState::Idle | VcState::Routing => {
                self.vcalloc[port] &= !b;
                self.active[port] &= !b;
            }
        }
        self.vcs[(port << self.vshift) | v].state = state;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_buffer_and_masks() {
        let mut u = InputUnits::new(vec![None, None], 1, 2);
        let idx = u.index(1, 1);
        assert_eq!(idx, 3);
        assert!(u.push(1, 1, Flit::new(1, true, false, 1)));
        assert!(!u.push(1, 1, Flit::new(1, false, true, 1)));
        assert_eq!(u.nonempty[1], 0b10);
        assert_eq!(u.pop(1, 1).packet, 1);
        assert!(!u.push(1, 1, Flit::new(2, true, true, 1)));
        assert_eq!(u.flits(idx).map(|f| f.packet).collect::<Vec<_>>(), vec![1, 2]);
        u.pop(1, 1);
        assert_eq!(u.front(idx).packet, 2);
        u.pop(1, 1);
        assert_eq!(u.nonempty[1], 0);
        u.set_state(0, 0, VcState::VcAlloc);
        assert_eq!(u.vcalloc[0], 1);
        u.set_state(0, 0, VcState::Active);
        assert_eq!((u.vcalloc[0], u.active[0]), (0, 1));
        u.set_state(0, 0, VcState::Idle);
        assert_eq!(u.active[0], 0);
        assert_eq!(u.ports(), 2);
    }
}
