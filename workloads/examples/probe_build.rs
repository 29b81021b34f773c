use moesim_workloads::routing::config::SyntheticConfig;
use moesim_workloads::routing::synthetic::SyntheticPreset;
use moesim_workloads::*;
use std::time::Instant;
fn main() {
    let name = std::env::args().nth(1).unwrap_or("deepseek-v3".into());
    let steps: u64 = std::env::args()
        .nth(2)
        .map(|s| s.parse().unwrap())
        .unwrap_or(0);
    let mode = std::env::args().nth(3).unwrap_or("auto".into());
    let m = ModelSpec::preset(&name).unwrap();
    let cfg = match mode.as_str() {
        "uniform" => RoutingConfig::Uniform(Default::default()),
        "follow" => {
            let mut p = SyntheticPreset::for_experts(m.num_experts()).unwrap();
            p.profiles.on_profile = 1.0;
            p.profiles.follow = 1.0;
            RoutingConfig::Synthetic(SyntheticConfig {
                params: Some(p),
                ..Default::default()
            })
        }
        "pop" => {
            let mut p = SyntheticPreset::for_experts(m.num_experts()).unwrap();
            p.profiles.on_profile = 0.0;
            RoutingConfig::Synthetic(SyntheticConfig {
                params: Some(p),
                ..Default::default()
            })
        }
        _ => RoutingConfig::default(),
    };
    let t = Instant::now();
    let src = build_routing(&cfg, &m, 1, "x").unwrap();
    let built = t.elapsed();
    let mut r = StepRouting::default();
    let t = Instant::now();
    for s in 0..steps {
        src.route_step(s, &Batch::decode(256, 10), &mut r).unwrap();
    }
    println!(
        "{name} {mode}: build {:?}, route b256 {:?}/step",
        built,
        t.elapsed() / steps.max(1) as u32
    );
}
