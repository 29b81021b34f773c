//! The NMP mesh in the network tiers' units: an X x Y mesh of one router per node, and the
//! [`NetworkParams`] under which its links carry the configured GB/s and ns per hop.
//!
//! At clock period `T`, a one-cycle-per-flit link of `flit_bytes` carries `flit_bytes / T`, so
//! the flit width is `bandwidth x T` rounded (50 GB/s at 1 GHz: 50-byte flits, exact). The hop
//! latency is the link's `latency_cycles` (the router pipeline is folded into it: 0 router
//! cycles), at least one cycle. Endpoints are unlimited: HD-MoE's link scheduler charges only
//! links.

use crate::links::LinkPhysical;
use moesim_core::{Bandwidth, ClockDomain, Error, MeshShape, Result, Tick};
use moesim_noc::config::TopologyConfig;
use moesim_noc::tier::{EndpointBandwidth, NetworkParams};
use moesim_noc::topology::{Topology, build};

/// Largest relative error accepted between the configured link bandwidth and the realised one.
pub const MAX_BANDWIDTH_ERROR: f64 = 0.01;

/// An NMP mesh in the tiers' units.
#[derive(Clone, Debug)]
pub struct NmpNetwork {
    /// The `[topology]` section that builds [`topology`](Self::topology).
    pub topology_config: TopologyConfig,
    pub topology: Topology,
    pub params: NetworkParams,
    /// The link as the tiers realise it.
    pub realised: LinkPhysical,
}

/// Builds the mesh of `shape` with links of `link` at `clock_ghz` (validated numbers, from
/// `origin`).
pub fn build_network(
    shape: MeshShape,
    link: LinkPhysical,
    clock_ghz: f64,
    origin: &str,
) -> Result<NmpNetwork> {
    let clock = ClockDomain::from_ghz(clock_ghz);
    let period_ps = clock.period_ps as f64;
    let exact = link.bandwidth.bytes_per_s * period_ps / Tick::PS_PER_S as f64;
    let flit = exact.round().clamp(1.0, f64::from(u32::MAX));
    let err = (flit - exact).abs() / exact;
    if err > MAX_BANDWIDTH_ERROR {
        return Err(Error::config(
            origin,
            "link.bandwidth_gbytes_per_s",
            format!(
                "{} GB/s is {exact:.3} bytes per cycle at {clock_ghz} GHz: whole-byte flits would \
                 be {:.2}% off",
                link.bandwidth.gbytes_per_s(),
                err * 100.0
            ),
        )
        .allowed(format!(
            "at least {:.0} GB/s at this clock, or a lower network_clock_ghz",
            50.0 / (period_ps / 1e3)
        )));
    }
    let latency_cycles = ((link.latency.as_ps() as f64 / period_ps).round()).clamp(1.0, 1e9) as u32;
    let topology_config = TopologyConfig::Mesh {
        x: shape.x,
        y: shape.y,
        concentration: 1,
        link_latency_cycles: latency_cycles,
    };
    let topology = build(&topology_config, origin)?;
    let mut params = NetworkParams::new(clock, flit as u32);
    params.router_delay_cycles = 0;
    params.endpoint = EndpointBandwidth::Unlimited;
    let realised = LinkPhysical::new(
        Bandwidth {
            bytes_per_s: flit / period_ps * Tick::PS_PER_S as f64,
        },
        clock.cycles_to_ticks(u64::from(latency_cycles)),
    );
    Ok(NmpNetwork {
        topology_config,
        topology,
        params,
        realised,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(gbps: f64, ns: f64) -> LinkPhysical {
        LinkPhysical::new(Bandwidth::from_gbytes_per_s(gbps), Tick::from_ns(ns))
    }

    #[test]
    fn hdmoe_links_are_exact() {
        for gbps in [75.0, 50.0, 25.0] {
            let n = build_network(MeshShape::new(4, 8), link(gbps, 5.0), 1.0, "t").unwrap();
            assert_eq!(n.realised, link(gbps, 5.0));
            let l = &n.topology.links[0];
            assert!((n.params.link_bandwidth(l).gbytes_per_s() - gbps).abs() < 1e-9);
            assert_eq!(n.params.hop_latency(l), Tick::from_ns(5.0));
        }
    }

    #[test]
    fn slow_links_need_a_slower_clock() {
        // 25 Gb/s = 3.125 GB/s: 3 bytes per cycle at 1 GHz is 4% off; 25 bytes at 125 MHz.
        let e = build_network(MeshShape::new(2, 2), link(3.125, 100.0), 1.0, "n.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("link.bandwidth_gbytes_per_s") && e.contains("network_clock_ghz"),
            "{e}"
        );
        let n = build_network(MeshShape::new(2, 2), link(3.125, 100.0), 0.125, "n.toml").unwrap();
        assert_eq!(n.params.flit_bytes, 25);
        assert_eq!(n.realised, link(3.125, 104.0));
    }
}
