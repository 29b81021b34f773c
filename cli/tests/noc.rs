//! `moesim noc` end to end on small meshes at low loads.

mod common;
use common::*;

const FIELDS: [&str; 11] = [
    "avg_packet_latency",
    "avg_network_latency",
    "accepted_flits_per_node_cycle",
    "injected_flits_per_node_cycle",
    "avg_hops_routers",
    "sim_cycles",
    "saturated",
    "flit_router_traversals",
    "packets_measured",
    "wall_s",
    "status",
];

fn json_of(args: &[&str]) -> serde_json::Value {
    let o = moesim(args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)))
}

#[test]
fn json_has_the_named_fields() {
    for args in [
        &[
            "noc",
            "--preset",
            "mesh4x4_uniform_p4",
            "--set",
            "injection_rate=0.05",
            "--json",
        ][..],
        &[
            "noc",
            "--booksim",
            CASE_A,
            "k=4",
            "injection_rate=0.05",
            "--json",
        ][..],
    ] {
        let v = json_of(args);
        for f in FIELDS {
            assert!(v.get(f).is_some(), "missing {f} in {v}");
        }
        assert!(v["saturated"].is_boolean());
        assert_eq!(v["status"], "converged");
        // Zero load on a 4x4 mesh: T0 = 5H + 6 + P with H = 2.5 (self-traffic included).
        let lat = v["avg_packet_latency"].as_f64().unwrap();
        assert!((20.0..26.0).contains(&lat), "{lat}");
        assert!(v["flit_router_traversals"].as_u64().unwrap() > 0);
    }
}

#[test]
fn text_summary_reads_like_booksim() {
    let o = moesim(&["noc", "--booksim", CASE_A, "k=4", "injection_rate=0.05"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = stdout(&o);
    for line in [
        "Packet latency average = ",
        "Accepted flit rate average = ",
        "Time taken is ",
    ] {
        assert!(s.contains(line), "{s}");
    }
}

/// The CSV with the wall-clock columns (wall_s, booksim_internal_run_s) blanked.
fn without_timings(csv: &str) -> String {
    csv.lines()
        .map(|l| {
            let mut cells: Vec<&str> = l.split(',').collect();
            for i in [10, 15] {
                if i < cells.len() && !l.starts_with("topology,") {
                    cells[i] = "";
                }
            }
            cells.join(",")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn parallel_sweep_equals_serial_and_stops_after_three_unstable() {
    let d = scratch("sweep");
    let (par, ser) = (d.join("par.csv"), d.join("ser.csv"));
    let base = [
        "noc",
        "--preset",
        "mesh4x4_uniform_p4",
        "--sweep",
        "injection_rate=0.10:1.00:0.05",
    ];
    for (csv, extra) in [(&par, None), (&ser, Some("--serial"))] {
        let mut args: Vec<&str> = base.to_vec();
        args.extend(["--csv", csv.to_str().unwrap()]);
        args.extend(extra);
        let o = moesim(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let (p, s) = (
        std::fs::read_to_string(&par).unwrap(),
        std::fs::read_to_string(&ser).unwrap(),
    );
    assert_eq!(without_timings(&p), without_timings(&s));
    let header = p.lines().next().unwrap();
    assert_eq!(
        header,
        std::fs::read_to_string(root().join("data/booksim/case_a_mesh8x8_uniform_p4.csv"))
            .unwrap()
            .lines()
            .next()
            .unwrap()
    );
    let rows: Vec<Vec<&str>> = p.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(rows[0][4], "0.10");
    let saturated: Vec<&str> = rows.iter().map(|r| r[8]).collect();
    // The sweep ends at the third unstable point in a row, before the last load.
    assert!(rows.len() < 19, "{saturated:?}");
    assert_eq!(saturated[saturated.len() - 3..], ["1", "1", "1"]);
}

#[test]
fn heatmap_and_links_are_written() {
    let d = scratch("links");
    let (svg, links, csv) = (d.join("h.svg"), d.join("links.csv"), d.join("one.csv"));
    let o = moesim(&[
        "noc",
        "--preset",
        "mesh4x4_uniform_p4",
        "--heatmap",
        svg.to_str().unwrap(),
        "--links",
        links.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    // A 4x4 mesh has 2 * 2 * 4 * 3 = 48 unidirectional links.
    let l = std::fs::read_to_string(&links).unwrap();
    let mut ids: Vec<&str> = l
        .lines()
        .skip(1)
        .filter_map(|r| r.split(',').next())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 48, "{l}");
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 2);
}

#[test]
fn print_config_round_trips_a_booksim_config() {
    let o = moesim(&["noc", "--booksim", CASE_A, "--print-config"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let d = scratch("printed");
    let f = d.join("native.toml");
    std::fs::write(&f, stdout(&o)).unwrap();
    let o2 = moesim(&["noc", "--config", f.to_str().unwrap(), "--print-config"]);
    assert_eq!(stdout(&o), stdout(&o2));
    let o3 = moesim(&["noc", "--preset", "mesh8x8_uniform_p4", "--print-config"]);
    assert_eq!(stdout(&o), stdout(&o3));
}
