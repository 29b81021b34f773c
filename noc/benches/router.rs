//! Speed of the flit-level network on BookSim's 8x8 uniform case (4-flit packets, the config
//! file of data/booksim) at loads 0.02, 0.2 and 0.4 flits/cycle/node: one iteration is a whole
//! BookSim-method run (warm-up, measurement, drain). Criterion reports wall time and flit router
//! traversals per second of wall time. Afterwards the same runs are timed in CPU seconds of the
//! simulating thread ([`moesim_noc::bench`]), beside the reference kernel
//! ([`moesim_noc::reference_kernel`]) timed in the same process and BookSim2's published speed
//! on its machine (data/booksim/README.md).
//!
//! `cargo bench -p moesim-noc --bench router`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

/// BookSim2's flit router traversals per second on the same case (data/booksim/README.md,
/// "Simulator speed").
const BOOKSIM_TRAVERSALS_PER_S: [(f64, f64); 3] = [(0.02, 0.48e6), (0.2, 0.86e6), (0.4, 0.72e6)];

fn config_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/booksim/configs/mesh8x8_uniform_p4.cfg")
}

fn bench_router(c: &mut Criterion) {
    let path = config_path();
    let origin = path.display().to_string();
    let mut group = c.benchmark_group("mesh8x8_uniform_p4");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    for (load, _) in BOOKSIM_TRAVERSALS_PER_S {
        let cfg = moesim_noc::booksim::load(&path, &[format!("injection_rate={load}")])
            .expect("the BookSim reference config loads");
        let probe = moesim_noc::run(&cfg, &origin).expect("the reference run succeeds");
        group.throughput(Throughput::Elements(probe.flit_router_traversals));
        group.bench_function(format!("load_{load}"), |b| {
            b.iter(|| black_box(moesim_noc::run(black_box(&cfg), &origin).map(|r| r.sim_cycles)))
        });
    }
    group.finish();
}

fn cpu_time_table(_c: &mut Criterion) {
    let path = config_path();
    let origin = path.display().to_string();
    let (kernel, _) = moesim_noc::reference_kernel(5);
    println!(
        "\nload  sim_cycles  traversals  run_cpu_s  loop_cpu_s  Mtraversals/s  cycles/s  x BookSim2  tr/kstep"
    );
    for (load, booksim) in BOOKSIM_TRAVERSALS_PER_S {
        let cfg = moesim_noc::booksim::load(&path, &[format!("injection_rate={load}")])
            .expect("the BookSim reference config loads");
        let b = moesim_noc::bench(&cfg, &origin, 7).expect("the reference run succeeds");
        println!(
            "{load:<5} {:>10} {:>11} {:>10.4} {:>11.4} {:>14.2} {:>9.0} {:>11.1} {:>9.3}{}",
            b.sim_cycles,
            b.flit_router_traversals,
            b.cpu_s,
            b.loop_cpu_s,
            b.loop_traversals_per_s / 1e6,
            b.loop_cycles_per_s,
            b.loop_traversals_per_s / booksim,
            b.loop_traversals_per_s / (kernel * 1e3),
            if b.cpu_time { "" } else { "  (wall time)" }
        );
    }
    println!(
        "rates per CPU second of the cycle loop (as BookSim's \"Total run time\"); reference \
         kernel: {kernel:.1} M steps per CPU second"
    );
}

criterion_group!(benches, bench_router, cpu_time_table);
criterion_main!(benches);
