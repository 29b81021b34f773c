//! The HD-MoE trace format: `{"<layer>": [[e1, e2], ...], ...}`, parsed in one streaming pass
//! (no per-token allocation), checking every token as it is read so that errors carry the line
//! and column.

use super::{RawTrace, TokenRules};
use moesim_core::{Error, Result};
use serde::de::{self, DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::path::Path;

pub(crate) fn parse(path: &Path, rules: &TokenRules) -> Result<RawTrace> {
    let origin = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_bytes(&origin, &bytes, rules)
}

pub(crate) fn parse_bytes(origin: &str, bytes: &[u8], rules: &TokenRules) -> Result<RawTrace> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut layers: Vec<(u32, Vec<u32>)> = Vec::new();
    let located = |e: serde_json::Error| Error::parse(origin, Some(e.line()), e);
    FileSeed {
        rules,
        out: &mut layers,
    }
    .deserialize(&mut de)
    .map_err(located)?;
    de.end().map_err(located)?;
    let k = rules.top_k as usize;
    let mut num_tokens: Option<(u32, usize)> = None;
    for (layer, ids) in &layers {
        let n = ids.len() / k.max(1);
        match num_tokens {
            None => num_tokens = Some((*layer, n)),
            Some((first, m)) if m != n => {
                return Err(Error::parse(
                    origin,
                    None,
                    format!(
                        "layer \"{layer}\" lists {n} tokens but layer \"{first}\" lists {m}: \
                         every layer must list the same tokens"
                    ),
                ));
            }
            _ => {}
        }
    }
    let n = num_tokens.map_or(0, |(_, n)| n);
    let num_tokens = u32::try_from(n)
        .map_err(|_| Error::parse(origin, None, format!("{n} tokens is too many")))?;
    Ok(RawTrace {
        layer_ids: layers.iter().map(|(l, _)| *l).collect(),
        num_tokens,
        layers_experts: layers.into_iter().map(|(_, v)| v).collect(),
    })
}

struct FileSeed<'a> {
    rules: &'a TokenRules,
    out: &'a mut Vec<(u32, Vec<u32>)>,
}

impl<'de> DeserializeSeed<'de> for FileSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FileSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object {\"<layer>\": [[expert, ...], ...]}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            let layer: u32 = key.trim().parse().map_err(|_| {
                A::Error::custom(format!("layer key \"{key}\" is not a layer number"))
            })?;
            if self.out.iter().any(|(l, _)| *l == layer) {
                return Err(A::Error::custom(format!("layer \"{key}\" appears twice")));
            }
            let mut ids = Vec::new();
            map.next_value_seed(LayerSeed {
                rules: self.rules,
                layer,
                ids: &mut ids,
            })?;
            self.out.push((layer, ids));
        }
        Ok(())
    }
}

struct LayerSeed<'a> {
    rules: &'a TokenRules,
    layer: u32,
    ids: &'a mut Vec<u32>,
}

impl<'de> DeserializeSeed<'de> for LayerSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for LayerSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of tokens, each a list of expert ids")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut token = 0usize;
        while seq
            .next_element_seed(TokenSeed {
                rules: self.rules,
                layer: self.layer,
                token,
                ids: &mut *self.ids,
            })?
            .is_some()
        {
            token += 1;
        }
        Ok(())
    }
}

struct TokenSeed<'a> {
    rules: &'a TokenRules,
    layer: u32,
    token: usize,
    ids: &'a mut Vec<u32>,
}

impl<'de> DeserializeSeed<'de> for TokenSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for TokenSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of expert ids")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let start = self.ids.len();
        while let Some(e) = seq.next_element::<u32>()? {
            self.ids.push(e);
            if self.ids.len() - start > self.rules.top_k as usize {
                break;
            }
        }
        if let Some(msg) = self.rules.check(&self.ids[start..]) {
            return Err(A::Error::custom(format!(
                "layer \"{}\", token {}: {msg}",
                self.layer, self.token
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: TokenRules = TokenRules {
        num_experts: 8,
        top_k: 2,
    };

    #[test]
    fn parses_layers_in_file_order() {
        let r = parse_bytes(
            "t.json",
            br#"{"1": [[0, 1], [2, 3]], "0": [[4, 5], [6, 7]]}"#,
            &RULES,
        )
        .unwrap();
        assert_eq!(r.layer_ids, vec![1, 0]);
        assert_eq!(r.num_tokens, 2);
        assert_eq!(r.layers_experts[1], vec![4, 5, 6, 7]);
    }

    #[test]
    fn errors_name_the_line() {
        let text = b"{\"0\": [[0, 1],\n [2, 3]],\n \"1\": [[0, 1],\n [2, 9]]}";
        let e = parse_bytes("t.json", text, &RULES).unwrap_err().to_string();
        assert!(e.starts_with("t.json:4:"), "{e}");
        assert!(e.contains("expert id 9") && e.contains("token 1"), "{e}");
        let e = parse_bytes("t.json", b"{\"0\": [[0, 1],\n [2]]}", &RULES)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.json:2:") && e.contains("top_k = 2"), "{e}");
        let e = parse_bytes("t.json", b"{\"0\": [[0, 1],\n [2, -1]]}", &RULES)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.json:2:"), "{e}");
        let e = parse_bytes("t.json", b"{\"x\": []}", &RULES)
            .unwrap_err()
            .to_string();
        assert!(e.contains("layer key \"x\""), "{e}");
        let e = parse_bytes("t.json", b"{\"0\": [[0, 1]], \"1\": []}", &RULES)
            .unwrap_err()
            .to_string();
        assert!(e.contains("same tokens"), "{e}");
        let e = parse_bytes("t.json", b"{\"0\": [[0, 1]]} x", &RULES)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.json:1:"), "{e}");
    }
}
