//! Group-limited routing (DeepSeek's `n_group` / `topk_group`): experts form `n_group` equal
//! groups of consecutive ids and a token's experts lie in at most `topk_group` groups.
//! DeepSeek-V3: 256 experts in 8 groups of 32, a token uses at most 4 groups.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct GroupLimit {
    pub n_group: u32,
    pub topk_group: u32,
    pub experts_per_group: u32,
}

impl GroupLimit {
    pub fn new(num_experts: u32, n_group: u32, topk_group: u32) -> GroupLimit {
        GroupLimit {
            n_group,
            topk_group,
            experts_per_group: num_experts / n_group.max(1),
        }
    }

    #[inline]
    pub fn group_of(&self, expert: u32) -> u32 {
        expert / self.experts_per_group.max(1)
    }

    /// True if `expert` may join a token that already uses `groups`.
    #[inline]
    pub fn admits(&self, expert: u32, groups: &[u32]) -> bool {
        groups.len() < self.topk_group as usize || groups.contains(&self.group_of(expert))
    }

    /// Records `expert`'s group in `groups`.
    #[inline]
    pub fn note(&self, expert: u32, groups: &mut Vec<u32>) {
        let g = self.group_of(expert);
        if !groups.contains(&g) {
            groups.push(g);
        }
    }

    /// Number of distinct groups among `experts`.
    pub fn groups_used(&self, experts: &[u32]) -> usize {
        let mut g: Vec<u32> = experts.iter().map(|&e| self.group_of(e)).collect();
        g.sort_unstable();
        g.dedup();
        g.len()
    }
}

/// The admission rule every generator shares: distinct experts, within the group limit.
#[inline]
pub(crate) fn admissible(
    expert: u32,
    chosen: &[u32],
    groups: &[u32],
    limit: Option<&GroupLimit>,
) -> bool {
    !chosen.contains(&expert) && limit.is_none_or(|g| g.admits(expert, groups))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deepseek_v3_groups() {
        let g = GroupLimit::new(256, 8, 4);
        assert_eq!(g.group_of(31), 0);
        assert_eq!(g.group_of(32), 1);
        let mut used = Vec::new();
        for e in [0, 40, 80, 120] {
            assert!(g.admits(e, &used));
            g.note(e, &mut used);
        }
        assert!(!g.admits(200, &used));
        assert!(g.admits(33, &used));
        assert_eq!(g.groups_used(&[0, 1, 40, 80]), 3);
        assert!(!admissible(40, &[40], &used, Some(&g)));
        assert!(admissible(7, &[40], &used, None));
    }
}
