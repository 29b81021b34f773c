//! Topologies: a router-level graph of unidirectional links, plus the terminals (nodes) attached
//! to router ports. Builders (one per file) turn a [`TopologyConfig`](crate::config::TopologyConfig)
//! into a [`Topology`]; routing and the router pipeline read only this structure.
//!
//! Port convention for grid topologies (mesh, torus, mesh of dies): port 0 = east (+x),
//! 1 = west (-x), 2 = north (+y), 3 = south (-y), then one port per attached terminal.

pub mod build;
pub mod mesh;

pub use build::build;

use moesim_core::{Coord, LinkId, MeshShape, NodeId, RouterId};
use serde::{Deserialize, Serialize};

/// A router port number.
pub type PortId = u16;

/// Number of network ports of a grid router (E, W, N, S).
pub const GRID_NET_PORTS: u16 = 4;

/// The compass direction of a grid link, as seen from its source router.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    East,
    West,
    North,
    South,
}

impl Direction {
    pub const ALL: [Direction; 4] = [
        Direction::East,
        Direction::West,
        Direction::North,
        Direction::South,
    ];
    /// The grid port this direction leaves by.
    pub const fn port(self) -> PortId {
        match self {
            Direction::East => 0,
            Direction::West => 1,
            Direction::North => 2,
            Direction::South => 3,
        }
    }
    pub const fn from_port(p: PortId) -> Option<Direction> {
        match p {
            0 => Some(Direction::East),
            1 => Some(Direction::West),
            2 => Some(Direction::North),
            3 => Some(Direction::South),
            _ => None,
        }
    }
    pub const fn opposite(self) -> Direction {
        match self {
            Direction::East => Direction::West,
            Direction::West => Direction::East,
            Direction::North => Direction::South,
            Direction::South => Direction::North,
        }
    }
    pub const fn name(self) -> &'static str {
        match self {
            Direction::East => "east",
            Direction::West => "west",
            Direction::North => "north",
            Direction::South => "south",
        }
    }
}

/// What a link is physically: an on-die wire, a die-to-die link across a die boundary on the
/// wafer, or a wafer-to-wafer link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    OnDie,
    DieToDie,
    WaferToWafer,
}

/// A unidirectional channel from an output port of one router to an input port of another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub id: LinkId,
    pub src: RouterId,
    pub src_port: PortId,
    pub dst: RouterId,
    pub dst_port: PortId,
    /// Cycles a flit spends on the wire (BookSim's channel latency; 1 for an on-die mesh link).
    pub latency_cycles: u32,
    /// Cycles between two flits on this link (1 = one flit per cycle; 2 = half the width).
    pub cycles_per_flit: u32,
    pub kind: LinkKind,
    /// The direction for grid topologies; `None` for others.
    pub direction: Option<Direction>,
    /// A failed link carries nothing; routing must avoid it.
    pub failed: bool,
}

/// A router: its position, its ports and what each connects to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RouterNode {
    pub id: RouterId,
    pub coord: Coord,
    /// The link leaving each output port (`None` for terminal ports and unconnected edges).
    pub out_links: Vec<Option<LinkId>>,
    /// The link arriving at each input port.
    pub in_links: Vec<Option<LinkId>>,
    /// The terminal attached to each port, if any (injection on the input side, ejection on the
    /// output side).
    pub terminals: Vec<Option<NodeId>>,
    pub failed: bool,
}

impl RouterNode {
    pub fn num_ports(&self) -> usize {
        self.out_links.len()
    }
}

/// Where a terminal attaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terminal {
    pub node: NodeId,
    pub router: RouterId,
    pub port: PortId,
}

/// The whole network graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Topology {
    /// A human-readable description, e.g. `mesh 8x8`.
    pub name: String,
    /// The router grid (routers are numbered `y * x + x`, BookSim order).
    pub shape: MeshShape,
    /// Whether grid links wrap around (torus).
    pub wraparound: bool,
    pub routers: Vec<RouterNode>,
    pub links: Vec<Link>,
    /// Indexed by `NodeId`.
    pub terminals: Vec<Terminal>,
}

impl Topology {
    pub fn num_routers(&self) -> usize {
        self.routers.len()
    }
    pub fn num_nodes(&self) -> usize {
        self.terminals.len()
    }
    pub fn router(&self, r: RouterId) -> &RouterNode {
        &self.routers[r.index()]
    }
    pub fn link(&self, l: LinkId) -> &Link {
        &self.links[l.index()]
    }
    pub fn terminal(&self, n: NodeId) -> Terminal {
        self.terminals[n.index()]
    }
    /// The router coordinate of node `n`.
    pub fn node_coord(&self, n: NodeId) -> Coord {
        self.routers[self.terminals[n.index()].router.index()].coord
    }
    /// The link leaving router `r` in direction `d`, if it exists.
    pub fn link_towards(&self, r: RouterId, d: Direction) -> Option<&Link> {
        self.routers[r.index()]
            .out_links
            .get(d.port() as usize)
            .copied()
            .flatten()
            .map(|l| &self.links[l.index()])
    }
    /// The router at grid coordinate `c`.
    pub fn router_at(&self, c: Coord) -> RouterId {
        RouterId(self.shape.index(c) as u32)
    }
}
