//! Simulator speed: simulated cycles and flit router traversals per CPU second at three loads,
//! beside BookSim2's figures on the same host class (data/booksim/README.md, "Simulator speed"),
//! computed from the reference CSV the same way the README does. A fixed reference kernel
//! ([`moesim_noc::reference_kernel`]) is timed in the same process, so rates can also be given
//! as traversals per kernel step, a figure that holds when the machine is shared.

use crate::booksim_csv::{self, BooksimRow};
use crate::noc_config::NocSource;
use moesim_core::Result;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// The loads measured (flits or packets per node per cycle, as the configuration says).
pub const LOADS: [&str; 3] = ["0.02", "0.20", "0.40"];

/// BookSim's curve whose timings are the reference (8x8 mesh, uniform, 4-flit packets).
pub const REFERENCE_CSV: &str = "data/booksim/case_a_mesh8x8_uniform_p4.csv";

/// One measured load.
#[derive(Clone, Debug, Serialize)]
pub struct BenchRow {
    pub load: String,
    pub sim_cycles: u64,
    pub flit_router_traversals: u64,
    /// Fastest of [`REPEATS`] runs, whole run (build, simulate, report).
    pub wall_s: f64,
    /// Fastest of the same runs in CPU seconds (wall seconds if `cpu_time` is false); the rates
    /// divide by it.
    pub cpu_s: f64,
    /// The cycle loop alone (warm-up, measurement, drain), fastest of the runs: what BookSim's
    /// "Total run time" covers. The rates below divide by it.
    pub loop_cpu_s: f64,
    pub cpu_time: bool,
    pub avg_packet_latency: f64,
    /// Simulated cycles and flit router traversals per second of `loop_cpu_s`.
    pub cycles_per_s: f64,
    pub traversals_per_s: f64,
    /// Flit router traversals per second of `cpu_s` (the whole run).
    pub run_traversals_per_s: f64,
    /// BookSim2 at the same load: `sim_cycles / booksim_internal_run_s`.
    pub booksim_cycles_per_s: Option<f64>,
    /// BookSim2: `accepted * N * sim_cycles * avg_hops_routers / booksim_internal_run_s`.
    pub booksim_traversals_per_s: Option<f64>,
}

impl BenchRow {
    /// moesim's router-traversal rate over BookSim's.
    pub fn traversal_ratio(&self) -> Option<f64> {
        self.booksim_traversals_per_s
            .map(|b| self.traversals_per_s / b)
    }
    /// moesim's cycle rate over BookSim's.
    pub fn cycle_ratio(&self) -> Option<f64> {
        self.booksim_cycles_per_s.map(|b| self.cycles_per_s / b)
    }
}

/// The measured loads and the reference kernel timed beside them.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    pub rows: Vec<BenchRow>,
    /// [`moesim_noc::reference_kernel`]: million steps per CPU second, fastest of the passes
    /// run before and after the loads.
    pub kernel_msteps_per_s: f64,
}

impl BenchReport {
    /// Flit router traversals per reference-kernel step at each load: the simulator's speed
    /// relative to the machine's at the time of the run.
    pub fn traversals_per_kernel_step(&self) -> Vec<f64> {
        self.rows
            .iter()
            .map(|r| r.traversals_per_s / (self.kernel_msteps_per_s * 1e6))
            .collect()
    }
}

fn booksim_rates(rows: &[BooksimRow], load: &str) -> (Option<f64>, Option<f64>) {
    let Ok(l) = load.parse::<f64>() else {
        return (None, None);
    };
    let Some(r) = rows.iter().find(|r| (r.rate() - l).abs() < 1e-9) else {
        return (None, None);
    };
    let t = r.booksim_internal_run_s;
    let cycles = r.sim_cycles as f64 / t;
    let nodes = r.k.parse::<f64>().map(|k| k * k).ok();
    let traversals = match (nodes, r.avg_hops_routers) {
        (Some(n), Some(h)) => {
            Some(r.accepted_flits_per_node_cycle * n * r.sim_cycles as f64 * h / t)
        }
        _ => None,
    };
    (Some(cycles), traversals)
}

/// Repeats per load; the fastest is reported (the simulator checks the repeats agree bit for bit).
pub const REPEATS: u32 = 3;

/// Runs `source` at each of [`LOADS`] (one at a time, so the timings do not compete), with the
/// reference rows from `reference_csv` when given, and the reference kernel before and after.
pub fn run(source: &NocSource, reference_csv: Option<&Path>) -> Result<BenchReport> {
    let reference = match reference_csv {
        Some(p) => booksim_csv::read(p)?,
        None => Vec::new(),
    };
    let (k0, _) = moesim_noc::reference_kernel(REPEATS);
    let rows = LOADS
        .iter()
        .map(|load| {
            let a = format!("injection_rate={load}");
            let cfg = source.build(std::slice::from_ref(&a))?;
            let b = moesim_noc::bench(&cfg, source.origin(), REPEATS)?;
            let (bc, bt) = booksim_rates(&reference, load);
            Ok(BenchRow {
                load: load.to_string(),
                sim_cycles: b.sim_cycles,
                flit_router_traversals: b.flit_router_traversals,
                wall_s: b.wall_s,
                cpu_s: b.cpu_s,
                loop_cpu_s: b.loop_cpu_s,
                cpu_time: b.cpu_time,
                avg_packet_latency: b.avg_packet_latency,
                cycles_per_s: b.loop_cycles_per_s,
                traversals_per_s: b.loop_traversals_per_s,
                run_traversals_per_s: b.traversals_per_s,
                booksim_cycles_per_s: bc,
                booksim_traversals_per_s: bt,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let (k1, _) = moesim_noc::reference_kernel(REPEATS);
    Ok(BenchReport {
        rows,
        kernel_msteps_per_s: k0.max(k1),
    })
}

fn opt(v: Option<f64>, scale: f64, unit: &str) -> String {
    v.map_or("-".into(), |v| format!("{:.2}{unit}", v / scale))
}

/// A table of the rows.
pub fn table(report: &BenchReport) -> String {
    let rows = &report.rows;
    let clock = if rows.iter().all(|r| r.cpu_time) {
        "CPU"
    } else {
        "wall"
    };
    let mut s = format!(
        "{:>6} {:>9} {:>10} {:>9} {:>9} {:>9} {:>11} {:>13} | {:>11} {:>13} | {:>8} {:>8} | {:>9}\n",
        "load",
        "cycles",
        "latency",
        "wall_s",
        format!("{clock}_s"),
        "loop_s",
        "cycles/s",
        "traversals/s",
        "BookSim c/s",
        "BookSim tr/s",
        "x cycles",
        "x trav.",
        "tr/kstep"
    );
    for (r, k) in rows.iter().zip(report.traversals_per_kernel_step()) {
        let _ = writeln!(
            s,
            "{:>6} {:>9} {:>10.4} {:>9.3} {:>9.3} {:>9.3} {:>10.1}k {:>12.3}M | {:>11} {:>13} | {:>8} {:>8} | {:>9.4}",
            r.load,
            r.sim_cycles,
            r.avg_packet_latency,
            r.wall_s,
            r.cpu_s,
            r.loop_cpu_s,
            r.cycles_per_s / 1e3,
            r.traversals_per_s / 1e6,
            opt(r.booksim_cycles_per_s, 1e3, "k"),
            opt(r.booksim_traversals_per_s, 1e6, "M"),
            opt(r.cycle_ratio(), 1.0, ""),
            opt(r.traversal_ratio(), 1.0, ""),
            k * 1e3,
        );
    }
    s.push_str(&format!(
        "Rates per {clock} second of the simulating thread in the cycle loop (loop_s, as \
         BookSim's \"Total run time\"), fastest of {REPEATS} runs; {clock}_s is the whole run \
         (building the network and the report too). Reference kernel: {:.1} M steps/s; tr/kstep \
         = traversals per 1000 kernel steps.\n\
         BookSim2 figures: {REFERENCE_CSV} (8x8 mesh, uniform, 4-flit packets, 2-core Xeon VM); \
         compare on that configuration.\n",
        report.kernel_msteps_per_s
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_rates_follow_the_readme() {
        let root = crate::repo::find_root().unwrap();
        let rows = booksim_csv::read(&root.join(REFERENCE_CSV)).unwrap();
        // README: 0.40 -> 4.5 k cycles/s and 0.72 M router traversals/s; 0.02 -> 64 k, 0.48 M.
        let (c, t) = booksim_rates(&rows, "0.40");
        assert!((c.unwrap() / 1e3 - 4.49).abs() < 0.05, "{c:?}");
        assert!((t.unwrap() / 1e6 - 0.716).abs() < 0.01, "{t:?}");
        let (c, t) = booksim_rates(&rows, "0.02");
        assert!((c.unwrap() / 1e3 - 63.7).abs() < 0.5, "{c:?}");
        assert!((t.unwrap() / 1e6 - 0.48).abs() < 0.01, "{t:?}");
        assert_eq!(booksim_rates(&rows, "0.99"), (None, None));
    }
}
