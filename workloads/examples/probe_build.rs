use moesim_workloads::*;
use std::time::Instant;
fn main() {
    let name = std::env::args().nth(1).unwrap_or("deepseek-v3".into());
    let steps: u64 = std::env::args()
        .nth(2)
        .map(|s| s.parse().unwrap())
        .unwrap_or(0);
    let m = ModelSpec::preset(&name).unwrap();
    let t = Instant::now();
    let src = build_routing(&RoutingConfig::default(), &m, 1, "x").unwrap();
    let built = t.elapsed();
    let mut r = StepRouting::default();
    let t = Instant::now();
    for s in 0..steps {
        src.route_step(s, &Batch::decode(256, 10), &mut r).unwrap();
    }
    println!(
        "{name}: build {:?}, route b256 {:?}/step",
        built,
        t.elapsed() / steps.max(1) as u32
    );
}
#[allow(dead_code)]
fn report() {}
