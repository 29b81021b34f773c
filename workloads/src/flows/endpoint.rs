//! Logical endpoints of compute and traffic.

use serde::Serialize;
use std::fmt;

/// A logical place where work runs and data lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// A tensor-parallel shard of attention (and of dense FFNs, router, embedding, LM head):
    /// shards `g * tp .. (g + 1) * tp` form data-parallel group `g`.
    AttentionShard(u32),
    /// Routed expert `expert` of model layer `layer`.
    Expert { layer: u32, expert: u32 },
    /// The shared expert(s) of model layer `layer`.
    SharedExpert { layer: u32 },
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::AttentionShard(s) => write!(f, "attn[{s}]"),
            Endpoint::Expert { layer, expert } => write!(f, "L{layer}.expert[{expert}]"),
            Endpoint::SharedExpert { layer } => write!(f, "L{layer}.shared"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_json() {
        let e = Endpoint::Expert {
            layer: 5,
            expert: 17,
        };
        assert_eq!(e.to_string(), "L5.expert[17]");
        assert_eq!(
            serde_json::to_string(&Endpoint::AttentionShard(3)).unwrap(),
            "{\"attention_shard\":3}"
        );
    }
}
