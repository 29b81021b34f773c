use moesim_workloads::routing::RoutingShape;
use moesim_workloads::routing::calibrate::generated_stats;
use moesim_workloads::routing::reference::*;
use moesim_workloads::routing::stats::RoutingStats;
use moesim_workloads::routing::synthetic::SyntheticPreset;
use std::time::Instant;
fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let t = Instant::now();
    let tr = load_mtbench(&root).unwrap();
    println!("load {:?}", t.elapsed());
    let t = Instant::now();
    let s = RoutingStats::of_trace(&tr);
    println!("stats {:?}", t.elapsed());
    println!(
        "{:?} tr {:?} far {:?} co {:?} div {:?} win {}",
        s.max_over_mean,
        s.transition_share,
        s.far_transition_share,
        s.coactivation_share,
        s.segment_divergence,
        s.window_max_over_mean
    );
    let o = AllenaiReference::load(&root, OLMOE_MODEL, 64, 8)
        .unwrap()
        .stats();
    println!("olmoe {o:?}");
    let mx = AllenaiReference::load(&root, ALLENAI_MIXTRAL_MODEL, 8, 2)
        .unwrap()
        .stats();
    println!("mixtral allenai {mx:?}");
    println!("spec {:?}", speculative_decode(&root).unwrap());
    let m = moesim_workloads::ModelSpec::preset("mixtral-8x7b").unwrap();
    let sizes: Vec<u32> = tr.segments.iter().map(|s| s.len).collect();
    let t = Instant::now();
    let g = generated_stats(
        &SyntheticPreset::for_experts(8).unwrap(),
        &RoutingShape::of(&m),
        1,
        &sizes,
    )
    .unwrap();
    println!("gen+stats {:?}", t.elapsed());
    println!(
        "{:?} tr {:?} far {:?} co {:?} div {:?}",
        g.max_over_mean,
        g.transition_share,
        g.far_transition_share,
        g.coactivation_share,
        g.segment_divergence
    );
}
