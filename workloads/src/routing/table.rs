//! A dense routing table: layers x tokens x top_k expert ids, layer-major.

use serde::Serialize;

/// Expert ids of `num_tokens` tokens in `num_layers` layers, `top_k` per token.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RoutingTable {
    num_layers: u32,
    num_tokens: u32,
    top_k: u32,
    experts: Vec<u32>,
}

/// One layer of a [`RoutingTable`].
#[derive(Clone, Copy, Debug)]
pub struct LayerRouting<'a> {
    top_k: usize,
    experts: &'a [u32],
}

impl RoutingTable {
    /// A table of zeros.
    pub fn new(num_layers: u32, num_tokens: u32, top_k: u32) -> RoutingTable {
        let mut t = RoutingTable::default();
        t.reset(num_layers, num_tokens, top_k);
        t
    }

    /// Resizes the table (keeping its allocation); the contents are unspecified until written.
    pub fn reset(&mut self, num_layers: u32, num_tokens: u32, top_k: u32) {
        self.num_layers = num_layers;
        self.num_tokens = num_tokens;
        self.top_k = top_k;
        let n = num_layers as usize * num_tokens as usize * top_k as usize;
        self.experts.resize(n, 0);
    }

    /// A table from layer-major ids (`experts.len()` = layers x tokens x top_k).
    pub fn from_vec(num_layers: u32, num_tokens: u32, top_k: u32, experts: Vec<u32>) -> Self {
        assert_eq!(
            experts.len(),
            num_layers as usize * num_tokens as usize * top_k as usize,
            "routing table size"
        );
        RoutingTable {
            num_layers,
            num_tokens,
            top_k,
            experts,
        }
    }

    pub fn num_layers(&self) -> u32 {
        self.num_layers
    }
    pub fn num_tokens(&self) -> u32 {
        self.num_tokens
    }
    pub fn top_k(&self) -> u32 {
        self.top_k
    }

    fn layer_len(&self) -> usize {
        self.num_tokens as usize * self.top_k as usize
    }

    /// Layer `layer` (panics if out of range: layers come from the model, not the user).
    pub fn layer(&self, layer: u32) -> LayerRouting<'_> {
        let n = self.layer_len();
        let start = layer as usize * n;
        LayerRouting {
            top_k: self.top_k as usize,
            experts: &self.experts[start..start + n],
        }
    }

    /// The ids of layer `layer`, mutable.
    pub fn layer_mut(&mut self, layer: u32) -> &mut [u32] {
        let n = self.layer_len();
        let start = layer as usize * n;
        &mut self.experts[start..start + n]
    }

    /// Token `token`'s experts in `layer`, mutable.
    pub fn token_mut(&mut self, layer: u32, token: u32) -> &mut [u32] {
        let k = self.top_k as usize;
        let start = (layer as usize * self.num_tokens as usize + token as usize) * k;
        &mut self.experts[start..start + k]
    }

    /// Every id, layer-major.
    pub fn as_slice(&self) -> &[u32] {
        &self.experts
    }

    /// The tokens `start..start + len` of every layer, as a new table.
    pub fn token_range(&self, start: u32, len: u32) -> RoutingTable {
        let k = self.top_k as usize;
        let mut out = Vec::with_capacity(self.num_layers as usize * len as usize * k);
        for l in 0..self.num_layers {
            let layer = self.layer(l).experts;
            out.extend_from_slice(&layer[start as usize * k..(start + len) as usize * k]);
        }
        RoutingTable::from_vec(self.num_layers, len, self.top_k, out)
    }

    /// Appends the tokens of `other` (same layers and top_k) after this table's tokens.
    pub fn append_tokens(&mut self, other: &RoutingTable) {
        assert_eq!(
            (self.num_layers, self.top_k),
            (other.num_layers, other.top_k)
        );
        let k = self.top_k as usize;
        let mut out = Vec::with_capacity(self.experts.len() + other.experts.len());
        for l in 0..self.num_layers {
            out.extend_from_slice(self.layer(l).experts);
            out.extend_from_slice(other.layer(l).experts);
        }
        debug_assert_eq!(
            out.len(),
            self.num_layers as usize * (self.num_tokens + other.num_tokens) as usize * k
        );
        self.num_tokens += other.num_tokens;
        self.experts = out;
    }
}

impl<'a> LayerRouting<'a> {
    pub fn num_tokens(&self) -> usize {
        self.experts.len().checked_div(self.top_k).unwrap_or(0)
    }
    pub fn top_k(&self) -> usize {
        self.top_k
    }
    /// Token `t`'s experts.
    pub fn token(&self, t: usize) -> &'a [u32] {
        &self.experts[t * self.top_k..(t + 1) * self.top_k]
    }
    /// Every token's experts, in token order.
    pub fn tokens(&self) -> std::slice::ChunksExact<'a, u32> {
        self.experts.chunks_exact(self.top_k.max(1))
    }
    /// Every id, token-major.
    pub fn as_slice(&self) -> &'a [u32] {
        self.experts
    }
    /// Tokens per expert (`num_experts` entries).
    pub fn expert_counts(&self, num_experts: u32) -> Vec<u32> {
        let mut c = vec![0u32; num_experts as usize];
        for &e in self.experts {
            if let Some(x) = c.get_mut(e as usize) {
                *x += 1;
            }
        }
        c
    }
}

/// max / mean of a load vector (1 = perfectly balanced; 0 for an empty vector).
pub fn max_over_mean(counts: &[u32]) -> f64 {
    let sum: u64 = counts.iter().map(|&c| c as u64).sum();
    if counts.is_empty() || sum == 0 {
        return 0.0;
    }
    let max = counts.iter().copied().max().unwrap_or(0) as f64;
    max / (sum as f64 / counts.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_views() {
        let mut t = RoutingTable::new(2, 3, 2);
        t.token_mut(1, 2).copy_from_slice(&[4, 5]);
        t.token_mut(0, 0).copy_from_slice(&[1, 2]);
        assert_eq!(t.layer(1).token(2), &[4, 5]);
        assert_eq!(t.layer(0).token(0), &[1, 2]);
        assert_eq!(t.layer(1).expert_counts(6), vec![4, 0, 0, 0, 1, 1]);
        let r = t.token_range(2, 1);
        assert_eq!(r.as_slice(), &[0, 0, 4, 5]);
        let mut a = t.token_range(0, 1);
        a.append_tokens(&r);
        assert_eq!(a.layer(1).tokens().count(), 2);
        assert_eq!(a.layer(1).token(1), &[4, 5]);
        assert_eq!(max_over_mean(&[2, 0, 0, 2]), 2.0);
        assert_eq!(max_over_mean(&[]), 0.0);
    }
}
