//! Prints the modelled collective and expert-FFN times of every GPU system preset: what the
//! extrapolation to other GPUs, larger worlds and scale-out gives.
//!
//! `cargo run --release -p moesim-gpu --example collectives`

use moesim_gpu::{CollectiveKind, DType, ExpertShape, GpuSystem, presets};

fn main() -> moesim_core::Result<()> {
    const MIB: u64 = 1 << 20;
    let kinds = [
        ("direct a2a", CollectiveKind::DirectAllToAll),
        ("ring a2a", CollectiveKind::RingAllToAll),
        ("all-reduce", CollectiveKind::RingAllReduce),
        ("all-gather", CollectiveKind::RingAllGather),
    ];
    println!("| system | ranks | collective | 1 MiB (us) | 16 MiB (us) | 256 MiB (us) |");
    println!("|---|---:|---|---:|---:|---:|");
    for name in presets::preset_names() {
        let s = GpuSystem::preset(name)?;
        let mut worlds = vec![s.gpus_per_domain()];
        if s.world_size() > s.gpus_per_domain() {
            worlds.push(s.world_size());
        }
        for ranks in worlds {
            let g = s.group(ranks)?;
            for (label, kind) in kinds {
                let t: Vec<String> = [MIB, 16 * MIB, 256 * MIB]
                    .iter()
                    .map(|&b| format!("{:.1}", s.collective_time(kind, g, b).as_us()))
                    .collect();
                println!("| {name} | {ranks} | {label} | {} |", t.join(" | "));
            }
        }
    }
    println!();
    println!(
        "| system | tokens | Mixtral expert BF16 (us) | DeepSeek-V3 expert BF16 (us) | DeepSeek-V3 expert FP8 (us) |"
    );
    println!("|---|---:|---:|---:|---:|");
    for name in presets::preset_names() {
        let s = GpuSystem::preset(name)?;
        for tokens in [1u64, 256, 4096] {
            let m = s.expert_ffn_time(&ExpertShape::new(4096, 14336, DType::Bf16), tokens);
            let d = s.expert_ffn_time(&ExpertShape::new(7168, 2048, DType::Bf16), tokens);
            let d8 = s.expert_ffn_time(&ExpertShape::new(7168, 2048, DType::Fp8), tokens);
            println!(
                "| {name} | {tokens} | {:.1} | {:.1} | {:.1} |",
                m.as_us(),
                d.as_us(),
                d8.as_us()
            );
        }
    }
    Ok(())
}
