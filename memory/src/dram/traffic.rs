//! Request streams for characterising a device: sequential and uniformly random bursts.

use crate::dram::request::{Access, Request};
use crate::dram::spec::Organization;
use moesim_core::rng_from_seed;
use rand::RngExt;

/// `count` consecutive bursts from byte 0, offered `interval_cycles` apart (0: all at cycle 0,
/// so the queues stay full).
pub fn sequential(
    org: &Organization,
    count: u64,
    access: Access,
    interval_cycles: u64,
) -> Vec<Request> {
    let burst = org.burst_bytes as u64;
    (0..count)
        .map(|i| Request {
            addr: i * burst,
            access,
            arrival_cycle: i * interval_cycles,
        })
        .collect()
}

/// `count` bursts at uniformly random burst-aligned addresses over the whole device.
pub fn random(
    org: &Organization,
    count: u64,
    access: Access,
    interval_cycles: u64,
    seed: u64,
) -> Vec<Request> {
    let burst = org.burst_bytes as u64;
    let bursts = (org.capacity_bytes() / burst).max(1);
    let mut rng = rng_from_seed(seed);
    (0..count)
        .map(|i| Request {
            addr: rng.random_range(0..bursts) * burst,
            access,
            arrival_cycle: i * interval_cycles,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_is_seeded_and_aligned() {
        let org = Organization {
            channels: 2,
            banks_per_channel: 4,
            rows_per_bank: 64,
            row_bytes: 256,
            burst_bytes: 32,
        };
        let a = random(&org, 100, Access::Read, 0, 5);
        assert_eq!(a, random(&org, 100, Access::Read, 0, 5));
        assert_ne!(a, random(&org, 100, Access::Read, 0, 6));
        assert!(
            a.iter()
                .all(|r| r.addr % 32 == 0 && r.addr < org.capacity_bytes())
        );
    }
}
