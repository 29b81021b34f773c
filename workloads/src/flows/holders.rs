//! Which attention shards hold each token's hidden state after attention.
//!
//! Sequence `s` belongs to data-parallel group `s mod dp`. The `j`-th token of a group has the
//! primary shard `g * tp + (j mod tp)`: with an all-reduce every shard of the group holds the
//! token (the primary is only the default dispatch source), with a reduce-scatter only the primary
//! does.

use super::parallel::{Parallelism, PostAttention};
use crate::batch::Batch;
use serde::Serialize;
use std::ops::Range;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TokenHolders {
    tp: u32,
    all_reduce: bool,
    /// Per token, its data-parallel group.
    pub dp_group: Vec<u32>,
    /// Per token, its primary attention shard.
    pub primary: Vec<u32>,
}

impl TokenHolders {
    pub fn new(batch: &Batch, par: &Parallelism) -> TokenHolders {
        let (tp, dp) = (par.attention_tp.max(1), par.attention_dp.max(1));
        let mut seen = vec![0u32; dp as usize];
        let mut h = TokenHolders {
            tp,
            all_reduce: par.post_attention == PostAttention::AllReduce,
            dp_group: Vec::with_capacity(batch.num_tokens() as usize),
            primary: Vec::with_capacity(batch.num_tokens() as usize),
        };
        for t in batch.tokens() {
            let g = t.seq % dp;
            let j = &mut seen[g as usize];
            h.dp_group.push(g);
            h.primary.push(g * tp + *j % tp);
            *j += 1;
        }
        h
    }

    pub fn num_tokens(&self) -> usize {
        self.primary.len()
    }

    /// The attention shards that hold token `t` after attention.
    pub fn holders(&self, t: usize) -> Range<u32> {
        if self.all_reduce {
            let g = self.dp_group[t];
            g * self.tp..(g + 1) * self.tp
        } else {
            self.primary[t]..self.primary[t] + 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_primaries() {
        let b = Batch::decode(6, 10);
        let par = Parallelism {
            attention_tp: 2,
            attention_dp: 2,
            post_attention: PostAttention::ReduceScatter,
        };
        let h = TokenHolders::new(&b, &par);
        assert_eq!(h.dp_group, vec![0, 1, 0, 1, 0, 1]);
        assert_eq!(h.primary, vec![0, 2, 1, 3, 0, 2]);
        assert_eq!(h.holders(3), 3..4);
        let ar = TokenHolders::new(
            &b,
            &Parallelism {
                post_attention: PostAttention::AllReduce,
                ..par
            },
        );
        assert_eq!(ar.holders(3), 2..4);
    }
}
