//! Reads BookSim2 configuration files as they are, plus BookSim's command-line `key=value`
//! overrides (applied after the file, later assignments winning), and maps every key onto the
//! native [`NocConfig`]. Keys and values moesim does not model are errors that name the file (or
//! `command line`), the line, the key and what is allowed: a typo never goes unnoticed.
//!
//! ```text
//! let cfg = moesim_noc::booksim::load("mesh8x8_uniform_p4.cfg".as_ref(), &["injection_rate=0.3".into()])?;
//! ```

pub mod keys;
pub mod parse;

pub use parse::{Assignment, COMMAND_LINE, Origin, parse_override, parse_text};

use crate::config::{NocConfig, TopologyConfig};
use keys::{Action, Draft, Problem, from_json};
use moesim_core::{Error, Result};
use serde_json::json;
use std::collections::HashMap;
use std::path::Path;

/// Reads the BookSim config file at `path` and applies `overrides` (`key=value`).
pub fn load(path: &Path, overrides: &[String]) -> Result<NocConfig> {
    let text = moesim_core::error::read_to_string(path)?;
    from_text(&text, &path.display().to_string(), overrides)
}

/// Parses BookSim config `text` from `source` (a file name) and applies `overrides`.
pub fn from_text(text: &str, source: &str, overrides: &[String]) -> Result<NocConfig> {
    let mut all = parse_text(text, source)?;
    for o in overrides {
        all.push(parse_override(o)?);
    }
    from_assignments(&all, source)
}

/// Maps assignments, in order, onto a validated [`NocConfig`]. `source` names the config as a
/// whole (for errors about keys that were never assigned).
pub fn from_assignments(assignments: &[Assignment], source: &str) -> Result<NocConfig> {
    let mut draft = Draft::default();
    let mut seen: HashMap<&'static str, Origin> = HashMap::new();
    for a in assignments {
        let spec = keys::lookup(&a.key).ok_or_else(|| unknown_key(a))?;
        match &spec.action {
            Action::Apply(apply) => apply(&mut draft, &a.value).map_err(|p| {
                let allowed = p.allowed.unwrap_or_else(|| spec.allowed.to_string());
                Error::config(a.origin.describe(), &a.key, p.message).allowed(allowed)
            })?,
            Action::DefaultOnly(default) => {
                if !keys::is_default(&a.value, default) {
                    return Err(Error::config(
                        a.origin.describe(),
                        &a.key,
                        format!("`{}` is not supported", a.value),
                    )
                    .allowed(spec.allowed));
                }
            }
        }
        seen.insert(spec.name, a.origin.clone());
    }
    finish(draft, &seen, source)
}

fn unknown_key(a: &Assignment) -> Error {
    let hint = match keys::closest(&a.key) {
        Some(k) => format!("unknown BookSim key; did you mean `{k}`?"),
        None => "unknown or unsupported BookSim key".to_string(),
    };
    let names: Vec<&str> = keys::KEYS.iter().map(|k| k.name).collect();
    Error::config(a.origin.describe(), &a.key, hint).allowed(names.join(", "))
}

/// Where BookSim key `name` was last assigned (`file:line`), or `source` if never.
fn origin_of(seen: &HashMap<&'static str, Origin>, name: &str, source: &str) -> String {
    seen.get(name)
        .map(Origin::describe)
        .unwrap_or_else(|| source.to_string())
}

fn problem_at(origin: String, key: &str, p: Problem, allowed: &str) -> Error {
    Error::config(origin, key, p.message).allowed(p.allowed.unwrap_or_else(|| allowed.into()))
}

/// Resolves the keys that combine (topology with k, n, c; traffic with perm_seed), then
/// validates the whole configuration, reporting range errors under the BookSim key and line.
fn finish(mut d: Draft, seen: &HashMap<&'static str, Origin>, source: &str) -> Result<NocConfig> {
    let Some(routing) = d.routing.take() else {
        return Err(Error::config(
            source,
            "routing_function",
            "missing: BookSim has no default routing function",
        )
        .allowed("e.g. routing_function = dor;"));
    };
    let topo = json!({
        "kind": d.topology,
        "x": d.k,
        "y": d.k,
        "concentration": d.c,
    });
    d.cfg.topology = from_json::<TopologyConfig>(topo).map_err(|mut p| {
        if !seen.contains_key("topology") {
            p.message = format!("{} (BookSim's default topology is torus)", p.message);
        }
        problem_at(
            origin_of(seen, "topology", source),
            "topology",
            p,
            "mesh (k-ary 2-cube without wraparound)",
        )
    })?;
    d.cfg.routing = keys::routing(&routing, d.cfg.topology.kind_name()).map_err(|p| {
        problem_at(
            origin_of(seen, "routing_function", source),
            "routing_function",
            p,
            "",
        )
    })?;
    d.cfg.traffic.pattern = keys::traffic_pattern(&d.traffic, d.perm_seed).map_err(|p| {
        problem_at(
            origin_of(seen, "traffic", source),
            "traffic",
            p,
            "a `traffic.pattern.kind` of the native configuration",
        )
    })?;
    d.cfg
        .validate(source)
        .map_err(|e| to_booksim_key(e, seen, source))?;
    Ok(d.cfg)
}

/// Rewrites a native validation error (key `router.num_vcs`) as one about the BookSim key that
/// set it (`num_vcs`, at its file and line).
fn to_booksim_key(e: Error, seen: &HashMap<&'static str, Origin>, source: &str) -> Error {
    let Error::Config {
        key,
        message,
        allowed,
        ..
    } = &e
    else {
        return e;
    };
    let Some(spec) = keys::KEYS.iter().find(|k| k.native.contains(&key.as_str())) else {
        return e;
    };
    let mut out = Error::config(
        origin_of(seen, spec.name, source),
        spec.name,
        format!("{message} (native key `{key}`)"),
    );
    if let Some(a) = allowed {
        out = out.allowed(a.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AllocatorKind, RoutingConfig, TrafficPattern};
    use std::path::PathBuf;

    fn data(rel: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../data/booksim/configs")
            .join(rel)
    }

    /// The configuration both reference files describe, apart from the traffic pattern.
    fn expected(pattern: TrafficPattern) -> NocConfig {
        let mut c = NocConfig::default();
        c.topology = TopologyConfig::Mesh {
            x: 8,
            y: 8,
            concentration: 1,
            link_latency_cycles: 1,
        };
        c.routing = RoutingConfig::Dor;
        c.router.num_vcs = 4;
        c.router.vc_buf_size = 8;
        c.router.vc_allocator = AllocatorKind::Islip;
        c.router.sw_allocator = AllocatorKind::Islip;
        c.traffic.pattern = pattern;
        c.traffic.packet_size = 4;
        c.traffic.injection_rate = 0.02;
        c.traffic.injection_rate_uses_flits = true;
        c
    }

    #[test]
    fn reference_configs_parse_into_the_expected_config() {
        let a = load(&data("mesh8x8_uniform_p4.cfg"), &[]).unwrap();
        assert_eq!(a, expected(TrafficPattern::Uniform));
        let b = load(&data("mesh8x8_transpose_p4.cfg"), &[]).unwrap();
        assert_eq!(b, expected(TrafficPattern::Transpose));
    }

    #[test]
    fn overrides_apply_after_the_file() {
        let c = load(
            &data("mesh8x8_uniform_p4.cfg"),
            &["injection_rate=0.3".into(), "k=4".into(), "seed=7".into()],
        )
        .unwrap();
        assert_eq!(c.traffic.injection_rate, 0.3);
        assert_eq!(c.sim.seed, 7);
        assert!(matches!(
            c.topology,
            TopologyConfig::Mesh { x: 4, y: 4, .. }
        ));
    }

    fn err(text: &str, overrides: &[&str]) -> String {
        let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
        from_text(text, "t.cfg", &o).unwrap_err().to_string()
    }

    const BASE: &str = "topology = mesh;\nk = 4;\nrouting_function = dor;\n";

    #[test]
    fn typo_names_file_line_key_and_suggestion() {
        let e = err(&format!("{BASE}num_vc = 4;\n"), &[]);
        assert!(e.starts_with("t.cfg:4: key `num_vc`"), "{e}");
        assert!(e.contains("did you mean `num_vcs`"), "{e}");
        let e = err(BASE, &["injection_rat=0.1"]);
        assert!(e.starts_with("command line: key `injection_rat`"), "{e}");
    }

    #[test]
    fn unsupported_values_are_named() {
        let e = err(&format!("{BASE}n = 3;\n"), &[]);
        assert!(
            e.starts_with("t.cfg:4: key `n`") && e.contains("allowed: 2"),
            "{e}"
        );
        let e = err(&format!("{BASE}traffic = unifrom;\n"), &[]);
        assert!(e.starts_with("t.cfg:4: key `traffic`"), "{e}");
        assert!(e.contains("uniform") && e.contains("transpose"), "{e}");
        let e = err(&format!("{BASE}vc_allocator = wavefront;\n"), &[]);
        assert!(
            e.contains("key `vc_allocator`") && e.contains("islip"),
            "{e}"
        );
        let e = err(&format!("{BASE}sim_type = throughput;\n"), &[]);
        assert!(
            e.contains("`throughput` is not supported (allowed: latency)"),
            "{e}"
        );
        let e = err(&format!("{BASE}seed = time;\n"), &[]);
        assert!(
            e.contains("key `seed`") && e.contains("not an integer"),
            "{e}"
        );
        let e = err(&format!("{BASE}num_vcs = 4.5;\n"), &[]);
        assert!(e.contains("key `num_vcs`"), "{e}");
        let e = err(&format!("{BASE}routing_function = valiant;\n"), &[]);
        assert!(e.starts_with("t.cfg:4: key `routing_function`"), "{e}");
        let e = err(&format!("{BASE}topology = dragonfly;\n"), &[]);
        assert!(
            e.starts_with("t.cfg:1: key `topology`") || e.contains("t.cfg:4"),
            "{e}"
        );
        assert!(e.contains("dragonfly") && e.contains("mesh"), "{e}");
    }

    #[test]
    fn range_errors_point_at_the_booksim_key() {
        let e = err(BASE, &["injection_rate=1.5"]);
        assert!(e.starts_with("command line: key `injection_rate`"), "{e}");
        assert!(e.contains("(0, 1]"), "{e}");
        let e = err(&format!("{BASE}packet_size = 0;\n"), &[]);
        assert!(e.starts_with("t.cfg:4: key `packet_size`"), "{e}");
        let e = err(&format!("{BASE}num_vcs = 0;\n"), &[]);
        assert!(e.starts_with("t.cfg:4: key `num_vcs`"), "{e}");
        let e = err(BASE, &["k=0"]);
        assert!(e.starts_with("command line: key `k`"), "{e}");
    }

    #[test]
    fn defaults_follow_booksim() {
        let torus = from_text("k = 4;\nrouting_function = dim_order;\n", "t", &[]).unwrap();
        assert_eq!(torus.routing, RoutingConfig::TorusDor);
        let expected: TopologyConfig =
            serde_json::from_value(json!({"kind": "torus", "x": 4, "y": 4})).unwrap();
        assert_eq!(torus.topology, expected);
        let e = err("topology = mesh;\n", &[]);
        assert!(
            e.contains("routing_function") && e.contains("missing"),
            "{e}"
        );
        let c = from_text(BASE, "t", &[]).unwrap();
        assert_eq!(c.router.num_vcs, 16);
        assert_eq!(c.traffic.packet_size, 1);
        assert!(!c.traffic.injection_rate_uses_flits);
        assert_eq!(c.traffic.injection_rate, 0.1);
    }

    #[test]
    fn default_only_keys_accept_their_default() {
        let text = format!(
            "{BASE}classes = 1;\npriority = none;\nsubnets = 1;\nuse_read_write = 0;\n\
             output_delay = 0;\noutput_buffer_size = -1;\nvc_busy_when_full = 0;\n\
             vc_prioritize_empty = 0;\nhold_switch_for_packet = 0;\nuse_noc_latency = 1;\n\
             include_queuing = 1;\nrouter = iq;\narb_type = round_robin;\n"
        );
        from_text(&text, "t", &[]).unwrap();
        let e = err(&format!("{BASE}classes = 2;\n"), &[]);
        assert!(
            e.contains("key `classes`") && e.contains("allowed: 1"),
            "{e}"
        );
    }
}
