//! HD-MoE's LinkBalance (papers.md §4.3): the physical mapping of a placement's logical devices
//! onto mesh nodes, searched to minimise the communication cost of the MoE layers.
//!
//! The input is any base placement ([`PlacementMap`]: TP, contiguous EP, NodeBalance, ...): its
//! node ids are *slots* (logical devices). A candidate puts slot `s` on node `node_of_slot[s]`;
//! the search ([`LinkBalanceConfig`], `kind = "bo" | "annealing"`) proposes candidates and a
//! [`CommCost`] scores them (the simulated communication time on a network tier, or the
//! authors' MST proxy). The best candidate evaluated is kept, and [`relabel`] moves the base
//! map onto it.
//!
//! ```toml
//! [link_balance]
//! kind = "bo"          # Bayesian optimisation over device coordinates (egobox), Hungarian projection
//! evaluations = 70
//! initial_points = 10
//! seed = 1
//! ```

use crate::link_balance_bo::BoSearch;
use crate::link_balance_cost::CommCost;
use crate::link_balance_traffic::LayerTraffic;
use crate::map::PlacementMap;
use crate::simulated_annealing::AnnealingSearch;
use moesim_core::{Error, MeshShape, NodeId, Result};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// A search over one-to-one placements of slots on mesh nodes.
pub trait LinkSearch {
    /// The search's `kind`.
    fn kind(&self) -> &'static str;
    /// Checks the parameters; errors name `origin` and the `link_balance.*` key.
    fn validate(&self, origin: &str) -> Result<()>;
    /// Proposes candidates (each a placement `node_of_slot`, one node per slot, distinct) to
    /// `eval`, starting from `start`; `eval` returns the candidate's cost. The driver keeps the
    /// best; the search stops when its budget is spent or `eval` fails.
    fn search(
        &self,
        start: &[NodeId],
        mesh: MeshShape,
        eval: &mut dyn FnMut(&[NodeId]) -> Result<f64>,
    ) -> Result<()>;
}

/// The LinkBalance search, chosen by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LinkBalanceConfig {
    /// Bayesian optimisation (GP surrogate, expected improvement) over 2D coordinates per
    /// slot, each candidate projected with the Hungarian algorithm.
    Bo(BoSearch),
    /// Simulated annealing over swaps of two slots.
    Annealing(AnnealingSearch),
}

impl Default for LinkBalanceConfig {
    fn default() -> Self {
        LinkBalanceConfig::Bo(BoSearch::default())
    }
}

/// The `kind` names, for error messages.
pub const KINDS: &[&str] = &["bo", "annealing"];

impl LinkBalanceConfig {
    pub fn search(&self) -> &dyn LinkSearch {
        match self {
            LinkBalanceConfig::Bo(s) => s,
            LinkBalanceConfig::Annealing(s) => s,
        }
    }
    pub fn kind(&self) -> &'static str {
        self.search().kind()
    }
    pub fn validate(&self, origin: &str) -> Result<()> {
        self.search().validate(origin)
    }
}

/// What a LinkBalance run found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkBalanceOutcome {
    /// The search (`bo`, `annealing`) and the cost's name.
    pub search: String,
    pub cost: String,
    /// The best placement evaluated: slot `s` on node `node_of_slot[s]`.
    pub node_of_slot: Vec<NodeId>,
    /// The cost of the start placement and of the best one.
    pub start_value: f64,
    pub best_value: f64,
    /// Every evaluation's cost, in order (the start is the first when the search evaluates it).
    pub history: Vec<f64>,
    /// Wall-clock time of the whole search, in seconds.
    pub elapsed_s: f64,
}

impl LinkBalanceOutcome {
    /// `start_value / best_value` (>= 1 when the search improved on the start).
    pub fn improvement(&self) -> f64 {
        if self.best_value > 0.0 {
            self.start_value / self.best_value
        } else {
            1.0
        }
    }
}

/// Checks that `p` puts each slot on a distinct node of `mesh`.
pub fn check_one_to_one(p: &[NodeId], mesh: MeshShape) -> Result<()> {
    let mut seen = vec![false; mesh.len()];
    for (s, n) in p.iter().enumerate() {
        let i = n.index();
        if i >= seen.len() || seen[i] {
            return Err(Error::Check(format!(
                "link balance: slot {s} on node {} is outside the {mesh} mesh or shares a node",
                n.0
            )));
        }
        seen[i] = true;
    }
    Ok(())
}

/// Runs `cfg` from `start` (slot `s` on `start[s]`; the identity for a map built on the mesh's
/// nodes) and returns the best placement evaluated. The start is always evaluated.
pub fn link_balance(
    cfg: &LinkBalanceConfig,
    mesh: MeshShape,
    start: &[NodeId],
    traffic: &[LayerTraffic],
    cost: &mut dyn CommCost,
) -> Result<LinkBalanceOutcome> {
    cfg.validate("link_balance")?;
    check_one_to_one(start, mesh)?;
    if let Some(t) = traffic
        .iter()
        .find(|t| t.slots_needed() as usize > start.len())
    {
        return Err(Error::Check(format!(
            "link balance: MoE layer {} uses slot {} but only {} slots are placed",
            t.moe_layer,
            t.slots_needed() - 1,
            start.len()
        )));
    }
    let t0 = Instant::now();
    let start_value = cost.evaluate(traffic, start)?.value;
    let mut best = (start_value, start.to_vec());
    let mut history = vec![start_value];
    let mut first = true;
    let mut eval = |p: &[NodeId]| -> Result<f64> {
        check_one_to_one(p, mesh)?;
        // The search's first proposal is usually the start itself: do not simulate it twice.
        if first && p == start {
            first = false;
            return Ok(start_value);
        }
        first = false;
        let v = cost.evaluate(traffic, p)?.value;
        history.push(v);
        if v < best.0 {
            best = (v, p.to_vec());
        }
        Ok(v)
    };
    cfg.search().search(start, mesh, &mut eval)?;
    Ok(LinkBalanceOutcome {
        search: cfg.kind().into(),
        cost: cost.name(),
        node_of_slot: best.1,
        start_value,
        best_value: best.0,
        history,
        elapsed_s: t0.elapsed().as_secs_f64(),
    })
}

/// `map` with every device `s` moved to `node_of_slot[s]` (expert groups, shared experts and
/// attention), its kind suffixed `+link_balance`.
pub fn relabel(map: &PlacementMap, node_of_slot: &[NodeId]) -> Result<PlacementMap> {
    let mv = |n: &NodeId| -> Result<NodeId> {
        node_of_slot.get(n.index()).copied().ok_or_else(|| {
            Error::Check(format!(
                "link balance: device {} of the placement has no node ({} slots placed)",
                n.0,
                node_of_slot.len()
            ))
        })
    };
    let groups = map
        .groups
        .iter()
        .map(|g| g.iter().map(mv).collect::<Result<Vec<_>>>())
        .collect::<Result<Vec<_>>>()?;
    let attention = map.attention.iter().map(mv).collect::<Result<Vec<_>>>()?;
    Ok(PlacementMap {
        kind: format!("{}+link_balance", map.kind),
        parallelism: map.parallelism,
        groups,
        attention,
        experts: map.experts.clone(),
        shared: map.shared.clone(),
    })
}

/// The identity placement of `n` slots (slot `s` on node `s`).
pub fn identity(n: usize) -> Vec<NodeId> {
    (0..n as u32).map(NodeId).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ep_contiguous::EpContiguous;
    use crate::link_balance_cost::tests::flow_cost;
    use crate::link_balance_mst::MstCost;
    use crate::placement::Placement;
    use crate::tp::tests::ctx;
    use moesim_workloads::ModelSpec;
    use moesim_workloads::routing::table::RoutingTable;

    /// Traffic whose best placement is far from the identity: slot pairs (i, 31 - i) talk.
    pub(crate) fn scattered_traffic() -> Vec<LayerTraffic> {
        let mut t = LayerTraffic::new(0);
        for i in 0..16u32 {
            t.add(vec![i, 31 - i], i, 20 + i);
        }
        vec![t]
    }

    #[test]
    fn configs_parse_and_check() {
        for (text, kind) in [
            ("kind = \"bo\"", "bo"),
            ("kind = \"annealing\"\niterations = 10", "annealing"),
        ] {
            let c: LinkBalanceConfig = moesim_core::config::from_toml_str("e.toml", text).unwrap();
            assert_eq!(c.kind(), kind);
            c.validate("e.toml").unwrap();
        }
        let e = moesim_core::config::from_toml_str::<LinkBalanceConfig>("e.toml", "kind = \"x\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("bo") && e.contains("annealing"), "{e}");
        assert_eq!(KINDS.len(), 2);
    }

    #[test]
    fn relabel_moves_every_device() {
        let m = ModelSpec::preset("mixtral-8x7b").unwrap();
        let map = EpContiguous::default().place(&ctx(&m, 32)).unwrap();
        let p: Vec<NodeId> = (0..32).map(|i| NodeId(31 - i)).collect();
        let r = relabel(&map, &p).unwrap();
        assert_eq!(
            r.group(r.expert(0, 0)[0]),
            &[NodeId(31), NodeId(30), NodeId(29), NodeId(28)]
        );
        assert_eq!(r.attention_device(0), NodeId(31));
        assert!(relabel(&map, &p[..4]).is_err());
        assert!(check_one_to_one(&[NodeId(0), NodeId(0)], MeshShape::new(2, 1)).is_err());
        assert!(check_one_to_one(&[NodeId(2)], MeshShape::new(2, 1)).is_err());
    }

    #[test]
    fn the_start_is_kept_when_nothing_beats_it() {
        // One slot talking to itself costs nothing anywhere.
        let mut t = LayerTraffic::new(0);
        t.add(vec![3], 3, 5);
        let cfg: LinkBalanceConfig =
            moesim_core::config::from_toml_str("e", "kind = \"annealing\"\niterations = 20")
                .unwrap();
        let mut c = MstCost {
            mesh: MeshShape::new(4, 8),
        };
        let o = link_balance(&cfg, MeshShape::new(4, 8), &identity(32), &[t], &mut c).unwrap();
        assert_eq!(o.node_of_slot, identity(32));
        assert_eq!(o.best_value, 0.0);
        let too_few = link_balance(
            &cfg,
            MeshShape::new(4, 8),
            &identity(2),
            &scattered_traffic(),
            &mut c,
        );
        assert!(too_few.is_err());
    }

    #[test]
    fn bo_and_annealing_cut_the_simulated_time_of_a_real_placement() {
        let m = ModelSpec::preset("mixtral-8x7b").unwrap();
        let map = EpContiguous::default().place(&ctx(&m, 32)).unwrap();
        // 64 tokens of skewed routing.
        let mut ids = Vec::new();
        for t in 0..64u32 {
            ids.push(t % 3);
            ids.push(7 - (t % 5));
        }
        let r = RoutingTable::from_vec(1, 64, 2, ids);
        let traffic = vec![LayerTraffic::from_routing(&map, 0, r.layer(0), 1).unwrap()];
        for text in [
            "kind = \"bo\"\nevaluations = 20\ninitial_points = 5\nseed = 3",
            "kind = \"annealing\"\niterations = 200\nseed = 3",
        ] {
            let cfg: LinkBalanceConfig = moesim_core::config::from_toml_str("e", text).unwrap();
            let mut c = flow_cost(4, 8);
            let o =
                link_balance(&cfg, MeshShape::new(4, 8), &identity(32), &traffic, &mut c).unwrap();
            check_one_to_one(&o.node_of_slot, MeshShape::new(4, 8)).unwrap();
            assert!(o.best_value <= o.start_value);
            assert_eq!(
                o.best_value,
                *o.history.iter().min_by(|a, b| a.total_cmp(b)).unwrap()
            );
            // Deterministic: same seed, same placement and values.
            let mut c2 = flow_cost(4, 8);
            let o2 =
                link_balance(&cfg, MeshShape::new(4, 8), &identity(32), &traffic, &mut c2).unwrap();
            assert_eq!(
                (o.node_of_slot.clone(), o.history.clone()),
                (o2.node_of_slot, o2.history)
            );
        }
    }
}
