//! The common setup of the LinkBalance and DynamicPlacement experiments: HD-MoE's NMP mesh at a
//! compute/link point, Mixtral-8x7B with the real MT-Bench routing traces (one segment per
//! category), a base placement, and the communication cost (a network tier behind
//! [`CommCost`]).
//!
//! HD-MoE's conventions (papers.md §4.1, §4.3), each a unit choice rather than a fit: payloads
//! are FP32 (`4 h` bytes per token), a layer's communication is dispatch plus combine (twice
//! the simulated combine), links have no per-hop latency (the tiers keep one 0.2 ns cycle at
//! the 5 GHz network clock, which makes 25, 50 and 75 GB/s whole bytes per cycle), and an
//! expert costs `2 h IS` FLOPs per token at the point's TFLOPS.

use moesim_core::{Error, MeshShape, NodeId, Result};
use moesim_mapping::link_balance_cost::TierCost;
use moesim_mapping::link_balance_traffic::LayerTraffic;
use moesim_mapping::{PlacementConfig, PlacementContext, PlacementMap};
use moesim_nmp::{NmpConfig, NmpPlatform};
use moesim_noc::config::RoutingConfig;
use moesim_noc::tier::TierConfig;
use moesim_workloads::routing::RoutingTable;
use moesim_workloads::routing::reference::load_mtbench;
use moesim_workloads::routing::trace::RoutingTrace;
use moesim_workloads::{ModelSpec, Precision};
use std::path::Path;

/// The category the static placement is built from (papers.md §4.2).
pub const PROFILE_CATEGORY: &str = "reasoning";

/// One mesh and compute/link point with the model and its traces.
pub struct LinkSetup {
    pub mesh_name: String,
    pub point: String,
    pub platform: NmpPlatform,
    pub model: ModelSpec,
    pub trace: RoutingTrace,
    pub tier: TierConfig,
}

impl LinkSetup {
    /// HD-MoE's mesh `mesh` (`"4x8"`) at `point` (`"5tf_50gbps"`), Mixtral and the MT-Bench
    /// traces under `root/data`, on the flow tier.
    pub fn new(root: &Path, mesh: &str, point: &str) -> Result<LinkSetup> {
        let cfg = NmpConfig::preset_with_overrides(
            "hdmoe",
            &[
                format!("mesh=\"{mesh}\""),
                format!("point=\"{point}\""),
                "link.latency_ns=0.0".into(),
                "network_clock_ghz=5.0".into(),
            ],
        )?;
        let platform = NmpPlatform::build(cfg, &moesim_nmp::presets::preset_origin("hdmoe"))?;
        Ok(LinkSetup {
            mesh_name: mesh.into(),
            point: point.into(),
            platform,
            model: ModelSpec::preset("mixtral-8x7b")?,
            trace: load_mtbench(root)?,
            tier: TierConfig::default(),
        })
    }

    pub fn mesh(&self) -> MeshShape {
        self.platform.mesh()
    }
    pub fn num_nodes(&self) -> u32 {
        self.platform.num_devices() as u32
    }
    /// Node compute in FLOP/s (HD-MoE's figure, for its `2 h IS` FLOP count).
    pub fn node_flops_per_s(&self) -> f64 {
        self.platform.resolved().compute_tflops * 1e12
    }
    /// Link bandwidth per direction, bytes per second, as the tiers realise it.
    pub fn link_bytes_per_s(&self) -> f64 {
        self.platform.realised_link().bandwidth.bytes_per_s
    }
    pub fn hidden(&self) -> f64 {
        self.model.arch.hidden_size as f64
    }
    /// HD-MoE's FLOPs of one token on one expert: `2 h IS`.
    pub fn flops_per_token_expert(&self) -> f64 {
        2.0 * self.hidden() * self.model.moe.expert_intermediate_size as f64
    }

    /// The routing of category `name`.
    pub fn category(&self, name: &str) -> Result<RoutingTable> {
        let i = self
            .trace
            .segments
            .iter()
            .position(|s| s.name == name)
            .ok_or_else(|| {
                Error::config(
                    &self.trace.origin,
                    "category",
                    format!("no category `{name}`"),
                )
                .allowed(self.categories().join(", "))
            })?;
        Ok(self.trace.segment_table(i))
    }

    /// The categories of the trace, in file order.
    pub fn categories(&self) -> Vec<String> {
        self.trace.segments.iter().map(|s| s.name.clone()).collect()
    }

    /// The placement `cfg` on this platform.
    pub fn place(&self, cfg: &PlacementConfig) -> Result<PlacementMap> {
        let ctx = PlacementContext {
            model: &self.model,
            precision: Precision::default(),
            coords: (0..self.num_nodes())
                .map(|n| self.platform.node_coord(NodeId(n)))
                .collect(),
            live: vec![true; self.num_nodes() as usize],
            origin: format!("hdmoe link study {} {}", self.mesh_name, self.point),
        };
        cfg.place(&ctx)
    }

    /// The communication cost on the configured tier, `bytes_per_token` per token and
    /// direction, two directions per layer.
    pub fn cost(&self, bytes_per_token: f64) -> Result<TierCost> {
        let net = self.tier.build(
            self.platform.topology(),
            &RoutingConfig::Dor,
            self.platform.network_params(),
            "hdmoe link study",
        )?;
        Ok(TierCost::new(net, bytes_per_token, 2))
    }

    /// FP32 bytes of one token's hidden vector.
    pub fn token_bytes(&self) -> f64 {
        4.0 * self.hidden()
    }

    /// The profile traffic LinkBalance optimises: every token of the profile category in the
    /// MoE layers `layers` on `map`, and the bytes per token that make it stand for a batch of
    /// `batch` tokens (HD-MoE scales group frequencies by `B`).
    pub fn profile_traffic(
        &self,
        map: &PlacementMap,
        layers: &[u32],
        batch: u32,
        seed: u64,
    ) -> Result<(Vec<LayerTraffic>, f64)> {
        let prof = self.category(PROFILE_CATEGORY)?;
        let traffic = layers
            .iter()
            .map(|&l| LayerTraffic::from_routing(map, l, prof.layer(l), seed))
            .collect::<Result<Vec<_>>>()?;
        let scale = batch as f64 / prof.num_tokens() as f64;
        Ok((traffic, self.token_bytes() * scale))
    }
}
