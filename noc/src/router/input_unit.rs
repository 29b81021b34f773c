//! The input units of a router: for every input port, its virtual channels and their flit
//! buffers (`vc_buf_size` flits each, private per VC as BookSim's default buffer policy).
//!
//! Per-VC fields are arrays over all VCs of the router, indexed `port << vshift | vc` (see
//! [`super::vc_allocator::vc_shift`]); per-port bit masks say which VCs hold flits, wait for VC
//! allocation, or are active, so the allocators visit only VCs with work.

use super::virtual_channel::{NO_PORT, NO_VC, Route, VcState};
use crate::flit::Flit;

/// The input ports of one router.
#[derive(Clone, Debug)]
pub struct InputUnits {
    vshift: u32,
    depth: usize,
    /// Per VC index: pipeline state, route, output port and VC held, ring buffer position.
    pub state: Vec<VcState>,
    pub route: Vec<Route>,
    pub out_port: Vec<u16>,
    pub out_vc: Vec<u8>,
    head: Vec<u16>,
    len: Vec<u16>,
    buf: Vec<Flit>,
    /// Per port: VCs holding at least one flit.
    pub nonempty: Vec<u64>,
    /// Per port: VCs in [`VcState::VcAlloc`].
    pub vcalloc: Vec<u64>,
    /// Per port: VCs in [`VcState::Active`].
    pub active: Vec<u64>,
    /// Bit per port: ports with a VC in VC allocation / with an active VC holding flits.
    va_ports: Vec<u64>,
    sa_ports: Vec<u64>,
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
            state: vec![VcState::Idle; n],
            route: vec![Route::NONE; n],
            out_port: vec![NO_PORT; n],
            out_vc: vec![NO_VC; n],
            head: vec![0; n],
            len: vec![0; n],
            buf: vec![Flit::new(0, false, false, 0); n * depth as usize],
            nonempty: vec![0; p],
            vcalloc: vec![0; p],
            active: vec![0; p],
            va_ports: vec![0; p.div_ceil(64).max(1)],
            sa_ports: vec![0; p.div_ceil(64).max(1)],
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
    /// Flits in VC index `idx`.
    #[inline(always)]
    pub fn len(&self, idx: usize) -> usize {
        self.len[idx] as usize
    }

    /// Appends `f` to VC `v` of `port`; returns whether the VC was empty before.
    #[inline(always)]
    pub fn push(&mut self, port: usize, v: usize, f: Flit) -> bool {
        let d = self.depth;
        let idx = (port << self.vshift) | v;
        let len = self.len[idx] as usize;
        debug_assert!(len < d, "input buffer overflow on VC {v}");
        let mut slot = self.head[idx] as usize + len;
        if slot >= d {
            slot -= d;
        }
        self.buf[idx * d + slot] = f;
        self.len[idx] = len as u16 + 1;
        if len == 0 {
            // Only an empty VC becoming non-empty changes the port summaries.
            self.nonempty[port] |= 1 << v;
            self.refresh(port);
        }
        len == 0
    }

    /// Removes and returns the front flit of VC `v` of `port`; also returns how many remain.
    #[inline(always)]
    pub fn pop(&mut self, port: usize, v: usize) -> (Flit, usize) {
        let d = self.depth;
        let idx = (port << self.vshift) | v;
        debug_assert!(self.len[idx] > 0);
        let h = self.head[idx] as usize;
        let f = self.buf[idx * d + h];
        self.head[idx] = if h + 1 == d { 0 } else { h as u16 + 1 };
        let left = self.len[idx] - 1;
        self.len[idx] = left;
        if left == 0 {
            self.nonempty[port] &= !(1 << v);
            self.refresh(port);
        }
        (f, left as usize)
    }

    /// The front flit of VC index `idx` (which must be non-empty).
    #[inline(always)]
    pub fn front(&self, idx: usize) -> Flit {
        debug_assert!(self.len[idx] > 0);
        self.buf[idx * self.depth + self.head[idx] as usize]
    }

    /// The flits of VC index `idx`, front first.
    pub fn flits(&self, idx: usize) -> impl Iterator<Item = Flit> + '_ {
        let d = self.depth;
        let (h, n) = (self.head[idx] as usize, self.len[idx] as usize);
        (0..n).map(move |k| self.buf[idx * d + (h + k) % d])
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
        self.state[(port << self.vshift) | v] = state;
        self.refresh(port);
    }

    /// Updates the port summaries of `port`.
    #[inline(always)]
    fn refresh(&mut self, port: usize) {
        let (w, b) = (port / 64, 1u64 << (port % 64));
        if self.vcalloc[port] != 0 {
            self.va_ports[w] |= b;
        } else {
            self.va_ports[w] &= !b;
        }
        if self.active[port] & self.nonempty[port] != 0 {
            self.sa_ports[w] |= b;
        } else {
            self.sa_ports[w] &= !b;
        }
    }
    /// Ports with a VC waiting for VC allocation, as bit words.
    #[inline(always)]
    pub fn va_ports(&self) -> &[u64] {
        &self.va_ports
    }
    /// Ports with an active VC holding flits, as bit words.
    #[inline(always)]
    pub fn sa_ports(&self) -> &[u64] {
        &self.sa_ports
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
        assert_eq!(u.pop(1, 1), (Flit::new(1, true, false, 1), 1));
        assert!(!u.push(1, 1, Flit::new(2, true, true, 1)));
        assert_eq!(
            u.flits(idx).map(|f| f.packet).collect::<Vec<_>>(),
            vec![1, 2]
        );
        u.pop(1, 1);
        assert_eq!(u.front(idx).packet, 2);
        assert_eq!(u.pop(1, 1).1, 0);
        assert_eq!(u.nonempty[1], 0);
        u.set_state(0, 0, VcState::VcAlloc);
        assert_eq!(u.vcalloc[0], 1);
        assert_eq!((u.va_ports()[0], u.sa_ports()[0]), (1, 0));
        u.set_state(0, 0, VcState::Active);
        assert_eq!((u.vcalloc[0], u.active[0]), (0, 1));
        u.set_state(0, 0, VcState::Idle);
        assert_eq!(u.active[0], 0);
        assert_eq!(u.ports(), 2);
    }
}
