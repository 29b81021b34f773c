//! The BookSim2 keys moesim understands, one table row per key: its native equivalent, what is
//! allowed, and how its value is applied to the configuration being built. Keys that only select
//! behaviour moesim has not modelled are accepted at BookSim's default value and rejected
//! otherwise.

use crate::config::{AllocatorKind, InjectionProcess, NocConfig, RoutingConfig, TrafficPattern};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Why a value was refused: a message and, when the table entry's text is not precise enough,
/// what would have been accepted.
pub struct Problem {
    pub message: String,
    pub allowed: Option<String>,
}

impl From<String> for Problem {
    fn from(message: String) -> Problem {
        Problem {
            message,
            allowed: None,
        }
    }
}

type Applied = Result<(), Problem>;

/// How a key's value is used.
pub enum Action {
    /// Parsed and stored in the draft.
    Apply(fn(&mut Draft, &str) -> Applied),
    /// Only BookSim's default value is accepted (the behaviour is the default one).
    DefaultOnly(&'static str),
}

/// One supported BookSim key.
pub struct KeySpec {
    pub name: &'static str,
    /// The native keys it sets (also the keys `NocConfig::validate` reports), empty if none.
    pub native: &'static [&'static str],
    /// What is allowed, in words.
    pub allowed: &'static str,
    pub action: Action,
}

/// The configuration being built, plus the BookSim keys that are resolved only at the end
/// because they combine (topology with k/n/c, traffic with perm_seed).
pub struct Draft {
    pub cfg: NocConfig,
    pub topology: String,
    pub k: u32,
    pub n: u32,
    pub c: u32,
    pub traffic: String,
    pub perm_seed: u64,
    /// `routing_function`, resolved with the topology as BookSim does (`dor` + `mesh`).
    pub routing: Option<String>,
}

impl Default for Draft {
    /// BookSim2's defaults (`booksim_config.cpp`): note the default topology is an 8-ary 2-cube
    /// torus and there is no default routing function.
    fn default() -> Draft {
        Draft {
            cfg: NocConfig::default(),
            topology: "torus".into(),
            k: 8,
            n: 2,
            c: 1,
            traffic: "uniform".into(),
            perm_seed: 0,
            routing: None,
        }
    }
}

fn int(v: &str) -> Result<i64, Problem> {
    v.parse::<i64>()
        .map_err(|_| Problem::from(format!("`{v}` is not an integer")))
}

fn uint(v: &str) -> Result<u32, Problem> {
    let i = int(v)?;
    u32::try_from(i).map_err(|_| Problem::from(format!("{i} is out of range")))
}

fn uint64(v: &str) -> Result<u64, Problem> {
    let i = int(v)?;
    u64::try_from(i).map_err(|_| Problem::from(format!("{i} is out of range")))
}

fn float(v: &str) -> Result<f64, Problem> {
    match v.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(f),
        _ => Err(Problem::from(format!("`{v}` is not a number"))),
    }
}

fn flag(v: &str) -> Result<bool, Problem> {
    match int(v)? {
        0 => Ok(false),
        1 => Ok(true),
        i => Err(Problem::from(format!("{i} is not 0 or 1"))),
    }
}

/// Deserialises a native enum from JSON, turning serde's "unknown variant `x`, expected one of
/// `a`, `b`" into a message and the allowed names.
pub fn from_json<T: DeserializeOwned>(v: Value) -> Result<T, Problem> {
    serde_json::from_value(v).map_err(|e| {
        let msg = e.to_string();
        for sep in [", expected one of ", ", expected "] {
            if let Some(i) = msg.find(sep) {
                return Problem {
                    message: msg[..i].to_string(),
                    allowed: Some(msg[i + sep.len()..].to_string()),
                };
            }
        }
        Problem::from(msg)
    })
}

/// BookSim's routing functions (`<routing_function>_<topology>`) and their native kinds.
pub const BOOKSIM_ROUTING: &[(&str, &str)] = &[
    ("dor_mesh", "dor"),
    ("dim_order_mesh", "dor"),
    ("dim_order_torus", "torus_dor"),
    ("odd_even_mesh", "odd_even"),
];

/// The native routing of BookSim `routing_function = name` on `topology`: BookSim's
/// `name_topology` from [`BOOKSIM_ROUTING`], else `name` taken as a native `routing.kind`.
pub fn routing(name: &str, topology: &str) -> Result<RoutingConfig, Problem> {
    let full = format!("{name}_{topology}");
    if let Some((_, native)) = BOOKSIM_ROUTING.iter().find(|(b, _)| *b == full) {
        return from_json(json!({ "kind": native }));
    }
    from_json::<RoutingConfig>(json!({ "kind": name })).map_err(|p| {
        let booksim: Vec<&str> = BOOKSIM_ROUTING
            .iter()
            .filter_map(|(b, _)| b.strip_suffix(&format!("_{topology}")))
            .collect();
        Problem {
            message: format!("`{name}` is not a routing function for topology {topology}"),
            allowed: Some(format!(
                "BookSim: {}; native kinds: {}",
                if booksim.is_empty() {
                    "none".to_string()
                } else {
                    booksim.join(", ")
                },
                p.allowed.unwrap_or_default()
            )),
        }
    })
}

/// The native traffic pattern of a BookSim `traffic` value: `name` or `name(arg, ...)` with
/// list arguments, e.g. `hotspot({0,7},{2,1})`.
pub fn traffic_pattern(v: &str, perm_seed: u64) -> Result<TrafficPattern, Problem> {
    let (name, args) = match v.split_once('(') {
        Some((name, rest)) => {
            let inner = rest
                .strip_suffix(')')
                .ok_or_else(|| Problem::from(format!("`{v}`: missing `)` after the arguments")))?;
            (name.trim(), super::parse::split_top_level(inner))
        }
        None => (v.trim(), Vec::new()),
    };
    let lists: Vec<Vec<u32>> = args
        .iter()
        .map(|a| {
            super::parse::list_items(a)
                .iter()
                .map(|x| uint(x))
                .collect::<Result<Vec<u32>, Problem>>()
        })
        .collect::<Result<_, _>>()?;
    let mut obj = json!({ "kind": name });
    match (name, lists.as_slice()) {
        ("randperm", []) => obj["perm_seed"] = json!(perm_seed),
        ("hotspot", [nodes]) => obj["nodes"] = json!(nodes),
        ("hotspot", [nodes, rates]) => {
            obj["nodes"] = json!(nodes);
            obj["rates"] = json!(rates);
        }
        ("hotspot", _) => {
            return Err(Problem {
                message: format!("`{v}`: hotspot takes a node list and an optional rate list"),
                allowed: Some("hotspot({n0,n1,...}) or hotspot({n0,...},{r0,...})".into()),
            });
        }
        (_, []) => {}
        (_, _) => return Err(Problem::from(format!("`{name}` takes no arguments"))),
    }
    from_json(obj)
}

macro_rules! setter {
    ($parse:ident, |$d:ident, $x:ident| $body:expr) => {
        Action::Apply(|$d: &mut Draft, v: &str| {
            let $x = $parse(v)?;
            $body;
            Ok(())
        })
    };
}

const INT: &str = "a non-negative integer";
const FLAG: &str = "0 or 1";
const FLOAT: &str = "a number";

/// Every supported key, in the order of BookSim's `booksim_config.cpp`.
pub static KEYS: &[KeySpec] = &[
    // ---- topology
    KeySpec {
        name: "topology",
        native: &["topology.kind"],
        allowed: "mesh, or another `topology.kind` of the native configuration",
        action: Action::Apply(|d, v| {
            d.topology = v.to_string();
            Ok(())
        }),
    },
    KeySpec {
        name: "k",
        native: &["topology.x", "topology.y", "topology.x/y"],
        allowed: "an integer >= 1 (routers per dimension)",
        action: setter!(uint, |d, x| d.k = x),
    },
    KeySpec {
        name: "n",
        native: &[],
        allowed: "2 (two-dimensional networks only)",
        action: Action::DefaultOnly("2"),
    },
    KeySpec {
        name: "c",
        native: &["topology.concentration"],
        allowed: "an integer >= 1 (terminals per router)",
        action: setter!(uint, |d, x| d.c = x),
    },
    KeySpec {
        name: "use_noc_latency",
        native: &["topology.link_latency_cycles"],
        allowed: "1 (1-cycle router-to-router channels)",
        action: Action::DefaultOnly("1"),
    },
    KeySpec {
        name: "subnets",
        native: &[],
        allowed: "1",
        action: Action::DefaultOnly("1"),
    },
    KeySpec {
        name: "routing_function",
        native: &["routing.kind"],
        allowed: "dor or dim_order (mesh), dim_order (torus), odd_even (mesh), or a native `routing.kind`",
        action: Action::Apply(|d, v| {
            d.routing = Some(v.to_string());
            Ok(())
        }),
    },
    // ---- router
    KeySpec {
        name: "router",
        native: &[],
        allowed: "iq (input-queued virtual-channel router)",
        action: Action::DefaultOnly("iq"),
    },
    KeySpec {
        name: "output_delay",
        native: &[],
        allowed: "0",
        action: Action::DefaultOnly("0"),
    },
    KeySpec {
        name: "credit_delay",
        native: &["router.credit_delay"],
        allowed: INT,
        action: setter!(uint, |d, x| d.cfg.router.credit_delay = x),
    },
    KeySpec {
        name: "internal_speedup",
        native: &["router.internal_speedup"],
        allowed: "1.0",
        action: setter!(float, |d, x| d.cfg.router.internal_speedup = x),
    },
    KeySpec {
        name: "output_buffer_size",
        native: &[],
        allowed: "-1 (unlimited)",
        action: Action::DefaultOnly("-1"),
    },
    KeySpec {
        name: "noq",
        native: &[],
        allowed: "0",
        action: Action::DefaultOnly("0"),
    },
    KeySpec {
        name: "speculative",
        native: &["router.speculative"],
        allowed: FLAG,
        action: setter!(flag, |d, x| d.cfg.router.speculative = x),
    },
    KeySpec {
        name: "num_vcs",
        native: &["router.num_vcs"],
        allowed: "an integer in 1..=64",
        action: setter!(uint, |d, x| d.cfg.router.num_vcs = x),
    },
    KeySpec {
        name: "vc_buf_size",
        native: &["router.vc_buf_size"],
        allowed: "an integer >= 1 (flits per VC)",
        action: setter!(uint, |d, x| d.cfg.router.vc_buf_size = x),
    },
    KeySpec {
        name: "buf_size",
        native: &[],
        allowed: "-1 (private per-VC buffers of vc_buf_size)",
        action: Action::DefaultOnly("-1"),
    },
    KeySpec {
        name: "buffer_policy",
        native: &[],
        allowed: "private",
        action: Action::DefaultOnly("private"),
    },
    KeySpec {
        name: "wait_for_tail_credit",
        native: &["router.wait_for_tail_credit"],
        allowed: FLAG,
        action: setter!(flag, |d, x| d.cfg.router.wait_for_tail_credit = x),
    },
    KeySpec {
        name: "vc_busy_when_full",
        native: &[],
        allowed: "0",
        action: Action::DefaultOnly("0"),
    },
    KeySpec {
        name: "vc_prioritize_empty",
        native: &[],
        allowed: "0",
        action: Action::DefaultOnly("0"),
    },
    KeySpec {
        name: "vc_priority_donation",
        native: &[],
        allowed: "0",
        action: Action::DefaultOnly("0"),
    },
    KeySpec {
        name: "vc_shuffle_requests",
        native: &[],
        allowed: "0",
        action: Action::DefaultOnly("0"),
    },
    KeySpec {
        name: "hold_switch_for_packet",
        native: &[],
        allowed: "0",
        action: Action::DefaultOnly("0"),
    },
    KeySpec {
        name: "input_speedup",
        native: &["router.input_speedup"],
        allowed: "1",
        action: setter!(uint, |d, x| d.cfg.router.input_speedup = x),
    },
    KeySpec {
        name: "output_speedup",
        native: &["router.output_speedup"],
        allowed: "1",
        action: setter!(uint, |d, x| d.cfg.router.output_speedup = x),
    },
    KeySpec {
        name: "routing_delay",
        native: &["router.routing_delay"],
        allowed: INT,
        action: setter!(uint, |d, x| d.cfg.router.routing_delay = x),
    },
    KeySpec {
        name: "vc_alloc_delay",
        native: &["router.vc_alloc_delay"],
        allowed: INT,
        action: setter!(uint, |d, x| d.cfg.router.vc_alloc_delay = x),
    },
    KeySpec {
        name: "sw_alloc_delay",
        native: &["router.sw_alloc_delay"],
        allowed: INT,
        action: setter!(uint, |d, x| d.cfg.router.sw_alloc_delay = x),
    },
    KeySpec {
        name: "st_prepare_delay",
        native: &["router.st_prepare_delay"],
        allowed: INT,
        action: setter!(uint, |d, x| d.cfg.router.st_prepare_delay = x),
    },
    KeySpec {
        name: "st_final_delay",
        native: &["router.st_final_delay"],
        allowed: "an integer; st_prepare_delay + st_final_delay >= 1",
        action: setter!(uint, |d, x| d.cfg.router.st_final_delay = x),
    },
    KeySpec {
        name: "vct",
        native: &[],
        allowed: "0",
        action: Action::DefaultOnly("0"),
    },
    KeySpec {
        name: "vc_allocator",
        native: &["router.vc_allocator"],
        allowed: "an allocator of the native configuration, e.g. islip",
        action: Action::Apply(|d, v| {
            d.cfg.router.vc_allocator = from_json::<AllocatorKind>(json!(v))?;
            Ok(())
        }),
    },
    KeySpec {
        name: "sw_allocator",
        native: &["router.sw_allocator"],
        allowed: "an allocator of the native configuration, e.g. islip",
        action: Action::Apply(|d, v| {
            d.cfg.router.sw_allocator = from_json::<AllocatorKind>(json!(v))?;
            Ok(())
        }),
    },
    KeySpec {
        name: "arb_type",
        native: &[],
        allowed: "round_robin",
        action: Action::DefaultOnly("round_robin"),
    },
    KeySpec {
        name: "alloc_iters",
        native: &["router.alloc_iters"],
        allowed: "an integer >= 1",
        action: setter!(uint, |d, x| d.cfg.router.alloc_iters = x),
    },
    // ---- traffic
    KeySpec {
        name: "classes",
        native: &[],
        allowed: "1",
        action: Action::DefaultOnly("1"),
    },
    KeySpec {
        name: "traffic",
        native: &["traffic.pattern"],
        allowed: "a `traffic.pattern.kind` of the native configuration, e.g. uniform",
        action: Action::Apply(|d, v| {
            traffic_pattern(v, d.perm_seed)?;
            d.traffic = v.to_string();
            Ok(())
        }),
    },
    KeySpec {
        name: "perm_seed",
        native: &["traffic.pattern.perm_seed"],
        allowed: INT,
        action: setter!(uint64, |d, x| d.perm_seed = x),
    },
    KeySpec {
        name: "injection_rate",
        native: &["traffic.injection_rate"],
        allowed: "a number in (0, 1]",
        action: setter!(float, |d, x| d.cfg.traffic.injection_rate = x),
    },
    KeySpec {
        name: "injection_rate_uses_flits",
        native: &["traffic.injection_rate_uses_flits"],
        allowed: FLAG,
        action: setter!(flag, |d, x| d.cfg.traffic.injection_rate_uses_flits = x),
    },
    KeySpec {
        name: "packet_size",
        native: &["traffic.packet_size"],
        allowed: "an integer >= 1 (flits per packet)",
        action: setter!(uint, |d, x| d.cfg.traffic.packet_size = x),
    },
    KeySpec {
        name: "injection_process",
        native: &["traffic.injection_process"],
        allowed: "an injection process of the native configuration, e.g. bernoulli",
        action: Action::Apply(|d, v| {
            d.cfg.traffic.injection_process = from_json::<InjectionProcess>(json!(v))?;
            Ok(())
        }),
    },
    KeySpec {
        name: "priority",
        native: &[],
        allowed: "none",
        action: Action::DefaultOnly("none"),
    },
    KeySpec {
        name: "use_read_write",
        native: &[],
        allowed: "0",
        action: Action::DefaultOnly("0"),
    },
    // ---- simulation
    KeySpec {
        name: "sim_type",
        native: &[],
        allowed: "latency",
        action: Action::DefaultOnly("latency"),
    },
    KeySpec {
        name: "warmup_periods",
        native: &["sim.warmup_periods"],
        allowed: INT,
        action: setter!(uint, |d, x| d.cfg.sim.warmup_periods = x),
    },
    KeySpec {
        name: "sample_period",
        native: &["sim.sample_period"],
        allowed: "an integer >= 1 (cycles)",
        action: setter!(uint64, |d, x| d.cfg.sim.sample_period = x),
    },
    KeySpec {
        name: "max_samples",
        native: &["sim.max_samples"],
        allowed: "an integer >= 1",
        action: setter!(uint, |d, x| d.cfg.sim.max_samples = x),
    },
    KeySpec {
        name: "measure_stats",
        native: &[],
        allowed: "1",
        action: Action::DefaultOnly("1"),
    },
    KeySpec {
        name: "pair_stats",
        native: &[],
        allowed: "0",
        action: Action::DefaultOnly("0"),
    },
    KeySpec {
        name: "latency_thres",
        native: &["sim.latency_thres"],
        allowed: FLOAT,
        action: setter!(float, |d, x| d.cfg.sim.latency_thres = x),
    },
    KeySpec {
        name: "warmup_thres",
        native: &["sim.warmup_thres"],
        allowed: FLOAT,
        action: setter!(float, |d, x| d.cfg.sim.warmup_thres = x),
    },
    KeySpec {
        name: "acc_warmup_thres",
        native: &["sim.acc_warmup_thres"],
        allowed: FLOAT,
        action: setter!(float, |d, x| d.cfg.sim.acc_warmup_thres = x),
    },
    KeySpec {
        name: "stopping_thres",
        native: &["sim.stopping_thres"],
        allowed: FLOAT,
        action: setter!(float, |d, x| d.cfg.sim.stopping_thres = x),
    },
    KeySpec {
        name: "acc_stopping_thres",
        native: &["sim.acc_stopping_thres"],
        allowed: FLOAT,
        action: setter!(float, |d, x| d.cfg.sim.acc_stopping_thres = x),
    },
    KeySpec {
        name: "sim_count",
        native: &[],
        allowed: "1",
        action: Action::DefaultOnly("1"),
    },
    KeySpec {
        name: "include_queuing",
        native: &["sim.include_queuing"],
        allowed: FLAG,
        action: setter!(flag, |d, x| d.cfg.sim.include_queuing = x),
    },
    KeySpec {
        name: "seed",
        native: &["sim.seed"],
        allowed: "a non-negative integer (`time` is not supported: runs are reproducible)",
        action: setter!(uint64, |d, x| d.cfg.sim.seed = x),
    },
    KeySpec {
        name: "print_activity",
        native: &[],
        allowed: "0",
        action: Action::DefaultOnly("0"),
    },
    KeySpec {
        name: "viewer_trace",
        native: &[],
        allowed: "0",
        action: Action::DefaultOnly("0"),
    },
    KeySpec {
        name: "sim_power",
        native: &[],
        allowed: "0",
        action: Action::DefaultOnly("0"),
    },
];

/// The table entry for `name`.
pub fn lookup(name: &str) -> Option<&'static KeySpec> {
    KEYS.iter().find(|k| k.name == name)
}

/// The supported key closest to `name` (edit distance at most 2), for "did you mean".
pub fn closest(name: &str) -> Option<&'static str> {
    KEYS.iter()
        .map(|k| (edit_distance(name, k.name), k.name))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// True if `value` equals BookSim's default `default` (numerically when both are numbers).
pub fn is_default(value: &str, default: &str) -> bool {
    match (value.parse::<f64>(), default.parse::<f64>()) {
        (Ok(a), Ok(b)) => a == b,
        _ => value == default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_unique_names_and_suggestions_work() {
        let mut names: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n);
        assert_eq!(closest("num_vc"), Some("num_vcs"));
        assert_eq!(closest("injection_rat"), Some("injection_rate"));
        assert_eq!(closest("completely_unrelated"), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn routing_resolves_with_the_topology() {
        assert_eq!(routing("dor", "mesh").ok(), Some(RoutingConfig::Dor));
        assert_eq!(routing("dim_order", "mesh").ok(), Some(RoutingConfig::Dor));
        assert_eq!(
            routing("dim_order", "torus").ok(),
            Some(RoutingConfig::TorusDor)
        );
        assert_eq!(
            routing("west_first", "mesh").ok(),
            Some(RoutingConfig::WestFirst)
        );
        let p = routing("valiant", "mesh").err().unwrap();
        assert!(p.message.contains("valiant"), "{}", p.message);
        assert!(p.allowed.unwrap().contains("dim_order"));
    }

    #[test]
    fn traffic_values() {
        assert_eq!(
            traffic_pattern("transpose", 0).ok(),
            Some(TrafficPattern::Transpose)
        );
        assert_eq!(
            traffic_pattern("randperm", 5).ok(),
            Some(TrafficPattern::Randperm { perm_seed: 5 })
        );
        assert_eq!(
            traffic_pattern("hotspot({0,7},{2,1})", 0).ok(),
            Some(TrafficPattern::Hotspot {
                nodes: vec![0, 7],
                rates: vec![2, 1]
            })
        );
        let p = traffic_pattern("unifrom", 0).err().unwrap();
        assert!(p.message.contains("unifrom"), "{}", p.message);
        assert!(p.allowed.unwrap().contains("uniform"));
        assert!(traffic_pattern("uniform(3)", 0).is_err());
        assert!(traffic_pattern("hotspot({a})", 0).is_err());
    }

    #[test]
    fn defaults_compare_numerically() {
        assert!(is_default("1.0", "1"));
        assert!(is_default("-1", "-1"));
        assert!(!is_default("2", "1"));
        assert!(is_default("iq", "iq"));
    }
}
