//! Export of per-link statistics ([`LinkStats`]) joined with the topology: a CSV table with one
//! row per link per window plus one total row per link, and a JSON document with the same
//! figures per link.
//!
//! CSV columns: `link, src_x, src_y, dst_x, dst_y, direction, kind, failed, window,
//! start_cycle, cycles, flits, utilisation`. `window` is the window index (0, 1, ...) or
//! `total`; `start_cycle` is the window's first cycle; `cycles` its length (the last window may
//! be partial); `utilisation` = flits x cycles_per_flit / cycles, in [0, 1]. Window rows come
//! first (window by window, links in id order), then the total rows.

use crate::link_stats::LinkStats;
use crate::topology::{LinkKind, Topology};
use moesim_core::{Error, Result};
use serde::Serialize;
use std::path::Path;

/// One CSV row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkRow {
    pub link: u32,
    pub src_x: u32,
    pub src_y: u32,
    pub dst_x: u32,
    pub dst_y: u32,
    /// `east`, `west`, `north`, `south` (empty for non-grid links).
    pub direction: &'static str,
    /// `on_die`, `die_to_die`, `wafer_to_wafer`.
    pub kind: &'static str,
    pub failed: bool,
    /// The window index, or `total`.
    pub window: String,
    pub start_cycle: u64,
    pub cycles: u64,
    pub flits: u64,
    pub utilisation: f64,
}

/// The snake_case name of a link kind.
pub const fn kind_name(k: LinkKind) -> &'static str {
    match k {
        LinkKind::OnDie => "on_die",
        LinkKind::DieToDie => "die_to_die",
        LinkKind::WaferToWafer => "wafer_to_wafer",
    }
}

fn check_sizes(topo: &Topology, stats: &LinkStats) -> Result<()> {
    if stats.total_flits.len() != topo.links.len() {
        return Err(Error::Check(format!(
            "link statistics cover {} links but topology `{}` has {}",
            stats.total_flits.len(),
            topo.name,
            topo.links.len()
        )));
    }
    Ok(())
}

/// Utilisation of every link over the whole covered interval, indexed by `LinkId`.
pub fn link_utilisation(topo: &Topology, stats: &LinkStats) -> Result<Vec<f64>> {
    check_sizes(topo, stats)?;
    Ok(topo
        .links
        .iter()
        .map(|l| stats.utilisation(l.id, l.cycles_per_flit))
        .collect())
}

/// Utilisation of every link in window `w`, indexed by `LinkId`.
pub fn window_link_utilisation(topo: &Topology, stats: &LinkStats, w: usize) -> Result<Vec<f64>> {
    check_sizes(topo, stats)?;
    if w >= stats.windows.len() {
        return Err(Error::Check(format!(
            "window {w} does not exist (the statistics have {} windows)",
            stats.windows.len()
        )));
    }
    Ok(topo
        .links
        .iter()
        .map(|l| stats.window_utilisation(w, l.id, l.cycles_per_flit))
        .collect())
}

/// The first cycle and the length of window `w`.
fn window_span(stats: &LinkStats, w: usize) -> (u64, u64) {
    let start = stats.start_cycle + w as u64 * stats.window_cycles;
    let len = stats
        .window_cycles
        .min(stats.end_cycle.saturating_sub(start));
    (start, len)
}

/// All rows: every link in every window, then every link's total.
pub fn link_rows(topo: &Topology, stats: &LinkStats) -> Result<Vec<LinkRow>> {
    check_sizes(topo, stats)?;
    let row = |l: &crate::topology::Link, window: String, start, cycles, flits, util| {
        let (s, d) = (topo.router(l.src).coord, topo.router(l.dst).coord);
        LinkRow {
            link: l.id.0,
            src_x: s.x,
            src_y: s.y,
            dst_x: d.x,
            dst_y: d.y,
            direction: l.direction.map_or("", |d| d.name()),
            kind: kind_name(l.kind),
            failed: l.failed,
            window,
            start_cycle: start,
            cycles,
            flits,
            utilisation: util,
        }
    };
    let mut rows = Vec::with_capacity(topo.links.len() * (stats.windows.len() + 1));
    for (w, counts) in stats.windows.iter().enumerate() {
        let (start, cycles) = window_span(stats, w);
        for l in &topo.links {
            rows.push(row(
                l,
                w.to_string(),
                start,
                cycles,
                counts[l.id.index()] as u64,
                stats.window_utilisation(w, l.id, l.cycles_per_flit),
            ));
        }
    }
    for l in &topo.links {
        rows.push(row(
            l,
            "total".to_string(),
            stats.start_cycle,
            stats.covered_cycles(),
            stats.total_flits[l.id.index()],
            stats.utilisation(l.id, l.cycles_per_flit),
        ));
    }
    Ok(rows)
}

/// Writes [`link_rows`] as CSV to `path`.
pub fn write_links_csv(topo: &Topology, stats: &LinkStats, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let rows = link_rows(topo, stats)?;
    let mut w = csv::Writer::from_path(path).map_err(|e| csv_error(path, e))?;
    for r in &rows {
        w.serialize(r).map_err(|e| csv_error(path, e))?;
    }
    w.flush().map_err(|e| Error::io(path, e))
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(path, io),
        other => Error::Check(format!("{}: {other:?}", path.display())),
    }
}

#[derive(Serialize)]
struct JsonLink {
    link: u32,
    src: [u32; 2],
    dst: [u32; 2],
    direction: &'static str,
    kind: &'static str,
    failed: bool,
    latency_cycles: u32,
    cycles_per_flit: u32,
    flits: u64,
    utilisation: f64,
    window_flits: Vec<u32>,
    window_utilisation: Vec<f64>,
}

#[derive(Serialize)]
struct JsonLinks {
    topology: String,
    grid: [u32; 2],
    wraparound: bool,
    die: [u32; 2],
    wafer: [u32; 2],
    failed_routers: Vec<[u32; 2]>,
    window_cycles: u64,
    start_cycle: u64,
    end_cycle: u64,
    window_start_cycles: Vec<u64>,
    links: Vec<JsonLink>,
}

/// The link statistics as JSON: the topology (`topology`, `grid`, `wraparound`, `die`,
/// `wafer` as `[x, y]` in routers, `failed_routers`), the windows (`window_cycles`,
/// `start_cycle`, `end_cycle`, `window_start_cycles`) and `links`: per link `link`, `src`,
/// `dst` (`[x, y]`), `direction`, `kind`, `failed`, `latency_cycles`, `cycles_per_flit`,
/// `flits`, `utilisation` (whole interval), `window_flits`, `window_utilisation`.
pub fn links_json(topo: &Topology, stats: &LinkStats) -> Result<serde_json::Value> {
    check_sizes(topo, stats)?;
    let xy = |c: moesim_core::Coord| [c.x, c.y];
    let links = topo
        .links
        .iter()
        .map(|l| JsonLink {
            link: l.id.0,
            src: xy(topo.router(l.src).coord),
            dst: xy(topo.router(l.dst).coord),
            direction: l.direction.map_or("", |d| d.name()),
            kind: kind_name(l.kind),
            failed: l.failed,
            latency_cycles: l.latency_cycles,
            cycles_per_flit: l.cycles_per_flit,
            flits: stats.total_flits[l.id.index()],
            utilisation: stats.utilisation(l.id, l.cycles_per_flit),
            window_flits: stats.windows.iter().map(|w| w[l.id.index()]).collect(),
            window_utilisation: (0..stats.windows.len())
                .map(|w| stats.window_utilisation(w, l.id, l.cycles_per_flit))
                .collect(),
        })
        .collect();
    let doc = JsonLinks {
        topology: topo.name.clone(),
        grid: [topo.shape.x, topo.shape.y],
        wraparound: topo.wraparound,
        die: [topo.layout.die.x, topo.layout.die.y],
        wafer: [topo.layout.wafer.x, topo.layout.wafer.y],
        failed_routers: topo
            .routers
            .iter()
            .filter(|r| r.failed)
            .map(|r| xy(r.coord))
            .collect(),
        window_cycles: stats.window_cycles,
        start_cycle: stats.start_cycle,
        end_cycle: stats.end_cycle,
        window_start_cycles: (0..stats.windows.len())
            .map(|w| window_span(stats, w).0)
            .collect(),
        links,
    };
    serde_json::to_value(doc).map_err(|e| Error::Check(format!("link statistics JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::mesh::build_mesh;
    use moesim_core::{LinkId, MeshShape};

    #[test]
    fn rows_cover_every_link_and_window_plus_totals() {
        let t = build_mesh(MeshShape::new(2, 1), 1, 1);
        let mut s = LinkStats::new(t.links.len(), 10, 0);
        for c in 0..10 {
            s.record(c, LinkId(0));
        }
        s.record(12, LinkId(1));
        s.finish(15);
        let rows = link_rows(&t, &s).unwrap();
        assert_eq!(rows.len(), 2 * 2 + 2);
        assert_eq!((rows[0].window.as_str(), rows[0].flits), ("0", 10));
        assert_eq!(rows[0].utilisation, 1.0);
        assert_eq!((rows[3].start_cycle, rows[3].cycles), (10, 5));
        assert!((rows[3].utilisation - 0.2).abs() < 1e-12);
        assert_eq!(rows[4].window, "total");
        assert!((rows[4].utilisation - 10.0 / 15.0).abs() < 1e-12);
        assert_eq!(rows[0].direction, "east");
        let wrong = LinkStats::new(3, 10, 0);
        assert!(link_rows(&t, &wrong).is_err());
    }
}
