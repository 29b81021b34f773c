//! moesim placement policies: logical endpoints (attention shards, routed experts per layer,
//! shared experts) to physical devices.
//!
//! - [`placement`]: the [`Placement`] trait every policy implements;
//! - [`config`]: [`PlacementConfig`], the serde-tagged choice of policy (`[placement] kind = ...`);
//! - [`context`]: what a policy sees of the platform and the model ([`PlacementContext`]);
//! - [`map`]: the result ([`PlacementMap`]): device groups, attention shards, expert residences;
//! - [`memory`]: weight bytes per device under a map, and the capacity check;
//! - [`devices`]: the device list a policy uses (all live devices, or an explicit list);
//! - [`blocks`]: contiguous expert blocks shared by the expert-parallel policies;
//! - one policy per file: [`tp`], [`ep_contiguous`], [`dp_attention`]; the wafer-scale
//!   mappings [`wsc_baseline`], [`er_mapping`], [`her_mapping`] (grid geometry in [`wsc_grid`]);
//!   HD-MoE's [`ep_random`], [`hybrid_tp_ep`], [`node_balance`] (with the routing statistics in
//!   [`node_balance_load`] and the fractional placements in [`node_balance_shares`]);
//! - [`link_balance`]: HD-MoE's LinkBalance (physical mapping of a placement's devices by
//!   Bayesian optimisation, [`link_balance_bo`], or annealing, [`simulated_annealing`]);
//! - [`dynamic_placement`]: HD-MoE's DynamicPlacement (pre-broadcast of hot experts).
//!
//! A routed expert lives in one or more *instances* (replicas); an instance is a *group* of
//! devices that together hold one copy, each an equal slice (tensor parallelism inside the
//! group). A token uses one instance of each of its experts and every device of that instance.

pub mod balancer;
pub mod blocks;
pub mod config;
pub mod context;
pub mod devices;
pub mod dp_attention;
pub mod dynamic_placement;
pub mod dynamic_placement_eval;
pub mod dynamic_placement_oracle;
pub mod dynamic_placement_predict;
pub mod dynamic_placement_transition;
pub mod ep_contiguous;
pub mod ep_random;
pub mod er_mapping;
pub mod her_mapping;
pub mod hybrid_tp_ep;
pub mod link_balance;
pub mod link_balance_assign;
pub mod link_balance_bo;
pub mod link_balance_cost;
pub mod link_balance_mst;
pub mod link_balance_traffic;
pub mod map;
pub mod memory;
pub mod node_balance;
pub mod node_balance_comm;
pub mod node_balance_load;
pub mod node_balance_shares;
pub mod placement;
pub mod simulated_annealing;
pub mod tp;
pub mod wsc_baseline;
pub mod wsc_grid;

pub use config::PlacementConfig;
pub use context::PlacementContext;
pub use map::{GroupId, PlacementMap};
pub use memory::{DeviceBytes, check_capacity, weight_bytes_per_device};
pub use placement::Placement;
