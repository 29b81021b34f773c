//! Calibration of the flow tier's link efficiency against the flit tier.
//!
//! The flow tier is the ideal max-min network: a saturated link carries its full bandwidth. The
//! flit routers do not: separable switch allocation finds fewer input-output matches than a
//! maximum matching, and packets blocked behind others in a virtual channel leave output links
//! idle, so under all-to-all load a mesh saturates below the channel-load bound (BookSim2's 8x8
//! mesh under uniform traffic: 0.416 of 0.5 flits per node per cycle, data/booksim). The flow
//! tier models this with one parameter, the fraction of each link's bandwidth that flows may
//! use (`link_efficiency`).
//!
//! [`flit_link_efficiency`] measures it: it runs a uniform all-to-all of equal, large messages,
//! released together, on the flit tier and on the ideal flow tier over the same topology,
//! routing and parameters. Such a phase is bound by its most loaded links, so its drain time
//! scales as one over the bandwidth those links deliver, and the efficiency is the ratio of the
//! two drain times (span minus the longest path latency, which neither tier serialises).

use super::config::TierConfig;
use super::params::NetworkParams;
use super::patterns;
use super::routes::RouteTable;
use crate::config::{RouterConfig, RoutingConfig};
use crate::topology::Topology;
use moesim_core::{Error, Result, Tick};
use serde::Serialize;

/// The outcome of a calibration run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FlitCalibration {
    /// Fraction of link bandwidth the flit routers deliver under all-to-all load.
    pub link_efficiency: f64,
    /// Messages of the calibration phase.
    pub messages: usize,
    pub message_bytes: u64,
    /// Span of the phase on the flit tier and on the ideal flow tier.
    pub flit_span: Tick,
    pub flow_span: Tick,
    /// The longest path latency of the phase (subtracted from both spans).
    pub latency: Tick,
}

/// Measures the link efficiency of the flit routers `router` on `topo` (routed by `routing`,
/// with `params`): an all-to-all of `message_bytes` per node pair on both tiers. Errors name
/// `network.tier` when a tier cannot run, or when the phase is too short to measure (messages
/// must take longer to serialise than to cross the network).
pub fn flit_link_efficiency(
    topo: &Topology,
    routing: &RoutingConfig,
    router: &RouterConfig,
    params: &NetworkParams,
    message_bytes: u64,
    origin: &str,
) -> Result<FlitCalibration> {
    let msgs = patterns::all_to_all(topo.num_nodes(), message_bytes, Tick::ZERO);
    let flit = TierConfig::Flit {
        router: router.clone(),
        max_cycles: 1_000_000_000,
    }
    .build(topo, routing, params, origin)?
    .simulate(&msgs)?;
    let flow = TierConfig::default()
        .build(topo, routing, params, origin)?
        .simulate(&msgs)?;
    let mut routes = RouteTable::new(
        topo.clone(),
        crate::routing::build(routing, topo, origin)?,
        params.clone(),
        origin,
    );
    let mut latency = Tick::ZERO;
    for m in &msgs {
        latency = latency.max(routes.route(m.src, m.dst)?.latency);
    }
    let drain_flit = flit.makespan.saturating_sub(latency).as_ps() as f64;
    let drain_flow = flow.makespan.saturating_sub(latency).as_ps() as f64;
    if msgs.is_empty() || drain_flow < 10.0 * latency.as_ps() as f64 || drain_flit <= 0.0 {
        return Err(Error::config(
            origin,
            "network.tier",
            format!(
                "a calibration all-to-all of {message_bytes}-byte messages on {} drains in {} \
                 ps, too short against the {latency} path latency",
                topo.name, drain_flow
            ),
        )
        .allowed("larger messages (at least ten times the path latency to serialise)"));
    }
    Ok(FlitCalibration {
        link_efficiency: (drain_flow / drain_flit).min(1.0),
        messages: msgs.len(),
        message_bytes,
        flit_span: flit.makespan,
        flow_span: flow.makespan,
        latency,
    })
}
