//! The measurement files of a calibration directory (the layout of `data/calibration/h200`):
//! `collectives.csv`, `expert_ffn.csv` and `meta.json`.

use moesim_core::{Error, Result};
use serde::Deserialize;
use std::path::Path;

/// One row of `collectives.csv` (extra columns are ignored).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CollectiveRow {
    /// `all_to_all`, `all_reduce`, `all_gather` or `reduce_scatter` (nccl-tests naming).
    pub op: String,
    /// Ranks, all in one NVLink domain.
    pub world: usize,
    pub bytes_per_rank: u64,
    /// Median time of one call (microseconds).
    pub us_median: f64,
}

/// One row of `expert_ffn.csv` (extra columns are ignored).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct FfnRow {
    /// The model whose expert shape was timed.
    pub model: String,
    pub hidden: u64,
    pub inter: u64,
    pub tokens: u64,
    /// Median time of one SwiGLU FFN (microseconds, BF16).
    pub us_median: f64,
}

/// The fields of `meta.json` the calibration uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Meta {
    pub device: String,
    /// Bandwidth of a large device-to-device copy, read + write (GB/s).
    pub copy_gbytes_per_s_rw: f64,
}

/// Everything in a calibration directory.
#[derive(Clone, Debug, PartialEq)]
pub struct CalibrationData {
    pub collectives: Vec<CollectiveRow>,
    pub ffn: Vec<FfnRow>,
    pub meta: Meta,
}

fn read_csv<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>> {
    let origin = path.display().to_string();
    let mut rdr = csv::Reader::from_path(path).map_err(|e| Error::parse(&origin, None, e))?;
    let mut rows = Vec::new();
    for rec in rdr.deserialize() {
        let row: T = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize);
            Error::parse(&origin, line, e)
        })?;
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(Error::parse(&origin, None, "no data rows"));
    }
    Ok(rows)
}

fn read_meta(path: &Path) -> Result<Meta> {
    let origin = path.display().to_string();
    let text = moesim_core::error::read_to_string(path)?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| Error::parse(&origin, Some(e.line()), e))?;
    let copy = v
        .get("copy_GBps_rw")
        .and_then(serde_json::Value::as_f64)
        .ok_or_else(|| Error::parse(&origin, None, "missing number `copy_GBps_rw`"))?;
    let device = v
        .get("device")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("unknown")
        .to_string();
    Ok(Meta {
        device,
        copy_gbytes_per_s_rw: copy,
    })
}

impl CalibrationData {
    /// Reads `dir/collectives.csv`, `dir/expert_ffn.csv` and `dir/meta.json`.
    pub fn load(dir: &Path) -> Result<CalibrationData> {
        let collectives: Vec<CollectiveRow> = read_csv(&dir.join("collectives.csv"))?;
        let ffn: Vec<FfnRow> = read_csv(&dir.join("expert_ffn.csv"))?;
        let meta = read_meta(&dir.join("meta.json"))?;
        let origin = dir.join("collectives.csv").display().to_string();
        for (i, r) in collectives.iter().enumerate() {
            if r.world < 2 || r.bytes_per_rank == 0 || !positive(r.us_median) {
                return Err(Error::parse(
                    &origin,
                    Some(i + 2),
                    "expected world >= 2, bytes_per_rank > 0 and us_median > 0",
                ));
            }
        }
        let origin = dir.join("expert_ffn.csv").display().to_string();
        for (i, r) in ffn.iter().enumerate() {
            if r.hidden == 0 || r.inter == 0 || r.tokens == 0 || !positive(r.us_median) {
                return Err(Error::parse(
                    &origin,
                    Some(i + 2),
                    "expected hidden, inter, tokens and us_median > 0",
                ));
            }
        }
        Ok(CalibrationData {
            collectives,
            ffn,
            meta,
        })
    }
}

fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}
