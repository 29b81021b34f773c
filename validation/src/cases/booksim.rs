//! BookSim2 reference curves (`data/booksim/`): the flit-level network, configured by reading the
//! very BookSim config files the curves were measured with, must reproduce the zero-load latency,
//! the saturation knee and the accepted-throughput plateau.
//!
//! Points run with the seeds `moesim noc --booksim CFG --sweep injection_rate=...` uses, so every
//! measured figure here can be reproduced from the command line. Only the points needed are run:
//! the zero-load point and the loads around the reference knee, in parallel.

use crate::case::{Case, Check, Context, Tolerance};
use moesim::booksim_csv::{self, BooksimRow};
use moesim::noc_config::NocSource;
use moesim::noc_point::{self, NocPoint};
use moesim::sweep::point_seed;
use moesim_core::{Error, Result};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// One reference curve: its BookSim config and CSV, relative to the repository root.
struct Curve {
    cfg: &'static str,
    csv: &'static str,
}

const CASE_A: Curve = Curve {
    cfg: "data/booksim/configs/mesh8x8_uniform_p4.cfg",
    csv: "data/booksim/case_a_mesh8x8_uniform_p4.csv",
};

const CASE_B: Curve = Curve {
    cfg: "data/booksim/configs/mesh8x8_transpose_p4.cfg",
    csv: "data/booksim/case_b_mesh8x8_transpose_p4.csv",
};

const SETUP: &str = "The BookSim config file, read as it is by moesim's BookSim reader (8x8 \
mesh, dimension-order routing, IQ router with 4 VCs x 8 flits, 4-flit packets, Bernoulli \
injection in flits/cycle/node, BookSim's latency measurement: 3 warm-up periods of 1000 cycles, \
up to 10 samples, latency_thres 500). Zero-load: packet latency at 0.02. Knee: the last load, in \
0.02 steps, whose packet latency is at most 3x the zero-load latency (the same rule applied to \
the reference curve), searched outwards from the reference knee. Plateau: the highest accepted \
rate among converged points from the reference knee to 3 steps beyond.";

/// The BookSim cases.
pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "booksim_a_mesh8x8_uniform_p4",
            source: "BookSim2 (booksim/booksim2 @ 28f4329), data/booksim/case_a_mesh8x8_uniform_p4.csv",
            setup: SETUP,
            run: |ctx| run_curve(ctx, &CASE_A),
        },
        Case {
            id: "booksim_b_mesh8x8_transpose_p4",
            source: "BookSim2 (booksim/booksim2 @ 28f4329), data/booksim/case_b_mesh8x8_transpose_p4.csv",
            setup: SETUP,
            run: |ctx| run_curve(ctx, &CASE_B),
        },
    ]
}

/// How far from the reference knee the search goes before giving up (the check fails anyway).
const MAX_KNEE_STEPS: i64 = 3;

/// Points from the reference knee to this many steps beyond count for the plateau.
const PLATEAU_STEPS: i64 = 3;

/// The reference figures of a curve.
struct Reference {
    zero_load: f64,
    /// Index (in steps) of the knee row.
    knee: i64,
    plateau: f64,
    /// Load step and the number of decimals the loads are written with.
    step: f64,
    decimals: usize,
}

fn reference(rows: &[BooksimRow], origin: &str) -> Result<Reference> {
    let bad = |m: &str| Error::parse(origin, None, m);
    let (first, second) = match rows {
        [a, b, ..] => (a, b),
        _ => return Err(bad("needs at least two rows")),
    };
    let step = second.rate() - first.rate();
    if step.is_nan() || step <= 0.0 || (first.rate() - step).abs() > 1e-9 {
        return Err(bad("loads must start at one step and rise in equal steps"));
    }
    let decimals = first
        .injection_rate
        .split_once('.')
        .map_or(0, |(_, f)| f.len());
    let zero_load = first.avg_packet_latency;
    let over = rows
        .iter()
        .position(|r| r.avg_packet_latency > 3.0 * zero_load)
        .ok_or_else(|| bad("the curve never exceeds 3x its zero-load latency"))?;
    if over == 0 {
        return Err(bad("the first point is already past the knee"));
    }
    let plateau = rows
        .iter()
        .filter(|r| !r.is_saturated())
        .map(|r| r.accepted_flits_per_node_cycle)
        .fold(f64::NAN, f64::max);
    Ok(Reference {
        zero_load,
        knee: over as i64, // row `over - 1` is load index `over`
        plateau,
        step,
        decimals,
    })
}

/// The simulated points of one curve, by load index, computed on demand.
struct Points<'a> {
    source: &'a NocSource,
    reference: &'a Reference,
    done: BTreeMap<i64, NocPoint>,
}

impl Points<'_> {
    fn rate_text(&self, i: i64) -> String {
        format!(
            "{:.*}",
            self.reference.decimals,
            i as f64 * self.reference.step
        )
    }

    /// Runs the points of `indices` not yet run, in parallel.
    fn ensure(&mut self, indices: &[i64]) -> Result<()> {
        let todo: Vec<i64> = indices
            .iter()
            .copied()
            .filter(|i| *i >= 1 && !self.done.contains_key(i))
            .collect();
        let runs: Vec<(i64, Result<NocPoint>)> = todo
            .par_iter()
            .map(|&i| {
                let a = format!("injection_rate={}", self.rate_text(i));
                let r = self
                    .source
                    .build(std::slice::from_ref(&a))
                    .and_then(|mut cfg| {
                        cfg.sim.seed = point_seed(cfg.sim.seed, &a);
                        noc_point::run(cfg, self.source.origin(), a.clone())
                    });
                (i, r)
            })
            .collect();
        for (i, r) in runs {
            self.done.insert(i, r?);
        }
        Ok(())
    }

    fn latency(&mut self, i: i64) -> Result<f64> {
        self.ensure(&[i])?;
        Ok(self.done[&i].report.avg_packet_latency)
    }
}

fn run_curve(ctx: &Context, curve: &Curve) -> Result<Vec<Check>> {
    let csv_path = ctx.path(curve.csv);
    let rows = booksim_csv::read(&csv_path)?;
    let r = reference(&rows, curve.csv)?;
    let source = NocSource::booksim_file(&ctx.path(curve.cfg), &[])?;
    let mut pts = Points {
        source: &source,
        reference: &r,
        done: BTreeMap::new(),
    };
    let plateau_range: Vec<i64> = (r.knee..=r.knee + PLATEAU_STEPS).collect();
    let mut first = vec![1];
    first.extend(&plateau_range);
    pts.ensure(&first)?;

    let zero_load = pts.latency(1)?;
    let threshold = 3.0 * zero_load;
    // The last load at or under the threshold, searched outwards from the reference knee; a
    // search that hits MAX_KNEE_STEPS reports the bound (and fails the check).
    let mut knee = r.knee;
    if pts.latency(knee)? <= threshold {
        while knee < r.knee + MAX_KNEE_STEPS && pts.latency(knee + 1)? <= threshold {
            knee += 1;
        }
    } else {
        knee -= 1;
        while knee > (r.knee - MAX_KNEE_STEPS).max(1) && pts.latency(knee)? > threshold {
            knee -= 1;
        }
    }

    let converged: Vec<f64> = plateau_range
        .iter()
        .map(|i| &pts.done[i].report)
        .filter(|rep| !rep.saturated)
        .map(|rep| rep.accepted_flits_per_node_cycle)
        .collect();
    let plateau = if converged.is_empty() {
        plateau_range
            .iter()
            .map(|i| pts.done[i].report.accepted_flits_per_node_cycle)
            .fold(f64::NAN, f64::max)
    } else {
        converged.into_iter().fold(f64::NAN, f64::max)
    };

    let load = |i: i64| i as f64 * r.step;
    let parse = |i: i64| pts.rate_text(i).parse::<f64>().unwrap_or(load(i));
    Ok(vec![
        Check::new(
            "zero-load packet latency (load 0.02)",
            "cycles",
            r.zero_load,
            zero_load,
            Tolerance::Relative { frac: 0.02 },
        ),
        Check::new(
            "saturation knee (last load with latency <= 3x zero-load)",
            "flits/cycle/node",
            parse(r.knee),
            parse(knee),
            Tolerance::Range {
                lo: parse(r.knee - 1),
                hi: parse(r.knee + 1),
            },
        ),
        Check::new(
            "accepted-throughput plateau",
            "flits/cycle/node",
            r.plateau,
            plateau,
            Tolerance::Relative { frac: 0.10 },
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    #[test]
    fn references_follow_the_readme() {
        let a = booksim_csv::read(&root().join(CASE_A.csv)).unwrap();
        let ra = reference(&a, "a").unwrap();
        assert!((ra.zero_load - 36.5248).abs() < 1e-9);
        assert_eq!(ra.knee, 20); // 0.40
        assert!((ra.plateau - 0.410062).abs() < 1e-9);
        assert_eq!(ra.decimals, 2);
        let b = booksim_csv::read(&root().join(CASE_B.csv)).unwrap();
        let rb = reference(&b, "b").unwrap();
        assert_eq!(rb.knee, 7); // 0.14
        assert!((rb.plateau - 0.15602).abs() < 1e-9);
    }
}
