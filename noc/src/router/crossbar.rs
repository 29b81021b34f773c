//! The crossbar (switch traversal, ST): a flit granted by switch allocation in cycle `t` crosses
//! the switch in `st_prepare_delay + st_final_delay` cycles and leaves on its output channel in
//! cycle `t + delay` (BookSim's crossbar delay). The traversal is booked at grant time: the flit
//! goes straight onto the delivery wheel, due when its receiver reads it, and the link
//! statistics count it in the cycle it leaves.

use crate::flit::Flit;
use crate::link::{Channel, Delivery, DeliveryWheel};
use crate::link_stats::LinkStats;

/// The switch of one router.
#[derive(Clone, Copy, Debug)]
pub struct Crossbar {
    delay_cycles: u64,
}

impl Crossbar {
    pub fn new(delay_cycles: u64) -> Crossbar {
        Crossbar {
            delay_cycles: delay_cycles.max(1),
        }
    }
    /// The cycle a flit granted in cycle `granted` leaves the switch.
    #[inline(always)]
    pub fn leave_cycle(&self, granted: u64) -> u64 {
        granted + self.delay_cycles
    }
    /// Sends `f`, granted in cycle `granted`, through the switch onto channel `id`.
    #[inline(always)]
    pub fn traverse(
        &self,
        granted: u64,
        id: u32,
        chan: &Channel,
        f: Flit,
        wheel: &mut DeliveryWheel,
        link_stats: &mut LinkStats,
    ) {
        let leave = self.leave_cycle(granted);
        wheel.push(
            chan.flit_due(leave),
            Delivery {
                channel: id,
                credit: false,
                flit: f,
            },
        );
        if let Some(l) = chan.link {
            link_stats.record(leave, l);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::Endpoint;
    use moesim_core::LinkId;

    #[test]
    fn flit_leaves_after_the_delay_and_is_counted_then() {
        let x = Crossbar::new(2);
        let chan = Channel::new(
            Endpoint::Router { router: 0, port: 0 },
            Endpoint::Router { router: 1, port: 1 },
            1,
            1,
            0,
            Some(LinkId(0)),
        );
        let mut wheel = DeliveryWheel::new(8);
        let mut stats = LinkStats::new(1, 10, 0);
        x.traverse(
            5,
            0,
            &chan,
            Flit::new(1, true, true, 0),
            &mut wheel,
            &mut stats,
        );
        // leaves in 7, read by the next router in 7 + 1 + 1.
        assert!(wheel.has_due(9));
        assert_eq!(stats.total_flits[0], 1);
        assert_eq!(stats.end_cycle, 8);
    }
}
