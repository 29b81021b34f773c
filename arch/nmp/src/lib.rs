//! moesim-nmp: a 3D near-memory-processing platform (HD-MoE, ICCAD 2025) as a mesh of nodes,
//! each a logic die (compute) under stacked DRAM vaults joined to it by a vertical (TSV /
//! hybrid-bonding) interface, with NoC links between neighbouring nodes.
//!
//! - [`config`]: the TOML configuration ([`NmpConfig`]): a base preset plus named compute/link
//!   points, `mesh = "4x8"`, `point = "5tf_50gbps"` or explicit numbers;
//! - [`presets`]: the embedded presets of `configs/hardware/nmp/` and loading from a path;
//! - [`memory`]: a node's memory (`min(vault aggregate, vertical)`) and its sustained bandwidth
//!   derived from the bank-level DRAM model of moesim-memory;
//! - [`links`]: physical link figures ([`LinkPhysical`]);
//! - [`network`]: the mesh ([`Topology`](moesim_noc::topology::Topology)) and the
//!   [`NetworkParams`](moesim_noc::tier::NetworkParams) that reproduce the link figures;
//! - [`platform`]: the built system ([`NmpPlatform`]): devices, topology, node coordinates,
//!   capacity checks;
//! - [`summary`]: the platform's figures as a stats tree.

pub mod config;
pub mod links;
pub mod memory;
pub mod network;
pub mod platform;
pub mod presets;
pub mod summary;

pub use config::{LinkConfig, MemoryConfig, NmpConfig, NodeConfig, PointConfig, Resolved};
pub use links::LinkPhysical;
pub use memory::{NodeMemory, SustainedBandwidth};
pub use network::NmpNetwork;
pub use platform::{KIND, NmpPlatform};
pub use presets::{preset_names, preset_text};
