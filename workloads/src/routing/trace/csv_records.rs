//! The CSV trace format: header `token,layer,experts`, experts separated by `;` or spaces.

use super::assemble::{Record, records_to_raw};
use super::{RawTrace, TokenRules};
use moesim_core::{Error, Result};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
struct Row {
    token: u64,
    layer: u32,
    experts: String,
}

pub(crate) fn parse(path: &Path, rules: &TokenRules) -> Result<RawTrace> {
    let origin = path.display().to_string();
    let text = moesim_core::error::read_to_string(path)?;
    parse_str(&origin, &text, rules)
}

pub(crate) fn parse_str(origin: &str, text: &str, rules: &TokenRules) -> Result<RawTrace> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| Error::parse(origin, Some(1), e))?
        .clone();
    let expected = ["token", "layer", "experts"];
    if headers.iter().collect::<Vec<_>>() != expected {
        return Err(Error::parse(
            origin,
            headers.position().map(|p| p.line() as usize),
            format!(
                "the header is `{}`, expected `token,layer,experts`",
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        ));
    }
    let mut records = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize);
            Error::parse(origin, line, e)
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let row: Row = rec
            .deserialize(Some(&headers))
            .map_err(|e| Error::parse(origin, Some(line), e))?;
        let experts = row
            .experts
            .split(|c: char| c == ';' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<u32>().map_err(|_| {
                    Error::parse(
                        origin,
                        Some(line),
                        format!("`{s}` is not an expert id (a non-negative integer)"),
                    )
                })
            })
            .collect::<Result<Vec<u32>>>()?;
        if let Some(msg) = rules.check(&experts) {
            return Err(Error::parse(
                origin,
                Some(line),
                format!("token {} layer {}: {msg}", row.token, row.layer),
            ));
        }
        records.push(Record {
            line,
            token: row.token,
            layer: row.layer,
            experts,
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
        let ok = "token,layer,experts\n# a comment\n0,0,1;2\n1,0,3 4\n";
        let r = parse_str("t.csv", ok, &RULES).unwrap();
        assert_eq!(r.layers_experts[0], vec![1, 2, 3, 4]);
        let e = parse_str("t.csv", "token,layer,experts\n0,0,1;2\n1,0,3;x\n", &RULES)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.csv:3:") && e.contains("`x`"), "{e}");
        let e = parse_str(
            "t.csv",
            "token,layer,experts\n0,0,1;2\n1,zero,3;4\n",
            &RULES,
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("t.csv:3:"), "{e}");
        let e = parse_str("t.csv", "token,layer,experts\n0,0,1;9\n", &RULES)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.csv:2:") && e.contains("expert id 9"),
            "{e}"
        );
        let e = parse_str("t.csv", "tok,layer,experts\n", &RULES)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.csv:1:"), "{e}");
    }
}
