//! `--set KEY=VALUE` overrides on a TOML configuration table.
//!
//! Keys are dotted paths into the configuration (`router.num_vcs=8`). A path may skip one
//! section level when the name below it is unique: `num_vcs=8` means `router.num_vcs=8`, and in
//! an experiment `noc.num_vcs=8` means `noc.router.num_vcs=8`. Values are TOML (`8`, `0.5`,
//! `true`, `"x"`, `[1, 2]`); a bare word is a string. Unknown keys are reported when the table is
//! read into its `deny_unknown_fields` struct.

use moesim_core::{Error, Result};
use toml::{Table, Value};

/// `base` with `over` laid on top, recursively.
pub fn merged(base: &Table, over: &Table) -> Table {
    let mut out = base.clone();
    for (k, v) in over {
        match (out.get_mut(k), v) {
            (Some(Value::Table(b)), Value::Table(o)) => {
                let m = merged(b, o);
                *b = m;
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

/// Expands `key` against `shape` (a table holding every key with its default): each segment that
/// is not found at its level but is a key of exactly one sub-table there gets that sub-table's
/// name inserted. Unknown segments are left as they are.
pub fn resolve_key(shape: &Table, key: &str) -> Result<String> {
    let mut out: Vec<String> = Vec::new();
    let mut level: Option<&Table> = Some(shape);
    for seg in key.split('.') {
        let Some(t) = level else {
            out.push(seg.to_string());
            continue;
        };
        if let Some(v) = t.get(seg) {
            out.push(seg.to_string());
            level = v.as_table();
            continue;
        }
        let owners: Vec<(&String, &Table)> = t
            .iter()
            .filter_map(|(name, v)| v.as_table().map(|sub| (name, sub)))
            .filter(|(_, sub)| sub.contains_key(seg))
            .collect();
        match owners.as_slice() {
            [(name, sub)] => {
                out.push((*name).clone());
                out.push(seg.to_string());
                level = sub.get(seg).and_then(Value::as_table);
            }
            [] => {
                out.push(seg.to_string());
                level = None;
            }
            many => {
                let prefix = if out.is_empty() {
                    String::new()
                } else {
                    format!("{}.", out.join("."))
                };
                let options: Vec<String> = many
                    .iter()
                    .map(|(n, _)| format!("{prefix}{n}.{seg}"))
                    .collect();
                return Err(
                    Error::config("--set", key, "ambiguous key").allowed(options.join(", "))
                );
            }
        }
    }
    Ok(out.join("."))
}

/// Applies `sets` (`KEY=VALUE`) to `table` in order, resolving each key against `defaults`
/// merged with the table as it stands.
pub fn apply_sets(table: &mut Table, defaults: &Table, sets: &[String]) -> Result<()> {
    for s in sets {
        let (key, value) = s.split_once('=').ok_or_else(|| {
            Error::config("--set", s, "expected KEY=VALUE").allowed("e.g. --set router.num_vcs=8")
        })?;
        let shape = merged(defaults, table);
        let key = resolve_key(&shape, key.trim())?;
        moesim_core::config::apply_override(table, &format!("{key}={value}"))?;
    }
    Ok(())
}

/// Serialises `value` into a TOML table (the shape for [`resolve_key`]).
pub fn table_of<T: serde::Serialize>(value: &T) -> Result<Table> {
    Table::try_from(value).map_err(|e| Error::Sim(format!("cannot serialise defaults: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use moesim_noc::NocConfig;

    fn shape() -> Table {
        table_of(&NocConfig::default()).unwrap()
    }

    #[test]
    fn short_keys_resolve_to_their_section() {
        let s = shape();
        assert_eq!(resolve_key(&s, "router.num_vcs").unwrap(), "router.num_vcs");
        assert_eq!(resolve_key(&s, "num_vcs").unwrap(), "router.num_vcs");
        assert_eq!(
            resolve_key(&s, "injection_rate").unwrap(),
            "traffic.injection_rate"
        );
        assert_eq!(
            resolve_key(&s, "pattern.kind").unwrap(),
            "traffic.pattern.kind"
        );
        assert_eq!(resolve_key(&s, "num_vc").unwrap(), "num_vc");
        let mut exp = Table::new();
        exp.insert("noc".into(), Value::Table(s));
        assert_eq!(
            resolve_key(&exp, "noc.num_vcs").unwrap(),
            "noc.router.num_vcs"
        );
    }

    #[test]
    fn ambiguous_keys_are_errors() {
        let t: Table = "[a]\nx = 1\n[b]\nx = 2\n".parse().unwrap();
        let e = resolve_key(&t, "x").unwrap_err().to_string();
        assert!(
            e.contains("ambiguous") && e.contains("a.x") && e.contains("b.x"),
            "{e}"
        );
    }

    #[test]
    fn sets_apply_in_order() {
        let mut t = Table::new();
        apply_sets(
            &mut t,
            &shape(),
            &[
                "num_vcs=8".into(),
                "router.num_vcs=2".into(),
                "seed=5".into(),
            ],
        )
        .unwrap();
        let c: NocConfig = moesim_core::config::from_table("t", t).unwrap();
        assert_eq!(c.router.num_vcs, 2);
        assert_eq!(c.sim.seed, 5);
        let mut t = Table::new();
        assert!(apply_sets(&mut t, &shape(), &["novalue".into()]).is_err());
    }
}
