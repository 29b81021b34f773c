//! The devices a policy spreads its endpoints over: every live device of the platform in node
//! order, or an explicit list (`placement.devices = [0, 1, 8, 9]`), checked against the platform.

use crate::context::PlacementContext;
use moesim_core::{Error, NodeId, Result};
use std::collections::BTreeSet;

/// The devices of `explicit` (or every live device), checked: each must exist, be live and
/// appear once. Errors name `placement.devices`.
pub fn select(ctx: &PlacementContext, explicit: Option<&[u32]>) -> Result<Vec<NodeId>> {
    let Some(list) = explicit else {
        let all = ctx.live_devices();
        if all.is_empty() {
            return Err(
                Error::config(&ctx.origin, "platform", "the platform has no live device")
                    .allowed("at least one working device"),
            );
        }
        return Ok(all);
    };
    let n = ctx.num_nodes();
    if list.is_empty() {
        return Err(
            Error::config(&ctx.origin, "placement.devices", "empty device list").allowed(format!(
                "node ids in 0..{n}, or leave the key out for every device"
            )),
        );
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(list.len());
    for (i, &d) in list.iter().enumerate() {
        let key = format!("placement.devices[{i}]");
        if d as usize >= n {
            return Err(Error::config(
                &ctx.origin,
                key,
                format!("device {d} does not exist: the platform has {n} devices"),
            )
            .allowed(format!("node ids in 0..{n}")));
        }
        if !ctx.live[d as usize] {
            return Err(Error::config(
                &ctx.origin,
                key,
                format!("device {d} (at {}) has failed", ctx.coords[d as usize]),
            )
            .allowed("working devices only"));
        }
        if !seen.insert(d) {
            return Err(
                Error::config(&ctx.origin, key, format!("device {d} is listed twice"))
                    .allowed("each device once"),
            );
        }
        out.push(NodeId(d));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use moesim_core::Coord;
    use moesim_workloads::{ModelSpec, Precision};

    #[test]
    fn explicit_lists_are_checked() {
        let m = ModelSpec::preset("mixtral-8x7b").unwrap();
        let mut ctx = PlacementContext {
            model: &m,
            precision: Precision::default(),
            coords: (0..4).map(|i| Coord::new(i, 0)).collect(),
            live: vec![true; 4],
            origin: "e.toml".into(),
        };
        assert_eq!(select(&ctx, None).unwrap().len(), 4);
        assert_eq!(
            select(&ctx, Some(&[3, 1])).unwrap(),
            vec![NodeId(3), NodeId(1)]
        );
        let e = select(&ctx, Some(&[0, 7])).unwrap_err().to_string();
        assert!(
            e.starts_with("e.toml: key `placement.devices[1]`: device 7 does not exist"),
            "{e}"
        );
        let e = select(&ctx, Some(&[1, 1])).unwrap_err().to_string();
        assert!(e.contains("listed twice"), "{e}");
        ctx.live[2] = false;
        let e = select(&ctx, Some(&[2])).unwrap_err().to_string();
        assert!(e.contains("has failed"), "{e}");
        assert_eq!(select(&ctx, None).unwrap().len(), 3);
        assert!(select(&ctx, Some(&[])).is_err());
    }
}
