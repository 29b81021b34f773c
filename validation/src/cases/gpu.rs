//! The GPU platform against real H200 measurements (data/calibration/h200): NCCL all-to-all and
//! all-reduce on two NVLink-connected H200s, and single-expert SwiGLU FFN times. The measured side
//! is the H200 preset of moesim-gpu (its stored calibration), not a fit made here.

use crate::case::{Case, Check, Context, Tolerance};
use moesim_core::{Error, Result};
use moesim_gpu::calibrate::{CalibrationData, CalibrationReport, compare};
use moesim_gpu::presets;

const SOURCE: &str = "data/calibration/h200: NCCL 2.28.9 all_to_all / all_reduce on 2 x H200 \
                      over NVLink (collectives.csv, median of repeated calls by bytes_per_rank); \
                      BF16 SwiGLU expert FFN on one H200 (expert_ffn.csv, median by tokens)";

const MIB: u64 = 1 << 20;
const SIZES: [u64; 6] = [MIB, 4 * MIB, 16 * MIB, 64 * MIB, 256 * MIB, 1024 * MIB];

/// The GPU cases.
pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "gpu_h200_all_to_all",
            source: SOURCE,
            setup: "Preset h200_dgx, direct all-to-all over 2 ranks in one NVLink domain: \
                    max(floor, step latency + (n-1)/n x S / (450 GB/s x bw_fraction x eff(S))); \
                    1 MiB to 1 GiB per rank; within 10%.",
            run: run_all_to_all,
        },
        Case {
            id: "gpu_h200_all_reduce",
            source: SOURCE,
            setup: "Preset h200_dgx, ring all-reduce over 2 ranks in one NVLink domain: \
                    2(n-1) steps moving 2(n-1)/n x S per rank on the ring curve; 1 MiB to 1 GiB \
                    per rank; within 10%.",
            run: run_all_reduce,
        },
        Case {
            id: "gpu_h200_expert_ffn",
            source: SOURCE,
            setup: "Preset h200_dgx, expert FFN model (memory and compute terms with fitted \
                    bandwidth fraction, compute efficiency curve and overlap, plus the unfused \
                    elementwise passes), blended with each shape's harness launch floor (the \
                    median of its rows below 64 tokens), for the four measured shapes at 64 \
                    tokens and more; within 15%.",
            run: run_ffn,
        },
    ]
}

fn h200_report(ctx: &Context) -> Result<CalibrationReport> {
    let preset = presets::preset("h200_dgx")?;
    let data = CalibrationData::load(&ctx.path("data/calibration/h200"))?;
    Ok(compare(&data, &preset.gpu, &preset.calibration))
}

fn collective_checks(ctx: &Context, op: &str) -> Result<Vec<Check>> {
    let report = h200_report(ctx)?;
    SIZES
        .iter()
        .map(|&bytes| {
            let row = report
                .collectives
                .iter()
                .find(|r| r.op == op && r.bytes_per_rank == bytes)
                .ok_or_else(|| {
                    Error::Check(format!("collectives.csv has no {op} row at {bytes} bytes"))
                })?;
            Ok(Check::new(
                &format!("{op} {} MiB per rank, 2 x H200", bytes / MIB),
                "us",
                row.measured_us,
                row.model_us,
                Tolerance::Relative { frac: 0.10 },
            ))
        })
        .collect()
}

fn run_all_to_all(ctx: &Context) -> Result<Vec<Check>> {
    collective_checks(ctx, "all_to_all")
}

fn run_all_reduce(ctx: &Context) -> Result<Vec<Check>> {
    collective_checks(ctx, "all_reduce")
}

/// Rows the model is known to miss, with the reason.
const FFN_DEVIATIONS: [(&str, u64, &str); 1] = [(
    "deepseek-v3",
    256,
    "the gate and up GEMMs of a 7168 x 2048 expert at 256 tokens make 32 output tiles for 132 \
     SMs; the model's compute efficiency depends on the FLOPs, not on tile quantisation",
)];

fn run_ffn(ctx: &Context) -> Result<Vec<Check>> {
    let report = h200_report(ctx)?;
    let checks: Vec<Check> = report
        .ffn
        .iter()
        .filter(|r| r.tokens >= moesim_gpu::calibrate::SMALL_BATCH_TOKENS)
        .map(|r| {
            let check = Check::new(
                &format!("{} expert FFN, {} tokens", r.model, r.tokens),
                "us",
                r.measured_us,
                r.model_us,
                Tolerance::Relative { frac: 0.15 },
            );
            match FFN_DEVIATIONS
                .iter()
                .find(|(m, t, _)| *m == r.model && *t == r.tokens)
            {
                Some((_, _, why)) => check.known_deviation(why),
                None => check,
            }
        })
        .collect();
    if checks.len() < 30 {
        return Err(Error::Check(format!(
            "only {} FFN rows at >= 64 tokens",
            checks.len()
        )));
    }
    Ok(checks)
}
