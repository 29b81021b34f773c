//! A built wafer-scale system: one device per die, the network graph, the physical link figures,
//! where every die sits, and memory capacity checks.

use crate::config::WaferConfig;
use crate::die::failed_device_spec;
use crate::links::{LinkPhysical, WaferLinks};
use crate::network::{WaferNetwork, build_network, die_grid, wafer_coord};
use moesim_core::{Bandwidth, Coord, DeviceSpec, Error, LinkId, MeshShape, NodeId, Result, Tick};
use moesim_noc::config::TopologyConfig;
use moesim_noc::tier::NetworkParams;
use moesim_noc::topology::{LinkKind, Topology};
use std::path::Path;

/// The platform kind tag, as in `[platform] kind = "wafer"`.
pub const KIND: &str = "wafer";

/// A wafer-scale system built from a validated [`WaferConfig`]. Node (device) `n` is die
/// `grid.coord(n)` of the system-wide die grid (BookSim order, x fastest); failed dies keep their
/// node ids.
#[derive(Clone, Debug)]
pub struct WaferPlatform {
    origin: String,
    config: WaferConfig,
    grid: MeshShape,
    network: WaferNetwork,
    links: WaferLinks,
    failed: Vec<bool>,
}

impl WaferPlatform {
    /// Validates `config` (from `origin`) and builds the system.
    pub fn build(config: WaferConfig, origin: &str) -> Result<WaferPlatform> {
        config.validate(origin)?;
        let network = build_network(&config, origin)?;
        let grid = die_grid(&config);
        let mut failed = vec![false; grid.len()];
        for &[x, y] in &config.system.failed_dies {
            failed[grid.index(Coord::new(x, y))] = true;
        }
        let links = WaferLinks {
            d2d: LinkPhysical::from(&config.d2d),
            w2w: config.w2w.as_ref().map(LinkPhysical::from),
            nic: LinkPhysical::new(config.die.nic_bandwidth(), Tick::ZERO),
        };
        Ok(WaferPlatform {
            origin: origin.to_string(),
            config,
            grid,
            network,
            links,
            failed,
        })
    }

    /// The embedded preset `name`.
    pub fn preset(name: &str) -> Result<WaferPlatform> {
        WaferPlatform::build(
            WaferConfig::preset(name)?,
            &crate::presets::preset_origin(name),
        )
    }

    /// The configuration file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<WaferPlatform> {
        let path = path.as_ref();
        WaferPlatform::build(WaferConfig::load(path)?, &path.display().to_string())
    }

    /// The platform kind tag (`"wafer"`).
    pub fn kind(&self) -> &'static str {
        KIND
    }
    pub fn name(&self) -> &str {
        &self.config.name
    }
    /// The file or preset the configuration came from.
    pub fn origin(&self) -> &str {
        &self.origin
    }
    pub fn config(&self) -> &WaferConfig {
        &self.config
    }
    /// Number of devices (dies, failed ones included).
    pub fn num_devices(&self) -> usize {
        self.grid.len()
    }
    /// The system-wide die grid.
    pub fn die_grid(&self) -> MeshShape {
        self.grid
    }

    /// One roofline per die, indexed by node id. A failed die has zero compute, bandwidth and
    /// capacity.
    pub fn devices(&self) -> Vec<DeviceSpec> {
        (0..self.num_devices())
            .map(|i| {
                let c = self.grid.coord(i);
                let name = format!("{}.die[{c}]", self.config.name);
                if self.failed[i] {
                    failed_device_spec(name)
                } else {
                    self.config.die.device_spec(name)
                }
            })
            .collect()
    }

    /// The network graph (routers, links with their kinds and cycle figures, terminals).
    pub fn topology(&self) -> &Topology {
        &self.network.topology
    }
    /// The `[topology]` section that builds [`topology`](Self::topology) (for resolved-config
    /// output and for `moesim noc`).
    pub fn topology_config(&self) -> &TopologyConfig {
        &self.network.topology_config
    }
    /// The clock and flit width under which the topology's cycle figures reproduce the
    /// configured link bandwidths and latencies.
    pub fn network_params(&self) -> &NetworkParams {
        &self.network.params
    }
    /// Physical figures of every link class, as configured.
    pub fn links(&self) -> &WaferLinks {
        &self.links
    }
    /// Physical figures of every link class as the network tiers realise them (latencies in
    /// whole network cycles; equal to [`links`](Self::links) for the presets).
    pub fn realised_links(&self) -> &WaferLinks {
        &self.network.realised
    }
    /// Physical figures of links of `kind` (`None` if the system has none of that kind).
    pub fn link_physical(&self, kind: LinkKind) -> Option<LinkPhysical> {
        match kind {
            LinkKind::DieToDie => Some(self.links.d2d),
            LinkKind::WaferToWafer => self.links.w2w,
            LinkKind::OnDie => None,
        }
    }
    /// Physical figures of link `l` of [`topology`](Self::topology).
    pub fn link_physical_of(&self, l: LinkId) -> Option<LinkPhysical> {
        self.topology()
            .links
            .get(l.index())
            .and_then(|link| self.link_physical(link.kind))
    }
    /// Injection/ejection bandwidth of a die's network interface.
    pub fn nic_bandwidth(&self) -> Bandwidth {
        self.links.nic.bandwidth
    }

    /// The die's position in the system-wide die grid.
    pub fn die_coord(&self, n: NodeId) -> Coord {
        self.grid.coord(n.index())
    }
    /// The die's position inside its wafer.
    pub fn local_coord(&self, n: NodeId) -> Coord {
        let c = self.die_coord(n);
        Coord::new(
            c.x % self.config.wafer.dies_x,
            c.y % self.config.wafer.dies_y,
        )
    }
    /// The wafer's position in the wafer grid.
    pub fn wafer_coord(&self, n: NodeId) -> Coord {
        wafer_coord(&self.config, self.die_coord(n))
    }
    /// The wafer id of die `n` (wafers numbered x fastest).
    pub fn wafer_of(&self, n: NodeId) -> u32 {
        let w = self.wafer_coord(n);
        w.y * self.config.system.wafers_x + w.x
    }
    pub fn num_wafers(&self) -> u32 {
        self.config.num_wafers()
    }
    /// The die at system-wide coordinate `c`, if inside the grid.
    pub fn node_at(&self, c: Coord) -> Option<NodeId> {
        self.grid
            .contains(c)
            .then(|| NodeId(self.grid.index(c) as u32))
    }
    pub fn is_failed(&self, n: NodeId) -> bool {
        self.failed.get(n.index()).copied().unwrap_or(true)
    }
    /// Working dies, in node order.
    pub fn live_nodes(&self) -> Vec<NodeId> {
        (0..self.num_devices() as u32)
            .map(NodeId)
            .filter(|&n| !self.is_failed(n))
            .collect()
    }
    /// Number of links of `kind` that have not failed (unidirectional).
    pub fn count_links(&self, kind: LinkKind) -> usize {
        self.topology()
            .links
            .iter()
            .filter(|l| l.kind == kind && !l.failed)
            .count()
    }

    /// Whether every working die can hold `bytes_per_device` in HBM; the error names the capacity
    /// key and how much would be needed.
    pub fn fits(&self, bytes_per_device: u64) -> Result<()> {
        let cap = self.config.die.hbm_capacity_bytes();
        if bytes_per_device <= cap {
            return Ok(());
        }
        Err(Error::config(
            &self.origin,
            "die.hbm_capacity_gb",
            format!(
                "{bytes_per_device} bytes per die ({:.3} GB) do not fit in {} GB of HBM",
                bytes_per_device as f64 / 1e9,
                self.config.die.hbm_capacity_gb
            ),
        )
        .allowed(format!(
            "hbm_capacity_gb >= {:.3}, or spread the data over more dies",
            bytes_per_device as f64 / 1e9
        )))
    }

    /// Whether die `n` can hold `bytes[n]` for every node `n`; a failed die must hold nothing.
    /// `bytes` must have one entry per device.
    pub fn fits_each(&self, bytes: &[u64]) -> Result<()> {
        if bytes.len() != self.num_devices() {
            return Err(Error::Check(format!(
                "{}: {} byte counts for {} devices",
                self.config.name,
                bytes.len(),
                self.num_devices()
            )));
        }
        for (i, &b) in bytes.iter().enumerate() {
            let n = NodeId(i as u32);
            if self.is_failed(n) && b > 0 {
                let c = self.die_coord(n);
                return Err(Error::config(
                    &self.origin,
                    "system.failed_dies",
                    format!("die [{}, {}] has failed but is given {b} bytes", c.x, c.y),
                )
                .allowed("no data on failed dies"));
            }
            self.fits(b).map_err(|e| match e {
                Error::Config {
                    origin,
                    key,
                    message,
                    allowed,
                } => Error::Config {
                    origin,
                    key,
                    message: format!("die {}: {message}", self.die_coord(n)),
                    allowed,
                },
                other => other,
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_and_wafer_ids_of_the_4_wafer_preset() {
        let p = WaferPlatform::preset("b200_2x2_wafers").unwrap();
        assert_eq!(p.num_devices(), 256);
        let n = p.node_at(Coord::new(9, 3)).unwrap();
        assert_eq!(p.die_coord(n), Coord::new(9, 3));
        assert_eq!(p.local_coord(n), Coord::new(1, 3));
        assert_eq!(p.wafer_of(n), 1);
        assert_eq!(p.wafer_of(p.node_at(Coord::new(7, 8)).unwrap()), 2);
        assert_eq!(p.wafer_of(p.node_at(Coord::new(15, 15)).unwrap()), 3);
        assert!(p.node_at(Coord::new(16, 0)).is_none());
        for i in 0..p.num_devices() as u32 {
            assert_eq!(p.topology().node_coord(NodeId(i)), p.die_coord(NodeId(i)));
        }
    }

    #[test]
    fn failed_die_has_no_device_and_no_links() {
        let p = WaferPlatform::preset("b200_8x8").unwrap();
        let mut cfg = p.config().clone();
        cfg.system.failed_dies = vec![[3, 4]];
        let f = WaferPlatform::build(cfg, "t.toml").unwrap();
        let n = f.node_at(Coord::new(3, 4)).unwrap();
        assert!(f.is_failed(n));
        assert_eq!(f.live_nodes().len(), 63);
        assert_eq!(f.devices()[n.index()].mem_capacity_bytes, 0);
        // An interior die loses 4 outgoing and 4 incoming links.
        assert_eq!(
            f.count_links(LinkKind::DieToDie),
            p.count_links(LinkKind::DieToDie) - 8
        );
        let mut bytes = vec![0u64; 64];
        bytes[n.index()] = 1;
        let e = f.fits_each(&bytes).unwrap_err().to_string();
        assert!(
            e.contains("system.failed_dies") && e.contains("[3, 4]"),
            "{e}"
        );
    }

    #[test]
    fn capacity_error_names_the_key() {
        let p = WaferPlatform::preset("b200_8x8").unwrap();
        p.fits(180_000_000_000).unwrap();
        let e = p.fits(180_000_000_001).unwrap_err().to_string();
        assert!(
            e.starts_with(
                "embedded:configs/hardware/wafer/b200_8x8.toml: key `die.hbm_capacity_gb`"
            ),
            "{e}"
        );
        let mut bytes = vec![1u64; 64];
        bytes[10] = 200_000_000_000;
        let e = p.fits_each(&bytes).unwrap_err().to_string();
        assert!(e.contains("die 2,1"), "{e}");
        assert!(p.fits_each(&[1, 2]).is_err());
    }
}
