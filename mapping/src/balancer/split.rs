//! A replica copy split into pieces (MoEntwine, papers.md §1.4):
//! `M(e, a -> b) = M_local(a -> a') + M_global(a' -> b') + M_local(b' -> b)`, where `a'` is the
//! device of `a`'s Full Token Domain nearest to `b` and `b'` the device of `b`'s FTD nearest to
//! `a'`. A copy inside one FTD is a single local piece; pieces of length zero are left out.
//! The source is the instance of the expert nearest to the target; a split instance sends one
//! slice from each of its devices (one chain each).

use super::context::BalanceContext;
use super::{CopyPhase, CopyPiece, PieceScope, Replica, ReplicaCopy};
use moesim_core::NodeId;

/// Which phase carries each kind of piece.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PiecePhases {
    pub local: CopyPhase,
    pub global: CopyPhase,
}

/// The member of `members` nearest to `to` (ties: lower id).
fn nearest(ctx: &BalanceContext, members: &[NodeId], to: NodeId) -> NodeId {
    members
        .iter()
        .copied()
        .min_by_key(|&d| (ctx.distance(d, to), d))
        .unwrap_or(to)
}

/// The source instance of a copy to `dst`: the instance (device list) nearest to it.
pub fn source_instance<'a>(
    ctx: &BalanceContext,
    instances: &'a [Vec<NodeId>],
    dst: NodeId,
) -> &'a [NodeId] {
    instances
        .iter()
        .min_by_key(|g| {
            let d = g
                .iter()
                .map(|&s| ctx.distance(s, dst))
                .min()
                .unwrap_or(u32::MAX);
            (d, g.first().copied())
        })
        .map_or(&[][..], Vec::as_slice)
}

/// The pieces moving `bytes` from `a` to `b`, split at the FTD boundaries.
pub fn split_pieces(
    ctx: &BalanceContext,
    a: NodeId,
    b: NodeId,
    bytes: u64,
    phases: PiecePhases,
) -> Vec<CopyPiece> {
    let local = |src, dst| CopyPiece {
        src,
        dst,
        bytes,
        scope: PieceScope::Local,
        phase: phases.local,
    };
    if a == b {
        return Vec::new();
    }
    let (fa, fb) = (ctx.ftd[a.index()], ctx.ftd[b.index()]);
    if fa == fb {
        return vec![local(a, b)];
    }
    let a2 = nearest(ctx, &ctx.ftd_members[fa as usize], b);
    let b2 = nearest(ctx, &ctx.ftd_members[fb as usize], a2);
    let mut out = Vec::with_capacity(3);
    if a2 != a {
        out.push(local(a, a2));
    }
    out.push(CopyPiece {
        src: a2,
        dst: b2,
        bytes,
        scope: PieceScope::Global,
        phase: phases.global,
    });
    if b2 != b {
        out.push(local(b2, b));
    }
    out
}

/// The copy creating `r` from the nearest of `instances` (its expert's current instances):
/// split into FTD pieces when `phases` is given, else one direct piece per source device.
pub fn replica_copy(
    ctx: &BalanceContext,
    r: Replica,
    instances: &[Vec<NodeId>],
    phases: Option<PiecePhases>,
) -> ReplicaCopy {
    let src = source_instance(ctx, instances, r.device);
    let slice = ctx.expert_bytes / src.len().max(1) as u64;
    let chains = src
        .iter()
        .map(|&a| match phases {
            Some(p) => split_pieces(ctx, a, r.device, slice, p),
            None if a == r.device => Vec::new(),
            None => vec![CopyPiece {
                src: a,
                dst: r.device,
                bytes: slice,
                scope: if ctx.ftd[a.index()] == ctx.ftd[r.device.index()] {
                    PieceScope::Local
                } else {
                    PieceScope::Global
                },
                phase: CopyPhase::Moe,
            }],
        })
        .filter(|c| !c.is_empty())
        .collect();
    ReplicaCopy { replica: r, chains }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PlacementConfig;
    use crate::tp::tests::ctx;
    use moesim_workloads::ModelSpec;

    #[test]
    fn pieces_follow_the_ftds() {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let c = ctx(&m, 64);
        let base = PlacementConfig::default().place(&c).unwrap();
        let b = BalanceContext::new(&base, c.coords.clone(), 1000, "e.toml").unwrap();
        let ph = PiecePhases {
            local: CopyPhase::Attention,
            global: CopyPhase::Moe,
        };
        // FTDs are columns (tp = 8 over rows): (1,1) -> (1,5) stays in column 1
        let p = split_pieces(&b, NodeId(9), NodeId(41), 10, ph);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].scope, PieceScope::Local);
        // (1,1) -> (4,5): down column 1 to (1,5), then along row 5 to (4,5)
        let p = split_pieces(&b, NodeId(9), NodeId(44), 10, ph);
        assert_eq!(
            p.iter()
                .map(|x| (x.src, x.dst, x.scope))
                .collect::<Vec<_>>(),
            vec![
                (NodeId(9), NodeId(41), PieceScope::Local),
                (NodeId(41), NodeId(44), PieceScope::Global)
            ]
        );
        assert_eq!(p[0].phase, CopyPhase::Attention);
        assert_eq!(p[1].phase, CopyPhase::Moe);
        let r = Replica {
            moe_index: 0,
            expert: 36,
            device: NodeId(44),
        };
        let inst = vec![vec![NodeId(9)]];
        let c1 = replica_copy(&b, r, &inst, None);
        assert_eq!(
            c1.chains,
            vec![vec![CopyPiece {
                src: NodeId(9),
                dst: NodeId(44),
                bytes: 1000,
                scope: PieceScope::Global,
                phase: CopyPhase::Moe
            }]]
        );
        assert_eq!(c1.bytes(), 1000);
        // a split instance sends a slice from each device
        let c2 = replica_copy(&b, r, &[vec![NodeId(0), NodeId(1)]], Some(ph));
        assert_eq!(c2.chains.len(), 2);
        assert_eq!(c2.bytes(), 1000);
    }
}
