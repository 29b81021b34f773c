//! moesim-wafer: a wafer-scale chip (MoEntwine, HPCA 2026) as a platform: dies with a roofline
//! (compute per data type, HBM, SRAM, a network interface), an X x Y die grid per wafer joined
//! by die-to-die links, and several wafers joined by wafer-to-wafer links, with failed dies.
//!
//! - [`config`]: the TOML configuration ([`WaferConfig`]) and its checks;
//! - [`presets`]: the embedded presets of `configs/hardware/wafer/` and loading from a path;
//! - [`die`]: a die's [`DeviceSpec`](moesim_core::DeviceSpec);
//! - [`links`]: physical link figures ([`LinkPhysical`]) for the network tiers;
//! - [`network`]: the network graph ([`Topology`](moesim_noc::topology::Topology), built as a
//!   `mesh_of_dies`) and the [`NetworkParams`](moesim_noc::tier::NetworkParams) under which its
//!   cycle figures reproduce the configured GB/s and ns ([`quantize`] does the conversion);
//! - [`platform`]: the built system ([`WaferPlatform`]): devices, topology, die coordinates,
//!   wafer ids, capacity checks;
//! - [`summary`]: the platform's figures as a stats tree.

pub mod config;
pub mod die;
pub mod links;
pub mod network;
pub mod platform;
pub mod presets;
pub mod quantize;
pub mod summary;

pub use config::{DieConfig, LinkConfig, SystemConfig, WaferConfig, WaferGridConfig};
pub use links::{LinkPhysical, WaferLinks};
pub use network::WaferNetwork;
pub use platform::{KIND, WaferPlatform};
pub use presets::{preset_names, preset_text};
