//! The JSONL trace format: `{"token": 17, "layer": 3, "experts": [5, 1]}` per line.

use super::assemble::{Record, records_to_raw};
use super::{RawTrace, TokenRules};
use moesim_core::{Error, Result};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    token: u64,
    layer: u32,
    experts: Vec<u32>,
}

pub(crate) fn parse(path: &Path, rules: &TokenRules) -> Result<RawTrace> {
    let origin = path.display().to_string();
    let text = moesim_core::error::read_to_string(path)?;
    parse_str(&origin, &text, rules)
}

/// serde_json's message without its " at line 1 column N" suffix, plus the column.
pub(crate) fn json_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rsplit_once(" at line ") {
        Some((msg, _)) => format!("{msg} (column {})", e.column()),
        None => s,
    }
}

pub(crate) fn parse_str(origin: &str, text: &str, rules: &TokenRules) -> Result<RawTrace> {
    let mut records = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let l: Line = serde_json::from_str(line)
            .map_err(|e| Error::parse(origin, Some(lineno), json_message(&e)))?;
        if let Some(msg) = rules.check(&l.experts) {
            return Err(Error::parse(
                origin,
                Some(lineno),
                format!("token {} layer {}: {msg}", l.token, l.layer),
            ));
        }
        records.push(Record {
            line: lineno,
            token: l.token,
            layer: l.layer,
            experts: l.experts,
        });
    }
    records_to_raw(origin, records, rules.top_k)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: TokenRules = TokenRules {
        num_experts: 8,
        top_k: 2,
    };

    #[test]
    fn parses_and_names_lines() {
        let ok = "{\"token\": 0, \"layer\": 0, \"experts\": [1, 2]}\n\n\
                  {\"token\": 1, \"layer\": 0, \"experts\": [3, 4]}\n";
        let r = parse_str("t.jsonl", ok, &RULES).unwrap();
        assert_eq!(r.num_tokens, 2);
        assert_eq!(r.layers_experts[0], vec![1, 2, 3, 4]);
        let bad = "{\"token\": 0, \"layer\": 0, \"experts\": [1, 2]}\n\
                   {\"token\": 1, \"layer\": 0, \"expert\": [3, 4]}\n";
        let e = parse_str("t.jsonl", bad, &RULES).unwrap_err().to_string();
        assert!(e.starts_with("t.jsonl:2: unknown field `expert`"), "{e}");
        assert!(!e.contains("at line 1"), "{e}");
        let bad = "{\"token\": 0, \"layer\": 0, \"experts\": [1, 8]}\n";
        let e = parse_str("t.jsonl", bad, &RULES).unwrap_err().to_string();
        assert!(
            e.starts_with("t.jsonl:1: token 0 layer 0: expert id 8"),
            "{e}"
        );
    }
}
