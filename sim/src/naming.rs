//! Run names: `<name>-<hash>`, the hash taken over the resolved configuration, so the same
//! configuration always lands in the same directory and a changed one never overwrites it.

use moesim_core::rng::hash_bytes;

/// `name-xxxxxxxx`: `name` made file-name safe, then 8 hex digits of the configuration's hash.
pub fn run_name(name: &str, resolved_config: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = if safe.is_empty() { "run".into() } else { safe };
    let h = hash_bytes(resolved_config.as_bytes());
    format!("{safe}-{:08x}", (h >> 32) as u32 ^ h as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_config_sensitive() {
        let a = run_name("noc mesh", "x = 1\n");
        assert_eq!(a, run_name("noc mesh", "x = 1\n"));
        assert_ne!(a, run_name("noc mesh", "x = 2\n"));
        assert!(
            a.starts_with("noc_mesh-") && a.len() == "noc_mesh-".len() + 8,
            "{a}"
        );
        assert!(run_name("", "").starts_with("run-"));
    }
}
