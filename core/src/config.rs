//! Configuration loading: TOML into `#[serde(deny_unknown_fields)]` structs, with the full key path
//! in every error, presets plus `--set a.b=c` overrides, and checks after parsing.

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use std::path::Path;

/// Parses TOML text from `origin` into a value tree.
pub fn parse_toml_value(origin: &str, text: &str) -> Result<toml::Table> {
    text.parse::<toml::Table>()
        .map_err(|e| toml_error(origin, text, e.message(), e.span()))
}

fn toml_error(
    origin: &str,
    text: &str,
    message: &str,
    span: Option<std::ops::Range<usize>>,
) -> Error {
    let line = span.map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
    Error::parse(origin, line, message)
}

/// Deserialises `table` (from `origin`) into `T`; errors name the dotted key path.
pub fn from_table<T: DeserializeOwned>(origin: &str, table: toml::Table) -> Result<T> {
    let value = toml::Value::Table(table);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        let msg = inner.message().to_string();
        let (message, allowed) = split_expected(&msg);
        let mut err = Error::config(
            origin,
            if key == "." {
                "(top level)".into()
            } else {
                key
            },
            message,
        );
        if let Some(a) = allowed {
            err = err.allowed(a);
        }
        err
    })
}

/// serde's "unknown field `x`, expected one of `a`, `b`" becomes message + allowed.
fn split_expected(msg: &str) -> (String, Option<String>) {
    for sep in [", expected one of ", ", expected "] {
        if let Some(i) = msg.find(sep) {
            return (msg[..i].to_string(), Some(msg[i + sep.len()..].to_string()));
        }
    }
    (msg.to_string(), None)
}

/// Parses `text` (from `origin`) into `T`.
pub fn from_toml_str<T: DeserializeOwned>(origin: &str, text: &str) -> Result<T> {
    from_table(origin, parse_toml_value(origin, text)?)
}

/// Reads and parses the TOML file at `path` into `T`.
pub fn load_toml<T: DeserializeOwned>(path: impl AsRef<Path>) -> Result<T> {
    let path = path.as_ref();
    let text = crate::error::read_to_string(path)?;
    from_toml_str(&path.display().to_string(), &text)
}

/// Applies one `a.b.c=value` override to `table`. The value is parsed as TOML (`8`, `0.5`, `true`,
/// `"x"`, `[1, 2]`); a bare word that is not TOML is taken as a string.
pub fn apply_override(table: &mut toml::Table, assignment: &str) -> Result<()> {
    let (key, raw) = assignment.split_once('=').ok_or_else(|| {
        Error::config("--set", assignment, "expected KEY=VALUE").allowed("e.g. --set noc.num_vcs=8")
    })?;
    let key = key.trim();
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err(Error::config("--set", key, "empty key segment")
            .allowed("dotted keys like noc.num_vcs"));
    }
    let value = parse_scalar(raw.trim());
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().unwrap_or(key);
    let mut cur = table;
    for p in parts {
        let entry = cur
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        cur = match entry {
            toml::Value::Table(t) => t,
            _ => {
                return Err(Error::config(
                    "--set",
                    key,
                    format!("`{p}` is a value, not a table"),
                ));
            }
        };
    }
    cur.insert(last.to_string(), value);
    Ok(())
}

fn parse_scalar(raw: &str) -> toml::Value {
    match format!("v = {raw}").parse::<toml::Table>() {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.to_string())),
        Err(_) => toml::Value::String(raw.to_string()),
    }
}

/// Applies every override in order.
pub fn apply_overrides(table: &mut toml::Table, assignments: &[String]) -> Result<()> {
    assignments
        .iter()
        .try_for_each(|a| apply_override(table, a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        num_vcs: u32,
        #[serde(default)]
        name: String,
    }
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        noc: Inner,
    }

    #[test]
    fn unknown_key_names_file_path_and_allowed() {
        let err = from_toml_str::<Outer>("x.toml", "[noc]\nnum_vcs = 4\nnum_vc = 3\n").unwrap_err();
        let s = err.to_string();
        assert!(s.starts_with("x.toml: key `noc"), "{s}");
        assert!(s.contains("num_vc"), "{s}");
        assert!(s.contains("allowed: `num_vcs` or `name`"), "{s}");
    }

    #[test]
    fn wrong_type_names_key() {
        let err = from_toml_str::<Outer>("x.toml", "[noc]\nnum_vcs = \"four\"\n").unwrap_err();
        assert!(err.to_string().contains("key `noc.num_vcs`"), "{err}");
    }

    #[test]
    fn syntax_error_names_line() {
        let err = from_toml_str::<Outer>("x.toml", "[noc]\nnum_vcs = = 4\n").unwrap_err();
        assert!(err.to_string().starts_with("x.toml:2:"), "{err}");
    }

    #[test]
    fn overrides_create_and_replace() {
        let mut t = parse_toml_value("x", "[noc]\nnum_vcs = 4\n").unwrap();
        apply_overrides(&mut t, &["noc.num_vcs=8".into(), "noc.name=mesh".into()]).unwrap();
        let o: Outer = from_table("x", t).unwrap();
        assert_eq!(o.noc.num_vcs, 8);
        assert_eq!(o.noc.name, "mesh");
        let mut t = toml::Table::new();
        assert!(apply_override(&mut t, "novalue").is_err());
    }
}
