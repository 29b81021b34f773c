//! Numeric formats of weights, activations and the KV cache.

use serde::{Deserialize, Serialize};

/// A numeric format, with its size in bytes per element.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DType {
    Fp32,
    #[default]
    Bf16,
    Fp16,
    Fp8,
}

impl DType {
    /// Bytes per element.
    pub const fn bytes(self) -> u64 {
        match self {
            DType::Fp32 => 4,
            DType::Bf16 | DType::Fp16 => 2,
            DType::Fp8 => 1,
        }
    }
    /// The lower-case name used in configs and on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            DType::Fp32 => "fp32",
            DType::Bf16 => "bf16",
            DType::Fp16 => "fp16",
            DType::Fp8 => "fp8",
        }
    }
    /// Every format, for error messages and CLI help.
    pub const ALL: [DType; 4] = [DType::Fp32, DType::Bf16, DType::Fp16, DType::Fp8];
}

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
        for d in DType::ALL {
            let s = serde_json::to_string(&d).unwrap();
            assert_eq!(s, format!("\"{}\"", d.name()));
        }
        let p = Precision::uniform(DType::Fp8);
        assert_eq!(p.act_bytes() + p.weight_bytes() + p.kv_bytes(), 3);
    }
}
