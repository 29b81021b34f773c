//! BookSim's latency-throughput CSV (the columns of `data/booksim/*.csv`): written by NoC sweeps
//! so moesim's curves can be compared with the reference ones column for column, and read by the
//! validation cases.

use moesim_core::{Error, Result};
use moesim_noc::{NocConfig, NocReport, RunStatus};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One row: one simulated injection rate. Rates are per node per cycle; latencies in cycles.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BooksimRow {
    /// `mesh`, `torus`, `mesh_of_dies`.
    pub topology: String,
    /// Routers per dimension (`8`), or `XxY` for a non-square grid.
    pub k: String,
    /// The traffic pattern's kind.
    pub traffic: String,
    pub packet_size: u32,
    /// The offered load as written in the sweep (flits or packets per node per cycle).
    pub injection_rate: String,
    pub avg_packet_latency: f64,
    pub avg_network_latency: f64,
    pub accepted_flits_per_node_cycle: f64,
    /// 1 if the run ended unstable.
    pub saturated: u8,
    pub sim_cycles: u64,
    /// Wall-clock time of the point: configuration, simulation and reporting.
    pub wall_s: f64,
    /// Peak resident memory of the BookSim process; moesim runs points inside one process and
    /// leaves it empty.
    pub peak_rss_kb: Option<u64>,
    pub injected_flits_per_node_cycle: f64,
    /// Routers traversed per packet (link hops + 1); empty when not measured.
    pub avg_hops_routers: Option<f64>,
    /// `converged`, `latency_exceeded` or `not_converged`.
    pub status: String,
    /// Time spent inside the simulator (build, simulate, report): BookSim's "Total run time".
    pub booksim_internal_run_s: f64,
}

/// The CSV header, as in `data/booksim/*.csv`.
pub const HEADER: &str = "topology,k,traffic,packet_size,injection_rate,avg_packet_latency,\
avg_network_latency,accepted_flits_per_node_cycle,saturated,sim_cycles,wall_s,peak_rss_kb,\
injected_flits_per_node_cycle,avg_hops_routers,status,booksim_internal_run_s";

/// The `kind` of a serialisable tagged enum (`{"kind": "uniform"}` -> `uniform`).
fn kind_of<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|j| j.get("kind").and_then(|k| k.as_str()).map(String::from))
        .unwrap_or_default()
}

fn status_name(s: RunStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// Rounds a wall-clock time to microseconds (more digits would be noise).
fn micros(s: f64) -> f64 {
    (s * 1e6).round() / 1e6
}

impl BooksimRow {
    /// The row of one point: `rate` is the injection rate as written (`0.10`), `wall_s` the
    /// point's whole wall time.
    pub fn new(cfg: &NocConfig, report: &NocReport, rate: &str, wall_s: f64) -> BooksimRow {
        let shape = cfg.topology.grid_shape();
        BooksimRow {
            topology: cfg.topology.kind_name().to_string(),
            k: if shape.x == shape.y {
                shape.x.to_string()
            } else {
                shape.to_string()
            },
            traffic: kind_of(&cfg.traffic.pattern),
            packet_size: cfg.traffic.packet_size,
            injection_rate: rate.to_string(),
            avg_packet_latency: report.avg_packet_latency,
            avg_network_latency: report.avg_network_latency,
            accepted_flits_per_node_cycle: report.accepted_flits_per_node_cycle,
            saturated: u8::from(report.saturated),
            sim_cycles: report.sim_cycles,
            wall_s: micros(wall_s),
            peak_rss_kb: None,
            injected_flits_per_node_cycle: report.injected_flits_per_node_cycle,
            avg_hops_routers: Some(report.avg_hops_routers).filter(|h| h.is_finite() && *h > 0.0),
            status: status_name(report.status),
            booksim_internal_run_s: micros(report.wall_s),
        }
    }

    /// The injection rate as a number.
    pub fn rate(&self) -> f64 {
        self.injection_rate.trim().parse().unwrap_or(f64::NAN)
    }

    pub fn is_saturated(&self) -> bool {
        self.saturated != 0
    }
}

/// Writes rows with BookSim's header.
pub fn write(path: &Path, rows: &[BooksimRow]) -> Result<()> {
    crate::output::write_csv(path, rows)
}

/// The rows as CSV text with BookSim's header.
pub fn to_string(rows: &[BooksimRow]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)
            .map_err(|e| Error::Sim(format!("CSV output: {e}")))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Sim(format!("CSV output: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Reads a BookSim CSV (the reference curves), naming the file and line on errors.
pub fn read(path: &Path) -> Result<Vec<BooksimRow>> {
    let mut r = csv::Reader::from_path(path)
        .map_err(|e| Error::parse(path.display().to_string(), None, e))?;
    let mut rows = Vec::new();
    for rec in r.deserialize() {
        let row: BooksimRow = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize);
            Error::parse(path.display().to_string(), line, e)
        })?;
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_reference_curves_and_writes_the_same_header() {
        let root = crate::repo::find_root().unwrap();
        let path = root.join("data/booksim/case_a_mesh8x8_uniform_p4.csv");
        let rows = read(&path).unwrap();
        assert_eq!(rows.len(), 24);
        assert_eq!(rows[0].injection_rate, "0.02");
        assert!((rows[0].avg_packet_latency - 36.5248).abs() < 1e-9);
        assert_eq!(rows[21].avg_hops_routers, None);
        assert!(rows[21].is_saturated());
        let header = std::fs::read_to_string(&path).unwrap();
        assert_eq!(header.lines().next().unwrap(), HEADER);
        let tmp = std::env::temp_dir().join(format!("moesim-bcsv-{}.csv", std::process::id()));
        write(&tmp, &rows).unwrap();
        let back = read(&tmp).unwrap();
        assert_eq!(back, rows);
        let text = std::fs::read_to_string(&tmp).unwrap();
        assert_eq!(text.lines().next().unwrap(), HEADER);
        std::fs::remove_file(&tmp).unwrap();
    }
}
