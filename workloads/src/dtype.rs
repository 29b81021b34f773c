//! Numeric formats of weights, activations and the KV cache.

use serde::{Deserialize, Serialize};

/// A numeric format (fp32, bf16, fp8) with its size in bytes per element: the workspace's
/// [`moesim_core::DType`].
pub use moesim_core::DType;

/// Every data type, for error messages and property tests.
pub const ALL_DTYPES: [DType; 3] = [DType::Fp32, DType::Bf16, DType::Fp8];

/// The formats of one run: weights, activations (tokens sent between endpoints) and KV cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Precision {
    pub weights: DType,
    pub activations: DType,
    pub kv_cache: DType,
}

impl Precision {
    /// The same format everywhere.
    pub const fn uniform(dtype: DType) -> Precision {
        Precision {
            weights: dtype,
            activations: dtype,
            kv_cache: dtype,
        }
    }
    pub const fn weight_bytes(&self) -> u64 {
        self.weights.bytes()
    }
    pub const fn act_bytes(&self) -> u64 {
        self.activations.bytes()
    }
    pub const fn kv_bytes(&self) -> u64 {
        self.kv_cache.bytes()
    }
}

impl Default for Precision {
    fn default() -> Precision {
        Precision::uniform(DType::Bf16)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_names() {
        assert_eq!(DType::Fp32.bytes(), 4);
        assert_eq!(DType::Bf16.bytes(), 2);
        assert_eq!(DType::Fp8.bytes(), 1);
        for d in ALL_DTYPES {
            let s = serde_json::to_string(&d).unwrap();
            assert_eq!(s, format!("\"{}\"", d.name()));
        }
        let p = Precision::uniform(DType::Fp8);
        assert_eq!(p.act_bytes() + p.weight_bytes() + p.kv_bytes(), 3);
    }
}
