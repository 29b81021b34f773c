//! West-first turn rule (Glass and Ni): no turn into the west from north or south travel.

use super::TurnRule;
use crate::topology::{Direction, Link, Topology};

/// Forbids the north-to-west and south-to-west turns.
#[derive(Clone, Copy, Debug, Default)]
pub struct WestFirstTurns;

impl TurnRule for WestFirstTurns {
    fn name(&self) -> &'static str {
        "west_first"
    }
    fn allows(&self, _topo: &Topology, in_link: Option<&Link>, out_link: &Link) -> bool {
        let from = in_link.and_then(|l| l.direction);
        !(matches!(from, Some(Direction::North | Direction::South))
            && out_link.direction == Some(Direction::West))
    }
}
