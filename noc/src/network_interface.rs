//! A network interface (NI): the terminal of one node (BookSim's traffic-manager side of a
//! node). It owns the node's source queue (unlimited, packets in creation order), injects at most
//! one flit per cycle into its router's injection port, choosing a VC for each head round-robin
//! among the VCs that are free and have a credit (BookSim's `_last_vc` search), and on ejection
//! accepts every flit at once and returns its credit.

use crate::flit::{Flit, PacketId, PacketSlab};
use crate::router::out_vc_state::OutVcState;
use moesim_core::NodeId;
use std::collections::VecDeque;

/// The network interface of one node.
#[derive(Clone, Debug)]
pub struct NetworkInterface {
    pub node: NodeId,
    /// The channel into the router (flits out, credits back).
    pub inj_channel: u32,
    /// The channel out of the router (flits in, credits back to the router).
    pub ej_channel: u32,
    /// Packets waiting, front first; the front one may be partly injected.
    pub queue: VecDeque<PacketId>,
    /// Flits of the front packet already injected.
    sent_of_front: u32,
    cur_vc: u8,
    last_vc: Option<u8>,
    /// The router's injection-port buffers as seen from here.
    pub out: OutVcState,
    /// Flits queued and not yet injected.
    pub queued_flits: u64,
    /// Next packet arrival of the synthetic source ([`u64::MAX`] if none).
    pub next_arrival: u64,
    /// Whether the NI waits in the network's arrival queue.
    pub in_arrivals: bool,
}

impl NetworkInterface {
    pub fn new(
        node: NodeId,
        inj_channel: u32,
        ej_channel: u32,
        num_vcs: usize,
        depth: u16,
    ) -> NetworkInterface {
        NetworkInterface {
            node,
            inj_channel,
            ej_channel,
            queue: VecDeque::new(),
            sent_of_front: 0,
            cur_vc: 0,
            last_vc: None,
            out: OutVcState::new(num_vcs, depth),
            queued_flits: 0,
            next_arrival: u64::MAX,
            in_arrivals: false,
        }
    }

    /// Queues packet `id` of `flits` flits.
    pub fn enqueue(&mut self, id: PacketId, flits: u32) {
        self.queue.push_back(id);
        self.queued_flits += flits as u64;
    }

    /// Flits of the front packet already injected.
    pub fn sent_of_front(&self) -> u32 {
        self.sent_of_front
    }

    /// The flit to inject this cycle, if the front packet can move: a head needs a free VC with
    /// a credit, a body or tail flit a credit on its packet's VC. Updates the credit state.
    pub fn next_flit(&mut self, packets: &PacketSlab, wait_for_tail_credit: bool) -> Option<Flit> {
        let &id = self.queue.front()?;
        let size = packets.get(id).flits;
        let head = self.sent_of_front == 0;
        let tail = self.sent_of_front + 1 == size;
        if head {
            let n = self.out.num_vcs() as u32;
            let usable = self.out.available_mask() & !self.out.full_mask();
            // BookSim starts from the VC after the last one used; before the first packet it
            // tries VC 0 only.
            let vc = match self.last_vc {
                None => (usable & 1 != 0).then_some(0u8),
                Some(l) => (1..=n)
                    .map(|i| ((l as u32 + i) % n) as u8)
                    .find(|&v| usable & (1 << v) != 0),
            }?;
            self.out.take(vc);
            self.last_vc = Some(vc);
            self.cur_vc = vc;
        } else if self.out.is_full(self.cur_vc) {
            return None;
        }
        self.out.sending(self.cur_vc, tail, wait_for_tail_credit);
        self.sent_of_front += 1;
        self.queued_flits -= 1;
        if tail {
            self.queue.pop_front();
            self.sent_of_front = 0;
        }
        Some(Flit::new(id, head, tail, self.cur_vc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flit::Packet;

    fn packet(flits: u32) -> Packet {
        Packet {
            src: NodeId(0),
            dst: NodeId(1),
            flits,
            created_cycle: 0,
            injected_cycle: 0,
            tag: 0,
            hops: 0,
            measured: false,
            external: false,
        }
    }

    #[test]
    fn injects_one_packet_per_vc_round_robin() {
        let mut slab = PacketSlab::new();
        let mut ni = NetworkInterface::new(NodeId(0), 0, 1, 3, 2);
        for _ in 0..3 {
            let id = slab.insert(packet(2));
            ni.enqueue(id, 2);
        }
        let mut vcs = Vec::new();
        while let Some(f) = ni.next_flit(&slab, false) {
            vcs.push((f.vc, f.is_head(), f.is_tail()));
        }
        // Every VC holds 2 slots: packets go to VCs 0, 1, 2 (round robin after the first).
        assert_eq!(
            vcs,
            vec![
                (0, true, false),
                (0, false, true),
                (1, true, false),
                (1, false, true),
                (2, true, false),
                (2, false, true)
            ]
        );
        assert_eq!(ni.queued_flits, 0);
        assert!(ni.queue.is_empty());
    }

    #[test]
    fn body_flits_wait_for_credits() {
        let mut slab = PacketSlab::new();
        let mut ni = NetworkInterface::new(NodeId(0), 0, 1, 1, 1);
        let id = slab.insert(packet(2));
        ni.enqueue(id, 2);
        assert!(ni.next_flit(&slab, false).unwrap().is_head());
        assert!(ni.next_flit(&slab, false).is_none());
        ni.out.credit(0, false);
        assert!(ni.next_flit(&slab, false).unwrap().is_tail());
    }
}
