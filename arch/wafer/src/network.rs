//! The wafer system's network: a `mesh_of_dies` topology with one router per die (the die grid
//! of every wafer, die-to-die links inside a wafer, wafer-to-wafer links between facing edge
//! dies), failed dies, and the [`NetworkParams`] that make the topology's cycle figures
//! reproduce the configured GB/s and ns.

use crate::config::WaferConfig;
use crate::links::{LinkPhysical, WaferLinks};
use crate::quantize::{Quantized, latency_cycles, quantize};
use moesim_core::{Bandwidth, ClockDomain, Coord, Error, MeshShape, Result, Tick};
use moesim_noc::config::{MeshOfDiesConfig, TopologyConfig};
use moesim_noc::tier::{EndpointBandwidth, NetworkParams};
use moesim_noc::topology::{Topology, build};

/// Largest relative error accepted between a configured bandwidth and the one the network tiers
/// realise with whole flits per cycle.
pub const MAX_BANDWIDTH_ERROR: f64 = 0.01;

/// The system-wide die grid of `cfg`.
pub fn die_grid(cfg: &WaferConfig) -> MeshShape {
    let (x, y) = cfg.system_dies();
    MeshShape::new(x, y)
}

/// The wafer holding die `c` (system-wide coordinate), as a position in the wafer grid.
pub fn wafer_coord(cfg: &WaferConfig, c: Coord) -> Coord {
    Coord::new(c.x / cfg.wafer.dies_x, c.y / cfg.wafer.dies_y)
}

/// A wafer system's network in the tiers' units.
#[derive(Clone, Debug)]
pub struct WaferNetwork {
    /// The `mesh_of_dies` section that builds [`topology`](Self::topology).
    pub topology_config: TopologyConfig,
    pub topology: Topology,
    pub params: NetworkParams,
    /// The link figures the tiers realise with `params` (equal to the configured ones when the
    /// bandwidth ratios are whole numbers and latencies whole cycles).
    pub realised: WaferLinks,
}

/// Builds the network of a validated `cfg` (from `origin`).
pub fn build_network(cfg: &WaferConfig, origin: &str) -> Result<WaferNetwork> {
    let clock = ClockDomain::from_ghz(cfg.network_clock_ghz);
    let period_ps = clock.period_ps;
    let per_cycle = |gbytes_per_s: f64| gbytes_per_s * period_ps as f64 / 1e3;
    let mut classes = vec![per_cycle(cfg.d2d.bandwidth_gbytes_per_s)];
    if let Some(w) = &cfg.w2w {
        classes.push(per_cycle(w.bandwidth_gbytes_per_s));
    }
    let q = quantize(
        &classes,
        Some(per_cycle(cfg.die.nic_bandwidth_gbytes_per_s)),
    );
    check_errors(cfg, origin, &q)?;
    let d2d_lat = latency_cycles(Tick::from_ns(cfg.d2d.latency_ns).as_ps(), period_ps);
    let w2w_lat = cfg.w2w.as_ref().map_or(1, |w| {
        latency_cycles(Tick::from_ns(w.latency_ns).as_ps(), period_ps)
    });
    let topology_config = TopologyConfig::MeshOfDies(MeshOfDiesConfig {
        x: cfg.wafer.dies_x,
        y: cfg.wafer.dies_y,
        die_x: 1,
        die_y: 1,
        wafers_x: cfg.system.wafers_x,
        wafers_y: cfg.system.wafers_y,
        concentration: 1,
        link_latency_cycles: 1,
        d2d_latency_cycles: d2d_lat,
        d2d_cycles_per_flit: q.cycles_per_flit[0],
        w2w_latency_cycles: w2w_lat,
        w2w_cycles_per_flit: q.cycles_per_flit.get(1).copied().unwrap_or(1),
        failed_links: Vec::new(),
        failed_routers: Vec::new(),
        failed_dies: cfg.system.failed_dies.clone(),
    });
    let topology = build(&topology_config, origin).map_err(rename_topology_keys)?;
    let mut params = NetworkParams::new(clock, q.flit_bytes);
    params.router_delay_cycles = 0;
    params.endpoint = EndpointBandwidth::FlitsPerCycle {
        flits_per_cycle: q.endpoint_flits_per_cycle.unwrap_or(1),
    };
    let realised_class = |cpf: u32, lat: u32| {
        LinkPhysical::new(
            Bandwidth {
                bytes_per_s: f64::from(q.flit_bytes) / (f64::from(cpf) * period_ps as f64)
                    * Tick::PS_PER_S as f64,
            },
            clock.cycles_to_ticks(u64::from(lat)),
        )
    };
    let realised = WaferLinks {
        d2d: realised_class(q.cycles_per_flit[0], d2d_lat),
        w2w: cfg
            .w2w
            .as_ref()
            .map(|_| realised_class(q.cycles_per_flit[1], w2w_lat)),
        nic: LinkPhysical::new(
            Bandwidth {
                bytes_per_s: params.endpoint_bytes_per_ps().unwrap_or(f64::INFINITY)
                    * Tick::PS_PER_S as f64,
            },
            Tick::ZERO,
        ),
    };
    Ok(WaferNetwork {
        topology_config,
        topology,
        params,
        realised,
    })
}

fn check_errors(cfg: &WaferConfig, origin: &str, q: &Quantized) -> Result<()> {
    let too_far = |key: &str, err: f64, what: &str| {
        Error::config(
            origin,
            key,
            format!(
                "the network tiers would realise it {:.2}% off with {}-byte flits at {} GHz",
                err * 100.0,
                q.flit_bytes,
                cfg.network_clock_ghz
            ),
        )
        .allowed(what.to_string())
    };
    let ratio = "bandwidths whose ratios to the fastest link are close to whole numbers";
    if q.rel_errors[0] > MAX_BANDWIDTH_ERROR {
        return Err(too_far(
            "d2d.bandwidth_gbytes_per_s",
            q.rel_errors[0],
            ratio,
        ));
    }
    if let Some(&e) = q.rel_errors.get(1)
        && e > MAX_BANDWIDTH_ERROR
    {
        return Err(too_far("w2w.bandwidth_gbytes_per_s", e, ratio));
    }
    if q.endpoint_rel_error > MAX_BANDWIDTH_ERROR {
        return Err(too_far(
            "die.nic_bandwidth_gbytes_per_s",
            q.endpoint_rel_error,
            "a whole multiple (>= 1) of the flit bandwidth (the fastest link's GB/s)",
        ));
    }
    Ok(())
}

/// The topology builder names its own keys; failures come from `system.failed_dies` here.
fn rename_topology_keys(e: Error) -> Error {
    match e {
        Error::Config {
            origin,
            key,
            message,
            allowed,
        } => Error::Config {
            origin,
            key: key.replace("topology.failed_dies", "system.failed_dies"),
            message,
            allowed,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(name: &str) -> WaferConfig {
        WaferConfig::preset(name).unwrap()
    }

    #[test]
    fn preset_links_are_reproduced_exactly() {
        let c = cfg("b200_2x2_wafers");
        let n = build_network(&c, "t").unwrap();
        assert_eq!(n.params.flit_bytes, 900);
        assert_eq!(n.params.router_delay_cycles, 0);
        assert_eq!(n.realised.d2d, LinkPhysical::from(&c.d2d));
        assert_eq!(n.realised.w2w, c.w2w.as_ref().map(LinkPhysical::from));
        assert!((n.realised.nic.bandwidth.gbytes_per_s() - 3600.0).abs() < 1e-9);
        for l in &n.topology.links {
            let (bw, lat) = (n.params.link_bandwidth(l), n.params.hop_latency(l));
            let want = match l.kind {
                moesim_noc::topology::LinkKind::WaferToWafer => n.realised.w2w.unwrap(),
                _ => n.realised.d2d,
            };
            assert!((bw.bytes_per_s - want.bandwidth.bytes_per_s).abs() < 1e-3);
            assert_eq!(lat, want.latency);
        }
    }

    #[test]
    fn unrepresentable_nic_is_an_error_naming_the_key() {
        let mut c = cfg("b200_8x8");
        c.die.nic_bandwidth_gbytes_per_s = 450.0;
        let e = build_network(&c, "w.toml").unwrap_err().to_string();
        assert!(
            e.starts_with("w.toml: key `die.nic_bandwidth_gbytes_per_s`"),
            "{e}"
        );
    }

    #[test]
    fn disconnecting_failures_name_the_system_key() {
        let mut c = cfg("b200_8x8");
        c.wafer.dies_y = 1;
        c.system.failed_dies = vec![[3, 0]];
        let e = build_network(&c, "w.toml").unwrap_err().to_string();
        assert!(
            e.contains("system.failed_dies") && e.contains("disconnects"),
            "{e}"
        );
    }
}
