//! The files of a MoE run, beside `config.resolved.toml`, `stats.txt` and `stats.json`:
//!
//! - `results.csv`: one row per layer: the layer's end time and every phase's latency (us);
//! - `links.csv`: one row per link: position, direction, kind, bandwidth, bytes per traffic
//!   class, utilisation over the step, per class while that class was in flight, and in the
//!   busiest window;
//! - `link_windows.csv`: one row per link and window with traffic: bytes per class and
//!   utilisation;
//! - `plots/heatmap_step.svg`, `plots/heatmap_attention.svg`, `plots/heatmap_moe.svg` (and
//!   `plots/heatmap_migration.svg` when copies ran): per-link, per-direction utilisation.

use super::phases::PhaseKind;
use super::report::{LinkSummary, StepReport};
use super::timeline::{LinkTimeline, TrafficClass};
use crate::output::{RunDir, write_csv};
use moesim_core::Result;
use moesim_noc::heatmap::write_utilisation_svg;
use moesim_noc::link_export::kind_name;
use moesim_noc::tier::NetworkParams;
use moesim_noc::topology::Topology;
use serde::Serialize;

/// One row of `links.csv`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkRow {
    pub link: u32,
    pub src_x: u32,
    pub src_y: u32,
    pub dst_x: u32,
    pub dst_y: u32,
    pub direction: &'static str,
    pub kind: &'static str,
    pub failed: bool,
    pub bandwidth_gbytes_per_s: f64,
    pub bytes_attention: f64,
    pub bytes_moe: f64,
    pub bytes_migration: f64,
    pub util_step: f64,
    pub util_attention: f64,
    pub util_moe: f64,
    pub util_migration: f64,
    pub util_peak_window: f64,
}

/// One row of `link_windows.csv`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WindowRow {
    pub window: usize,
    pub start_us: f64,
    pub link: u32,
    pub bytes_attention: f64,
    pub bytes_moe: f64,
    pub bytes_migration: f64,
    pub util: f64,
}

/// `links.csv` rows.
pub fn link_rows(
    topo: &Topology,
    params: &NetworkParams,
    tl: &LinkTimeline,
    s: &LinkSummary,
) -> Vec<LinkRow> {
    topo.links
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let a = topo.router(l.src).coord;
            let b = topo.router(l.dst).coord;
            LinkRow {
                link: l.id.0,
                src_x: a.x,
                src_y: a.y,
                dst_x: b.x,
                dst_y: b.y,
                direction: l.direction.map_or("", |d| d.name()),
                kind: kind_name(l.kind),
                failed: l.failed,
                bandwidth_gbytes_per_s: params.link_bandwidth(l).gbytes_per_s(),
                bytes_attention: tl.totals[0][i],
                bytes_moe: tl.totals[1][i],
                bytes_migration: tl.totals[2][i],
                util_step: s.step_util[i],
                util_attention: s.class_util[0][i],
                util_moe: s.class_util[1][i],
                util_migration: s.class_util[2][i],
                util_peak_window: s.peak_window_util[i],
            }
        })
        .collect()
}

/// `link_windows.csv` rows (links and windows with traffic).
pub fn window_rows(topo: &Topology, params: &NetworkParams, tl: &LinkTimeline) -> Vec<WindowRow> {
    let mut out = Vec::new();
    for w in 0..tl.num_windows() {
        for (i, l) in topo.links.iter().enumerate() {
            let total = tl.window_total(w, i);
            if total == 0.0 {
                continue;
            }
            let cap = params.link_bytes_per_ps(l) * tl.window.as_ps() as f64;
            out.push(WindowRow {
                window: w,
                start_us: (tl.window.as_ps() * w as u64) as f64 / 1e6,
                link: l.id.0,
                bytes_attention: tl.bytes(w, TrafficClass::Attention, i),
                bytes_moe: tl.bytes(w, TrafficClass::Moe, i),
                bytes_migration: tl.bytes(w, TrafficClass::Migration, i),
                util: if cap > 0.0 { total / cap } else { 0.0 },
            });
        }
    }
    out
}

/// One row of `results.csv`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerRow {
    pub layer: i64,
    pub kind: &'static str,
    pub end_us: f64,
    pub embedding_us: f64,
    pub attention_us: f64,
    pub attention_collective_us: f64,
    pub dense_ffn_us: f64,
    pub ffn_collective_us: f64,
    pub router_us: f64,
    pub moe_dispatch_us: f64,
    pub expert_compute_us: f64,
    pub moe_combine_us: f64,
    pub lm_head_us: f64,
}

fn layer_row(
    layer: i64,
    kind: &'static str,
    end_us: f64,
    p: &super::phases::PhaseTimes,
) -> LayerRow {
    let us = |k: PhaseKind| p.get(k).as_us();
    LayerRow {
        layer,
        kind,
        end_us,
        embedding_us: us(PhaseKind::Embedding),
        attention_us: us(PhaseKind::Attention),
        attention_collective_us: us(PhaseKind::AttentionCollective),
        dense_ffn_us: us(PhaseKind::DenseFfn),
        ffn_collective_us: us(PhaseKind::FfnCollective),
        router_us: us(PhaseKind::Router),
        moe_dispatch_us: us(PhaseKind::MoeDispatch),
        expert_compute_us: us(PhaseKind::ExpertCompute),
        moe_combine_us: us(PhaseKind::MoeCombine),
        lm_head_us: us(PhaseKind::LmHead),
    }
}

/// `results.csv` rows: every layer, then the step total (layer -1, kind `step`).
pub fn layer_rows(r: &StepReport) -> Vec<LayerRow> {
    let mut rows: Vec<LayerRow> = r
        .layers
        .iter()
        .map(|l| layer_row(i64::from(l.layer), l.kind, l.end.as_us(), &l.phases))
        .collect();
    rows.push(layer_row(
        -1,
        "step",
        (r.start + r.step_time).as_us(),
        &r.phases,
    ));
    rows
}

/// What [`write_run_files`] writes.
pub struct RunFiles<'a> {
    pub name: &'a str,
    pub report: &'a StepReport,
    pub topo: &'a Topology,
    pub params: &'a NetworkParams,
    pub timeline: &'a LinkTimeline,
    pub links: &'a LinkSummary,
    pub link_windows: bool,
    pub heatmaps: bool,
}

/// Writes the CSV files and heatmaps of a run into `dir`.
pub fn write_run_files(dir: &RunDir, f: &RunFiles) -> Result<()> {
    let (r, topo, params, tl, s) = (f.report, f.topo, f.params, f.timeline, f.links);
    let name = f.name;
    dir.write_results(&layer_rows(r))?;
    write_csv(&dir.file("links.csv"), &link_rows(topo, params, tl, s))?;
    if f.link_windows {
        write_csv(
            &dir.file("link_windows.csv"),
            &window_rows(topo, params, tl),
        )?;
    }
    if f.heatmaps {
        write_utilisation_svg(
            topo,
            &s.step_util,
            dir.plot("heatmap_step.svg"),
            &format!(
                "{name}: link utilisation over the step ({:.1} us)",
                r.step_time.as_us()
            ),
        )?;
        for c in TrafficClass::ALL {
            if c == TrafficClass::Migration && r.migrations.is_empty() {
                continue;
            }
            write_utilisation_svg(
                topo,
                &s.class_util[c.index()],
                dir.plot(&format!("heatmap_{}.svg", c.name())),
                &format!(
                    "{name}: link utilisation during {} traffic ({:.1} us in flight)",
                    c.name(),
                    tl.active(c).as_us()
                ),
            )?;
        }
    }
    Ok(())
}
