//! moesim-core: the vocabulary every other moesim crate speaks.
//!
//! - [`tick`]: simulated time ([`Tick`], picoseconds), cycles and clock domains;
//! - [`units`]: bandwidths and compute rates with their units in the type;
//! - [`ids`]: node/router/link ids and 2D mesh coordinates;
//! - [`stats`]: the stats tree (named counters, averages, hdrhistogram latencies),
//!   dumped as gem5-style text and as JSON;
//! - [`error`]: the error type, whose configuration variant names file, key and allowed values;
//! - [`config`]: TOML loading with key paths in errors, and `--set a.b=c` overrides;
//! - [`rng`]: seeded, portable random streams.

pub mod check;
pub mod config;
pub mod device;
pub mod error;
pub mod ids;
pub mod preset;
pub mod rng;
pub mod stats;
pub mod tick;
pub mod units;

pub use device::{DType, DeviceSpec};
pub use error::{Error, Result};
pub use ids::{Coord, LinkId, MeshShape, NodeId, RouterId};
pub use rng::{SimRng, derive_seed, rng_from_seed};
pub use stats::{StatValue, StatsTree};
pub use tick::{ClockDomain, Cycle, Tick};
pub use units::{Bandwidth, FlopRate};
