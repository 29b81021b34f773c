//! GPU system presets and the extrapolations: other GPUs by their datasheet peaks, larger worlds
//! by the algorithms' step counts, scale-out by the NIC bandwidth and latency.

use moesim_core::Tick;
use moesim_core::config::{apply_overrides, parse_toml_value};
use moesim_gpu::{
    CollectiveKind, CommGroup, DType, ExpertShape, GpuSystem, GpuSystemConfig, presets,
};

const GIB: u64 = 1 << 30;

fn sys(name: &str) -> GpuSystem {
    GpuSystem::preset(name).unwrap()
}

#[test]
fn every_preset_builds_with_its_world() {
    let worlds = [
        ("h100_dgx", 8),
        ("h200_dgx", 8),
        ("h200_2x8_ib800", 16),
        ("h800_dgx", 8),
        ("b200_dgx", 8),
        ("gb200_nvl72", 72),
    ];
    assert_eq!(presets::preset_names().len(), worlds.len());
    for (name, world) in worlds {
        let s = sys(name);
        assert_eq!(s.world_size(), world, "{name}");
        assert_eq!(s.config().name, name);
    }
    assert!(
        presets::preset("h300")
            .unwrap_err()
            .to_string()
            .contains("h200_dgx")
    );
}

#[test]
fn config_errors_name_file_key_and_allowed() {
    let text = presets::preset_text("h200_dgx").unwrap();
    let bad = text.replace(
        "gpus_per_domain = 8",
        "gpus_per_domain = 8\ngpus_per_node = 8",
    );
    let e = GpuSystemConfig::from_toml_str("x.toml", &bad)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("x.toml: key `system"), "{e}");
    assert!(e.contains("gpus_per_domain"), "{e}");
    let bad = text.replace("gpus_per_domain = 8", "gpus_per_domain = 0");
    let e = GpuSystemConfig::from_toml_str("x.toml", &bad)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("system.gpus_per_domain") && e.contains("1..=576"),
        "{e}"
    );
    let bad = text.replace("bw_fraction = 0.73149\n", "bw_fraction = 1.5\n");
    let e = GpuSystemConfig::from_toml_str("x.toml", &bad)
        .unwrap_err()
        .to_string();
    assert!(e.contains("calibration.all_to_all.bw_fraction"), "{e}");
}

#[test]
fn overrides_apply_to_presets() {
    let mut t = parse_toml_value("h200_dgx", presets::preset_text("h200_dgx").unwrap()).unwrap();
    apply_overrides(
        &mut t,
        &[
            "system.domains=4".into(),
            "scale_out.gbits_per_s_per_gpu=800".into(),
        ],
    )
    .unwrap();
    let cfg = GpuSystemConfig::from_table("h200_dgx + --set", t).unwrap();
    let s = GpuSystem::new(cfg).unwrap();
    assert_eq!(s.world_size(), 32);
    assert!((s.network().scale_out.link_gbytes_per_s - 100.0).abs() < 1e-12);
    assert!(s.group(33).is_err());
    assert!(s.group(12).is_err(), "12 ranks do not fill 8-GPU domains");
}

/// The H800's NVLink is 200 GB/s per direction against the H100's 450: large all-to-alls take
/// about 450/200 times longer; small ones sit on the same floor.
#[test]
fn other_gpus_scale_with_their_datasheet_links() {
    let (h100, h800) = (sys("h100_dgx"), sys("h800_dgx"));
    let big = |s: &GpuSystem| s.all_to_all_time(8, GIB).unwrap().as_us();
    let ratio = big(&h800) / big(&h100);
    assert!((2.1..=2.26).contains(&ratio), "{ratio}");
    let small = |s: &GpuSystem| s.all_to_all_time(8, 4096).unwrap();
    assert_eq!(small(&h800), small(&h100));
}

/// A compute-bound expert FFN runs faster on the B200 by about its BF16 peak ratio.
#[test]
fn ffn_extrapolates_by_peak() {
    let shape = ExpertShape::new(4096, 14336, DType::Bf16);
    let t = |name: &str| sys(name).expert_ffn_time(&shape, 16_384).as_us();
    let ratio = t("h200_dgx") / t("b200_dgx");
    assert!((2.0..=2.28).contains(&ratio), "{ratio}");
    // A memory-bound one (1 token) by about the HBM ratio 8 / 4.8.
    let t1 = |name: &str| sys(name).expert_ffn_time(&shape, 1).as_us();
    let ratio = t1("h200_dgx") / t1("b200_dgx");
    assert!((1.5..=1.75).contains(&ratio), "{ratio}");
    // FP8 halves the weight bytes.
    let fp8 = ExpertShape::new(4096, 14336, DType::Fp8);
    let h200 = sys("h200_dgx");
    let r = h200.expert_ffn_time(&shape, 1).as_us() / h200.expert_ffn_time(&fp8, 1).as_us();
    assert!((1.6..=2.0).contains(&r), "{r}");
    assert_eq!(h200.expert_ffn_time(&shape, 0), Tick::ZERO);
}

/// Across two nodes the all-to-all's off-node half goes over 800 Gb/s InfiniBand (100 GB/s, 1/4.5
/// of NVLink): at 1 GiB it is the bottleneck.
#[test]
fn scale_out_is_the_bottleneck_across_nodes() {
    let s = sys("h200_2x8_ib800");
    let one = s.all_to_all_time(8, GIB).unwrap().as_us();
    let two = s.all_to_all_time(16, GIB).unwrap().as_us();
    // Bandwidth terms: 8/16 of 1 GiB at 100 GB/s versus 7/8 of 1 GiB at 450 GB/s, same curve.
    let ratio = two / one;
    assert!((2.3..=2.8).contains(&ratio), "{ratio}");
    let ar8 = s.all_reduce_time(8, GIB).unwrap();
    let ar16 = s.all_reduce_time(16, GIB).unwrap();
    assert!(ar16 > ar8);
}

/// Ring all-reduce pays 2(n - 1) step latencies: on NVL72 a small all-reduce over 72 GPUs costs
/// 142 x 1.9 us plus a small ramped bandwidth term; direct all-to-all pays one step.
#[test]
fn larger_worlds_pay_their_step_counts() {
    let s = sys("gb200_nvl72");
    let ar = s.all_reduce_time(72, 72 * 1024).unwrap().as_us();
    assert!((142.0 * 1.9..142.0 * 1.9 + 15.0).contains(&ar), "{ar}");
    let a2a = s.all_to_all_time(72, 72 * 1024).unwrap().as_us();
    let floor = s.config().calibration.all_to_all.floor_us;
    assert!((a2a - floor).abs() < 1e-6, "{a2a}");
    let ring_a2a = s
        .collective_time(
            CollectiveKind::RingAllToAll,
            s.group(72).unwrap(),
            72 * 1024,
        )
        .as_us();
    assert!(ring_a2a > 71.0 * 1.9, "{ring_a2a}");
}

mod monotone {
    use super::*;
    use proptest::prelude::*;

    const KINDS: [CollectiveKind; 5] = [
        CollectiveKind::DirectAllToAll,
        CollectiveKind::RingAllToAll,
        CollectiveKind::RingAllReduce,
        CollectiveKind::RingAllGather,
        CollectiveKind::RingReduceScatter,
    ];

    proptest! {
        /// Collective time never decreases with the bytes, and ring all-reduce never beats the
        /// reduce-scatter it contains.
        #[test]
        fn time_grows_with_bytes(k in 0usize..5, domains in 1usize..4, a in 1u64..(1 << 32), b in 1u64..(1 << 32)) {
            let s = sys("h200_2x8_ib800");
            let g = CommGroup::new(8 * domains, 8).unwrap();
            let (lo, hi) = (a.min(b), a.max(b));
            let kind = KINDS[k];
            prop_assert!(s.collective_time(kind, g, lo) <= s.collective_time(kind, g, hi));
            prop_assert!(
                s.collective_time(CollectiveKind::RingReduceScatter, g, hi)
                    <= s.collective_time(CollectiveKind::RingAllReduce, g, hi)
            );
        }
    }
}

/// The roofline handed to the executor: datasheet peaks, HBM at the measured copy efficiency
/// (4151.7 GB/s of 4800 on the H200, meta.json).
#[test]
fn device_roofline_uses_the_measured_copy_bandwidth() {
    let s = sys("h200_dgx");
    let d = s.device_spec();
    assert!((d.mem_bandwidth.gbytes_per_s() - 4800.0 * 0.86495).abs() < 1e-6);
    assert!((d.peak(DType::Bf16).tflops() - 989.4).abs() < 1e-9);
    assert!((d.peak(DType::Fp32).tflops() - 67.0).abs() < 1e-9);
    assert_eq!(d.mem_capacity_bytes, 141_000_000_000);
    assert_eq!(s.hbm().streaming_time(0), Tick::ZERO);
}
