//! Batches: groups of sequences in prefill or decode, their new tokens and cached context.
//!
//! Tokens of a step are numbered group by group, sequence by sequence: sequence `s` of the batch
//! owns a contiguous run of `new_tokens` token indices. The LM head runs once per sequence (the
//! last position of a prefill, the one new token of a decode).

use moesim_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// The phase of a whole batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Every sequence processes its prompt.
    Prefill,
    /// Every sequence generates one token against its KV cache.
    Decode,
    /// Decode sequences plus prefill sequences in one step (chunked prefill).
    Mixed,
}

/// The phase of one group of sequences.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeqPhase {
    Prefill,
    Decode,
}

/// `num_seqs` sequences, each with `new_tokens` tokens this step after `context_tokens` cached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SeqGroup {
    pub phase: SeqPhase,
    pub num_seqs: u32,
    pub new_tokens: u64,
    pub context_tokens: u64,
}

/// One step's batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Batch {
    groups: Vec<SeqGroup>,
}

/// Where a token of the step comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenRef {
    /// Sequence index in the batch.
    pub seq: u32,
    /// Position of the token in its sequence (context + offset in this step).
    pub pos: u64,
}

impl Batch {
    /// `num_seqs` decode sequences with `context_tokens` cached each.
    pub fn decode(num_seqs: u32, context_tokens: u64) -> Batch {
        Batch {
            groups: vec![SeqGroup {
                phase: SeqPhase::Decode,
                num_seqs,
                new_tokens: 1,
                context_tokens,
            }],
        }
    }

    /// `num_seqs` prompts of `seq_tokens` tokens each, no cached context.
    pub fn prefill(num_seqs: u32, seq_tokens: u64) -> Batch {
        Batch {
            groups: vec![SeqGroup {
                phase: SeqPhase::Prefill,
                num_seqs,
                new_tokens: seq_tokens,
                context_tokens: 0,
            }],
        }
    }

    /// Decode sequences plus prefill sequences in one step.
    pub fn mixed(
        decode_seqs: u32,
        context_tokens: u64,
        prefill_seqs: u32,
        seq_tokens: u64,
    ) -> Batch {
        let mut b = Batch::decode(decode_seqs, context_tokens);
        b.groups
            .extend(Batch::prefill(prefill_seqs, seq_tokens).groups);
        b
    }

    /// A batch of arbitrary groups.
    pub fn from_groups(groups: Vec<SeqGroup>) -> Batch {
        Batch { groups }
    }

    pub fn groups(&self) -> &[SeqGroup] {
        &self.groups
    }

    pub fn phase(&self) -> Phase {
        let has = |p| self.groups.iter().any(|g| g.phase == p && g.num_seqs > 0);
        match (has(SeqPhase::Prefill), has(SeqPhase::Decode)) {
            (true, true) => Phase::Mixed,
            (true, false) => Phase::Prefill,
            _ => Phase::Decode,
        }
    }

    /// Sequences in the batch.
    pub fn num_seqs(&self) -> u32 {
        self.groups.iter().map(|g| g.num_seqs).sum()
    }

    /// Tokens processed this step (the tokens per step).
    pub fn num_tokens(&self) -> u64 {
        self.groups
            .iter()
            .map(|g| g.num_seqs as u64 * g.new_tokens)
            .sum()
    }

    /// Tokens that produce logits (one per sequence).
    pub fn num_output_tokens(&self) -> u64 {
        self.num_seqs() as u64
    }

    /// Every token of the step, in token order.
    pub fn tokens(&self) -> impl Iterator<Item = TokenRef> + '_ {
        let mut first_seq = 0u32;
        self.groups.iter().flat_map(move |g| {
            let base = first_seq;
            first_seq += g.num_seqs;
            (0..g.num_seqs).flat_map(move |s| {
                (0..g.new_tokens).map(move |i| TokenRef {
                    seq: base + s,
                    pos: g.context_tokens + i,
                })
            })
        })
    }

    /// The sequence of every token, in token order.
    pub fn token_seqs(&self) -> Vec<u32> {
        self.tokens().map(|t| t.seq).collect()
    }
}

/// A batch as written in an experiment file (`[batch]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchConfig {
    pub phase: Phase,
    /// Sequences (decode sequences for `mixed`).
    pub batch_size: u32,
    /// Prompt tokens per prefill sequence.
    #[serde(default = "default_seq_len")]
    pub seq_len: u64,
    /// Cached tokens per decode sequence.
    #[serde(default = "default_context_len")]
    pub context_len: u64,
    /// Prefill sequences of a `mixed` batch.
    #[serde(default = "default_prefill_batch")]
    pub prefill_batch_size: u32,
}

fn default_seq_len() -> u64 {
    1024
}
fn default_context_len() -> u64 {
    1024
}
fn default_prefill_batch() -> u32 {
    1
}

/// More tokens than this in one step is certainly a typo (and would exhaust memory).
pub const MAX_TOKENS_PER_STEP: u64 = 1 << 24;

impl BatchConfig {
    /// The checked batch; errors name `origin` and the key.
    pub fn to_batch(&self, origin: &str) -> Result<Batch> {
        let nonzero = |key: &str, v: u64| {
            if v == 0 {
                Err(Error::config(origin, key, "must not be 0").allowed("a positive integer"))
            } else {
                Ok(())
            }
        };
        nonzero("batch.batch_size", self.batch_size as u64)?;
        let batch = match self.phase {
            Phase::Decode => Batch::decode(self.batch_size, self.context_len),
            Phase::Prefill => {
                nonzero("batch.seq_len", self.seq_len)?;
                Batch::prefill(self.batch_size, self.seq_len)
            }
            Phase::Mixed => {
                nonzero("batch.seq_len", self.seq_len)?;
                nonzero("batch.prefill_batch_size", self.prefill_batch_size as u64)?;
                Batch::mixed(
                    self.batch_size,
                    self.context_len,
                    self.prefill_batch_size,
                    self.seq_len,
                )
            }
        };
        if batch.num_tokens() > MAX_TOKENS_PER_STEP {
            return Err(Error::config(
                origin,
                "batch",
                format!("{} tokens in one step", batch.num_tokens()),
            )
            .allowed(format!("at most {MAX_TOKENS_PER_STEP} tokens per step")));
        }
        Ok(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_numbering() {
        let b = Batch::mixed(2, 100, 1, 3);
        assert_eq!(b.phase(), Phase::Mixed);
        assert_eq!(b.num_tokens(), 5);
        assert_eq!(b.num_output_tokens(), 3);
        let t: Vec<(u32, u64)> = b.tokens().map(|t| (t.seq, t.pos)).collect();
        assert_eq!(t, vec![(0, 100), (1, 100), (2, 0), (2, 1), (2, 2)]);
        assert_eq!(Batch::decode(4, 9).phase(), Phase::Decode);
        assert_eq!(Batch::prefill(4, 9).phase(), Phase::Prefill);
    }

    #[test]
    fn config_checks() {
        let c: BatchConfig =
            moesim_core::config::from_toml_str("e.toml", "phase = \"prefill\"\nbatch_size = 0")
                .unwrap();
        let e = c.to_batch("e.toml").unwrap_err().to_string();
        assert!(e.contains("key `batch.batch_size`"), "{e}");
        let e = moesim_core::config::from_toml_str::<BatchConfig>(
            "e.toml",
            "phase = \"warmup\"\nbatch_size = 1",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("prefill") && e.contains("mixed"), "{e}");
        let c: BatchConfig = moesim_core::config::from_toml_str(
            "e.toml",
            "phase = \"mixed\"\nbatch_size = 8\nseq_len = 512\nprefill_batch_size = 2",
        )
        .unwrap();
        assert_eq!(c.to_batch("e.toml").unwrap().num_tokens(), 8 + 1024);
    }
}
