//! Calibration: fit the few parameters of the collective and expert-FFN models to measurements
//! of one GPU by least squares on relative error, so that another GPU is calibrated from the same
//! kind of measurements (see docs/gpu.md).
//!
//! Fitted: per collective family (all-to-all; ring = all-reduce, all-gather, reduce-scatter) the
//! latency floor, the asymptotic bandwidth fraction, the half-saturation size and the ramp
//! exponent; for the FFN the achieved memory-bandwidth fraction, the compute efficiency, its
//! half-saturation work, the memory/compute overlap exponent and the blend of launch floor and
//! device time; the HBM copy efficiency is read from `meta.json`. The harness's launch floor of
//! each expert shape is measured, not fitted: the median of that shape's rows below
//! [`SMALL_BATCH_TOKENS`] tokens ([`harness_floors`]). Kept from the base configuration (not identifiable from
//! one two-GPU measurement): the per-step latencies and the elementwise pass count.

pub mod data;
pub mod fit;

pub use data::{CalibrationData, CollectiveRow, FfnRow, Meta};

use crate::collective::{CollectiveKind, CollectiveNetwork, Family, LevelModel};
use crate::config::{Calibration, GpuSystemConfig};
use crate::curve::CollectiveCurve;
use crate::ffn::{ExpertShape, FfnCalibration, FfnModel};
use crate::spec::GpuSpec;
use crate::topology::CommGroup;
use fit::{logit, minimize, sigmoid};
use moesim_core::DType;
use moesim_core::{Error, Result};
use serde::Serialize;
use std::path::Path;

/// Model against measurement for one collective row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CollectiveFit {
    pub op: String,
    pub world: usize,
    pub bytes_per_rank: u64,
    pub measured_us: f64,
    pub model_us: f64,
}

/// Model against measurement for one FFN row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FfnFit {
    pub model: String,
    pub hidden: u64,
    pub inter: u64,
    pub tokens: u64,
    pub measured_us: f64,
    /// The harness time: launch floor of the shape blended with the device time.
    pub model_us: f64,
    pub device_us: f64,
    /// The harness's launch floor for this shape (microseconds).
    pub floor_us: f64,
    /// The device time is below the launch floor: the harness measures host launch rate here.
    pub launch_bound: bool,
}

/// Rows below this many tokens measure the harness's floor for their shape; the model is
/// checked from here on.
pub const SMALL_BATCH_TOKENS: u64 = 64;

/// The launch floor a host-timed harness shows for one expert shape.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HarnessFloor {
    pub hidden: u64,
    pub inter: u64,
    /// Median of the shape's rows below [`SMALL_BATCH_TOKENS`] tokens (microseconds).
    pub floor_us: f64,
    /// How many rows the median is over.
    pub rows: usize,
}

/// The harness floor of every shape with rows below [`SMALL_BATCH_TOKENS`] tokens, by (hidden,
/// inter). At those batches the harness time is flat in the token count: it is the kernels'
/// launch cost (which depends on the kernels cuBLAS picks for the shape) or, for large experts,
/// the weight streaming. Either way no larger batch can take less.
pub fn harness_floors(rows: &[FfnRow]) -> Vec<HarnessFloor> {
    let mut shapes: Vec<(u64, u64)> = rows.iter().map(|r| (r.hidden, r.inter)).collect();
    shapes.sort_unstable();
    shapes.dedup();
    shapes
        .into_iter()
        .filter_map(|(hidden, inter)| {
            let mut t: Vec<f64> = rows
                .iter()
                .filter(|r| r.hidden == hidden && r.inter == inter)
                .filter(|r| r.tokens < SMALL_BATCH_TOKENS)
                .map(|r| r.us_median)
                .collect();
            if t.is_empty() {
                return None;
            }
            t.sort_by(f64::total_cmp);
            let n = t.len();
            let floor_us = if n % 2 == 1 {
                t[n / 2]
            } else {
                0.5 * (t[n / 2 - 1] + t[n / 2])
            };
            Some(HarnessFloor {
                hidden,
                inter,
                floor_us,
                rows: n,
            })
        })
        .collect()
}

/// The floor of `row`'s shape, or `default_us` when the shape has none.
fn floor_of(floors: &[HarnessFloor], row: &FfnRow, default_us: f64) -> f64 {
    floors
        .iter()
        .find(|f| f.hidden == row.hidden && f.inter == row.inter)
        .map_or(default_us, |f| f.floor_us)
}

/// Signed relative error of a model value.
pub fn rel_err(model: f64, measured: f64) -> f64 {
    (model - measured) / measured
}

impl CollectiveFit {
    pub fn rel_err(&self) -> f64 {
        rel_err(self.model_us, self.measured_us)
    }
}
impl FfnFit {
    pub fn rel_err(&self) -> f64 {
        rel_err(self.model_us, self.measured_us)
    }
}

/// The fitted calibration and the per-row comparison it achieves.
#[derive(Clone, Debug, PartialEq)]
pub struct CalibrationReport {
    pub calibration: Calibration,
    pub collectives: Vec<CollectiveFit>,
    pub ffn: Vec<FfnFit>,
}

/// The algorithm and family a measured op name stands for.
pub fn op_kind(op: &str) -> Option<(CollectiveKind, Family)> {
    match op {
        "all_to_all" => Some((CollectiveKind::DirectAllToAll, Family::AllToAll)),
        "all_reduce" => Some((CollectiveKind::RingAllReduce, Family::Ring)),
        "all_gather" => Some((CollectiveKind::RingAllGather, Family::Ring)),
        "reduce_scatter" => Some((CollectiveKind::RingReduceScatter, Family::Ring)),
        _ => None,
    }
}

/// The model time of a measured collective row, all ranks in one NVLink domain.
pub fn collective_model_us(
    gpu: &GpuSpec,
    curves: (&CollectiveCurve, &CollectiveCurve),
    row: &CollectiveRow,
) -> Option<f64> {
    let (kind, _) = op_kind(&row.op)?;
    let level = LevelModel {
        link_gbytes_per_s: gpu.nvlink_gbytes_per_s,
        all_to_all: *curves.0,
        ring: *curves.1,
    };
    let net = CollectiveNetwork {
        domain: level,
        scale_out: level,
    };
    let group = CommGroup::new(row.world, row.world).ok()?;
    Some(kind.time(&net, group, row.bytes_per_rank).as_us())
}

fn curve_from(x: &[f64], step_latency_us: f64) -> CollectiveCurve {
    CollectiveCurve {
        floor_us: x[0].exp(),
        bw_fraction: sigmoid(x[1]),
        half_saturation_bytes: x[2].exp(),
        ramp_exponent: x[3].exp().min(8.0),
        step_latency_us,
    }
}

fn fit_curve(
    gpu: &GpuSpec,
    rows: &[&CollectiveRow],
    family: Family,
    base: (&CollectiveCurve, &CollectiveCurve),
) -> CollectiveCurve {
    let fixed = match family {
        Family::AllToAll => base.0,
        Family::Ring => base.1,
    };
    let min_t = rows
        .iter()
        .map(|r| r.us_median)
        .fold(f64::INFINITY, f64::min);
    let objective = |x: &[f64]| -> f64 {
        let c = curve_from(x, fixed.step_latency_us);
        rows.iter()
            .map(|r| {
                let curves = match family {
                    Family::AllToAll => (&c, base.1),
                    Family::Ring => (base.0, &c),
                };
                collective_model_us(gpu, curves, r)
                    .map_or(f64::INFINITY, |m| rel_err(m, r.us_median).powi(2))
            })
            .sum()
    };
    let starts = [
        vec![min_t.ln(), logit(0.7), 1e7f64.ln(), 0.8f64.ln()],
        vec![min_t.ln(), logit(0.9), 1e6f64.ln(), 0.0],
        vec![(0.5 * min_t).ln(), logit(0.5), 3e7f64.ln(), 0.5f64.ln()],
    ];
    curve_from(&minimize(&objective, &starts).x, fixed.step_latency_us)
}

/// Parameters: `[ln(blend - 1), logit(mem_bw_fraction), logit(compute_efficiency),
/// ln(half_saturation_gflop), ln(overlap - 1)]`, plus `ln(launch_floor_us)` when no shape has
/// a measured floor.
fn ffn_from(x: &[f64], launch_floor_us: Option<f64>, elementwise_passes: f64) -> FfnCalibration {
    FfnCalibration {
        launch_floor_us: launch_floor_us.unwrap_or_else(|| x[5].exp()),
        launch_blend_exponent: (1.0 + x[0].exp()).min(64.0),
        mem_bw_fraction: sigmoid(x[1]),
        compute_efficiency: sigmoid(x[2]),
        half_saturation_gflop: x[3].exp(),
        overlap_exponent: (1.0 + x[4].exp()).min(64.0),
        elementwise_passes,
    }
}

fn ffn_shape(r: &FfnRow) -> ExpertShape {
    ExpertShape::new(r.hidden, r.inter, DType::Bf16)
}

/// The median of the measured shape floors: the generic floor for shapes without one.
fn generic_floor(floors: &[HarnessFloor]) -> Option<f64> {
    let mut f: Vec<f64> = floors.iter().map(|f| f.floor_us).collect();
    if f.is_empty() {
        return None;
    }
    f.sort_by(f64::total_cmp);
    let n = f.len();
    Some(if n % 2 == 1 {
        f[n / 2]
    } else {
        0.5 * (f[n / 2 - 1] + f[n / 2])
    })
}

fn fit_ffn(gpu: &GpuSpec, rows: &[FfnRow], elementwise_passes: f64) -> FfnCalibration {
    let floors = harness_floors(rows);
    let generic = generic_floor(&floors);
    let min_t = rows
        .iter()
        .map(|r| r.us_median)
        .fold(f64::INFINITY, f64::min);
    let objective = |x: &[f64]| -> f64 {
        let cal = ffn_from(x, generic, elementwise_passes);
        let m = FfnModel::new(gpu, cal);
        rows.iter()
            .map(|r| {
                let floor = floor_of(&floors, r, cal.launch_floor_us);
                rel_err(
                    m.harness_us_with_floor(&ffn_shape(r), r.tokens, floor),
                    r.us_median,
                )
                .powi(2)
            })
            .sum()
    };
    let mut starts = [
        vec![5.0f64.ln(), 0.0, logit(0.6), 1.0f64.ln(), 0.0],
        vec![2.0f64.ln(), logit(0.6), logit(0.7), 20.0f64.ln(), 1.0],
        vec![20.0f64.ln(), logit(0.4), logit(0.5), 0.1f64.ln(), -1.0],
    ];
    if generic.is_none() {
        for (s, f) in starts.iter_mut().zip([1.0, 1.2, 0.9]) {
            s.push((f * min_t).ln());
        }
    }
    ffn_from(
        &minimize(&objective, &starts).x,
        generic,
        elementwise_passes,
    )
}

/// Fits the calibration of `base.gpu` to the measurements in `dir`. The per-step latencies,
/// the elementwise pass count and the scale-out section are taken from `base` unchanged.
pub fn calibrate(dir: &Path, base: &GpuSystemConfig) -> Result<CalibrationReport> {
    let data = CalibrationData::load(dir)?;
    calibrate_data(&data, &dir.display().to_string(), base)
}

/// As [`calibrate`], on data already loaded; `origin` names it in errors and in the result.
pub fn calibrate_data(
    data: &CalibrationData,
    origin: &str,
    base: &GpuSystemConfig,
) -> Result<CalibrationReport> {
    let gpu = &base.gpu;
    let b = &base.calibration;
    for r in &data.collectives {
        if op_kind(&r.op).is_none() {
            return Err(Error::parse(
                format!("{origin}/collectives.csv"),
                None,
                format!(
                    "unknown op `{}` (allowed: all_to_all, all_reduce, all_gather, reduce_scatter)",
                    r.op
                ),
            ));
        }
    }
    let rows_of = |family: Family| -> Vec<&CollectiveRow> {
        data.collectives
            .iter()
            .filter(|r| op_kind(&r.op).is_some_and(|(_, f)| f == family))
            .collect()
    };
    let a2a_rows = rows_of(Family::AllToAll);
    let ring_rows = rows_of(Family::Ring);
    let all_to_all = if a2a_rows.is_empty() {
        b.all_to_all
    } else {
        fit_curve(gpu, &a2a_rows, Family::AllToAll, (&b.all_to_all, &b.ring))
    };
    let ring = if ring_rows.is_empty() {
        b.ring
    } else {
        fit_curve(gpu, &ring_rows, Family::Ring, (&all_to_all, &b.ring))
    };
    let ffn = fit_ffn(gpu, &data.ffn, b.ffn.elementwise_passes);
    let copy = data.meta.copy_gbytes_per_s_rw / gpu.hbm_gbytes_per_s;
    if !(copy > 0.0 && copy <= 1.0) {
        return Err(Error::parse(
            format!("{origin}/meta.json"),
            None,
            format!(
                "copy_GBps_rw = {} GB/s is not within the HBM peak of {} ({} GB/s)",
                data.meta.copy_gbytes_per_s_rw, gpu.model, gpu.hbm_gbytes_per_s
            ),
        ));
    }
    let calibration = Calibration {
        source: format!(
            "fitted on {origin} ({}) by moesim_gpu::calibrate",
            data.meta.device
        ),
        hbm_copy_efficiency: copy,
        ffn,
        all_to_all,
        ring,
    };
    Ok(compare(data, gpu, &calibration))
}

/// The per-row comparison of `calibration` with the measurements.
pub fn compare(
    data: &CalibrationData,
    gpu: &GpuSpec,
    calibration: &Calibration,
) -> CalibrationReport {
    let collectives = data
        .collectives
        .iter()
        .filter_map(|r| {
            let m = collective_model_us(gpu, (&calibration.all_to_all, &calibration.ring), r)?;
            Some(CollectiveFit {
                op: r.op.clone(),
                world: r.world,
                bytes_per_rank: r.bytes_per_rank,
                measured_us: r.us_median,
                model_us: m,
            })
        })
        .collect();
    let model = FfnModel::new(gpu, calibration.ffn);
    let floors = harness_floors(&data.ffn);
    let ffn = data
        .ffn
        .iter()
        .map(|r| {
            let b = model.breakdown(&ffn_shape(r), r.tokens);
            let floor_us = floor_of(&floors, r, calibration.ffn.launch_floor_us);
            FfnFit {
                model: r.model.clone(),
                hidden: r.hidden,
                inter: r.inter,
                tokens: r.tokens,
                measured_us: r.us_median,
                model_us: model.harness_us_with_floor(&ffn_shape(r), r.tokens, floor_us),
                device_us: b.device_us,
                floor_us,
                launch_bound: b.device_us < floor_us,
            }
        })
        .collect();
    CalibrationReport {
        calibration: calibration.clone(),
        collectives,
        ffn,
    }
}
