//! The wafer presets: their numbers, their networks, loading from a path, and bad input.

use moesim_core::{Coord, DType, NodeId};
use moesim_noc::topology::LinkKind;
use moesim_wafer::{WaferConfig, WaferPlatform};
use std::path::PathBuf;

fn repo_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

#[test]
fn b200_die_numbers_load() {
    let p = WaferPlatform::preset("b200_8x8").unwrap();
    let c = &p.config().die;
    assert_eq!(
        (
            c.bf16_tflops,
            c.fp8_tflops,
            c.hbm_capacity_gb,
            c.hbm_bandwidth_gbytes_per_s
        ),
        (2250.0, 4500.0, 180.0, 8000.0)
    );
    let d = &p.devices()[0];
    assert_eq!(d.peak(DType::Bf16).tflops(), 2250.0);
    assert_eq!(d.peak(DType::Fp8).tflops(), 4500.0);
    assert_eq!(d.mem_bandwidth.gbytes_per_s(), 8000.0);
    assert_eq!(d.mem_capacity_bytes, 180_000_000_000);
    assert_eq!(p.config().d2d.bandwidth_gbytes_per_s, 900.0);
    assert_eq!(p.num_devices(), 64);
    assert_eq!(p.num_wafers(), 1);
    assert_eq!(p.kind(), "wafer");
    assert_eq!(p.name(), "wsc-b200-8x8");
}

#[test]
fn link_counts_of_one_and_four_wafers() {
    let one = WaferPlatform::preset("b200_8x8").unwrap();
    // 8x8 dies: 2 x 7 x 8 horizontal + 2 x 8 x 7 vertical unidirectional links.
    assert_eq!(one.count_links(LinkKind::DieToDie), 224);
    assert_eq!(one.count_links(LinkKind::WaferToWafer), 0);
    assert_eq!(one.count_links(LinkKind::OnDie), 0);
    let four = WaferPlatform::preset("b200_2x2_wafers").unwrap();
    assert_eq!(four.num_devices(), 256);
    assert_eq!(four.count_links(LinkKind::DieToDie), 4 * 224);
    // Two wafer boundaries (one vertical, one horizontal), each 16 dies long, both directions.
    assert_eq!(four.count_links(LinkKind::WaferToWafer), 2 * 16 * 2);
    assert_eq!(four.topology().links.len(), 2 * 15 * 16 * 2);
    // A W2W link joins facing edge dies of neighbouring wafers.
    for l in four
        .topology()
        .links
        .iter()
        .filter(|l| l.kind == LinkKind::WaferToWafer)
    {
        let (a, b) = (
            four.topology().router(l.src).coord,
            four.topology().router(l.dst).coord,
        );
        assert_eq!(a.manhattan(b), 1);
        let (na, nb) = (four.node_at(a).unwrap(), four.node_at(b).unwrap());
        assert_ne!(four.wafer_of(na), four.wafer_of(nb));
    }
}

#[test]
fn link_times_from_the_network_parameters() {
    let p = WaferPlatform::preset("b200_2x2_wafers").unwrap();
    let params = p.network_params();
    let topo = p.topology();
    let mib = 1024.0 * 1024.0;
    let d2d = topo
        .links
        .iter()
        .find(|l| l.kind == LinkKind::DieToDie)
        .unwrap();
    let w2w = topo
        .links
        .iter()
        .find(|l| l.kind == LinkKind::WaferToWafer)
        .unwrap();
    // 1 MiB at 900 GB/s = 1.165 us; at 225 GB/s = 4.660 us.
    let t = params.link_bandwidth(d2d).transfer_time(mib);
    assert_eq!(t.as_ps(), 1_165_084);
    let t = params.link_bandwidth(w2w).transfer_time(mib);
    assert_eq!(t.as_ps(), 4_660_338);
    assert_eq!(params.hop_latency(d2d).as_ns(), 20.0);
    assert_eq!(params.hop_latency(w2w).as_ns(), 200.0);
    // Configured and realised figures agree for the preset.
    assert_eq!(p.links(), p.realised_links());
    assert_eq!(
        p.link_physical_of(w2w.id),
        p.link_physical(LinkKind::WaferToWafer)
    );
    // The endpoint carries four D2D links' worth.
    assert_eq!(params.endpoint_bytes_per_ps(), Some(3.6));
}

#[test]
fn files_load_like_the_embedded_presets() {
    for (file, preset) in [
        ("configs/hardware/wafer/b200_8x8.toml", "b200_8x8"),
        (
            "configs/hardware/wafer/b200_2x2_wafers.toml",
            "b200_2x2_wafers",
        ),
    ] {
        let from_file = WaferConfig::load(repo_path(file)).unwrap();
        assert_eq!(from_file, WaferConfig::preset(preset).unwrap());
        let p = WaferPlatform::load(repo_path(file)).unwrap();
        assert!(p.origin().ends_with(file));
    }
}

#[test]
fn failed_dies_come_from_the_config() {
    let p = WaferPlatform::build(
        WaferConfig::preset_with_overrides(
            "b200_2x2_wafers",
            &["system.failed_dies=[[0, 0], [9, 12]]".into()],
        )
        .unwrap(),
        "t.toml",
    )
    .unwrap();
    assert_eq!(p.live_nodes().len(), 254);
    let n = p.node_at(Coord::new(9, 12)).unwrap();
    assert!(p.is_failed(n) && !p.topology().is_node_active(n));
    assert!(!p.is_failed(NodeId(1)));
    assert_eq!(p.summary().value("devices_live"), Some(254.0));
}

fn err(overrides: &[&str]) -> String {
    let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    WaferConfig::preset_with_overrides("b200_2x2_wafers", &o)
        .and_then(|c| {
            WaferPlatform::build(c, &moesim_wafer::presets::preset_origin("b200_2x2_wafers"))
        })
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_input_names_file_key_and_allowed_values() {
    let origin = "embedded:configs/hardware/wafer/b200_2x2_wafers.toml";
    for (set, key, allowed) in [
        (
            vec!["wafer.dies_x=0"],
            "wafer.dies_x",
            "an integer in 1..=65536",
        ),
        (
            vec!["system.wafers_y=0"],
            "system.wafers_y",
            "an integer in 1..=65536",
        ),
        (
            vec!["system.failed_dies=[[16, 0]]"],
            "system.failed_dies[0]",
            "x in 0..16 and y in 0..16",
        ),
        (
            vec!["d2d.bandwidth_gbytes_per_s=0"],
            "d2d.bandwidth_gbytes_per_s",
            "a finite number > 0",
        ),
        (
            vec!["w2w.bandwidth_gbytes_per_s=-225"],
            "w2w.bandwidth_gbytes_per_s",
            "a finite number > 0",
        ),
        (
            vec!["d2d.latency_ns=-1"],
            "d2d.latency_ns",
            "a finite number >= 0",
        ),
        (
            vec!["die.hbm_bandwidth_gbytes_per_s=-8000"],
            "die.hbm_bandwidth_gbytes_per_s",
            "a finite number > 0",
        ),
        (
            vec!["network_clock_ghz=0"],
            "network_clock_ghz",
            "(0, 1000]",
        ),
        (
            vec!["die.nic_bandwidth_gbytes_per_s=1000"],
            "die.nic_bandwidth_gbytes_per_s",
            "a whole multiple (>= 1) of the flit bandwidth",
        ),
        (
            vec!["system.failed_dies=[[1, 0], [0, 1]]"],
            "system.failed_dies",
            "failures that leave the surviving routers connected",
        ),
    ] {
        let e = err(&set);
        assert!(
            e.starts_with(&format!("{origin}: key `{key}`")) && e.contains(allowed),
            "{set:?}: {e}"
        );
    }
    // Unknown keys and negative counts are caught by the parser, naming the key.
    let e = err(&["die.hbm_gb=1"]);
    assert!(
        e.contains("key `die.hbm_gb`") && e.contains("`hbm_capacity_gb`"),
        "{e}"
    );
    let e = err(&["wafer.dies_x=-8"]);
    assert!(e.contains("key `wafer.dies_x`"), "{e}");
    let e = WaferConfig::load(repo_path("configs/hardware/wafer/missing.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing.toml"), "{e}");
}

#[test]
fn a_tagged_platform_section_composes() {
    use serde::Deserialize;
    #[derive(Deserialize)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum Platform {
        Wafer(WaferConfig),
    }
    let text = format!(
        "kind = \"wafer\"\n{}",
        moesim_wafer::preset_text("b200_8x8").unwrap()
    );
    let Platform::Wafer(c) = moesim_core::config::from_toml_str("p.toml", &text).unwrap();
    assert_eq!(c, WaferConfig::preset("b200_8x8").unwrap());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    #[test]
    fn link_counts_and_positions_for_any_grid(
        dx in 1u32..6, dy in 1u32..6, wx in 1u32..4, wy in 1u32..4,
    ) {
        let c = WaferConfig::preset_with_overrides(
            "b200_2x2_wafers",
            &[
                format!("wafer.dies_x={dx}"),
                format!("wafer.dies_y={dy}"),
                format!("system.wafers_x={wx}"),
                format!("system.wafers_y={wy}"),
            ],
        )
        .unwrap();
        let p = WaferPlatform::build(c, "t").unwrap();
        let (dx, dy, wx, wy) = (dx as usize, dy as usize, wx as usize, wy as usize);
        let per_wafer = 2 * (dx - 1) * dy + 2 * dx * (dy - 1);
        proptest::prop_assert_eq!(p.count_links(LinkKind::DieToDie), per_wafer * wx * wy);
        proptest::prop_assert_eq!(
            p.count_links(LinkKind::WaferToWafer),
            2 * (wx - 1) * dy * wy + 2 * (wy - 1) * dx * wx
        );
        proptest::prop_assert_eq!(p.devices().len(), dx * dy * wx * wy);
        for i in 0..p.num_devices() as u32 {
            let n = NodeId(i);
            let (g, l, w) = (p.die_coord(n), p.local_coord(n), p.wafer_coord(n));
            proptest::prop_assert_eq!(g, Coord::new(w.x * dx as u32 + l.x, w.y * dy as u32 + l.y));
            proptest::prop_assert_eq!(p.wafer_of(n), w.y * wx as u32 + w.x);
            proptest::prop_assert_eq!(p.node_at(g), Some(n));
        }
    }
}
