//! Prints the bank-level model's streaming, random and refresh figures for every preset next to
//! their closed forms.
//!
//! `cargo run --release -p moesim-memory --example dram_probe`

use moesim_memory::dram::closed_form as cf;
use moesim_memory::dram::{
    Access, AddressMapping, MemorySystem, RefreshKind, RowPolicyKind, presets, traffic,
};

fn main() -> moesim_core::Result<()> {
    for name in presets::preset_names() {
        let base = presets::preset(name)?;
        let t = base.device.cycles();
        let org = base.device.organization.clone();
        let peak = cf::peak_bandwidth(&base.device).gbytes_per_s();
        println!(
            "{name}: peak {peak:.1} GB/s, row-miss bound {:.1} GB/s, tRFC/tREFI {:.4}",
            cf::row_miss_bound(&base.device).gbytes_per_s(),
            cf::refresh_fraction(&t)
        );
        for mapping in [AddressMapping::RoBaCoCh, AddressMapping::RoCoBaCh] {
            for refresh in [RefreshKind::None, RefreshKind::AllBank] {
                let mut cfg = base.clone();
                cfg.controller.address_mapping = mapping;
                cfg.controller.refresh = refresh;
                let n = org.channels as u64 * 4 * t.refi / t.burst;
                let r =
                    MemorySystem::new(&cfg)?.run(&traffic::sequential(&org, n, Access::Read, 0))?;
                println!(
                    "  stream {mapping:?} {refresh:?}: {:.1} GB/s ({:.4} of peak), hit rate {:.3}",
                    r.bandwidth().gbytes_per_s(),
                    r.bandwidth().gbytes_per_s() / peak,
                    r.row_hit_rate()
                );
            }
        }
        for depth in [32, 64, 128] {
            let mut cfg = base.clone();
            cfg.controller.row_policy = RowPolicyKind::Closed;
            cfg.controller.refresh = RefreshKind::None;
            cfg.controller.queue_depth = depth;
            let r = MemorySystem::new(&cfg)?.run(&traffic::random(
                &org,
                org.channels as u64 * 2000,
                Access::Read,
                0,
                1,
            ))?;
            println!(
                "  random depth {depth}: {:.1} GB/s ({:.3} of bound), mean latency {:.1} ns",
                r.bandwidth().gbytes_per_s(),
                r.bandwidth().gbytes_per_s() / cf::row_miss_bound(&cfg.device).gbytes_per_s(),
                r.mean_latency_ns()
            );
        }
    }
    Ok(())
}
