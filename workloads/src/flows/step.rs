//! The workload of one step: ops, collectives and flows per layer, built from a model, a batch,
//! a routing source and the logical parallelism.

use super::endpoint::Endpoint;
use super::holders::TokenHolders;
use super::parallel::{Parallelism, PostAttention};
use crate::batch::{Batch, SeqGroup};
use crate::dtype::Precision;
use crate::model::{LayerKind, ModelSpec};
use crate::ops::ffn::{embedding_cost, ffn_cost, lm_head_cost, router_cost};
use crate::ops::{Cost, TpShare, attention_cost};
use crate::routing::table::max_over_mean;
use crate::routing::{LayerRouting, RoutingSource, StepRouting};
use moesim_core::{Error, Result};
use serde::Serialize;

/// What an operator computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    Embedding,
    Attention,
    Router,
    RoutedExpert,
    SharedExpert,
    DenseFfn,
    LmHead,
}

/// Work on one endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Op {
    pub endpoint: Endpoint,
    pub kind: OpKind,
    /// Tokens processed.
    pub tokens: u64,
    pub cost: Cost,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CollectiveKind {
    AllReduce,
    ReduceScatter,
    AllGather,
}

/// Where in the layer a collective runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CollectivePhase {
    Embedding,
    BeforeAttention,
    AfterAttention,
    BeforeFfn,
    AfterFfn,
    Logits,
}

/// A collective among the shards of one data-parallel group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Collective {
    pub kind: CollectiveKind,
    pub phase: CollectivePhase,
    pub members: Vec<Endpoint>,
    /// Size of the full tensor (every member's input for an all-reduce).
    pub bytes: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    /// Tokens to a routed expert.
    Dispatch,
    /// Expert outputs back to the token's shard.
    Combine,
    SharedDispatch,
    SharedCombine,
}

/// Traffic between two endpoints (all tokens of one kind between them this layer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Flow {
    pub kind: FlowKind,
    pub src: Endpoint,
    pub dst: Endpoint,
    pub tokens: u32,
    pub bytes: u64,
}

/// Per-layer figures (what `moesim workload` prints).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LayerSummary {
    pub layer: u32,
    /// `dense` or `moe`.
    pub kind: &'static str,
    pub attention_flops: u64,
    pub router_flops: u64,
    /// Routed plus shared experts.
    pub moe_flops: u64,
    pub dense_ffn_flops: u64,
    /// Tokens per routed expert (empty for a dense layer).
    pub expert_tokens: Vec<u32>,
    pub max_over_mean_load: f64,
    /// Routed dispatch (tokens x top_k x hidden x activation bytes).
    pub dispatch_bytes: u64,
    pub combine_bytes: u64,
    /// Shared-expert dispatch plus combine.
    pub shared_bytes: u64,
    pub collective_bytes: u64,
    pub bytes_read: u64,
}

/// One layer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerWorkload {
    pub layer: u32,
    pub kind: LayerKind,
    pub ops: Vec<Op>,
    pub collectives: Vec<Collective>,
    pub flows: Vec<Flow>,
    pub summary: LayerSummary,
}

/// The embedding or the LM head.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StageWorkload {
    pub ops: Vec<Op>,
    pub collectives: Vec<Collective>,
}

/// Totals of a step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StepTotals {
    pub flops: u64,
    pub attention_flops: u64,
    pub router_flops: u64,
    pub moe_flops: u64,
    pub dense_ffn_flops: u64,
    /// Embedding and LM head.
    pub head_flops: u64,
    pub dispatch_bytes: u64,
    pub combine_bytes: u64,
    pub shared_bytes: u64,
    pub collective_bytes: u64,
    pub bytes_read: u64,
}

/// The workload of one step.
#[derive(Clone, Debug)]
pub struct StepWorkload {
    pub step: u64,
    pub batch: Batch,
    pub parallelism: Parallelism,
    pub precision: Precision,
    /// The shards holding each token.
    pub holders: TokenHolders,
    /// Every token's experts in every MoE layer.
    pub routing: StepRouting,
    pub embedding: StageWorkload,
    pub layers: Vec<LayerWorkload>,
    pub lm_head: StageWorkload,
    pub totals: StepTotals,
}

impl StepWorkload {
    /// The token -> expert-set mapping of a model layer (None for a dense layer).
    pub fn token_experts(&self, layer: u32) -> Option<LayerRouting<'_>> {
        match self.layers.get(layer as usize)?.kind {
            LayerKind::Moe { moe_index } => Some(self.routing.layer(moe_index)),
            LayerKind::Dense => None,
        }
    }

    pub fn summaries(&self) -> impl Iterator<Item = &LayerSummary> {
        self.layers.iter().map(|l| &l.summary)
    }
}

/// Builds step workloads for one model, precision and parallelism.
pub struct StepBuilder<'m> {
    model: &'m ModelSpec,
    precision: Precision,
    par: Parallelism,
}

/// The sequences of `batch` that belong to data-parallel group `g` of `dp`.
fn dp_sub_batch(batch: &Batch, g: u32, dp: u32) -> Batch {
    let mut base = 0u32;
    let mut groups = Vec::new();
    for sg in batch.groups() {
        let n = sg.num_seqs;
        let first = base + (g + dp - base % dp) % dp;
        let count = if first < base + n {
            (base + n - 1 - first) / dp + 1
        } else {
            0
        };
        groups.push(SeqGroup {
            num_seqs: count,
            ..*sg
        });
        base += n;
    }
    Batch::from_groups(groups)
}

impl<'m> StepBuilder<'m> {
    /// Checks the parallelism against the model (`origin` names the config in errors).
    pub fn new(
        model: &'m ModelSpec,
        precision: Precision,
        par: Parallelism,
        origin: &str,
    ) -> Result<StepBuilder<'m>> {
        par.validate(model, origin)?;
        Ok(StepBuilder {
            model,
            precision,
            par,
        })
    }

    /// Routes `batch` for `step` with `source` and builds the step.
    pub fn build(
        &self,
        step: u64,
        batch: &Batch,
        source: &dyn RoutingSource,
    ) -> Result<StepWorkload> {
        let mut routing = StepRouting::default();
        source.route_step(step, batch, &mut routing)?;
        self.assemble(step, batch, routing)
    }

    fn shard_members(&self, g: u32) -> Vec<Endpoint> {
        let tp = self.par.attention_tp;
        (g * tp..(g + 1) * tp)
            .map(Endpoint::AttentionShard)
            .collect()
    }

    /// Collectives of every DP group around one TP-sharded block.
    fn tp_collectives(
        &self,
        group_tokens: &[u64],
        before: CollectivePhase,
        after: CollectivePhase,
    ) -> Vec<Collective> {
        if self.par.attention_tp < 2 {
            return Vec::new();
        }
        let tb = self.model.token_bytes(&self.precision);
        let mut out = Vec::new();
        for (g, &n) in group_tokens.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let members = self.shard_members(g as u32);
            let bytes = n * tb;
            match self.par.post_attention {
                PostAttention::AllReduce => out.push(Collective {
                    kind: CollectiveKind::AllReduce,
                    phase: after,
                    members,
                    bytes,
                }),
                PostAttention::ReduceScatter => {
                    out.push(Collective {
                        kind: CollectiveKind::AllGather,
                        phase: before,
                        members: members.clone(),
                        bytes,
                    });
                    out.push(Collective {
                        kind: CollectiveKind::ReduceScatter,
                        phase: after,
                        members,
                        bytes,
                    });
                }
            }
        }
        out
    }

    /// Builds the step from a routing already computed.
    pub fn assemble(&self, step: u64, batch: &Batch, routing: StepRouting) -> Result<StepWorkload> {
        let m = self.model;
        let p = &self.precision;
        let (tp, dp) = (self.par.attention_tp, self.par.attention_dp);
        let shards = self.par.num_shards();
        let tokens = batch.num_tokens();
        let expected = (m.num_moe_layers(), tokens as u32, m.top_k());
        let got = (routing.num_layers(), routing.num_tokens(), routing.top_k());
        if expected != got {
            return Err(Error::Check(format!(
                "routing has (layers, tokens, top_k) = {got:?}, the model and batch need {expected:?}"
            )));
        }
        let h = m.hidden();
        let holders = TokenHolders::new(batch, &self.par);
        let subs: Vec<Batch> = (0..dp).map(|g| dp_sub_batch(batch, g, dp)).collect();
        let group_tokens: Vec<u64> = subs.iter().map(Batch::num_tokens).collect();
        let share = TpShare { tp };

        let per_shard = |kind: OpKind, cost: &dyn Fn(usize) -> Cost| -> Vec<Op> {
            (0..shards)
                .map(|s| {
                    let g = (s / tp) as usize;
                    Op {
                        endpoint: Endpoint::AttentionShard(s),
                        kind,
                        tokens: group_tokens[g],
                        cost: cost(g),
                    }
                })
                .collect()
        };
        let attn_ops = per_shard(OpKind::Attention, &|g| {
            attention_cost(&m.attention, h, &subs[g], share, p)
        });
        let dense_ops = per_shard(OpKind::DenseFfn, &|g| {
            ffn_cost(
                group_tokens[g],
                h,
                m.moe.dense_intermediate_size,
                m.ffn_act,
                tp as u64,
                p,
            )
        });
        let attn_coll = self.tp_collectives(
            &group_tokens,
            CollectivePhase::BeforeAttention,
            CollectivePhase::AfterAttention,
        );
        let ffn_coll = self.tp_collectives(
            &group_tokens,
            CollectivePhase::BeforeFfn,
            CollectivePhase::AfterFfn,
        );

        // tokens per primary shard (router work and shared-expert traffic)
        let mut shard_tokens = vec![0u64; shards as usize];
        for &s in &holders.primary {
            shard_tokens[s as usize] += 1;
        }
        let mut scratch = vec![0u32; shards as usize * m.num_experts() as usize];
        let mut layers = Vec::with_capacity(m.num_layers() as usize);
        for layer in 0..m.num_layers() {
            let kind = m.layer_kind(layer);
            let mut ops = attn_ops.clone();
            let mut collectives = attn_coll.clone();
            let mut flows = Vec::new();
            let mut expert_tokens = Vec::new();
            match kind {
                LayerKind::Dense => {
                    ops.extend_from_slice(&dense_ops);
                    collectives.extend_from_slice(&ffn_coll);
                }
                LayerKind::Moe { moe_index } => {
                    expert_tokens = self.moe_layer(
                        layer,
                        routing.layer(moe_index),
                        &holders,
                        &shard_tokens,
                        &mut scratch,
                        &mut ops,
                        &mut flows,
                    );
                }
            }
            let summary = summarize(layer, kind, &ops, &collectives, &flows, expert_tokens);
            layers.push(LayerWorkload {
                layer,
                kind,
                ops,
                collectives,
                flows,
                summary,
            });
        }

        let embedding = StageWorkload {
            ops: per_shard(OpKind::Embedding, &|g| {
                embedding_cost(group_tokens[g], h, tp as u64, p)
            }),
            collectives: self
                .tp_collectives(
                    &group_tokens,
                    CollectivePhase::Embedding,
                    CollectivePhase::Embedding,
                )
                .into_iter()
                .filter(|c| c.kind != CollectiveKind::AllGather)
                .collect(),
        };
        let out_tokens: Vec<u64> = subs.iter().map(|b| b.num_output_tokens()).collect();
        let mut logits = Vec::new();
        if tp > 1 {
            for (g, &o) in out_tokens.iter().enumerate() {
                if o > 0 {
                    logits.push(Collective {
                        kind: CollectiveKind::AllGather,
                        phase: CollectivePhase::Logits,
                        members: self.shard_members(g as u32),
                        bytes: o * m.arch.vocab_size * p.act_bytes(),
                    });
                }
            }
        }
        let lm_head = StageWorkload {
            ops: per_shard(OpKind::LmHead, &|g| {
                lm_head_cost(out_tokens[g], h, m.arch.vocab_size, tp as u64, p)
            }),
            collectives: logits,
        };
        let totals = totals(&layers, &embedding, &lm_head);
        Ok(StepWorkload {
            step,
            batch: batch.clone(),
            parallelism: self.par,
            precision: *p,
            holders,
            routing,
            embedding,
            layers,
            lm_head,
            totals,
        })
    }

    /// Router, experts, shared experts and the dispatch/combine flows of one MoE layer; returns
    /// the tokens per expert.
    #[allow(clippy::too_many_arguments)]
    fn moe_layer(
        &self,
        layer: u32,
        routing: LayerRouting<'_>,
        holders: &TokenHolders,
        shard_tokens: &[u64],
        scratch: &mut [u32],
        ops: &mut Vec<Op>,
        flows: &mut Vec<Flow>,
    ) -> Vec<u32> {
        let m = self.model;
        let p = &self.precision;
        let h = m.hidden();
        let e_count = m.num_experts() as usize;
        let tb = m.token_bytes(p);
        scratch.iter_mut().for_each(|c| *c = 0);
        let mut expert_tokens = vec![0u32; e_count];
        for (t, set) in routing.tokens().enumerate() {
            let row = holders.primary[t] as usize * e_count;
            for &e in set {
                scratch[row + e as usize] += 1;
                expert_tokens[e as usize] += 1;
            }
        }
        for (s, &n) in shard_tokens.iter().enumerate() {
            if n > 0 {
                ops.push(Op {
                    endpoint: Endpoint::AttentionShard(s as u32),
                    kind: OpKind::Router,
                    tokens: n,
                    cost: router_cost(n, h, e_count as u64, p),
                });
            }
        }
        for (e, &n) in expert_tokens.iter().enumerate() {
            if n > 0 {
                ops.push(Op {
                    endpoint: Endpoint::Expert {
                        layer,
                        expert: e as u32,
                    },
                    kind: OpKind::RoutedExpert,
                    tokens: n as u64,
                    cost: m.expert_cost(n as u64, p),
                });
            }
        }
        for (s, row) in scratch.chunks_exact(e_count).enumerate() {
            let src = Endpoint::AttentionShard(s as u32);
            for (e, &n) in row.iter().enumerate() {
                if n == 0 {
                    continue;
                }
                let dst = Endpoint::Expert {
                    layer,
                    expert: e as u32,
                };
                let bytes = n as u64 * tb;
                flows.push(Flow {
                    kind: FlowKind::Dispatch,
                    src,
                    dst,
                    tokens: n,
                    bytes,
                });
                flows.push(Flow {
                    kind: FlowKind::Combine,
                    src: dst,
                    dst: src,
                    tokens: n,
                    bytes,
                });
            }
        }
        if m.has_shared_experts() {
            let tokens: u64 = shard_tokens.iter().sum();
            let shared = Endpoint::SharedExpert { layer };
            ops.push(Op {
                endpoint: shared,
                kind: OpKind::SharedExpert,
                tokens,
                cost: ffn_cost(
                    tokens,
                    h,
                    m.moe.shared_expert_intermediate_size,
                    m.ffn_act,
                    1,
                    p,
                ),
            });
            for (s, &n) in shard_tokens.iter().enumerate() {
                if n == 0 {
                    continue;
                }
                let src = Endpoint::AttentionShard(s as u32);
                let (tokens, bytes) = (n as u32, n * tb);
                flows.push(Flow {
                    kind: FlowKind::SharedDispatch,
                    src,
                    dst: shared,
                    tokens,
                    bytes,
                });
                flows.push(Flow {
                    kind: FlowKind::SharedCombine,
                    src: shared,
                    dst: src,
                    tokens,
                    bytes,
                });
            }
        }
        expert_tokens
    }
}

fn summarize(
    layer: u32,
    kind: LayerKind,
    ops: &[Op],
    collectives: &[Collective],
    flows: &[Flow],
    expert_tokens: Vec<u32>,
) -> LayerSummary {
    let flops = |k: OpKind| -> u64 {
        ops.iter()
            .filter(|o| o.kind == k)
            .map(|o| o.cost.flops)
            .sum()
    };
    let bytes = |k: &[FlowKind]| -> u64 {
        flows
            .iter()
            .filter(|f| k.contains(&f.kind))
            .map(|f| f.bytes)
            .sum()
    };
    LayerSummary {
        layer,
        kind: match kind {
            LayerKind::Dense => "dense",
            LayerKind::Moe { .. } => "moe",
        },
        attention_flops: flops(OpKind::Attention),
        router_flops: flops(OpKind::Router),
        moe_flops: flops(OpKind::RoutedExpert) + flops(OpKind::SharedExpert),
        dense_ffn_flops: flops(OpKind::DenseFfn),
        max_over_mean_load: max_over_mean(&expert_tokens),
        expert_tokens,
        dispatch_bytes: bytes(&[FlowKind::Dispatch]),
        combine_bytes: bytes(&[FlowKind::Combine]),
        shared_bytes: bytes(&[FlowKind::SharedDispatch, FlowKind::SharedCombine]),
        collective_bytes: collectives.iter().map(|c| c.bytes).sum(),
        bytes_read: ops.iter().map(|o| o.cost.bytes_read()).sum(),
    }
}

fn totals(layers: &[LayerWorkload], emb: &StageWorkload, head: &StageWorkload) -> StepTotals {
    let mut t = StepTotals::default();
    for l in layers {
        let s = &l.summary;
        t.attention_flops += s.attention_flops;
        t.router_flops += s.router_flops;
        t.moe_flops += s.moe_flops;
        t.dense_ffn_flops += s.dense_ffn_flops;
        t.dispatch_bytes += s.dispatch_bytes;
        t.combine_bytes += s.combine_bytes;
        t.shared_bytes += s.shared_bytes;
        t.collective_bytes += s.collective_bytes;
        t.bytes_read += s.bytes_read;
    }
    for st in [emb, head] {
        t.head_flops += st.ops.iter().map(|o| o.cost.flops).sum::<u64>();
        t.bytes_read += st.ops.iter().map(|o| o.cost.bytes_read()).sum::<u64>();
        t.collective_bytes += st.collectives.iter().map(|c| c.bytes).sum::<u64>();
    }
    t.flops = t.attention_flops + t.router_flops + t.moe_flops + t.dense_ffn_flops + t.head_flops;
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::{RoutingConfig, build_routing};

    #[test]
    fn dp_sub_batches_partition_the_sequences() {
        let b = Batch::mixed(5, 10, 3, 4);
        let parts: Vec<Batch> = (0..3).map(|g| dp_sub_batch(&b, g, 3)).collect();
        let seqs: u32 = parts.iter().map(Batch::num_seqs).sum();
        let toks: u64 = parts.iter().map(Batch::num_tokens).sum();
        assert_eq!((seqs, toks), (8, 5 + 12));
        // sequences 0,3 | 5 ; 1,4 | 6 ; 2 | 7 (prefill seqs are 5,6,7)
        assert_eq!(parts[0].num_tokens(), 2 + 4);
        assert_eq!(parts[2].num_tokens(), 1 + 4);
    }

    #[test]
    fn deepseek_step_structure() {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let par = Parallelism {
            attention_tp: 4,
            attention_dp: 2,
            post_attention: PostAttention::ReduceScatter,
        };
        let b = StepBuilder::new(&m, Precision::default(), par, "t").unwrap();
        let src = build_routing(&RoutingConfig::default(), &m, 1, "t").unwrap();
        let batch = Batch::decode(16, 128);
        let w = b.build(0, &batch, src.as_ref()).unwrap();
        assert_eq!(w.layers.len(), 61);
        assert_eq!(w.layers[0].summary.kind, "dense");
        assert!(w.token_experts(0).is_none());
        assert_eq!(w.token_experts(3).unwrap().num_tokens(), 16);
        let l3 = &w.layers[3];
        // two collectives (AG before, RS after attention) per DP group
        assert_eq!(l3.collectives.len(), 4);
        let tb = 7168 * 2;
        assert_eq!(l3.summary.dispatch_bytes, 16 * 8 * tb);
        assert_eq!(l3.summary.combine_bytes, l3.summary.dispatch_bytes);
        assert_eq!(l3.summary.shared_bytes, 2 * 16 * tb);
        assert_eq!(l3.summary.expert_tokens.iter().sum::<u32>(), 16 * 8);
        // dense layer: AG + RS around attention and around the FFN, per group
        assert_eq!(w.layers[0].collectives.len(), 8);
        assert_eq!(w.lm_head.collectives.len(), 2);
        let t = &w.totals;
        assert_eq!(t.dispatch_bytes, 58 * 16 * 8 * tb);
        assert!(t.flops > t.moe_flops + t.attention_flops);
    }

    #[test]
    fn routing_shape_mismatch_is_an_error() {
        let m = ModelSpec::preset("mixtral-8x7b").unwrap();
        let b = StepBuilder::new(&m, Precision::default(), Parallelism::default(), "t").unwrap();
        let e = b
            .assemble(0, &Batch::decode(4, 1), StepRouting::new(32, 5, 2))
            .unwrap_err();
        assert!(e.to_string().contains("routing has"), "{e}");
    }
}
