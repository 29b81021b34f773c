//! The traffic and work of one MoE layer under a placement.
//!
//! For every token `t` (held after attention by the devices of its attention shards, `H(t)`)
//! and every expert it uses (its `top_k` routed experts, plus the shared experts):
//!
//! 1. *Instance*: a replicated expert's instance is the one nearest (grid distance) to the
//!    token's primary device; ties go to the instance with fewer tokens so far, then the lower
//!    index.
//! 2. *Split instance holding the tokens*: when the instance's device group is exactly `H(t)`
//!    (tensor parallelism over the attention group with an all-reduce after attention, as in
//!    the `tp` placement), every member already holds the token; the partial outputs are summed
//!    by an all-reduce over the group in the combine phase (one per group, over its tokens).
//! 3. *Otherwise*: every device of the instance needs the token. A token needed twice on one
//!    device (two experts there) is sent once; it comes from the holder nearest to the device
//!    (ties: the primary holder, then the lower node id); a holder needs nothing. Every device
//!    that worked on the token sends one partial output (its experts' outputs summed) to the
//!    token's primary device (with `[executor] combine = "nearest_holder"`: to the holder nearest
//!    to it, nothing when it is a holder). When the token has other holders (all-reduce after
//!    attention with `attention_tp > 1`), an all-gather inside its attention group then gives
//!    them the result (an all-reduce, summing the holders' partial outputs, with
//!    `nearest_holder`).
//!
//! Expert work per device: an instance of `c` tokens split over `g` devices costs each device
//! `1/g` of the expert's FLOPs and weight reads for `c` tokens (activations in full). Work whose
//! tokens are all held locally may start right after the router ("local"); the rest waits for
//! the dispatch ("remote").

use super::config::CombineTarget;
use moesim_core::{Coord, NodeId};
use moesim_mapping::{GroupId, PlacementMap};
use moesim_workloads::flows::TokenHolders;
use moesim_workloads::ops::Cost;
use moesim_workloads::ops::ffn::ffn_cost;
use moesim_workloads::routing::LayerRouting;
use moesim_workloads::{ModelSpec, Precision};

/// Point-to-point traffic, merged per (source, destination).
pub type PairBytes = Vec<(NodeId, NodeId, u64)>;

/// What one MoE layer sends and computes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MoePlan {
    pub dispatch: PairBytes,
    pub combine: PairBytes,
    /// All-reduces over split instances whose group holds the tokens: (group, bytes).
    pub group_all_reduce: Vec<(GroupId, u64)>,
    /// All-gathers inside attention groups after the combine: (data-parallel group, bytes).
    pub gather: Vec<(u32, u64)>,
    /// Per device: expert work whose tokens are local.
    pub local: Vec<Vec<Cost>>,
    /// Per device: expert work that waits for the dispatch.
    pub remote: Vec<Vec<Cost>>,
    /// Per device: token-expert pairs of routed experts computed (split work counts once per
    /// device).
    pub routed_pairs: Vec<u64>,
}

/// The inputs of a layer plan.
pub struct MoeLayer<'a> {
    pub model: &'a ModelSpec,
    pub precision: &'a Precision,
    pub map: &'a PlacementMap,
    pub moe_index: u32,
    pub routing: LayerRouting<'a>,
    pub holders: &'a TokenHolders,
    pub coords: &'a [Coord],
    /// Where partial outputs go.
    pub combine: CombineTarget,
}

/// Reused buffers.
#[derive(Clone, Debug, Default)]
pub struct MoeScratch {
    stamp_h: Vec<u32>,
    stamp_need: Vec<u32>,
    stamp_group: Vec<u32>,
    dispatch: PairMatrix,
    combine: PairMatrix,
}

/// Bytes per (source, destination), dense, with the touched cells listed.
#[derive(Clone, Debug, Default)]
struct PairMatrix {
    n: usize,
    bytes: Vec<u64>,
    touched: Vec<usize>,
}

impl PairMatrix {
    fn reset(&mut self, n: usize) {
        self.n = n;
        self.bytes.clear();
        self.bytes.resize(n * n, 0);
        self.touched.clear();
    }
    fn add(&mut self, src: NodeId, dst: NodeId, b: u64) {
        let k = src.index() * self.n + dst.index();
        if self.bytes[k] == 0 {
            self.touched.push(k);
        }
        self.bytes[k] += b;
    }
    /// The non-zero pairs in (source, destination) order.
    fn drain(&mut self) -> PairBytes {
        self.touched.sort_unstable();
        let n = self.n;
        let out = self
            .touched
            .iter()
            .map(|&k| {
                (
                    NodeId((k / n) as u32),
                    NodeId((k % n) as u32),
                    self.bytes[k],
                )
            })
            .collect();
        for &k in &self.touched {
            self.bytes[k] = 0;
        }
        self.touched.clear();
        out
    }
}

/// The routed experts' slot of the shared experts.
const SHARED: u32 = u32::MAX;

impl MoeLayer<'_> {
    fn instances(&self, e: u32) -> &[GroupId] {
        if e == SHARED {
            self.map.shared(self.moe_index)
        } else {
            self.map.expert(self.moe_index, e)
        }
    }

    /// The instance of `inst` nearest to `primary` (ties: fewer tokens, then lower index).
    fn choose(&self, inst: &[GroupId], primary: NodeId, count: &[u32]) -> usize {
        if inst.len() == 1 {
            return 0;
        }
        let pc = self.coords[primary.index()];
        (0..inst.len())
            .min_by_key(|&k| {
                let dist = self
                    .map
                    .group(inst[k])
                    .iter()
                    .map(|d| pc.manhattan(self.coords[d.index()]))
                    .min()
                    .unwrap_or(u32::MAX);
                (dist, count[k], k)
            })
            .unwrap_or(0)
    }

    /// The holder of a token nearest to `d` (ties: the primary, then the lower node id).
    fn nearest(&self, holders: &[NodeId], primary: NodeId, d: NodeId) -> NodeId {
        let dc = self.coords[d.index()];
        holders
            .iter()
            .copied()
            .min_by_key(|&h| (dc.manhattan(self.coords[h.index()]), h != primary, h))
            .unwrap_or(primary)
    }

    /// Builds the plan on `n` devices.
    pub fn plan(&self, n: usize, s: &mut MoeScratch) -> MoePlan {
        let m = self.map;
        let tb = self.model.token_bytes(self.precision);
        let e_count = self.model.num_experts() as usize;
        let has_shared = !m.shared(self.moe_index).is_empty();
        for v in [&mut s.stamp_h, &mut s.stamp_need] {
            v.clear();
            v.resize(n, 0);
        }
        s.stamp_group.clear();
        s.stamp_group.resize(m.groups.len(), 0);
        s.dispatch.reset(n);
        s.combine.reset(n);

        // per expert slot (routed 0..E, shared at E), per instance: tokens, and whether some
        // device of the instance must fetch a token
        let mut count: Vec<Vec<u32>> = (0..e_count)
            .map(|e| vec![0; self.instances(e as u32).len()])
            .collect();
        count.push(vec![
            0;
            if has_shared {
                self.instances(SHARED).len()
            } else {
                0
            }
        ]);
        let mut fetch: Vec<Vec<bool>> = count.iter().map(|v| vec![false; v.len()]).collect();
        let mut ar_tokens = vec![0u64; m.groups.len()];
        let tp = m.parallelism.attention_tp.max(1);
        let mut gather_tokens = vec![0u64; m.parallelism.attention_dp.max(1) as usize];
        let gather_after = tp > 1
            && m.parallelism.post_attention == moesim_workloads::flows::PostAttention::AllReduce;

        let mut needs: Vec<NodeId> = Vec::new();
        let mut holders: Vec<NodeId> = Vec::new();
        let mut experts: Vec<u32> = Vec::new();
        for t in 0..self.routing.num_tokens() {
            let stamp = t as u32 + 1;
            holders.clear();
            holders.extend(self.holders.holders(t).map(|sh| m.attention_device(sh)));
            let primary = m.attention_device(self.holders.primary[t]);
            for h in &holders {
                s.stamp_h[h.index()] = stamp;
            }
            experts.clear();
            experts.extend_from_slice(self.routing.token(t));
            if has_shared {
                experts.push(SHARED);
            }
            needs.clear();
            for &e in &experts {
                let inst = self.instances(e);
                let slot = if e == SHARED { e_count } else { e as usize };
                let k = self.choose(inst, primary, &count[slot]);
                count[slot][k] += 1;
                let g = inst[k];
                let group = m.group(g);
                let holds_all = group.len() > 1
                    && group.len() == holders.len()
                    && group.iter().all(|d| s.stamp_h[d.index()] == stamp);
                if holds_all {
                    if s.stamp_group[g as usize] != stamp {
                        s.stamp_group[g as usize] = stamp;
                        ar_tokens[g as usize] += 1;
                    }
                    continue;
                }
                for &d in group {
                    if s.stamp_h[d.index()] != stamp {
                        fetch[slot][k] = true;
                    }
                    if s.stamp_need[d.index()] != stamp {
                        s.stamp_need[d.index()] = stamp;
                        needs.push(d);
                    }
                }
            }
            for &d in &needs {
                if s.stamp_h[d.index()] != stamp {
                    let src = self.nearest(&holders, primary, d);
                    s.dispatch.add(src, d, tb);
                }
                match self.combine {
                    CombineTarget::Primary if d != primary => s.combine.add(d, primary, tb),
                    CombineTarget::NearestHolder if s.stamp_h[d.index()] != stamp => {
                        let to = self.nearest(&holders, primary, d);
                        s.combine.add(d, to, tb);
                    }
                    _ => {}
                }
            }
            if !needs.is_empty() && gather_after {
                gather_tokens[self.holders.dp_group[t] as usize] += 1;
            }
        }

        let mut plan = MoePlan {
            dispatch: s.dispatch.drain(),
            combine: s.combine.drain(),
            group_all_reduce: ar_tokens
                .iter()
                .enumerate()
                .filter(|&(_, &c)| c > 0)
                .map(|(g, &c)| (g as GroupId, c * tb))
                .collect(),
            gather: gather_tokens
                .iter()
                .enumerate()
                .filter(|&(_, &c)| c > 0)
                .map(|(g, &c)| (g as u32, c * tb))
                .collect(),
            local: vec![Vec::new(); n],
            remote: vec![Vec::new(); n],
            routed_pairs: vec![0; n],
        };
        self.add_work(&mut plan, &count, &fetch, e_count);
        plan
    }

    /// The expert work of every instance, split over its devices.
    fn add_work(
        &self,
        plan: &mut MoePlan,
        count: &[Vec<u32>],
        fetch: &[Vec<bool>],
        e_count: usize,
    ) {
        let model = self.model;
        let p = self.precision;
        for (slot, per_inst) in count.iter().enumerate() {
            let e = if slot == e_count { SHARED } else { slot as u32 };
            let inst = self.instances(e);
            for (k, &c) in per_inst.iter().enumerate() {
                if c == 0 {
                    continue;
                }
                let full = if e == SHARED {
                    ffn_cost(
                        u64::from(c),
                        model.hidden(),
                        model.moe.shared_expert_intermediate_size,
                        model.ffn_act,
                        1,
                        p,
                    )
                } else {
                    model.expert_cost(u64::from(c), p)
                };
                let group = self.map.group(inst[k]);
                let g = group.len().max(1) as u64;
                let slice = Cost {
                    flops: full.flops / g,
                    weight_bytes: full.weight_bytes / g,
                    ..full
                };
                for &d in group {
                    let list = if fetch[slot][k] {
                        &mut plan.remote[d.index()]
                    } else {
                        &mut plan.local[d.index()]
                    };
                    list.push(slice);
                    if e != SHARED {
                        plan.routed_pairs[d.index()] += u64::from(c);
                    }
                }
            }
        }
    }
}
