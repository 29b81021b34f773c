//! The platform's figures as a stats tree, for reports (`platform.*` once merged by the caller).

use crate::platform::WaferPlatform;
use moesim_core::StatsTree;
use moesim_noc::topology::LinkKind;

impl WaferPlatform {
    /// Every configured and derived figure: name, die roofline, grid, link classes and counts.
    pub fn summary(&self) -> StatsTree {
        let c = self.config();
        let mut s = StatsTree::new();
        s.set_text("kind", "platform kind", self.kind());
        s.set_text("name", "platform name", self.name());
        s.set_text("origin", "configuration file or preset", self.origin());
        s.set_text("topology", "network graph", self.topology().name.clone());
        let n = self.num_devices() as u64;
        let live = self.live_nodes().len() as u64;
        s.add_counter("devices", "dies in the system", n);
        s.add_counter("devices_live", "dies that have not failed", live);
        s.add_counter(
            "wafers",
            "wafers in the system",
            u64::from(self.num_wafers()),
        );
        s.add_counter(
            "wafer.dies_x",
            "dies along x per wafer",
            u64::from(c.wafer.dies_x),
        );
        s.add_counter(
            "wafer.dies_y",
            "dies along y per wafer",
            u64::from(c.wafer.dies_y),
        );
        s.set_scalar(
            "die.bf16_tflops",
            "peak dense BF16 per die",
            c.die.bf16_tflops,
        );
        s.set_scalar("die.fp8_tflops", "peak dense FP8 per die", c.die.fp8_tflops);
        s.set_scalar("die.fp32_tflops", "peak FP32 per die", c.die.fp32_tflops);
        s.set_scalar(
            "die.hbm_capacity_gb",
            "HBM per die (1e9 B)",
            c.die.hbm_capacity_gb,
        );
        s.set_scalar(
            "die.hbm_bandwidth_gbytes_per_s",
            "HBM bandwidth per die",
            c.die.hbm_bandwidth_gbytes_per_s,
        );
        s.set_scalar(
            "die.sram_capacity_mb",
            "SRAM per die (1e6 B)",
            c.die.sram_capacity_mb,
        );
        s.set_scalar(
            "die.nic_bandwidth_gbytes_per_s",
            "die network interface bandwidth per direction",
            c.die.nic_bandwidth_gbytes_per_s,
        );
        s.set_scalar(
            "total.bf16_pflops",
            "peak dense BF16 of the working dies",
            c.die.bf16_tflops * live as f64 / 1e3,
        );
        s.set_scalar(
            "total.hbm_capacity_tb",
            "HBM of the working dies (1e12 B)",
            c.die.hbm_capacity_gb * live as f64 / 1e3,
        );
        let realised = self.realised_links();
        for (key, kind, phys, real) in [
            (
                "d2d",
                LinkKind::DieToDie,
                Some(self.links().d2d),
                Some(realised.d2d),
            ),
            (
                "w2w",
                LinkKind::WaferToWafer,
                self.links().w2w,
                realised.w2w,
            ),
        ] {
            s.add_counter(
                &format!("links.{key}.count"),
                "working unidirectional links",
                self.count_links(kind) as u64,
            );
            if let Some(p) = phys {
                s.set_scalar(
                    &format!("links.{key}.bandwidth_gbytes_per_s"),
                    "per link and direction",
                    p.bandwidth.gbytes_per_s(),
                );
                s.set_scalar(
                    &format!("links.{key}.latency_ns"),
                    "per hop",
                    p.latency.as_ns(),
                );
            }
            if let Some(r) = real {
                s.set_scalar(
                    &format!("links.{key}.realised_bandwidth_gbytes_per_s"),
                    "as the network tiers carry it",
                    r.bandwidth.gbytes_per_s(),
                );
                s.set_scalar(
                    &format!("links.{key}.realised_latency_ns"),
                    "per hop, whole network cycles",
                    r.latency.as_ns(),
                );
            }
        }
        s.add_counter(
            "network.flit_bytes",
            "flit width of the network tiers",
            u64::from(self.network_params().flit_bytes),
        );
        s.set_scalar(
            "network.clock_ghz",
            "clock of the network tiers",
            self.network_params().clock.frequency_ghz(),
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use crate::platform::WaferPlatform;

    #[test]
    fn summary_of_the_single_wafer() {
        let p = WaferPlatform::preset("b200_8x8").unwrap();
        let s = p.summary();
        assert_eq!(s.value("devices"), Some(64.0));
        assert_eq!(s.value("links.d2d.count"), Some(224.0));
        assert_eq!(s.value("links.w2w.count"), Some(0.0));
        assert_eq!(s.value("total.bf16_pflops"), Some(144.0));
        assert!(s.dump_text().contains("die.hbm_bandwidth_gbytes_per_s"));
    }
}
