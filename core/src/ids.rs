//! Identifiers and 2D mesh coordinates.
//!
//! Node numbering follows BookSim: `id = y * x_dim + x`, so dimension 0 (x) is `id % x_dim`.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u32);
        impl $name {
            pub const fn index(self) -> usize {
                self.0 as usize
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(
    /// A terminal (endpoint) of a network: a die, an NMP stack, a GPU.
    NodeId
);
id_type!(
    /// A router of a network.
    RouterId
);
id_type!(
    /// A unidirectional channel between two routers (or a router and a terminal).
    LinkId
);

/// A position in a 2D grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Coord {
    pub x: u32,
    pub y: u32,
}

impl Coord {
    pub const fn new(x: u32, y: u32) -> Coord {
        Coord { x, y }
    }
    pub fn manhattan(self, other: Coord) -> u32 {
        self.x.abs_diff(other.x) + self.y.abs_diff(other.y)
    }
}

impl fmt::Display for Coord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{}", self.x, self.y)
    }
}

/// The extent of a 2D grid: `x` columns by `y` rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MeshShape {
    pub x: u32,
    pub y: u32,
}

impl MeshShape {
    pub const fn new(x: u32, y: u32) -> MeshShape {
        MeshShape { x, y }
    }
    pub const fn len(self) -> usize {
        (self.x as usize) * (self.y as usize)
    }
    pub const fn is_empty(self) -> bool {
        self.x == 0 || self.y == 0
    }
    pub fn contains(self, c: Coord) -> bool {
        c.x < self.x && c.y < self.y
    }
    /// The coordinate of linear index `i` (BookSim order: x fastest).
    pub fn coord(self, i: usize) -> Coord {
        let x = self.x as usize;
        Coord::new((i % x) as u32, (i / x) as u32)
    }
    /// The linear index of `c`.
    pub fn index(self, c: Coord) -> usize {
        c.y as usize * self.x as usize + c.x as usize
    }
    pub fn coords(self) -> impl Iterator<Item = Coord> {
        (0..self.len()).map(move |i| self.coord(i))
    }
}

impl fmt::Display for MeshShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.x, self.y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn booksim_numbering() {
        let m = MeshShape::new(8, 4);
        assert_eq!(m.len(), 32);
        assert_eq!(m.coord(9), Coord::new(1, 1));
        assert_eq!(m.index(Coord::new(7, 3)), 31);
        assert!(!m.contains(Coord::new(8, 0)));
    }

    proptest! {
        #[test]
        fn coord_index_round_trip(x in 1u32..40, y in 1u32..40, i in 0usize..1600) {
            let m = MeshShape::new(x, y);
            let i = i % m.len();
            prop_assert_eq!(m.index(m.coord(i)), i);
            prop_assert!(m.contains(m.coord(i)));
        }
    }
}
