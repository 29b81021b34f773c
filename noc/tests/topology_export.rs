//! Link statistics export (CSV, JSON) and SVG heatmaps, on loads made by routing every pair of
//! active nodes once with a deterministic routing function.

use moesim_core::LinkId;
use moesim_noc::LinkStats;
use moesim_noc::config::{GridConfig, MeshOfDiesConfig, RoutingConfig, TopologyConfig};
use moesim_noc::heatmap::{utilisation_svg, write_heatmap_svg, write_utilisation_svg};
use moesim_noc::link_export::{link_rows, link_utilisation, links_json, write_links_csv};
use moesim_noc::routing::{self, RouteCandidate, TurnModel};
use moesim_noc::topology::{self, Topology};
use std::path::PathBuf;

fn out_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("topology_export");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// One flit per ordered pair of active nodes along the first candidate of `cfg`; the k-th flit
/// on a link is sent in cycle k x cycles_per_flit, so no link carries more than it can.
fn all_to_all(topo: &Topology, cfg: RoutingConfig, window_cycles: u64) -> LinkStats {
    let rf = routing::build_with_vcs(&cfg, topo, 2, "t").unwrap();
    let mut sent = vec![0u64; topo.links.len()];
    let nodes = topo.active_nodes();
    let mut cands: Vec<RouteCandidate> = Vec::new();
    for &s in &nodes {
        for &d in &nodes {
            let (mut r, mut port, mut vc) = (topo.terminal(s).router, topo.terminal(s).port, 0);
            while r != topo.terminal(d).router {
                cands.clear();
                rf.route(topo, r, port, vc, d, 2, &mut cands);
                let c = cands[0];
                let l = topo.link(topo.router(r).out_links[c.out_port as usize].unwrap());
                sent[l.id.index()] += 1;
                (r, port, vc) = (l.dst, l.dst_port, c.vc_lo);
            }
        }
    }
    let mut stats = LinkStats::new(topo.links.len(), window_cycles, 0);
    let mut end = 1;
    for (l, &n) in sent.iter().enumerate() {
        let cpf = topo.links[l].cycles_per_flit as u64;
        for k in 0..n {
            stats.record(k * cpf, LinkId(l as u32));
        }
        end = end.max(n * cpf);
    }
    stats.finish(end);
    stats
}

fn wafer_system() -> Topology {
    let cfg = TopologyConfig::MeshOfDies(MeshOfDiesConfig {
        x: 8,
        y: 8,
        die_x: 2,
        die_y: 2,
        wafers_x: 2,
        wafers_y: 2,
        d2d_cycles_per_flit: 2,
        w2w_cycles_per_flit: 4,
        failed_dies: vec![[3, 5]],
        failed_links: vec![[10, 2, 10, 3]],
        ..MeshOfDiesConfig::default()
    });
    topology::build(&cfg, "t").unwrap()
}

#[test]
fn csv_has_a_row_per_link_per_window_and_totals() {
    let topo = topology::build(&TopologyConfig::mesh(4, 4), "t").unwrap();
    let stats = all_to_all(&topo, RoutingConfig::Dor, 10);
    let path = out_dir().join("mesh4x4_links.csv");
    write_links_csv(&topo, &stats, &path).unwrap();
    let mut rd = csv::Reader::from_path(&path).unwrap();
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "link",
            "src_x",
            "src_y",
            "dst_x",
            "dst_y",
            "direction",
            "kind",
            "failed",
            "window",
            "start_cycle",
            "cycles",
            "flits",
            "utilisation"
        ]
    );
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), topo.links.len() * (stats.windows.len() + 1));
    // Per link, the window rows add up to the total row.
    let mut per_link = vec![(0u64, 0u64); topo.links.len()];
    for r in &rows {
        let (l, flits): (usize, u64) = (r[0].parse().unwrap(), r[11].parse().unwrap());
        if &r[8] == "total" {
            per_link[l].1 = flits;
        } else {
            per_link[l].0 += flits;
        }
        let u: f64 = r[12].parse().unwrap();
        assert!((0.0..=1.0).contains(&u), "{r:?}");
    }
    assert!(per_link.iter().all(|(w, t)| w == t));
    // XY all-to-all on a 4x4 mesh: the most loaded links cross the bisection, e.g. (1,y)->(2,y)
    // carries the 2 sources left of it in row y to the 8 destinations right of the bisection.
    assert_eq!(stats.total_flits.iter().max(), Some(&16));
}

#[test]
fn json_matches_the_rows() {
    let topo = wafer_system();
    let stats = all_to_all(
        &topo,
        RoutingConfig::FaultTolerant {
            turn_model: TurnModel::UpDown,
            adaptive: false,
        },
        500,
    );
    let v = links_json(&topo, &stats).unwrap();
    assert_eq!(v["grid"], serde_json::json!([16, 16]));
    assert_eq!(v["die"], serde_json::json!([2, 2]));
    assert_eq!(v["wafer"], serde_json::json!([8, 8]));
    assert_eq!(v["failed_routers"].as_array().unwrap().len(), 4);
    let links = v["links"].as_array().unwrap();
    assert_eq!(links.len(), topo.links.len());
    let util = link_utilisation(&topo, &stats).unwrap();
    let rows = link_rows(&topo, &stats).unwrap();
    for (i, l) in links.iter().enumerate() {
        assert_eq!(l["link"], i);
        assert!((l["utilisation"].as_f64().unwrap() - util[i]).abs() < 1e-12);
        assert_eq!(
            l["window_flits"].as_array().unwrap().len(),
            stats.windows.len()
        );
        // Total rows come last, one per link in id order.
        let total = &rows[rows.len() - links.len() + i];
        assert_eq!((total.window.as_str(), total.link), ("total", i as u32));
        assert_eq!(l["flits"], total.flits);
        assert_eq!(l["kind"], total.kind);
    }
    // The W2W links carry a quarter-width flit stream: utilisation counts 4 cycles per flit.
    let w2w = topo
        .links
        .iter()
        .find(|l| l.cycles_per_flit == 4 && stats.total_flits[l.id.index()] > 0)
        .unwrap();
    assert_eq!(links[w2w.id.index()]["kind"], "wafer_to_wafer");
    let expect = stats.total_flits[w2w.id.index()] as f64 * 4.0 / stats.covered_cycles() as f64;
    assert!((util[w2w.id.index()] - expect).abs() < 1e-12);
}

/// The numbers of one SVG attribute (`points="x,y x,y ..."`, `x="..."`) all lie in the canvas.
fn check_inside(svg: &str) -> (usize, usize, usize) {
    let dim = |key: &str| -> f64 {
        let i = svg.find(&format!("{key}=\"")).unwrap() + key.len() + 2;
        svg[i..].split('"').next().unwrap().parse().unwrap()
    };
    let (w, h) = (dim("width"), dim("height"));
    let mut polygons = 0;
    for part in svg.split("<polygon").skip(1) {
        polygons += 1;
        let pts = part
            .split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        for p in pts.split_whitespace() {
            let (x, y) = p.split_once(',').unwrap();
            let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
            assert!(
                (0.0..=w).contains(&x) && (0.0..=h).contains(&y),
                "{p} outside {w}x{h}"
            );
        }
    }
    (
        polygons,
        svg.matches("<text").count(),
        svg.matches("<rect").count(),
    )
}

#[test]
fn heatmaps_for_8x8_16x16_and_torus() {
    let dir = out_dir();
    // 8x8 mesh, XY all-to-all.
    let mesh = topology::build(&TopologyConfig::mesh(8, 8), "t").unwrap();
    let stats = all_to_all(&mesh, RoutingConfig::Dor, 100);
    write_heatmap_svg(&mesh, &stats, dir.join("mesh8x8.svg"), "XY all-to-all").unwrap();
    let svg = std::fs::read_to_string(dir.join("mesh8x8.svg")).unwrap();
    let (polys, texts, _) = check_inside(&svg);
    // One bar per link plus one legend arrow (on-die only).
    assert_eq!(polys, mesh.links.len() + 1);
    assert!(svg.contains("XY all-to-all") && svg.contains("\n7,7\n"));
    assert!(texts > 64);

    // 2x2 wafers of 8x8 routers, dies of 2x2, one failed die and one failed link.
    let wafers = wafer_system();
    let stats = all_to_all(
        &wafers,
        RoutingConfig::FaultTolerant {
            turn_model: TurnModel::UpDown,
            adaptive: false,
        },
        100,
    );
    write_heatmap_svg(
        &wafers,
        &stats,
        dir.join("wafers16x16.svg"),
        "up*/down* all-to-all",
    )
    .unwrap();
    let svg = std::fs::read_to_string(dir.join("wafers16x16.svg")).unwrap();
    let (polys, _, _) = check_inside(&svg);
    // Bars, plus legend arrows for on-die, D2D, W2W and failed links.
    assert_eq!(polys, wafers.links.len() + 4);
    assert!(svg.contains("wafer-to-wafer link") && svg.contains("failed router"));
    assert!(
        svg.contains("stroke-dasharray") || svg.matches("<polyline").count() > wafers.links.len()
    );

    // A torus: wraparound links are two stubs each.
    let torus = topology::build(
        &TopologyConfig::Torus(GridConfig {
            x: 6,
            y: 4,
            ..GridConfig::default()
        }),
        "t",
    )
    .unwrap();
    let stats = all_to_all(&torus, RoutingConfig::TorusDor, 100);
    let util = link_utilisation(&torus, &stats).unwrap();
    write_utilisation_svg(&torus, &util, dir.join("torus6x4.svg"), "torus DOR").unwrap();
    let svg = utilisation_svg(&torus, &util, "torus DOR").unwrap();
    let (polys, _, _) = check_inside(&svg);
    let wraps = torus.links.iter().filter(|l| torus.is_wrap_link(l)).count();
    assert_eq!(wraps, 2 * (4 + 6));
    assert_eq!(polys, torus.links.len() + wraps + 1);
}
