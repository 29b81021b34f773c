//! Recorded routing traces: parsing (one file per format), checks, and replay.
//!
//! Formats ([`TraceFormat`]):
//! - `hdmoe_json`: the HD-MoE artifact's format (`data/routing/hdmoe-mtbench-mixtral`): one JSON
//!   object `{"<layer>": [[e1, e2], ...one list per token...], ...}`; every layer lists the same
//!   tokens in the same order.
//! - `jsonl`: one JSON object per line, `{"token": 17, "layer": 3, "experts": [5, 1]}`.
//! - `csv`: a header `token,layer,experts`, then one row per token and layer, the experts separated
//!   by `;` or spaces: `17,3,5;1`. Lines starting with `#` are comments.
//!
//! In every format `token` counts the trace's tokens from 0 in replay order (each must appear in
//! every layer exactly once), and `layer` is either the MoE-layer index (0 .. num_moe_layers) or
//! the model's own layer number of that MoE layer (e.g. 3 .. 60 for DeepSeek-V3, whose first three
//! layers are dense): both numberings are recognised. Each token lists exactly `top_k` distinct
//! expert ids below the model's number of routed experts. A malformed trace is an error naming the
//! file and the line.

mod assemble;
mod csv_records;
mod hdmoe_json;
mod jsonl;
pub mod replay;

pub use replay::TraceReplay;

use super::{RoutingShape, RoutingTable};
use moesim_core::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A trace file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceFormat {
    HdmoeJson,
    Jsonl,
    Csv,
}

impl TraceFormat {
    /// The format implied by a file extension (`.json`, `.jsonl`, `.csv`).
    pub fn from_path(path: &Path) -> Result<TraceFormat> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        match ext.to_ascii_lowercase().as_str() {
            "json" => Ok(TraceFormat::HdmoeJson),
            "jsonl" | "ndjson" => Ok(TraceFormat::Jsonl),
            "csv" => Ok(TraceFormat::Csv),
            _ => Err(Error::config(
                path.display().to_string(),
                "format",
                format!("cannot tell the trace format from the extension `.{ext}`"),
            )
            .allowed(".json (hdmoe_json), .jsonl (jsonl), .csv (csv), or set format")),
        }
    }
}

/// A named run of tokens of a trace (one per file: an MT-Bench category, a domain).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub name: String,
    pub start: u32,
    pub len: u32,
}

/// A parsed, checked trace: the routing of every token in every MoE layer.
#[derive(Clone, Debug, Serialize)]
pub struct RoutingTrace {
    /// The file(s) it came from.
    pub origin: String,
    pub num_experts: u32,
    pub table: RoutingTable,
    pub segments: Vec<Segment>,
}

/// The tokens of one file before the layers are matched to the model.
#[derive(Debug)]
pub(crate) struct RawTrace {
    /// The file's own layer ids, in the order of `layers_experts`.
    pub layer_ids: Vec<u32>,
    pub num_tokens: u32,
    /// Per layer, token-major ids (`num_tokens * top_k`).
    pub layers_experts: Vec<Vec<u32>>,
}

/// The checks a parser applies to every token.
pub(crate) struct TokenRules {
    pub num_experts: u32,
    pub top_k: u32,
}

impl TokenRules {
    /// The error text for a token's expert list, or None if it is valid.
    pub fn check(&self, experts: &[u32]) -> Option<String> {
        if experts.len() != self.top_k as usize {
            return Some(format!(
                "{} experts listed, the model routes each token to top_k = {}",
                experts.len(),
                self.top_k
            ));
        }
        for (i, &e) in experts.iter().enumerate() {
            if e >= self.num_experts {
                return Some(format!(
                    "expert id {e} is out of range (the model has {} routed experts: 0..={})",
                    self.num_experts,
                    self.num_experts - 1
                ));
            }
            if experts[..i].contains(&e) {
                return Some(format!("expert {e} is listed twice for one token"));
            }
        }
        None
    }
}

impl RoutingTrace {
    /// Parses every file (one segment each, concatenated in order) for a model of `shape` whose
    /// MoE layers have the model numbers `moe_layers`.
    pub fn load(
        files: &[PathBuf],
        format: Option<TraceFormat>,
        shape: &RoutingShape,
        moe_layers: &[u32],
    ) -> Result<RoutingTrace> {
        if files.is_empty() {
            return Err(
                Error::config("routing", "routing.files", "no trace file given")
                    .allowed("one or more paths"),
            );
        }
        let rules = TokenRules {
            num_experts: shape.num_experts,
            top_k: shape.top_k,
        };
        let mut table: Option<RoutingTable> = None;
        let mut segments = Vec::new();
        for path in files {
            let origin = path.display().to_string();
            let fmt = match format {
                Some(f) => f,
                None => TraceFormat::from_path(path)?,
            };
            let raw = match fmt {
                TraceFormat::HdmoeJson => hdmoe_json::parse(path, &rules)?,
                TraceFormat::Jsonl => jsonl::parse(path, &rules)?,
                TraceFormat::Csv => csv_records::parse(path, &rules)?,
            };
            let t = assemble::to_table(&origin, raw, shape, moe_layers)?;
            let start = table.as_ref().map_or(0, |t| t.num_tokens());
            segments.push(Segment {
                name: segment_name(path),
                start,
                len: t.num_tokens(),
            });
            match &mut table {
                None => table = Some(t),
                Some(acc) => acc.append_tokens(&t),
            }
        }
        let table = table.unwrap_or_default();
        if table.num_tokens() == 0 {
            return Err(Error::parse(
                files_origin(files),
                None,
                "the trace has no tokens",
            ));
        }
        Ok(RoutingTrace {
            origin: files_origin(files),
            num_experts: shape.num_experts,
            table,
            segments,
        })
    }

    /// The routing of one segment.
    pub fn segment_table(&self, i: usize) -> RoutingTable {
        let s = &self.segments[i];
        self.table.token_range(s.start, s.len)
    }
}

fn files_origin(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// A short segment name from a file name: `experts_math_mixtral.json` -> `math`.
fn segment_name(path: &Path) -> String {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("trace")
        .to_string();
    let parts: Vec<&str> = stem.split('_').collect();
    match parts.as_slice() {
        ["experts", cat, _model] => cat.to_string(),
        _ => stem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_extension() {
        assert_eq!(
            TraceFormat::from_path(Path::new("a/b.json")).unwrap(),
            TraceFormat::HdmoeJson
        );
        assert_eq!(
            TraceFormat::from_path(Path::new("b.JSONL")).unwrap(),
            TraceFormat::Jsonl
        );
        let e = TraceFormat::from_path(Path::new("b.txt")).unwrap_err();
        assert!(e.to_string().contains(".csv"), "{e}");
        assert_eq!(
            segment_name(Path::new("x/experts_math_mixtral.json")),
            "math"
        );
    }

    #[test]
    fn token_rules() {
        let r = TokenRules {
            num_experts: 8,
            top_k: 2,
        };
        assert!(r.check(&[0, 7]).is_none());
        assert!(r.check(&[0]).unwrap().contains("top_k = 2"));
        assert!(r.check(&[0, 8]).unwrap().contains("out of range"));
        assert!(r.check(&[3, 3]).unwrap().contains("twice"));
    }
}
