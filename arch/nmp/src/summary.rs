//! The platform's figures as a stats tree, for reports.

use crate::platform::NmpPlatform;
use moesim_core::StatsTree;

impl NmpPlatform {
    /// Every configured and derived figure: mesh, point, node roofline, memory sides, link.
    pub fn summary(&self) -> StatsTree {
        let c = self.config();
        let r = self.resolved();
        let m = self.memory();
        let mut s = StatsTree::new();
        s.set_text("kind", "platform kind", self.kind());
        s.set_text("name", "platform name", self.name());
        s.set_text("origin", "configuration file or preset", self.origin());
        s.set_text("topology", "network graph", self.topology().name.clone());
        s.set_text("point", "compute/link configuration", r.point.clone());
        s.add_counter("devices", "NMP nodes", self.num_devices() as u64);
        s.add_counter("mesh.x", "nodes along x", u64::from(r.mesh.x));
        s.add_counter("mesh.y", "nodes along y", u64::from(r.mesh.y));
        s.set_scalar(
            "node.compute_tflops",
            "logic-die throughput per node",
            r.compute_tflops,
        );
        s.add_counter(
            "node.memory.vaults",
            "DRAM vaults per node",
            u64::from(m.vaults),
        );
        s.set_scalar(
            "node.memory.vault_aggregate_gbytes_per_s",
            "all vaults together",
            m.vault_aggregate.gbytes_per_s(),
        );
        s.set_scalar(
            "node.memory.vertical_bandwidth_gbytes_per_s",
            "TSV / hybrid-bonding interface",
            m.vertical.gbytes_per_s(),
        );
        s.set_scalar(
            "node.memory.effective_bandwidth_gbytes_per_s",
            "min(vaults, vertical)",
            m.effective.gbytes_per_s(),
        );
        s.set_text(
            "node.memory.bound",
            "the side that limits memory bandwidth",
            m.bound(),
        );
        s.set_scalar(
            "node.memory.capacity_gib",
            "DRAM per node (2^30 B)",
            c.node.memory.capacity_gib,
        );
        s.set_scalar(
            "total.compute_tflops",
            "all nodes",
            r.compute_tflops * self.num_devices() as f64,
        );
        s.add_counter(
            "links.count",
            "unidirectional mesh links",
            self.topology().links.len() as u64,
        );
        s.set_scalar(
            "links.bandwidth_gbytes_per_s",
            "per link and direction",
            r.link_bandwidth_gbytes_per_s,
        );
        s.set_scalar(
            "links.latency_ns",
            "per hop, as configured",
            c.link.latency_ns,
        );
        s.set_scalar(
            "links.realised_latency_ns",
            "per hop, whole network cycles",
            self.realised_link().latency.as_ns(),
        );
        s.add_counter(
            "network.flit_bytes",
            "flit width of the network tiers",
            u64::from(self.network_params().flit_bytes),
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use crate::platform::NmpPlatform;

    #[test]
    fn summary_of_hdmoe_8x8() {
        let p = NmpPlatform::hdmoe("8x8", "2p5tf_75gbps").unwrap();
        let s = p.summary();
        assert_eq!(s.value("devices"), Some(64.0));
        // 2 x 7 x 8 horizontal + 2 x 8 x 7 vertical.
        assert_eq!(s.value("links.count"), Some(224.0));
        assert_eq!(s.value("total.compute_tflops"), Some(160.0));
        assert_eq!(s.value("network.flit_bytes"), Some(75.0));
        assert!(s.dump_text().contains("node.memory.bound"));
    }
}
