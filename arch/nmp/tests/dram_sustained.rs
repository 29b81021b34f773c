//! The node's memory bandwidth derived from the bank-level 3D DRAM model against HD-MoE's
//! 625 GB/s.

use moesim_nmp::NmpPlatform;

#[test]
fn bank_level_stream_is_within_ten_percent_of_625_gbytes_per_s() {
    let p = NmpPlatform::preset("hdmoe").unwrap();
    let s = p.dram_sustained_bandwidth().unwrap().unwrap();
    let gbps = s.sustained.gbytes_per_s();
    println!(
        "peak {:.2} GB/s, efficiency {:.4}, sustained {:.2} GB/s, latency {:.1} ns",
        s.dram.peak_gbytes_per_s, s.dram.efficiency, gbps, s.dram.unloaded_latency_ns
    );
    assert!((s.dram.peak_gbytes_per_s - 640.0).abs() < 1e-6);
    assert!(gbps <= 625.0 + 1e-9);
    assert!((gbps - 625.0).abs() / 625.0 <= 0.10, "{gbps}");
    // The gap is all-bank refresh: the stream loses tRFC / tREFI of every vault's time.
    let dram = moesim_memory::dram::presets::preset("hybrid_bonded_3d").unwrap();
    let sys = moesim_memory::MemorySystem::new(&dram).unwrap();
    let refresh = moesim_memory::dram::closed_form::refresh_fraction(&sys.timing());
    let predicted = s.dram.peak_gbytes_per_s * (1.0 - refresh);
    println!("refresh fraction {refresh:.4}, refresh-only prediction {predicted:.2} GB/s");
    assert!(
        (gbps - predicted).abs() / predicted <= 0.01,
        "{gbps} vs {predicted}"
    );
}
