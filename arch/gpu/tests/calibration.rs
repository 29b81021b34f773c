//! The H200 calibration: the fit reproduces the preset, and the preset reproduces the
//! measurements (all-to-all and all-reduce within 10 % from 1 MiB to 1 GiB, the expert FFN within
//! 15 % from 64 tokens but for one row held to 20 %).

use moesim_gpu::calibrate::{CalibrationData, compare};
use moesim_gpu::{CollectiveCurve, FfnCalibration, calibrate, presets};
use std::path::PathBuf;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/calibration/h200")
}

fn close(name: &str, fitted: f64, preset: f64, tol: f64) {
    let rel = (fitted - preset).abs() / preset.abs().max(1e-12);
    assert!(
        rel <= tol,
        "{name}: fitted {fitted} vs preset {preset} ({rel:.2e})"
    );
}

fn close_curve(name: &str, a: &CollectiveCurve, b: &CollectiveCurve, tol: f64) {
    close(&format!("{name}.floor_us"), a.floor_us, b.floor_us, tol);
    close(
        &format!("{name}.bw_fraction"),
        a.bw_fraction,
        b.bw_fraction,
        tol,
    );
    close(
        &format!("{name}.half_saturation_bytes"),
        a.half_saturation_bytes,
        b.half_saturation_bytes,
        tol,
    );
    close(
        &format!("{name}.ramp_exponent"),
        a.ramp_exponent,
        b.ramp_exponent,
        tol,
    );
    close(
        &format!("{name}.step_latency_us"),
        a.step_latency_us,
        b.step_latency_us,
        0.0,
    );
}

fn close_ffn(a: &FfnCalibration, b: &FfnCalibration, tol: f64) {
    close(
        "ffn.launch_floor_us",
        a.launch_floor_us,
        b.launch_floor_us,
        tol,
    );
    close(
        "ffn.launch_blend_exponent",
        a.launch_blend_exponent,
        b.launch_blend_exponent,
        tol,
    );
    close(
        "ffn.mem_bw_fraction",
        a.mem_bw_fraction,
        b.mem_bw_fraction,
        tol,
    );
    close(
        "ffn.compute_efficiency",
        a.compute_efficiency,
        b.compute_efficiency,
        tol,
    );
    close(
        "ffn.half_saturation_gflop",
        a.half_saturation_gflop,
        b.half_saturation_gflop,
        tol,
    );
    close(
        "ffn.overlap_exponent",
        a.overlap_exponent,
        b.overlap_exponent,
        tol,
    );
}

/// `calibrate` on data/calibration/h200 gives the values stored in the H200 preset (to the
/// preset's five significant digits).
#[test]
fn fit_reproduces_the_h200_preset() {
    let preset = presets::preset("h200_dgx").unwrap();
    let report = calibrate(&data_dir(), &preset).unwrap();
    let (fit, kept) = (&report.calibration, &preset.calibration);
    close(
        "hbm_copy_efficiency",
        fit.hbm_copy_efficiency,
        kept.hbm_copy_efficiency,
        1e-4,
    );
    close_ffn(&fit.ffn, &kept.ffn, 1e-3);
    close_curve("all_to_all", &fit.all_to_all, &kept.all_to_all, 1e-3);
    close_curve("ring", &fit.ring, &kept.ring, 1e-3);
}

fn h200_report() -> moesim_gpu::CalibrationReport {
    let preset = presets::preset("h200_dgx").unwrap();
    let data = CalibrationData::load(&data_dir()).unwrap();
    compare(&data, &preset.gpu, &preset.calibration)
}

#[test]
fn collectives_within_10_percent_from_1_mib_to_1_gib() {
    let report = h200_report();
    let rows: Vec<_> = report
        .collectives
        .iter()
        .filter(|r| (1 << 20..=1 << 30).contains(&r.bytes_per_rank))
        .collect();
    for op in ["all_to_all", "all_reduce"] {
        assert_eq!(rows.iter().filter(|r| r.op == op).count(), 11, "{op}");
    }
    for r in rows {
        assert!(
            r.rel_err().abs() <= 0.10,
            "{} {} B: model {:.1} us vs measured {:.1} us ({:+.3})",
            r.op,
            r.bytes_per_rank,
            r.model_us,
            r.measured_us,
            r.rel_err()
        );
    }
}

/// From 64 tokens every row is within 15 %, but one: DeepSeek-V3's expert at 256 tokens, whose
/// gate and up GEMMs make 32 output tiles for 132 SMs (the model's efficiency depends on FLOPs,
/// not on tiles); it is held to 20 %. Rows below 64 tokens set the harness floor of each shape.
#[test]
fn expert_ffn_within_15_percent_from_64_tokens() {
    let report = h200_report();
    let rows: Vec<_> = report.ffn.iter().filter(|r| r.tokens >= 64).collect();
    assert_eq!(rows.len(), 36);
    for r in &rows {
        let tol = if r.model == "deepseek-v3" && r.tokens == 256 {
            0.20
        } else {
            0.15
        };
        assert!(
            r.rel_err().abs() <= tol,
            "{} {} tokens: model {:.1} us vs measured {:.1} us ({:+.3})",
            r.model,
            r.tokens,
            r.model_us,
            r.measured_us,
            r.rel_err()
        );
    }
    // Every shape has its own measured floor, and reaches the device-bound regime.
    for model in [
        "mixtral-8x7b",
        "deepseek-v3",
        "qwen3-235b-a22b",
        "qwen3-30b-a3b",
    ] {
        assert!(
            rows.iter()
                .any(|r| r.model == model && r.tokens == 16_384 && !r.launch_bound),
            "{model}"
        );
    }
    let floors =
        moesim_gpu::calibrate::harness_floors(&CalibrationData::load(&data_dir()).unwrap().ffn);
    assert_eq!(floors.len(), 4);
    assert!(floors.iter().all(|f| f.rows == 6));
}

/// Every other preset carries the H200 efficiencies; only the FFN half-saturation work scales
/// with the BF16 peak (same fill time).
#[test]
fn extrapolated_presets_carry_the_h200_fit() {
    let h200 = presets::preset("h200_dgx").unwrap();
    for name in presets::preset_names() {
        let p = presets::preset(name).unwrap();
        let (a, b) = (&p.calibration, &h200.calibration);
        assert_eq!(a.hbm_copy_efficiency, b.hbm_copy_efficiency, "{name}");
        close_curve(
            &format!("{name}.all_to_all"),
            &a.all_to_all,
            &b.all_to_all,
            0.0,
        );
        close_curve(&format!("{name}.ring"), &a.ring, &b.ring, 0.0);
        let mut scaled = b.ffn;
        scaled.half_saturation_gflop *= p.gpu.bf16_tflops / h200.gpu.bf16_tflops;
        close_ffn(&a.ffn, &scaled, 1e-4);
        for (so, nv) in [
            (&p.scale_out.all_to_all, &b.all_to_all),
            (&p.scale_out.ring, &b.ring),
        ] {
            assert_eq!(
                (
                    so.floor_us,
                    so.bw_fraction,
                    so.half_saturation_bytes,
                    so.ramp_exponent
                ),
                (
                    nv.floor_us,
                    nv.bw_fraction,
                    nv.half_saturation_bytes,
                    nv.ramp_exponent
                ),
                "{name}: scale-out curve"
            );
        }
    }
}

#[test]
fn bad_measurement_files_are_named() {
    let dir = std::env::temp_dir().join(format!("moesim-gpu-cal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["expert_ffn.csv", "meta.json"] {
        std::fs::copy(data_dir().join(f), dir.join(f)).unwrap();
    }
    std::fs::write(
        dir.join("collectives.csv"),
        "op,world,bytes_per_rank,us_median\nall_to_all,2,1024,34.0\nall_to_all,2,oops,35.0\n",
    )
    .unwrap();
    let preset = presets::preset("h200_dgx").unwrap();
    let e = calibrate(&dir, &preset).unwrap_err().to_string();
    assert!(e.contains("collectives.csv:3"), "{e}");
    std::fs::write(
        dir.join("collectives.csv"),
        "op,world,bytes_per_rank,us_median\nbroadcast,2,1024,34.0\n",
    )
    .unwrap();
    let e = calibrate(&dir, &preset).unwrap_err().to_string();
    assert!(e.contains("broadcast") && e.contains("all_reduce"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
