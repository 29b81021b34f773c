//! The channel dependency graph (Dally and Seitz): a routing function is deadlock-free if the
//! graph whose vertices are channels (link, VC) and whose edges are the dependencies found by
//! [`super::walk`] has no cycle.

use super::RoutingFunction;
use super::walk::{Channel, RouteFault, walk_all};
use crate::topology::Topology;
use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;
use std::collections::BTreeSet;

/// The channel dependency graph of a set of dependencies.
pub fn dependency_graph(deps: &BTreeSet<(Channel, Channel)>) -> DiGraphMap<Channel, ()> {
    DiGraphMap::from_edges(deps.iter().copied())
}

/// A set of channels that depend on each other in a cycle (a strongly connected component with
/// more than one channel, or a channel that depends on itself), smallest channel first; `None`
/// if the graph is acyclic.
pub fn dependency_cycle(deps: &BTreeSet<(Channel, Channel)>) -> Option<Vec<Channel>> {
    let g = dependency_graph(deps);
    tarjan_scc(&g)
        .into_iter()
        .find(|scc| scc.len() > 1 || g.contains_edge(scc[0], scc[0]))
        .map(|mut scc| {
            scc.sort();
            scc
        })
}

/// Whether `rf` on `topo` with `num_vcs` VCs is free of routing deadlock: every walk reaches
/// its destination and the channel dependency graph is acyclic. `Ok(Some(cycle))` names
/// channels on a dependency cycle.
pub fn find_deadlock(
    topo: &Topology,
    rf: &dyn RoutingFunction,
    num_vcs: u8,
) -> Result<Option<Vec<Channel>>, RouteFault> {
    let walk = walk_all(topo, rf, num_vcs, true)?;
    Ok(dependency_cycle(&walk.dependencies))
}

#[cfg(test)]
mod tests {
    use super::*;
    use moesim_core::LinkId;

    #[test]
    fn finds_a_cycle_and_accepts_a_chain() {
        let c = |l: u32| (LinkId(l), 0u8);
        let chain: BTreeSet<_> = [(c(0), c(1)), (c(1), c(2))].into();
        assert_eq!(dependency_cycle(&chain), None);
        let mut ring = chain.clone();
        ring.insert((c(2), c(0)));
        assert_eq!(dependency_cycle(&ring), Some(vec![c(0), c(1), c(2)]));
        let self_loop: BTreeSet<_> = [(c(5), c(5))].into();
        assert_eq!(dependency_cycle(&self_loop), Some(vec![c(5)]));
    }
}
