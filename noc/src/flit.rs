//! Flits and packets. A [`Flit`] is a small `Copy` value (packet id, head/tail, VC) that moves
//! through buffers and channels; everything about its packet (endpoints, times, hop count) lives
//! once in a [`PacketSlab`] entry, so nothing is allocated per flit.

use moesim_core::NodeId;

/// Index of a packet in the [`PacketSlab`].
pub type PacketId = u32;

const HEAD: u8 = 1;
const TAIL: u8 = 2;

/// One flow-control unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flit {
    pub packet: PacketId,
    /// The VC the flit occupies on the channel it travels on (set by VC allocation).
    pub vc: u8,
    kind: u8,
}

impl Flit {
    pub const fn new(packet: PacketId, head: bool, tail: bool, vc: u8) -> Flit {
        Flit {
            packet,
            vc,
            kind: (head as u8 * HEAD) | (tail as u8 * TAIL),
        }
    }
    #[inline]
    pub const fn is_head(self) -> bool {
        self.kind & HEAD != 0
    }
    #[inline]
    pub const fn is_tail(self) -> bool {
        self.kind & TAIL != 0
    }
    /// The same flit on VC `vc`.
    #[inline]
    pub const fn on_vc(self, vc: u8) -> Flit {
        Flit { vc, ..self }
    }
}

/// What is known about a packet while its flits are in the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet {
    pub src: NodeId,
    pub dst: NodeId,
    pub flits: u32,
    /// The cycle the packet was created (BookSim's `ctime`; with source queueing excluded, the
    /// cycle it was generated).
    pub created_cycle: u64,
    /// The cycle the head flit entered the network (BookSim's head `itime`).
    pub injected_cycle: u64,
    /// The caller's tag (external packets).
    pub tag: u64,
    /// Routers traversed by the head so far.
    pub hops: u32,
    /// Counted in the measurement (BookSim's `record`).
    pub measured: bool,
    /// Injected through [`crate::network::FlitNetwork::inject`] (reported as delivered).
    pub external: bool,
}

/// Packets in flight, with slot reuse.
#[derive(Clone, Debug, Default)]
pub struct PacketSlab {
    slots: Vec<Packet>,
    free: Vec<PacketId>,
    live: usize,
}

impl PacketSlab {
    pub fn new() -> PacketSlab {
        PacketSlab::default()
    }
    /// Stores `p` and returns its id.
    pub fn insert(&mut self, p: Packet) -> PacketId {
        self.live += 1;
        match self.free.pop() {
            Some(id) => {
                self.slots[id as usize] = p;
                id
            }
            None => {
                self.slots.push(p);
                (self.slots.len() - 1) as PacketId
            }
        }
    }
    /// Frees `id` and returns its packet.
    pub fn remove(&mut self, id: PacketId) -> Packet {
        debug_assert!(self.live > 0);
        self.live -= 1;
        self.free.push(id);
        self.slots[id as usize]
    }
    #[inline]
    pub fn get(&self, id: PacketId) -> &Packet {
        &self.slots[id as usize]
    }
    #[inline]
    pub fn get_mut(&mut self, id: PacketId) -> &mut Packet {
        &mut self.slots[id as usize]
    }
    /// Packets stored (created and not yet fully delivered).
    pub fn live(&self) -> usize {
        self.live
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkt(tag: u64) -> Packet {
        Packet {
            src: NodeId(0),
            dst: NodeId(1),
            flits: 2,
            created_cycle: 0,
            injected_cycle: 0,
            tag,
            hops: 0,
            measured: false,
            external: true,
        }
    }

    #[test]
    fn flit_kind_bits() {
        let f = Flit::new(7, true, false, 2);
        assert!(f.is_head() && !f.is_tail());
        let g = f.on_vc(3);
        assert_eq!((g.vc, g.packet, g.is_head()), (3, 7, true));
        assert!(Flit::new(0, true, true, 0).is_tail());
        assert_eq!(std::mem::size_of::<Flit>(), 8);
    }

    #[test]
    fn slab_reuses_slots() {
        let mut s = PacketSlab::new();
        let a = s.insert(pkt(1));
        let b = s.insert(pkt(2));
        assert_eq!(s.live(), 2);
        assert_eq!(s.remove(a).tag, 1);
        let c = s.insert(pkt(3));
        assert_eq!(c, a);
        assert_eq!(s.get(b).tag, 2);
        s.get_mut(c).hops = 4;
        assert_eq!(s.get(c).hops, 4);
        assert_eq!(s.live(), 2);
    }
}
