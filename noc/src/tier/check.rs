//! Cross-checks between tiers, written as functions so tests and `moesim validate` share them:
//! capacity (no link carries more than bandwidth x time in any window), byte conservation
//! (each link carries exactly the bytes of the messages routed over it), exact agreement, and the
//! divergence between tiers over a message set.

use super::params::NetworkParams;
use super::routes::RouteTable;
use super::{Message, Network, NetworkRun};
use crate::routing::RoutingFunction;
use crate::topology::Topology;
use moesim_core::{Error, LinkId, Result, Tick};
use serde::Serialize;
use std::fmt::Write;

/// The highest utilisation of any link in any full window, and where it was.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PeakWindow {
    pub utilisation: f64,
    pub window: usize,
    pub link: LinkId,
}

/// The busiest (link, window) of `run`. The last window counts only up to the makespan.
pub fn peak_window(topo: &Topology, params: &NetworkParams, run: &NetworkRun) -> PeakWindow {
    let mut best = PeakWindow {
        utilisation: 0.0,
        window: 0,
        link: LinkId(0),
    };
    let load = &run.link_load;
    for (w, row) in load.bytes.iter().enumerate() {
        let start = load.window_start(w).as_ps();
        let end = (start + load.window.as_ps()).min(run.makespan.as_ps().max(start + 1));
        let len = (end - start) as f64;
        for (l, &b) in row.iter().enumerate() {
            let u = b / (params.link_bytes_per_ps(&topo.links[l]) * len);
            if u > best.utilisation {
                best = PeakWindow {
                    utilisation: u,
                    window: w,
                    link: LinkId(l as u32),
                };
            }
        }
    }
    best
}

/// Errors if any link carried more than its bandwidth allows in any window (beyond `rel_tol`).
pub fn check_capacity(
    topo: &Topology,
    params: &NetworkParams,
    run: &NetworkRun,
    rel_tol: f64,
) -> Result<()> {
    let p = peak_window(topo, params, run);
    if p.utilisation > 1.0 + rel_tol {
        return Err(Error::Check(format!(
            "{} tier: link {} carries {:.6} of its bandwidth in window {} (start {})",
            run.tier,
            p.link,
            p.utilisation,
            p.window,
            run.link_load.window_start(p.window)
        )));
    }
    Ok(())
}

/// Bytes each topology link must carry for `msgs`: the sum over messages routed across it.
pub fn expected_link_bytes(routes: &mut RouteTable, msgs: &[Message]) -> Result<Vec<u64>> {
    let nlinks = routes.resources().num_links;
    let mut v = vec![0u64; nlinks];
    for m in msgs {
        routes.check_node(m.src, m.id)?;
        routes.check_node(m.dst, m.id)?;
        let r = routes.route(m.src, m.dst)?;
        for &k in routes.path(r) {
            if (k as usize) < nlinks {
                v[k as usize] += m.bytes;
            }
        }
    }
    Ok(v)
}

/// Errors unless every link's byte count matches the routes within `rel_tol` (0 = exactly), and
/// its windows add up to it within `window_rel_tol`.
pub fn check_conservation(
    expected: &[u64],
    run: &NetworkRun,
    rel_tol: f64,
    window_rel_tol: f64,
) -> Result<()> {
    for (l, (&e, &got)) in expected.iter().zip(&run.link_bytes).enumerate() {
        if (got as f64 - e as f64).abs() > rel_tol * e as f64 {
            return Err(Error::Check(format!(
                "{} tier: link {l} carried {got} bytes, its routes carry {e}",
                run.tier
            )));
        }
        let w = run.link_load.total(LinkId(l as u32));
        if (w - got as f64).abs() > window_rel_tol * (got as f64).max(1.0) {
            return Err(Error::Check(format!(
                "{} tier: link {l}'s windows add up to {w} bytes, it carried {got}",
                run.tier
            )));
        }
    }
    if expected.len() != run.link_bytes.len() {
        return Err(Error::Check(format!(
            "{} tier reports {} links, the topology has {}",
            run.tier,
            run.link_bytes.len(),
            expected.len()
        )));
    }
    Ok(())
}

/// Errors unless `a` and `b` finish every message at the same tick.
pub fn check_identical(a: &NetworkRun, b: &NetworkRun) -> Result<()> {
    for (i, (x, y)) in a.finish.iter().zip(&b.finish).enumerate() {
        if x != y {
            return Err(Error::Check(format!(
                "message {i}: {} tier finishes at {x}, {} tier at {y}",
                a.tier, b.tier
            )));
        }
    }
    Ok(())
}

/// How far one tier's results are from a reference tier's over one message set. Relative errors
/// are on durations (finish - release); the makespan's on the span from the earliest release.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Divergence {
    pub reference: String,
    pub other: String,
    pub messages: usize,
    pub span_reference: Tick,
    pub span_other: Tick,
    /// (other - reference) / reference, on the span.
    pub span_rel: f64,
    /// Mean of |other - reference| / reference over message durations.
    pub mean_abs_rel: f64,
    pub max_abs_rel: f64,
    /// Largest |other - reference| over finish times.
    pub max_abs_diff: Tick,
}

/// Compares `other` with `reference` over `msgs`.
pub fn divergence(msgs: &[Message], reference: &NetworkRun, other: &NetworkRun) -> Divergence {
    let start = msgs.iter().map(|m| m.release).min().unwrap_or(Tick::ZERO);
    let span_reference = reference.makespan.saturating_sub(start);
    let span_other = other.makespan.saturating_sub(start);
    let mut sum = 0.0;
    let mut max_rel = 0.0f64;
    let mut max_diff = Tick::ZERO;
    let mut counted = 0usize;
    for (i, m) in msgs.iter().enumerate() {
        let a = reference.finish[i];
        let b = other.finish[i];
        max_diff = max_diff.max(if a > b { a - b } else { b - a });
        let da = a.saturating_sub(m.release).as_ps() as f64;
        let db = b.saturating_sub(m.release).as_ps() as f64;
        if da > 0.0 {
            let r = (db - da).abs() / da;
            sum += r;
            max_rel = max_rel.max(r);
            counted += 1;
        }
    }
    Divergence {
        reference: reference.tier.clone(),
        other: other.tier.clone(),
        messages: msgs.len(),
        span_reference,
        span_other,
        span_rel: if span_reference.as_ps() == 0 {
            0.0
        } else {
            (span_other.as_ps() as f64 - span_reference.as_ps() as f64)
                / span_reference.as_ps() as f64
        },
        mean_abs_rel: if counted == 0 {
            0.0
        } else {
            sum / counted as f64
        },
        max_abs_rel: max_rel,
        max_abs_diff: max_diff,
    }
}

/// Runs `msgs` on every tier of `nets`, in order.
pub fn run_tiers(nets: &mut [Box<dyn Network>], msgs: &[Message]) -> Result<Vec<NetworkRun>> {
    nets.iter_mut().map(|n| n.simulate(msgs)).collect()
}

/// A Markdown table of divergences.
pub fn divergence_table(label: &str, rows: &[Divergence]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| set | reference | tier | messages | span ref (ns) | span tier (ns) | span diff | \
         mean abs diff | max abs diff |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
    for d in rows {
        let _ = writeln!(
            s,
            "| {label} | {} | {} | {} | {:.1} | {:.1} | {:+.2} % | {:.2} % | {:.2} % |",
            d.reference,
            d.other,
            d.messages,
            d.span_reference.as_ns(),
            d.span_other.as_ns(),
            d.span_rel * 100.0,
            d.mean_abs_rel * 100.0,
            d.max_abs_rel * 100.0
        );
    }
    s
}

/// Runs `msgs` on every tier and tabulates each tier's divergence from the first one.
pub fn divergence_report(
    label: &str,
    nets: &mut [Box<dyn Network>],
    msgs: &[Message],
) -> Result<String> {
    let runs = run_tiers(nets, msgs)?;
    let rows: Vec<Divergence> = runs
        .iter()
        .skip(1)
        .map(|r| divergence(msgs, &runs[0], r))
        .collect();
    Ok(divergence_table(label, &rows))
}

/// A route table for checks, independent of any tier's cache.
pub fn route_table(
    topo: &Topology,
    routing: Box<dyn RoutingFunction>,
    params: &NetworkParams,
) -> RouteTable {
    RouteTable::new(topo.clone(), routing, params.clone(), "check")
}
