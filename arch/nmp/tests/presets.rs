//! The HD-MoE preset at every mesh and point, loading from a path, and bad input.

use moesim_core::DType;
use moesim_nmp::{NmpConfig, NmpPlatform};
use std::path::PathBuf;

fn repo_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

#[test]
fn every_mesh_and_point_of_hdmoe() {
    for (mesh, nodes, links) in [
        ("4x4", 16, 2 * 3 * 4 * 2),
        ("4x8", 32, 2 * 3 * 8 + 2 * 4 * 7),
        ("8x8", 64, 2 * 7 * 8 * 2),
    ] {
        for (point, tflops, gbps) in [
            ("2p5tf_75gbps", 2.5, 75.0),
            ("5tf_50gbps", 5.0, 50.0),
            ("10tf_25gbps", 10.0, 25.0),
        ] {
            let p = NmpPlatform::hdmoe(mesh, point).unwrap();
            assert_eq!(p.num_devices(), nodes);
            assert_eq!(p.topology().links.len(), links);
            for d in p.devices() {
                for t in [DType::Fp32, DType::Bf16, DType::Fp8] {
                    assert_eq!(d.peak(t).tflops(), tflops);
                }
                assert_eq!(d.mem_bandwidth.gbytes_per_s(), 625.0);
                assert_eq!(d.mem_capacity_bytes, 16 << 30);
            }
            assert_eq!(p.link().bandwidth.gbytes_per_s(), gbps);
            assert_eq!(p.network_params().flit_bytes as f64, gbps);
            assert_eq!(p.realised_link(), p.link());
            assert_eq!(p.resolved().point, point);
            assert_eq!(p.kind(), "nmp");
        }
    }
}

#[test]
fn link_time_of_one_tp_message() {
    // HD-MoE's TP all-to-all message: 4 B x B=128 x h=2048 over a 50 GB/s link = 20.97 us.
    let p = NmpPlatform::hdmoe("4x8", "5tf_50gbps").unwrap();
    let l = &p.topology().links[0];
    let t = p
        .network_params()
        .link_bandwidth(l)
        .transfer_time(4.0 * 128.0 * 2048.0);
    assert_eq!(t.as_ps(), 20_971_520);
    assert_eq!(p.network_params().hop_latency(l).as_ns(), 5.0);
}

#[test]
fn explicit_numbers_sweep_without_a_point() {
    let dir = std::env::temp_dir().join(format!("moesim-nmp-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("mine.toml");
    let text = moesim_nmp::preset_text("hdmoe")
        .unwrap()
        .replace("point = \"5tf_50gbps\"\n", "")
        .replace("mesh = \"4x8\"", "mesh = \"2x3\"")
        .replace(
            "[node.memory]",
            "[node]\ncompute_tflops = 7.5\n\n[node.memory]",
        )
        .replace(
            "latency_ns = 5.0",
            "latency_ns = 12.0\nbandwidth_gbytes_per_s = 40.0",
        );
    std::fs::write(&path, text).unwrap();
    let p = NmpPlatform::load(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(p.num_devices(), 6);
    assert_eq!(p.compute().tflops(), 7.5);
    assert_eq!(p.link().bandwidth.gbytes_per_s(), 40.0);
    assert_eq!(p.realised_link().latency.as_ns(), 12.0);
    assert_eq!(p.resolved().point, "explicit");
}

#[test]
fn the_memory_cap_moves_with_the_vertical_bandwidth() {
    let c = NmpConfig::preset_with_overrides(
        "hdmoe",
        &["node.memory.vertical_bandwidth_gbytes_per_s=1000".into()],
    )
    .unwrap();
    let p = NmpPlatform::build(c, "t").unwrap();
    // Vaults bind now: 32 x 20 GB/s.
    assert_eq!(p.memory().bound(), "vaults");
    assert!((p.devices()[0].mem_bandwidth.gbytes_per_s() - 640.0).abs() < 1e-9);
}

#[test]
fn files_load_like_the_embedded_preset() {
    let f = NmpConfig::load(repo_path("configs/hardware/nmp/hdmoe.toml")).unwrap();
    assert_eq!(f, NmpConfig::preset("hdmoe").unwrap());
}

fn err(overrides: &[&str]) -> String {
    let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    NmpConfig::preset_with_overrides("hdmoe", &o)
        .and_then(|c| NmpPlatform::build(c, &moesim_nmp::presets::preset_origin("hdmoe")))
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_input_names_file_key_and_allowed_values() {
    let origin = "embedded:configs/hardware/nmp/hdmoe.toml";
    for (set, key, allowed) in [
        (
            vec!["mesh=\"0x4\""],
            "mesh",
            "\"XxY\" with X and Y in 1..=256",
        ),
        (vec!["mesh=4by8"], "mesh", "HD-MoE: 4x4, 4x8, 8x8"),
        (
            vec!["point=20tf_10gbps"],
            "point",
            "10tf_25gbps, 2p5tf_75gbps, 5tf_50gbps",
        ),
        (
            vec!["link.bandwidth_gbytes_per_s=0"],
            "link.bandwidth_gbytes_per_s",
            "a finite number > 0",
        ),
        (
            vec!["node.compute_tflops=-5"],
            "node.compute_tflops",
            "a finite number > 0",
        ),
        (
            vec!["node.memory.vertical_bandwidth_gbytes_per_s=-1"],
            "node.memory.vertical_bandwidth_gbytes_per_s",
            "a finite number > 0",
        ),
        (
            vec!["node.memory.vault_bandwidth_gbytes_per_s=0"],
            "node.memory.vault_bandwidth_gbytes_per_s",
            "a finite number > 0",
        ),
        (
            vec!["link.latency_ns=-5"],
            "link.latency_ns",
            "a finite number >= 0",
        ),
        (
            vec!["link.bandwidth_gbytes_per_s=0.3"],
            "link.bandwidth_gbytes_per_s",
            "lower network_clock_ghz",
        ),
    ] {
        let e = err(&set);
        assert!(
            e.starts_with(&format!("{origin}: key `{key}`")) && e.contains(allowed),
            "{set:?}: {e}"
        );
    }
    let e = err(&["link.bandwith_gbytes_per_s=50"]);
    assert!(e.contains("key `link.bandwith_gbytes_per_s`"), "{e}");
    let e = err(&["node.memory.vaults=-1"]);
    assert!(e.contains("key `node.memory.vaults`"), "{e}");
}

#[test]
fn a_tagged_platform_section_composes() {
    use serde::Deserialize;
    #[derive(Deserialize)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum Platform {
        Nmp(NmpConfig),
    }
    let text = format!(
        "kind = \"nmp\"\n{}",
        moesim_nmp::preset_text("hdmoe").unwrap()
    );
    let Platform::Nmp(c) = moesim_core::config::from_toml_str("p.toml", &text).unwrap();
    assert_eq!(c, NmpConfig::preset("hdmoe").unwrap());
}
