//! Which layers are MoE: a dense prefix of `first_dense_layers`, then every `moe_layer_step`-th
//! layer (the last of each step, as in Llama 4's `interleave_moe_layer_step` and Switch's
//! `sparse_step`).

use super::ModelSpec;
use serde::Serialize;

/// The kind of one transformer block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LayerKind {
    /// Attention plus a dense FFN of `dense_intermediate_size`.
    Dense,
    /// Attention plus a routed MoE block; `moe_index` counts MoE layers from 0.
    Moe { moe_index: u32 },
}

impl ModelSpec {
    /// The kind of layer `layer` (0-based model numbering).
    pub fn layer_kind(&self, layer: u32) -> LayerKind {
        let m = &self.moe;
        if layer < m.first_dense_layers || layer >= self.arch.num_layers {
            return LayerKind::Dense;
        }
        let rel = layer - m.first_dense_layers;
        if rel % m.moe_layer_step == m.moe_layer_step - 1 {
            LayerKind::Moe {
                moe_index: rel / m.moe_layer_step,
            }
        } else {
            LayerKind::Dense
        }
    }

    /// The model numbers of the MoE layers, in order (`moe_layers()[i]` has `moe_index` i).
    pub fn moe_layers(&self) -> Vec<u32> {
        (0..self.arch.num_layers)
            .filter(|&l| matches!(self.layer_kind(l), LayerKind::Moe { .. }))
            .collect()
    }

    /// The model layer of MoE layer `moe_index`.
    pub fn moe_layer(&self, moe_index: u32) -> u32 {
        self.moe.first_dense_layers + moe_index * self.moe.moe_layer_step + self.moe.moe_layer_step
            - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_structure_of_every_preset() {
        for name in crate::model::PRESET_NAMES {
            let m = ModelSpec::preset(name).unwrap();
            let moe = m.moe_layers();
            assert_eq!(moe.len() as u32, m.num_moe_layers(), "{name}");
            for (i, &l) in moe.iter().enumerate() {
                assert_eq!(m.moe_layer(i as u32), l, "{name}");
                assert_eq!(
                    m.layer_kind(l),
                    LayerKind::Moe {
                        moe_index: i as u32
                    }
                );
            }
        }
    }

    #[test]
    fn interleaved_and_prefix() {
        let v3 = ModelSpec::preset("deepseek-v3").unwrap();
        assert_eq!(v3.layer_kind(2), LayerKind::Dense);
        assert_eq!(v3.layer_kind(3), LayerKind::Moe { moe_index: 0 });
        assert_eq!(v3.moe_layers().last(), Some(&60));
        let mav = ModelSpec::preset("llama-4-maverick").unwrap();
        assert_eq!(mav.layer_kind(0), LayerKind::Dense);
        assert_eq!(mav.layer_kind(1), LayerKind::Moe { moe_index: 0 });
        assert_eq!(mav.moe_layers().last(), Some(&47));
    }
}
