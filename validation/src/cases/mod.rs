//! The registry of validation cases: one module per area, each with a `cases()` list.

use crate::case::Case;

pub mod booksim;
pub mod gpu;
pub mod hdmoe;
pub mod hdmoe_link_dynamic;
pub mod hdmoe_tp;
pub mod memory;
pub mod moentwine;
pub mod moentwine_balancer;
pub mod noc_closed_form;
pub mod platforms;
pub mod tiers;
pub mod workloads;

/// Every validation case, in a fixed order.
pub fn all() -> Vec<Case> {
    let mut all = Vec::new();
    all.extend(booksim::cases());
    all.extend(noc_closed_form::cases());
    all.extend(platforms::cases());
    all.extend(gpu::cases());
    all.extend(memory::cases());
    all.extend(hdmoe_tp::cases());
    all.extend(hdmoe::cases());
    all.extend(hdmoe_link_dynamic::cases());
    all.extend(workloads::cases());
    all.extend(tiers::cases());
    all.extend(moentwine::cases());
    all.extend(moentwine_balancer::cases());
    all
}
