//! `kind = "tp"`: tensor parallelism over every device. Attention is split over all `D` devices
//! (one data-parallel group, `attention_tp = D`, all-reduce after attention), and every routed
//! and shared expert is split over all `D` devices (HD-MoE's TP baseline): each device computes
//! `1/D` of every expert for every token, and the partial outputs are reduced.

use crate::context::PlacementContext;
use crate::devices;
use crate::map::{GroupTable, PlacementMap};
use crate::placement::Placement;
use moesim_core::{Error, Result};
use moesim_workloads::Parallelism;
use moesim_workloads::flows::PostAttention;
use serde::{Deserialize, Serialize};

/// The TP placement.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tp {
    /// The devices to use, in order (default: every live device).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<u32>>,
}

impl Placement for Tp {
    fn kind(&self) -> &'static str {
        "tp"
    }

    fn place(&self, ctx: &PlacementContext) -> Result<PlacementMap> {
        let devs = devices::select(ctx, self.devices.as_deref())?;
        let d = devs.len() as u32;
        let parallelism = Parallelism {
            attention_tp: d,
            attention_dp: 1,
            post_attention: PostAttention::AllReduce,
        };
        parallelism.validate(ctx.model, &ctx.origin).map_err(|e| {
            rename(e, &ctx.origin, "placement.devices", |m| {
                format!("tp splits attention over all {d} devices: {m}")
            })
        })?;
        let mut t = GroupTable::default();
        let all = t.intern(devs.clone());
        let m = ctx.model;
        let shared = if m.has_shared_experts() {
            vec![all]
        } else {
            Vec::new()
        };
        Ok(PlacementMap {
            kind: self.kind().into(),
            parallelism,
            attention: devs,
            experts: vec![vec![vec![all]; m.num_experts() as usize]; m.num_moe_layers() as usize],
            shared: vec![shared; m.num_moe_layers() as usize],
            groups: t.into_groups(),
        })
    }
}

/// A configuration error from a lower layer, re-keyed to the placement key that caused it.
pub(crate) fn rename(e: Error, origin: &str, key: &str, msg: impl Fn(&str) -> String) -> Error {
    match e {
        Error::Config {
            message, allowed, ..
        } => Error::Config {
            origin: origin.to_string(),
            key: key.to_string(),
            message: msg(&message),
            allowed,
        },
        other => other,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use moesim_core::{Coord, NodeId};
    use moesim_workloads::{ModelSpec, Precision};

    pub(crate) fn ctx(m: &ModelSpec, n: u32) -> PlacementContext<'_> {
        PlacementContext {
            model: m,
            precision: Precision::default(),
            coords: (0..n).map(|i| Coord::new(i % 8, i / 8)).collect(),
            live: vec![true; n as usize],
            origin: "e.toml".into(),
        }
    }

    #[test]
    fn everything_over_every_device() {
        let m = ModelSpec::preset("mixtral-8x7b").unwrap();
        let map = Tp::default().place(&ctx(&m, 32)).unwrap();
        assert_eq!(map.parallelism.attention_tp, 32);
        assert_eq!(map.groups.len(), 1);
        assert_eq!(map.group(map.expert(31, 7)[0]).len(), 32);
        assert!(map.shared(0).is_empty());
        assert_eq!(map.attention_device(5), NodeId(5));
        // 32 heads cannot be split 64 ways
        let e = Tp::default().place(&ctx(&m, 64)).unwrap_err().to_string();
        assert!(
            e.starts_with("e.toml: key `placement.devices`: tp splits"),
            "{e}"
        );
    }
}
