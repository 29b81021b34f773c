//! The result of a placement: which devices hold each logical endpoint.
//!
//! Devices are gathered into *groups* (a group holds one copy of an endpoint, split evenly over
//! its devices). A routed or shared expert has one or more *instances*, each a group; a token
//! uses one instance of each of its experts. Attention shard `s` runs on one device.

use moesim_core::NodeId;
use moesim_workloads::{Endpoint, Parallelism};
use serde::Serialize;

/// An index into [`PlacementMap::groups`].
pub type GroupId = u32;

/// Where every endpoint of a model lives.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlacementMap {
    /// The policy that produced the map.
    pub kind: String,
    /// The attention parallelism the map implies (the workload is built with it).
    pub parallelism: Parallelism,
    /// Device groups; each holds one copy of an endpoint, split evenly.
    pub groups: Vec<Vec<NodeId>>,
    /// Device of attention shard `s` (also its dense FFN, router, embedding and LM head slice).
    pub attention: Vec<NodeId>,
    /// `experts[moe_index][expert]`: the instances of a routed expert.
    pub experts: Vec<Vec<Vec<GroupId>>>,
    /// `shared[moe_index]`: the instances of the layer's shared experts (empty if none).
    pub shared: Vec<Vec<GroupId>>,
}

impl PlacementMap {
    /// The devices of group `g`.
    pub fn group(&self, g: GroupId) -> &[NodeId] {
        &self.groups[g as usize]
    }

    /// The instances of routed expert `expert` of MoE layer `moe_index`.
    pub fn expert(&self, moe_index: u32, expert: u32) -> &[GroupId] {
        &self.experts[moe_index as usize][expert as usize]
    }

    /// The instances of the shared experts of MoE layer `moe_index`.
    pub fn shared(&self, moe_index: u32) -> &[GroupId] {
        self.shared
            .get(moe_index as usize)
            .map_or(&[][..], |v| v.as_slice())
    }

    /// The device of attention shard `s`.
    pub fn attention_device(&self, s: u32) -> NodeId {
        self.attention[s as usize]
    }

    /// The devices an endpoint occupies (every device of every instance), for reports.
    /// `moe_index` maps a model layer to its MoE index.
    pub fn devices_of(&self, e: Endpoint, moe_index: impl Fn(u32) -> Option<u32>) -> Vec<NodeId> {
        let groups: Vec<GroupId> = match e {
            Endpoint::AttentionShard(s) => return vec![self.attention_device(s)],
            Endpoint::Expert { layer, expert } => moe_index(layer)
                .map(|m| self.expert(m, expert).to_vec())
                .unwrap_or_default(),
            Endpoint::SharedExpert { layer } => moe_index(layer)
                .map(|m| self.shared(m).to_vec())
                .unwrap_or_default(),
        };
        let mut out: Vec<NodeId> = groups
            .iter()
            .flat_map(|&g| self.group(g).iter().copied())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Every device the map uses, sorted.
    pub fn used_devices(&self) -> Vec<NodeId> {
        let mut out: Vec<NodeId> = self
            .groups
            .iter()
            .flatten()
            .chain(self.attention.iter())
            .copied()
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Builds the group table, reusing a group when the same device list is added twice.
#[derive(Clone, Debug, Default)]
pub struct GroupTable {
    groups: Vec<Vec<NodeId>>,
    index: std::collections::HashMap<Vec<NodeId>, GroupId>,
}

impl GroupTable {
    /// The id of the group of exactly `devices` (in this order), added if new.
    pub fn intern(&mut self, devices: Vec<NodeId>) -> GroupId {
        if let Some(&g) = self.index.get(&devices) {
            return g;
        }
        let g = self.groups.len() as GroupId;
        self.index.insert(devices.clone(), g);
        self.groups.push(devices);
        g
    }

    pub fn into_groups(self) -> Vec<Vec<NodeId>> {
        self.groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_interned_and_endpoints_resolve() {
        let mut t = GroupTable::default();
        let a = t.intern(vec![NodeId(0), NodeId(1)]);
        let b = t.intern(vec![NodeId(2)]);
        assert_eq!(t.intern(vec![NodeId(0), NodeId(1)]), a);
        let map = PlacementMap {
            kind: "t".into(),
            parallelism: Parallelism::default(),
            groups: t.into_groups(),
            attention: vec![NodeId(3)],
            experts: vec![vec![vec![a], vec![b, a]]],
            shared: vec![vec![b]],
        };
        let moe = |l: u32| (l == 5).then_some(0);
        assert_eq!(
            map.devices_of(
                Endpoint::Expert {
                    layer: 5,
                    expert: 1
                },
                moe
            ),
            vec![NodeId(0), NodeId(1), NodeId(2)]
        );
        assert_eq!(
            map.devices_of(Endpoint::SharedExpert { layer: 5 }, moe),
            vec![NodeId(2)]
        );
        assert!(
            map.devices_of(Endpoint::SharedExpert { layer: 4 }, moe)
                .is_empty()
        );
        assert_eq!(
            map.devices_of(Endpoint::AttentionShard(0), moe),
            vec![NodeId(3)]
        );
        assert_eq!(map.used_devices().len(), 4);
    }
}
