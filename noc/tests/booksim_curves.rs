//! The flit network against BookSim2's latency-throughput curves for the 8x8 mesh with 4-flit
//! packets (data/booksim, cases a uniform and b transpose), run from BookSim's own config files
//! through `moesim_noc::booksim::load`:
//!
//! - zero-load latency (the 0.02 flits/cycle/node point) within 2 %;
//! - saturation knee (last load with packet latency <= 3 x zero-load) within one 0.02 step;
//! - accepted-throughput plateau (most accepted flits among converged points at or past the
//!   knee) within 10 %.
//!
//! Only the points needed are simulated: 0.02, and from one step below BookSim's knee to two
//! steps above it, which brackets a knee one step off either way (latency rises with load).

use moesim_noc::{NocReport, RunStatus};
use std::path::PathBuf;

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/booksim")
}

/// A BookSim CSV row: (load, packet latency, accepted, saturated).
fn booksim_rows(file: &str) -> Vec<(f64, f64, f64, bool)> {
    let mut r = csv::Reader::from_path(data().join(file)).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|x| x == name).unwrap();
    let (load, lat, acc, sat) = (
        col("injection_rate"),
        col("avg_packet_latency"),
        col("accepted_flits_per_node_cycle"),
        col("saturated"),
    );
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let f = |i: usize| rec[i].parse::<f64>().unwrap();
            (f(load), f(lat), f(acc), &rec[sat] == "1")
        })
        .collect()
}

fn run(cfg_file: &str, load: f64) -> NocReport {
    let path = data().join("configs").join(cfg_file);
    let cfg = moesim_noc::booksim::load(&path, &[format!("injection_rate={load}")]).unwrap();
    moesim_noc::run(&cfg, &path.display().to_string()).unwrap()
}

/// Runs `loads` in parallel (two at a time).
fn run_all(cfg_file: &str, loads: &[f64]) -> Vec<NocReport> {
    std::thread::scope(|s| {
        let hs: Vec<_> = loads
            .iter()
            .map(|&l| s.spawn(move || run(cfg_file, l)))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// The last load of a sweep whose latency stays within `limit`, and the first above it.
fn knee(points: &[(f64, f64)], limit: f64) -> (Option<f64>, Option<f64>) {
    let above = points.iter().find(|p| p.1 > limit).map(|p| p.0);
    let last = points
        .iter()
        .take_while(|p| p.1 <= limit)
        .last()
        .map(|p| p.0);
    (last, above)
}

fn check_case(csv_file: &str, cfg_file: &str) {
    let bs = booksim_rows(csv_file);
    let bs_t0 = bs.iter().find(|r| close(r.0, 0.02)).unwrap().1;
    let (bs_knee, _) = knee(
        &bs.iter().map(|r| (r.0, r.1)).collect::<Vec<_>>(),
        3.0 * bs_t0,
    );
    let bs_knee = bs_knee.unwrap();
    let bs_plateau = bs
        .iter()
        .filter(|r| r.0 >= bs_knee - 1e-9 && !r.3)
        .map(|r| r.2)
        .fold(0.0, f64::max);

    let step = 0.02;
    let loads: Vec<f64> = [
        0.02,
        bs_knee - step,
        bs_knee,
        bs_knee + step,
        bs_knee + 2.0 * step,
    ]
    .iter()
    .map(|l| (l * 100.0).round() / 100.0)
    .collect();
    let ours = run_all(cfg_file, &loads);

    // Zero-load latency.
    let t0 = ours[0].avg_packet_latency;
    let err = (t0 - bs_t0).abs() / bs_t0;
    assert!(
        err <= 0.02,
        "{csv_file}: zero-load {t0:.2} vs BookSim {bs_t0:.2} ({:.1} %)",
        err * 100.0
    );
    assert_eq!(ours[0].status, RunStatus::Converged);
    // Every flit of a converged run was delivered and counted at each router it crossed.
    assert!((ours[0].avg_hops_routers - 6.25).abs() < 0.2);

    // Knee: the sweep window starts below it and ends above it.
    let pts: Vec<(f64, f64)> = loads[1..]
        .iter()
        .zip(&ours[1..])
        .map(|(&l, r)| (l, r.avg_packet_latency))
        .collect();
    let (our_knee, above) = knee(&pts, 3.0 * t0);
    let our_knee =
        our_knee.unwrap_or_else(|| panic!("{csv_file}: already past the knee at {:?}", pts[0]));
    assert!(
        above.is_some(),
        "{csv_file}: no knee up to {:?}",
        pts.last()
    );
    assert!(
        (our_knee - bs_knee).abs() <= step + 1e-9,
        "{csv_file}: knee {our_knee} vs BookSim {bs_knee} ({pts:?})"
    );

    // Plateau.
    let plateau = loads[1..]
        .iter()
        .zip(&ours[1..])
        .filter(|(l, r)| **l >= our_knee - 1e-9 && !r.saturated)
        .map(|(_, r)| r.accepted_flits_per_node_cycle)
        .fold(0.0, f64::max);
    let err = (plateau - bs_plateau).abs() / bs_plateau;
    assert!(
        err <= 0.10,
        "{csv_file}: plateau {plateau:.3} vs BookSim {bs_plateau:.3} ({:.1} %)",
        err * 100.0
    );
}

#[test]
fn case_a_uniform_matches_booksim() {
    check_case("case_a_mesh8x8_uniform_p4.csv", "mesh8x8_uniform_p4.cfg");
}

#[test]
fn case_b_transpose_matches_booksim() {
    check_case(
        "case_b_mesh8x8_transpose_p4.csv",
        "mesh8x8_transpose_p4.cfg",
    );
}
