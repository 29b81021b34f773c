//! Odd-even turn rule (Chiu): in an even column no east-to-north or east-to-south turn; in an
//! odd column no north-to-west or south-to-west turn.

use super::TurnRule;
use crate::topology::{Direction, Link, Topology};

/// Chiu's odd-even turn restrictions; the column is that of the router where the turn happens.
#[derive(Clone, Copy, Debug, Default)]
pub struct OddEvenTurns;

impl TurnRule for OddEvenTurns {
    fn name(&self) -> &'static str {
        "odd_even"
    }
    fn allows(&self, topo: &Topology, in_link: Option<&Link>, out_link: &Link) -> bool {
        let from = in_link.and_then(|l| l.direction);
        let to = out_link.direction;
        let vertical =
            |d: Option<Direction>| matches!(d, Some(Direction::North | Direction::South));
        if topo.router(out_link.src).coord.x.is_multiple_of(2) {
            !(from == Some(Direction::East) && vertical(to))
        } else {
            !(vertical(from) && to == Some(Direction::West))
        }
    }
}
