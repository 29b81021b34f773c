//! Router section of the NoC configuration (BookSim's `iq` router knobs).

use super::range_err;
use moesim_core::Result;
use serde::{Deserialize, Serialize};

/// Allocator implementations (BookSim `vc_allocator` / `sw_allocator`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllocatorKind {
    /// iSLIP: round-robin grant and accept pointers updated only on an accepted first-iteration grant.
    #[default]
    Islip,
    /// Separable input-first with round-robin arbiters.
    SeparableInputFirst,
    /// Separable output-first with round-robin arbiters.
    SeparableOutputFirst,
}

/// The input-queued virtual-channel router (BookSim `router = iq`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RouterConfig {
    /// `num_vcs` (BookSim default 16).
    pub num_vcs: u32,
    /// `vc_buf_size`, flits per VC (BookSim default 8).
    pub vc_buf_size: u32,
    pub routing_delay: u32,
    pub vc_alloc_delay: u32,
    pub sw_alloc_delay: u32,
    pub st_prepare_delay: u32,
    pub st_final_delay: u32,
    /// Extra credit-processing delay in the router, on top of the credit channel's latency.
    pub credit_delay: u32,
    /// Speculative switch allocation in parallel with VC allocation.
    pub speculative: bool,
    /// Reallocate an output VC only after the tail flit's credit returned.
    pub wait_for_tail_credit: bool,
    pub vc_allocator: AllocatorKind,
    pub sw_allocator: AllocatorKind,
    pub alloc_iters: u32,
    /// Only 1 is supported (BookSim default).
    pub input_speedup: u32,
    /// Only 1 is supported (BookSim default).
    pub output_speedup: u32,
    /// Only 1.0 is supported (BookSim default).
    pub internal_speedup: f64,
}

impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig {
            num_vcs: 16,
            vc_buf_size: 8,
            routing_delay: 1,
            vc_alloc_delay: 1,
            sw_alloc_delay: 1,
            st_prepare_delay: 0,
            st_final_delay: 1,
            credit_delay: 0,
            speculative: false,
            wait_for_tail_credit: false,
            vc_allocator: AllocatorKind::Islip,
            sw_allocator: AllocatorKind::Islip,
            alloc_iters: 1,
            input_speedup: 1,
            output_speedup: 1,
            internal_speedup: 1.0,
        }
    }
}

impl RouterConfig {
    pub fn validate(&self, origin: &str) -> Result<()> {
        let r = self;
        if r.num_vcs == 0 || r.num_vcs > 64 {
            return Err(range_err(origin, "router.num_vcs", r.num_vcs, "1..=64"));
        }
        if r.vc_buf_size == 0 {
            return Err(range_err(
                origin,
                "router.vc_buf_size",
                r.vc_buf_size,
                "an integer >= 1",
            ));
        }
        if r.vc_alloc_delay == 0 {
            return Err(range_err(
                origin,
                "router.vc_alloc_delay",
                r.vc_alloc_delay,
                "an integer >= 1 (BookSim: the VC allocator cannot have zero delay)",
            ));
        }
        if r.sw_alloc_delay == 0 {
            return Err(range_err(
                origin,
                "router.sw_alloc_delay",
                r.sw_alloc_delay,
                "an integer >= 1 (BookSim: the switch allocator cannot have zero delay)",
            ));
        }
        if r.vc_buf_size > u16::MAX as u32 {
            return Err(range_err(
                origin,
                "router.vc_buf_size",
                r.vc_buf_size,
                "1..=65535",
            ));
        }
        if r.alloc_iters == 0 {
            return Err(range_err(
                origin,
                "router.alloc_iters",
                r.alloc_iters,
                "an integer >= 1",
            ));
        }
        if r.input_speedup != 1 {
            return Err(range_err(
                origin,
                "router.input_speedup",
                r.input_speedup,
                "1",
            ));
        }
        if r.output_speedup != 1 {
            return Err(range_err(
                origin,
                "router.output_speedup",
                r.output_speedup,
                "1",
            ));
        }
        if r.internal_speedup != 1.0 {
            return Err(range_err(
                origin,
                "router.internal_speedup",
                r.internal_speedup,
                "1.0",
            ));
        }
        if r.st_prepare_delay + r.st_final_delay == 0 {
            return Err(range_err(
                origin,
                "router.st_final_delay",
                r.st_final_delay,
                "st_prepare_delay + st_final_delay >= 1",
            ));
        }
        Ok(())
    }
}
