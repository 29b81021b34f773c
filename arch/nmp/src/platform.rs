//! A built NMP system: one device per node, the mesh, the physical link figures, node
//! coordinates and memory capacity checks.

use crate::config::{NmpConfig, Resolved};
use crate::links::LinkPhysical;
use crate::memory::{NodeMemory, SustainedBandwidth, sustained_bandwidth};
use crate::network::{NmpNetwork, build_network};
use moesim_core::{Bandwidth, Coord, DeviceSpec, Error, FlopRate, MeshShape, NodeId, Result, Tick};
use moesim_noc::config::TopologyConfig;
use moesim_noc::tier::NetworkParams;
use moesim_noc::topology::Topology;
use std::path::Path;

/// The platform kind tag, as in `[platform] kind = "nmp"`.
pub const KIND: &str = "nmp";

/// An NMP mesh built from a checked [`NmpConfig`]. Node `n` sits at `mesh.coord(n)` (BookSim
/// order, x fastest).
#[derive(Clone, Debug)]
pub struct NmpPlatform {
    origin: String,
    config: NmpConfig,
    resolved: Resolved,
    memory: NodeMemory,
    link: LinkPhysical,
    network: NmpNetwork,
}

impl NmpPlatform {
    /// Checks `config` (from `origin`) and builds the system.
    pub fn build(config: NmpConfig, origin: &str) -> Result<NmpPlatform> {
        let resolved = config.resolve(origin)?;
        let memory = NodeMemory::from_config(&config.node.memory);
        let link = LinkPhysical::new(
            Bandwidth::from_gbytes_per_s(resolved.link_bandwidth_gbytes_per_s),
            Tick::from_ns(config.link.latency_ns),
        );
        let network = build_network(resolved.mesh, link, config.network_clock_ghz, origin)?;
        Ok(NmpPlatform {
            origin: origin.to_string(),
            config,
            resolved,
            memory,
            link,
            network,
        })
    }

    /// The embedded preset `name`.
    pub fn preset(name: &str) -> Result<NmpPlatform> {
        NmpPlatform::build(
            NmpConfig::preset(name)?,
            &crate::presets::preset_origin(name),
        )
    }

    /// HD-MoE's platform on `mesh` at `point` (see [`NmpConfig::hdmoe`]).
    pub fn hdmoe(mesh: &str, point: &str) -> Result<NmpPlatform> {
        NmpPlatform::build(
            NmpConfig::hdmoe(mesh, point)?,
            &crate::presets::preset_origin("hdmoe"),
        )
    }

    /// The configuration file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<NmpPlatform> {
        let path = path.as_ref();
        NmpPlatform::build(NmpConfig::load(path)?, &path.display().to_string())
    }

    /// The platform kind tag (`"nmp"`).
    pub fn kind(&self) -> &'static str {
        KIND
    }
    pub fn name(&self) -> &str {
        &self.config.name
    }
    pub fn origin(&self) -> &str {
        &self.origin
    }
    pub fn config(&self) -> &NmpConfig {
        &self.config
    }
    /// The mesh, compute and link figures in force.
    pub fn resolved(&self) -> &Resolved {
        &self.resolved
    }
    pub fn mesh(&self) -> MeshShape {
        self.resolved.mesh
    }
    pub fn num_devices(&self) -> usize {
        self.resolved.mesh.len()
    }
    /// Logic-die throughput of one node (every data type).
    pub fn compute(&self) -> FlopRate {
        FlopRate::from_tflops(self.resolved.compute_tflops)
    }
    /// The memory side of one node.
    pub fn memory(&self) -> &NodeMemory {
        &self.memory
    }

    /// One roofline per node, indexed by node id: the point's compute for every data type and
    /// the effective memory bandwidth (`min(vaults, vertical)`).
    pub fn devices(&self) -> Vec<DeviceSpec> {
        let c = self.compute();
        (0..self.num_devices())
            .map(|i| DeviceSpec {
                name: format!("{}.node[{}]", self.config.name, self.mesh().coord(i)),
                bf16: c,
                fp8: c,
                fp32: c,
                mem_bandwidth: self.memory.effective,
                mem_capacity_bytes: self.memory.capacity_bytes,
            })
            .collect()
    }

    /// The mesh (routers, links with their cycle figures, one terminal per node).
    pub fn topology(&self) -> &Topology {
        &self.network.topology
    }
    /// The `[topology]` section that builds [`topology`](Self::topology).
    pub fn topology_config(&self) -> &TopologyConfig {
        &self.network.topology_config
    }
    /// The clock and flit width under which the topology's cycle figures reproduce the link.
    pub fn network_params(&self) -> &NetworkParams {
        &self.network.params
    }
    /// The mesh link as configured.
    pub fn link(&self) -> LinkPhysical {
        self.link
    }
    /// The mesh link as the network tiers realise it (latency in whole cycles).
    pub fn realised_link(&self) -> LinkPhysical {
        self.network.realised
    }

    /// The node's position in the mesh.
    pub fn node_coord(&self, n: NodeId) -> Coord {
        self.mesh().coord(n.index())
    }
    /// The node at `c`, if inside the mesh.
    pub fn node_at(&self, c: Coord) -> Option<NodeId> {
        let m = self.mesh();
        m.contains(c).then(|| NodeId(m.index(c) as u32))
    }

    /// Whether every node can hold `bytes_per_device`; the error names the capacity key.
    pub fn fits(&self, bytes_per_device: u64) -> Result<()> {
        if bytes_per_device <= self.memory.capacity_bytes {
            return Ok(());
        }
        let need_gib = bytes_per_device as f64 / crate::memory::BYTES_PER_GIB;
        Err(Error::config(
            &self.origin,
            "node.memory.capacity_gib",
            format!(
                "{bytes_per_device} bytes per node ({need_gib:.3} GiB) do not fit in {} GiB",
                self.config.node.memory.capacity_gib
            ),
        )
        .allowed(format!("capacity_gib >= {need_gib:.3}, or a larger mesh")))
    }

    /// Whether node `n` can hold `bytes[n]` for every node (one entry per node).
    pub fn fits_each(&self, bytes: &[u64]) -> Result<()> {
        if bytes.len() != self.num_devices() {
            return Err(Error::Check(format!(
                "{}: {} byte counts for {} nodes",
                self.config.name,
                bytes.len(),
                self.num_devices()
            )));
        }
        for (i, &b) in bytes.iter().enumerate() {
            self.fits(b).map_err(|e| match e {
                Error::Config {
                    origin,
                    key,
                    message,
                    allowed,
                } => Error::Config {
                    origin,
                    key,
                    message: format!("node {}: {message}", self.mesh().coord(i)),
                    allowed,
                },
                other => other,
            })?;
        }
        Ok(())
    }

    /// The node's sustained streaming-read bandwidth from the bank-level model of
    /// `node.memory.dram_preset` (`None` when no preset is configured). Runs a cycle-level
    /// simulation of a few refresh intervals: milliseconds, not microseconds.
    pub fn dram_sustained_bandwidth(&self) -> Result<Option<SustainedBandwidth>> {
        let Some(name) = &self.config.node.memory.dram_preset else {
            return Ok(None);
        };
        let dram = moesim_memory::dram::presets::preset(name)?;
        sustained_bandwidth(&self.config.node.memory, &dram, &self.origin).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hdmoe_4x8_at_5_tflops() {
        let p = NmpPlatform::preset("hdmoe").unwrap();
        assert_eq!(p.num_devices(), 32);
        let d = p.devices();
        assert_eq!(d.len(), 32);
        assert_eq!(d[0].bf16, FlopRate::from_tflops(5.0));
        assert!((d[0].mem_bandwidth.gbytes_per_s() - 625.0).abs() < 1e-9);
        assert_eq!(p.node_coord(NodeId(9)), Coord::new(1, 2));
        assert_eq!(p.node_at(Coord::new(3, 7)), Some(NodeId(31)));
        assert_eq!(p.node_at(Coord::new(4, 0)), None);
        for i in 0..32 {
            assert_eq!(p.topology().node_coord(NodeId(i)), p.node_coord(NodeId(i)));
        }
    }

    #[test]
    fn capacity_errors_name_the_key() {
        let p = NmpPlatform::preset("hdmoe").unwrap();
        p.fits(16 << 30).unwrap();
        let e = p.fits((16 << 30) + 1).unwrap_err().to_string();
        assert!(e.contains("key `node.memory.capacity_gib`"), "{e}");
        let mut b = vec![0u64; 32];
        b[5] = 20 << 30;
        let e = p.fits_each(&b).unwrap_err().to_string();
        assert!(e.contains("node 1,1"), "{e}");
        assert!(p.fits_each(&[0]).is_err());
    }
}
