//! Speed of the flit-level network on BookSim's 8x8 uniform case (4-flit packets, the config
//! file of data/booksim) at loads 0.02, 0.2 and 0.4 flits/cycle/node: one iteration is a whole
//! BookSim-method run (warm-up, measurement, drain). Throughput is reported in flit router
//! traversals per second, the unit BookSim's speed is quoted in.
//!
//! `cargo bench -p moesim-noc --bench router`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

fn bench_router(c: &mut Criterion) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../data/booksim/configs/mesh8x8_uniform_p4.cfg");
    let origin = path.display().to_string();
    let mut group = c.benchmark_group("mesh8x8_uniform_p4");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    for load in [0.02, 0.2, 0.4] {
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

criterion_group!(benches, bench_router);
criterion_main!(benches);
