//! Compute time of operations on a device: roofline per operation, `max(FLOPs / peak, bytes /
//! memory bandwidth)` ([`DeviceSpec::roofline_time`]), summed over the operations a device runs
//! in a phase (each operation is a kernel of its own). The FLOP-bound part alone is kept as
//! well, for models that report compute without memory time (HD-MoE's `t_comp`).

use moesim_core::{DType, DeviceSpec, Tick};
use moesim_workloads::ops::Cost;

/// Time of a set of operations on one device.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ComputeTime {
    /// Sum of the operations' roofline times.
    pub time: Tick,
    /// Sum of their FLOPs / peak alone.
    pub flop_time: Tick,
}

impl ComputeTime {
    pub fn add(&mut self, o: ComputeTime) {
        self.time = self.time.saturating_add(o.time);
        self.flop_time = self.flop_time.saturating_add(o.flop_time);
    }
}

/// The time of one operation of `cost` on `dev`.
pub fn op_time(dev: &DeviceSpec, dtype: DType, cost: &Cost) -> ComputeTime {
    if cost.flops == 0 && cost.bytes_read() == 0 && cost.bytes_written() == 0 {
        return ComputeTime::default();
    }
    let bytes = (cost.bytes_read() + cost.bytes_written()) as f64;
    ComputeTime {
        time: dev.roofline_time(dtype, cost.flops as f64, bytes),
        flop_time: dev.peak(dtype).compute_time(cost.flops as f64),
    }
}

/// The time of `costs` run one after the other on `dev`.
pub fn ops_time<'a>(
    dev: &DeviceSpec,
    dtype: DType,
    costs: impl IntoIterator<Item = &'a Cost>,
) -> ComputeTime {
    let mut t = ComputeTime::default();
    for c in costs {
        t.add(op_time(dev, dtype, c));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use moesim_core::{Bandwidth, FlopRate};

    #[test]
    fn roofline_per_op() {
        let d = DeviceSpec {
            name: "t".into(),
            bf16: FlopRate::from_tflops(1.0),
            fp8: FlopRate::from_tflops(2.0),
            fp32: FlopRate::from_tflops(0.5),
            mem_bandwidth: Bandwidth::from_gbytes_per_s(1000.0),
            mem_capacity_bytes: 0,
        };
        let compute_bound = Cost {
            flops: 1_000_000_000,
            weight_bytes: 1000,
            ..Cost::default()
        };
        let memory_bound = Cost {
            flops: 1000,
            weight_bytes: 1_000_000_000,
            ..Cost::default()
        };
        // 1 ms each; the second is memory-bound with a 1 ns FLOP part
        let t = ops_time(&d, DType::Bf16, [&compute_bound, &memory_bound]);
        assert_eq!(t.time, Tick::from_ns(2e6));
        assert_eq!(t.flop_time, Tick::from_ns(1e6 + 1.0));
        assert_eq!(
            op_time(&d, DType::Bf16, &Cost::default()),
            ComputeTime::default()
        );
    }
}
