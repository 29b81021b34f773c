//! Physical parameters shared by the network tiers: the clock and flit width that turn a
//! topology's per-link `cycles_per_flit` and `latency_cycles` into bandwidths and latencies.

use crate::config::RouterConfig;
use crate::topology::Link;
use moesim_core::{Bandwidth, ClockDomain, Error, Result, Tick};
use serde::{Deserialize, Serialize};

/// Injection and ejection bandwidth of a node (its terminal channel to the router).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EndpointBandwidth {
    /// `flits_per_cycle` flits per network cycle in each direction (the flit router's terminal
    /// channel carries one).
    FlitsPerCycle { flits_per_cycle: u32 },
    /// No limit: a node injects and ejects as fast as its router's links drain.
    Unlimited,
}

impl Default for EndpointBandwidth {
    fn default() -> Self {
        EndpointBandwidth::FlitsPerCycle { flits_per_cycle: 1 }
    }
}

/// Resolved physical parameters of a network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkParams {
    /// The network clock: links and routers count cycles of this domain.
    pub clock: ClockDomain,
    /// Bytes a one-cycle-per-flit link carries per cycle.
    pub flit_bytes: u32,
    /// Router pipeline cycles charged per hop, on top of the link's `latency_cycles`.
    pub router_delay_cycles: u32,
    /// Largest packet the flit tier cuts a message into, in flits.
    pub max_packet_flits: u32,
    pub endpoint: EndpointBandwidth,
    /// Length of one link-load window.
    pub window: Tick,
}

impl NetworkParams {
    /// A network of `flit_bytes`-wide flits at `clock`, one router cycle per hop, 16-flit
    /// packets, one-flit-per-cycle endpoints and 1 us windows.
    pub fn new(clock: ClockDomain, flit_bytes: u32) -> NetworkParams {
        NetworkParams {
            clock,
            flit_bytes: flit_bytes.max(1),
            router_delay_cycles: 1,
            max_packet_flits: 16,
            endpoint: EndpointBandwidth::default(),
            window: Tick::from_ps(Tick::PS_PER_US),
        }
    }

    /// Parameters from physical figures: a link of `bandwidth` at `clock` gets
    /// `flit_bytes = round(bandwidth x period)`, and a hop of `hop_latency` over links of
    /// `link_latency_cycles` gets `router_delay_cycles = round(hop_latency / period) -
    /// link_latency_cycles`. Errors (naming `network.params`) when the width rounds to zero or
    /// the hop is shorter than the link.
    ///
    /// "Die-to-die 900 GB/s, 1 ns per hop" at 1 GHz over 1-cycle links gives 900-byte flits and
    /// no router cycles; 50 GB/s at 1 GHz gives 50-byte flits.
    pub fn from_link(
        bandwidth: Bandwidth,
        clock: ClockDomain,
        hop_latency: Tick,
        link_latency_cycles: u32,
    ) -> Result<NetworkParams> {
        let flit = (bandwidth.bytes_per_s * clock.period_ps as f64 / Tick::PS_PER_S as f64).round();
        if !(flit >= 1.0 && flit <= u32::MAX as f64) {
            return Err(Error::config(
                "network.params",
                "network.params.link_gbytes_per_s",
                format!(
                    "{} GB/s at {} GHz is not a whole number of bytes per cycle",
                    bandwidth.gbytes_per_s(),
                    clock.frequency_ghz()
                ),
            )
            .allowed("at least 1 byte per cycle"));
        }
        let hop_cycles = (hop_latency.as_ps() as f64 / clock.period_ps as f64).round() as u64;
        if hop_cycles < link_latency_cycles as u64 {
            return Err(Error::config(
                "network.params",
                "network.params.hop_latency",
                format!(
                    "a hop of {hop_latency} is shorter than the link latency of \
                     {link_latency_cycles} cycles of {} ps",
                    clock.period_ps
                ),
            )
            .allowed("hop latency >= link latency"));
        }
        let mut p = NetworkParams::new(clock, flit as u32);
        p.router_delay_cycles = (hop_cycles - link_latency_cycles as u64) as u32;
        Ok(p)
    }

    /// The router pipeline of the flit tier's routers in cycles (route, VC and switch
    /// allocation, switch traversal): the `router_delay_cycles` that makes the flow and analytic
    /// tiers charge the same per-hop latency as the flit tier.
    pub fn pipeline_cycles(router: &RouterConfig) -> u32 {
        let alloc = if router.speculative {
            router.vc_alloc_delay.max(router.sw_alloc_delay)
        } else {
            router.vc_alloc_delay + router.sw_alloc_delay
        };
        router.routing_delay + alloc + router.st_prepare_delay + router.st_final_delay
    }

    /// Bandwidth of `link` in bytes per picosecond.
    pub fn link_bytes_per_ps(&self, link: &Link) -> f64 {
        self.flit_bytes as f64 / (link.cycles_per_flit.max(1) as f64 * self.clock.period_ps as f64)
    }

    /// Bandwidth of `link`.
    pub fn link_bandwidth(&self, link: &Link) -> Bandwidth {
        Bandwidth {
            bytes_per_s: self.link_bytes_per_ps(link) * Tick::PS_PER_S as f64,
        }
    }

    /// Latency of one hop over `link`: router pipeline plus wire.
    pub fn hop_latency(&self, link: &Link) -> Tick {
        self.clock
            .cycles_to_ticks(self.router_delay_cycles as u64 + link.latency_cycles as u64)
    }

    /// Endpoint channel bandwidth in bytes per picosecond, `None` when unlimited.
    pub fn endpoint_bytes_per_ps(&self) -> Option<f64> {
        match self.endpoint {
            EndpointBandwidth::FlitsPerCycle { flits_per_cycle } => {
                Some(flits_per_cycle as f64 * self.flit_bytes as f64 / self.clock.period_ps as f64)
            }
            EndpointBandwidth::Unlimited => None,
        }
    }

    /// Flits needed for `bytes`.
    pub fn flits_for(&self, bytes: u64) -> u64 {
        bytes.div_ceil(self.flit_bytes.max(1) as u64)
    }
}

/// The user-facing form of [`NetworkParams`] (`[network.params]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkParamsConfig {
    /// Network clock in GHz.
    pub clock_ghz: f64,
    /// Flit width in bytes. Give this or `link_gbytes_per_s`, not both (default 16).
    pub flit_bytes: Option<u32>,
    /// Bandwidth of a one-cycle-per-flit link in GB/s; sets `flit_bytes = GB/s / GHz`.
    pub link_gbytes_per_s: Option<f64>,
    pub router_delay_cycles: u32,
    pub max_packet_flits: u32,
    pub endpoint: EndpointBandwidth,
    /// Link-load window in ns.
    pub window_ns: f64,
}

impl Default for NetworkParamsConfig {
    fn default() -> Self {
        NetworkParamsConfig {
            clock_ghz: 1.0,
            flit_bytes: None,
            link_gbytes_per_s: None,
            router_delay_cycles: 1,
            max_packet_flits: 16,
            endpoint: EndpointBandwidth::default(),
            window_ns: 1000.0,
        }
    }
}

fn out_of_range(origin: &str, key: &str, v: impl std::fmt::Display, allowed: &str) -> Error {
    Error::config(
        origin,
        format!("network.params.{key}"),
        format!("{v} is out of range"),
    )
    .allowed(allowed.to_string())
}

impl NetworkParamsConfig {
    /// Validates and resolves the configuration read from `origin`.
    pub fn resolve(&self, origin: &str) -> Result<NetworkParams> {
        if !(self.clock_ghz.is_finite() && self.clock_ghz > 0.0 && self.clock_ghz <= 1000.0) {
            return Err(out_of_range(
                origin,
                "clock_ghz",
                self.clock_ghz,
                "(0, 1000]",
            ));
        }
        let clock = ClockDomain::from_ghz(self.clock_ghz);
        let flit_bytes = match (self.flit_bytes, self.link_gbytes_per_s) {
            (Some(_), Some(_)) => {
                return Err(Error::config(
                    origin,
                    "network.params.flit_bytes",
                    "both flit_bytes and link_gbytes_per_s are set",
                )
                .allowed("one of flit_bytes or link_gbytes_per_s"));
            }
            (Some(f), None) => {
                if f == 0 {
                    return Err(out_of_range(origin, "flit_bytes", f, "an integer >= 1"));
                }
                f
            }
            (None, Some(gbps)) => {
                let f = (gbps * clock.period_ps as f64 / 1000.0).round();
                if !(gbps.is_finite() && f >= 1.0 && f <= u32::MAX as f64) {
                    return Err(out_of_range(
                        origin,
                        "link_gbytes_per_s",
                        gbps,
                        "at least one byte per network cycle",
                    ));
                }
                f as u32
            }
            (None, None) => 16,
        };
        if self.max_packet_flits == 0 {
            return Err(out_of_range(
                origin,
                "max_packet_flits",
                self.max_packet_flits,
                "an integer >= 1",
            ));
        }
        if let EndpointBandwidth::FlitsPerCycle { flits_per_cycle: 0 } = self.endpoint {
            return Err(out_of_range(
                origin,
                "endpoint.flits_per_cycle",
                0,
                "an integer >= 1, or kind = \"unlimited\"",
            ));
        }
        let window = Tick::from_ns(self.window_ns);
        if !(self.window_ns.is_finite() && window >= clock.period()) {
            return Err(out_of_range(
                origin,
                "window_ns",
                self.window_ns,
                "at least one network cycle",
            ));
        }
        Ok(NetworkParams {
            clock,
            flit_bytes,
            router_delay_cycles: self.router_delay_cycles,
            max_packet_flits: self.max_packet_flits,
            endpoint: self.endpoint,
            window,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::mesh::build_mesh;
    use moesim_core::MeshShape;

    #[test]
    fn physical_figures_give_consistent_width() {
        let p = NetworkParams::from_link(
            Bandwidth::from_gbytes_per_s(900.0),
            ClockDomain::from_ghz(1.0),
            Tick::from_ns(1.0),
            1,
        )
        .unwrap();
        assert_eq!(p.flit_bytes, 900);
        assert_eq!(p.router_delay_cycles, 0);
        let t = build_mesh(MeshShape::new(2, 1), 1, 1);
        assert!((p.link_bandwidth(&t.links[0]).gbytes_per_s() - 900.0).abs() < 1e-9);
        assert_eq!(p.hop_latency(&t.links[0]), Tick::from_ns(1.0));
        let hd = NetworkParams::from_link(
            Bandwidth::from_gbytes_per_s(50.0),
            ClockDomain::from_ghz(1.0),
            Tick::from_ns(1.0),
            1,
        )
        .unwrap();
        assert_eq!(hd.flit_bytes, 50);
        assert!(
            NetworkParams::from_link(
                Bandwidth::from_gbytes_per_s(0.1),
                ClockDomain::from_ghz(1.0),
                Tick::from_ns(1.0),
                1
            )
            .is_err()
        );
    }

    #[test]
    fn half_width_links_have_half_bandwidth() {
        let mut t = build_mesh(MeshShape::new(2, 1), 1, 1);
        t.links[0].cycles_per_flit = 2;
        let p = NetworkParams::new(ClockDomain::from_ghz(2.0), 32);
        assert!((p.link_bandwidth(&t.links[0]).gbytes_per_s() - 32.0).abs() < 1e-9);
        assert!((p.link_bandwidth(&t.links[1]).gbytes_per_s() - 64.0).abs() < 1e-9);
        assert_eq!(p.endpoint_bytes_per_ps(), Some(0.064));
    }

    #[test]
    fn config_resolves_and_names_bad_keys() {
        let c: NetworkParamsConfig = moesim_core::config::from_toml_str(
            "p.toml",
            "link_gbytes_per_s = 900\nendpoint = { kind = \"unlimited\" }\n",
        )
        .unwrap();
        let p = c.resolve("p.toml").unwrap();
        assert_eq!(p.flit_bytes, 900);
        assert_eq!(p.endpoint, EndpointBandwidth::Unlimited);
        let both = NetworkParamsConfig {
            flit_bytes: Some(16),
            link_gbytes_per_s: Some(50.0),
            ..Default::default()
        };
        let e = both.resolve("p.toml").unwrap_err().to_string();
        assert!(
            e.contains("p.toml") && e.contains("network.params.flit_bytes"),
            "{e}"
        );
        let bad = NetworkParamsConfig {
            window_ns: 0.0,
            ..Default::default()
        };
        let e = bad.resolve("p.toml").unwrap_err().to_string();
        assert!(e.contains("network.params.window_ns"), "{e}");
        let e = moesim_core::config::from_toml_str::<NetworkParamsConfig>("p.toml", "flit = 3\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("flit"), "{e}");
    }
}
