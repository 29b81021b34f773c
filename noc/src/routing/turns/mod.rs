//! Turn restrictions for table-based routing: one rule per file behind the [`TurnRule`] trait,
//! chosen by [`TurnModel`]. A rule says whether a packet that arrived on one channel may leave
//! on another; 180-degree turns are never allowed (see [`is_u_turn`]). Each rule leaves the
//! channel dependency graph of every path that obeys it acyclic (on a mesh for the
//! direction-based rules, on any graph for up*/down*), also when channels are removed, which is
//! why the table routing built on it stays deadlock-free with failed links and routers.

pub mod odd_even;
pub mod up_down;
pub mod west_first;

use crate::topology::{Link, Topology};
use serde::{Deserialize, Serialize};

/// Which turns the table-based fault-tolerant routing may use (`routing.turn_model`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TurnModel {
    /// Chiu's odd-even turn model (meshes only).
    OddEven,
    /// Glass and Ni's west-first turn model (meshes only).
    WestFirst,
    /// Up*/down* over a breadth-first spanning tree of the surviving routers (any connected
    /// topology, tori included): the default, because it routes every connected fault set.
    #[default]
    UpDown,
}

impl TurnModel {
    pub const fn name(self) -> &'static str {
        match self {
            TurnModel::OddEven => "odd_even",
            TurnModel::WestFirst => "west_first",
            TurnModel::UpDown => "up_down",
        }
    }
    /// Whether the model is deadlock-free only without wraparound channels.
    pub const fn needs_mesh(self) -> bool {
        !matches!(self, TurnModel::UpDown)
    }
    /// The rule for `topo`.
    pub fn rule(self, topo: &Topology) -> Box<dyn TurnRule> {
        match self {
            TurnModel::OddEven => Box::new(odd_even::OddEvenTurns),
            TurnModel::WestFirst => Box::new(west_first::WestFirstTurns),
            TurnModel::UpDown => Box::new(up_down::UpDownTurns::new(topo)),
        }
    }
}

/// A turn restriction.
pub trait TurnRule: Send + Sync {
    fn name(&self) -> &'static str;
    /// May a packet that arrived on `in_link` (`None`: just injected) leave on `out_link`?
    /// Called only for non-U-turns; `out_link.src` is the router where the turn happens.
    fn allows(&self, topo: &Topology, in_link: Option<&Link>, out_link: &Link) -> bool;
}

/// Whether leaving on `out_link` after arriving on `in_link` reverses the direction of travel.
pub fn is_u_turn(in_link: Option<&Link>, out_link: &Link) -> bool {
    match (in_link.and_then(|l| l.direction), out_link.direction) {
        (Some(a), Some(b)) => a.opposite() == b,
        _ => in_link.is_some_and(|l| l.src == out_link.dst && l.dst == out_link.src),
    }
}

/// The full check the table routing applies: not a U-turn, and allowed by `rule`.
pub fn turn_allowed(
    rule: &dyn TurnRule,
    topo: &Topology,
    in_link: Option<&Link>,
    out_link: &Link,
) -> bool {
    !is_u_turn(in_link, out_link) && rule.allows(topo, in_link, out_link)
}
