//! Topologies: a router-level graph of unidirectional links, plus the terminals (nodes) attached
//! to router ports. Builders (one per file) turn a [`TopologyConfig`](crate::config::TopologyConfig)
//! into a [`Topology`]; routing and the router pipeline read only this structure.
//!
//! Port convention for grid topologies (mesh, torus, mesh of dies): port 0 = east (+x),
//! 1 = west (-x), 2 = north (+y), 3 = south (-y), then one port per attached terminal.
//!
//! Failed links and routers stay in the graph (ids are stable) with `failed = true`; the
//! terminals of failed routers stay in [`Topology::terminals`] but are not active: traffic
//! generators draw sources and destinations from [`Topology::active_nodes`].

pub mod build;
pub mod faults;
pub mod mesh;
pub mod mesh_of_dies;
pub mod torus;

pub use build::build;
pub use faults::Faults;

use moesim_core::{Coord, LinkId, MeshShape, NodeId, RouterId};
use serde::{Deserialize, Serialize};

/// The most routers a topology may have.
pub const MAX_ROUTERS: usize = 1 << 16;
/// The most terminals a topology may have.
pub const MAX_NODES: usize = 1 << 20;
/// The most terminals per router.
pub const MAX_CONCENTRATION: u32 = 256;

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

/// How the router grid is tiled into dies and wafers (in routers). A plain mesh or torus is one
/// die on one wafer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridLayout {
    /// Routers per die.
    pub die: MeshShape,
    /// Routers per wafer (a multiple of `die` in each dimension).
    pub wafer: MeshShape,
}

impl GridLayout {
    /// The whole grid as one die on one wafer.
    pub const fn single(shape: MeshShape) -> GridLayout {
        GridLayout {
            die: shape,
            wafer: shape,
        }
    }
    /// The die (in die coordinates) that router coordinate `c` belongs to.
    pub fn die_of(&self, c: Coord) -> Coord {
        Coord::new(c.x / self.die.x.max(1), c.y / self.die.y.max(1))
    }
    /// The wafer (in wafer coordinates) that router coordinate `c` belongs to.
    pub fn wafer_of(&self, c: Coord) -> Coord {
        Coord::new(c.x / self.wafer.x.max(1), c.y / self.wafer.y.max(1))
    }
    /// What a link between neighbouring routers `a` and `b` is.
    pub fn link_kind(&self, a: Coord, b: Coord) -> LinkKind {
        if self.wafer_of(a) != self.wafer_of(b) {
            LinkKind::WaferToWafer
        } else if self.die_of(a) != self.die_of(b) {
            LinkKind::DieToDie
        } else {
            LinkKind::OnDie
        }
    }
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
    /// The die and wafer tiling of the grid.
    pub layout: GridLayout,
    /// The failures as configured (already applied to the `failed` flags).
    pub faults: Faults,
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
    /// Whether node `n` takes part in traffic (its router has not failed).
    pub fn is_node_active(&self, n: NodeId) -> bool {
        !self.routers[self.terminals[n.index()].router.index()].failed
    }
    /// The nodes that take part in traffic, in id order: every terminal whose router has not
    /// failed. Traffic generators draw sources and destinations from this list.
    pub fn active_nodes(&self) -> Vec<NodeId> {
        self.terminals
            .iter()
            .filter(|t| !self.routers[t.router.index()].failed)
            .map(|t| t.node)
            .collect()
    }
    /// The routers that have not failed.
    pub fn active_routers(&self) -> impl Iterator<Item = &RouterNode> + '_ {
        self.routers.iter().filter(|r| !r.failed)
    }
    /// Whether any link or router has failed.
    pub fn has_faults(&self) -> bool {
        self.routers.iter().any(|r| r.failed) || self.links.iter().any(|l| l.failed)
    }
    /// Whether `l` is a wraparound channel of a torus (it jumps from one edge of the grid to the
    /// opposite one).
    pub fn is_wrap_link(&self, l: &Link) -> bool {
        let (a, b) = (self.router(l.src).coord, self.router(l.dst).coord);
        match l.direction {
            Some(Direction::East) => b.x < a.x,
            Some(Direction::West) => b.x > a.x,
            Some(Direction::North) => b.y < a.y,
            Some(Direction::South) => b.y > a.y,
            None => false,
        }
    }
    /// The first terminal port of router `r` (its injection port), if it has terminals.
    pub fn first_terminal_port(&self, r: RouterId) -> Option<PortId> {
        self.routers[r.index()]
            .terminals
            .iter()
            .position(Option::is_some)
            .map(|p| p as PortId)
    }
}
