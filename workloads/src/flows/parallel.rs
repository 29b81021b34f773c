//! Logical parallelism of attention: `attention_tp` shards split the heads of one data-parallel
//! group, `attention_dp` groups split the sequences. After attention a group's partial outputs are
//! combined by an all-reduce, or by a reduce-scatter (then every shard owns `1/tp` of the group's
//! tokens and an all-gather restores the full batch before the next attention).

use crate::model::{AttentionKind, ModelSpec};
use moesim_core::{Error, Result};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostAttention {
    #[default]
    AllReduce,
    ReduceScatter,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parallelism {
    #[serde(default = "one")]
    pub attention_tp: u32,
    #[serde(default = "one")]
    pub attention_dp: u32,
    #[serde(default)]
    pub post_attention: PostAttention,
}

fn one() -> u32 {
    1
}

impl Default for Parallelism {
    fn default() -> Parallelism {
        Parallelism {
            attention_tp: 1,
            attention_dp: 1,
            post_attention: PostAttention::AllReduce,
        }
    }
}

impl Parallelism {
    /// Attention shards in total.
    pub fn num_shards(&self) -> u32 {
        self.attention_tp * self.attention_dp
    }

    /// Checks the degrees against the model; errors name `origin` and the key.
    pub fn validate(&self, model: &ModelSpec, origin: &str) -> Result<()> {
        let (tp, dp) = (self.attention_tp, self.attention_dp);
        if tp == 0 || dp == 0 {
            return Err(Error::config(
                origin,
                if tp == 0 {
                    "parallelism.attention_tp"
                } else {
                    "parallelism.attention_dp"
                },
                "must not be 0",
            )
            .allowed("a positive integer"));
        }
        let heads = model.attention.num_heads;
        if !heads.is_multiple_of(tp) {
            return Err(Error::config(
                origin,
                "parallelism.attention_tp",
                format!("{tp} does not divide the {heads} attention heads"),
            )
            .allowed("a divisor of num_heads"));
        }
        let kv = model.attention.num_kv_heads;
        if model.attention.kind != AttentionKind::Mla
            && !kv.is_multiple_of(tp)
            && !tp.is_multiple_of(kv)
        {
            return Err(Error::config(
                origin,
                "parallelism.attention_tp",
                format!("{tp} shards cannot split or replicate {kv} KV heads evenly"),
            )
            .allowed("a divisor or a multiple of num_kv_heads"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks() {
        let m = ModelSpec::preset("mixtral-8x7b").unwrap();
        let p = |tp, dp| Parallelism {
            attention_tp: tp,
            attention_dp: dp,
            ..Parallelism::default()
        };
        assert!(p(8, 2).validate(&m, "x").is_ok());
        assert!(p(16, 1).validate(&m, "x").is_ok());
        let e = p(3, 1).validate(&m, "x").unwrap_err().to_string();
        assert!(e.contains("key `parallelism.attention_tp`"), "{e}");
        assert!(p(1, 0).validate(&m, "x").is_err());
        assert_eq!(p(4, 2).num_shards(), 8);
    }
}
