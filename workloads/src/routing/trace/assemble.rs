//! From parsed records to a routing table in the model's MoE-layer order: layer numbering
//! (MoE index or model layer number), dense token ids, each (token, layer) exactly once.

use super::{RawTrace, RoutingShape, RoutingTable};
use moesim_core::{Error, Result};

/// One record of a line-oriented trace (JSONL, CSV).
pub(crate) struct Record {
    pub line: usize,
    pub token: u64,
    pub layer: u32,
    pub experts: Vec<u32>,
}

/// Beyond this many (token, layer) entries a trace would not fit in memory.
const MAX_ENTRIES: u64 = 1 << 31;

/// Groups line records into a [`RawTrace`], checking that each (token, layer) appears once and
/// that tokens are numbered 0..n without gaps.
pub(crate) fn records_to_raw(origin: &str, records: Vec<Record>, top_k: u32) -> Result<RawTrace> {
    let mut layer_ids: Vec<u32> = records.iter().map(|r| r.layer).collect();
    layer_ids.sort_unstable();
    layer_ids.dedup();
    let max_token = records.iter().map(|r| r.token).max();
    let num_tokens = max_token.map_or(0, |m| m + 1);
    if num_tokens * layer_ids.len() as u64 > MAX_ENTRIES || num_tokens > u32::MAX as u64 {
        return Err(Error::parse(
            origin,
            None,
            format!("token ids up to {num_tokens} are too many"),
        ));
    }
    let n = num_tokens as usize;
    let k = top_k as usize;
    let mut first_line = vec![0usize; n * layer_ids.len()];
    let mut layers_experts = vec![vec![0u32; n * k]; layer_ids.len()];
    for r in records {
        let li = layer_ids.binary_search(&r.layer).unwrap_or(0);
        let slot = li * n + r.token as usize;
        if first_line[slot] != 0 {
            return Err(Error::parse(
                origin,
                Some(r.line),
                format!(
                    "token {} layer {} appears twice (first at line {})",
                    r.token, r.layer, first_line[slot]
                ),
            ));
        }
        first_line[slot] = r.line;
        let t = r.token as usize;
        layers_experts[li][t * k..(t + 1) * k].copy_from_slice(&r.experts);
    }
    if let Some(slot) = first_line.iter().position(|&l| l == 0) {
        return Err(Error::parse(
            origin,
            None,
            format!(
                "token {} has no entry for layer {} (tokens must be numbered 0..{} and appear in every layer)",
                slot % n,
                layer_ids[slot / n],
                n
            ),
        ));
    }
    Ok(RawTrace {
        layer_ids,
        num_tokens: num_tokens as u32,
        layers_experts,
    })
}

/// Orders the raw layers as the model's MoE layers. The trace's layer ids must be exactly
/// 0..num_moe_layers or exactly the model numbers of the MoE layers.
pub(crate) fn to_table(
    origin: &str,
    raw: RawTrace,
    shape: &RoutingShape,
    moe_layers: &[u32],
) -> Result<RoutingTable> {
    let mut ids = raw.layer_ids.clone();
    ids.sort_unstable();
    let moe_index: Vec<u32> = (0..shape.num_layers).collect();
    let numbering: &[u32] = if ids == moe_index {
        &moe_index
    } else if ids == moe_layers {
        moe_layers
    } else {
        return Err(Error::parse(
            origin,
            None,
            format!(
                "the trace has layers {} but the model has {} MoE layers: expected layers 0..={} \
                 (MoE numbering) or {} (model numbering)",
                describe(&ids),
                shape.num_layers,
                shape.num_layers.saturating_sub(1),
                describe(moe_layers)
            ),
        ));
    };
    let k = shape.top_k;
    let mut table = RoutingTable::new(shape.num_layers, raw.num_tokens, k);
    for (id, experts) in raw.layer_ids.iter().zip(raw.layers_experts) {
        let m = numbering.iter().position(|x| x == id).unwrap_or(0) as u32;
        table.layer_mut(m).copy_from_slice(&experts);
    }
    Ok(table)
}

fn describe(ids: &[u32]) -> String {
    let (Some(&first), Some(&last)) = (ids.first(), ids.last()) else {
        return "none".into();
    };
    if ids.len() == 1 {
        format!("{first}")
    } else if ids.len() as u32 == last - first + 1 {
        format!("{first}..={last}")
    } else if ids.len() <= 8 {
        format!("{ids:?}")
    } else {
        format!("{first}, {}, ..., {last} ({} layers)", ids[1], ids.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelSpec;

    fn rec(line: usize, token: u64, layer: u32, experts: &[u32]) -> Record {
        Record {
            line,
            token,
            layer,
            experts: experts.to_vec(),
        }
    }

    #[test]
    fn duplicates_and_gaps() {
        let e = records_to_raw("t", vec![rec(1, 0, 0, &[1]), rec(2, 0, 0, &[2])], 1)
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.starts_with("t:2:") && e.contains("first at line 1"),
            "{e}"
        );
        let e = records_to_raw("t", vec![rec(1, 1, 0, &[1])], 1)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("token 0 has no entry"), "{e}");
    }

    #[test]
    fn model_numbering_is_recognised() {
        let m = ModelSpec::preset("llama-4-maverick").unwrap();
        let shape = RoutingShape::of(&m);
        let moe = m.moe_layers();
        let records: Vec<Record> = moe
            .iter()
            .enumerate()
            .map(|(i, &l)| rec(i + 1, 0, l, &[i as u32]))
            .collect();
        let raw = records_to_raw("t", records, 1).unwrap();
        let t = to_table("t", raw, &shape, &moe).unwrap();
        assert_eq!(t.layer(5).token(0), &[5]);
        let raw = records_to_raw("t", vec![rec(1, 0, 2, &[0])], 1).unwrap();
        let e = to_table("t", raw, &shape, &moe).unwrap_err().to_string();
        assert!(e.contains("1, 3, ..., 47 (24 layers)"), "{e}");
    }
}
