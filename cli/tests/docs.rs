//! docs/config.md documents every key: each BookSim key the reader accepts and each key of the
//! native NoC configuration (all topology kinds).

use moesim_noc::NocConfig;
use moesim_noc::booksim::keys::KEYS;
use moesim_noc::config::{MeshOfDiesConfig, TopologyConfig};

fn leaves(v: &toml::Value, out: &mut Vec<String>) {
    if let toml::Value::Table(t) = v {
        for (k, v) in t {
            if v.is_table() {
                leaves(v, out);
            } else {
                out.push(k.clone());
            }
        }
    }
}

#[test]
fn config_md_names_every_key() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let doc = std::fs::read_to_string(root.join("docs/config.md")).unwrap();
    let mut keys: Vec<String> = KEYS.iter().map(|k| k.name.to_string()).collect();
    let mut cfg = NocConfig::default();
    leaves(&toml::Value::try_from(&cfg).unwrap(), &mut keys);
    cfg.topology = TopologyConfig::MeshOfDies(MeshOfDiesConfig::default());
    leaves(&toml::Value::try_from(&cfg).unwrap(), &mut keys);
    keys.extend(["failed_links", "failed_routers", "failed_dies"].map(String::from));
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !doc.contains(&format!("`{k}")))
        .collect();
    assert!(missing.is_empty(), "docs/config.md lacks {missing:?}");
}
