//! The phases of a step and their critical-path accounting.
//!
//! Work runs asynchronously per device (a device starts a phase as soon as its own inputs and
//! stream allow), so phases of different devices overlap. A phase's latency is its contribution
//! to the critical path: the executor records, in execution order, the time each phase of a
//! layer ends on its last device; the phase contributes `max(end, previous) - previous`, where
//! `previous` is the latest end recorded before it. Contributions therefore add up exactly to
//! the step time, and a phase hidden under an earlier one contributes zero.

use moesim_core::Tick;
use serde::Serialize;

/// A phase of a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseKind {
    Embedding,
    /// Attention compute (projections, scores, KV cache).
    Attention,
    /// Tensor-parallel collectives around attention.
    AttentionCollective,
    /// Dense FFN compute (dense layers).
    DenseFfn,
    /// Tensor-parallel collectives around dense FFNs.
    FfnCollective,
    /// The MoE router (gate).
    Router,
    /// Tokens to their experts.
    MoeDispatch,
    /// Routed and shared experts.
    ExpertCompute,
    /// Expert outputs back to the tokens' holders (with split-expert reductions and the
    /// all-gather to a token's other holders).
    MoeCombine,
    /// LM head compute and the logits all-gather.
    LmHead,
}

impl PhaseKind {
    pub const ALL: [PhaseKind; 10] = [
        PhaseKind::Embedding,
        PhaseKind::Attention,
        PhaseKind::AttentionCollective,
        PhaseKind::DenseFfn,
        PhaseKind::FfnCollective,
        PhaseKind::Router,
        PhaseKind::MoeDispatch,
        PhaseKind::ExpertCompute,
        PhaseKind::MoeCombine,
        PhaseKind::LmHead,
    ];
    pub const fn index(self) -> usize {
        self as usize
    }
    pub const fn name(self) -> &'static str {
        match self {
            PhaseKind::Embedding => "embedding",
            PhaseKind::Attention => "attention",
            PhaseKind::AttentionCollective => "attention_collective",
            PhaseKind::DenseFfn => "dense_ffn",
            PhaseKind::FfnCollective => "ffn_collective",
            PhaseKind::Router => "router",
            PhaseKind::MoeDispatch => "moe_dispatch",
            PhaseKind::ExpertCompute => "expert_compute",
            PhaseKind::MoeCombine => "moe_combine",
            PhaseKind::LmHead => "lm_head",
        }
    }
}

/// Per-phase latency (critical-path contribution).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PhaseTimes(pub [Tick; 10]);

impl PhaseTimes {
    pub fn get(&self, p: PhaseKind) -> Tick {
        self.0[p.index()]
    }
    pub fn add(&mut self, p: PhaseKind, t: Tick) {
        self.0[p.index()] = self.0[p.index()].saturating_add(t);
    }
    pub fn sum(&self) -> Tick {
        self.0.iter().fold(Tick::ZERO, |a, &b| a.saturating_add(b))
    }
    pub fn accumulate(&mut self, o: &PhaseTimes) {
        for p in PhaseKind::ALL {
            self.add(p, o.get(p));
        }
    }
}

/// Records phase ends in execution order and turns them into contributions.
#[derive(Clone, Debug, Default)]
pub struct PhaseRecorder {
    previous: Tick,
    current: PhaseTimes,
}

impl PhaseRecorder {
    /// A phase ended (on its last device) at `end`.
    pub fn ended(&mut self, p: PhaseKind, end: Tick) {
        if end > self.previous {
            self.current.add(p, end - self.previous);
            self.previous = end;
        }
    }
    /// The contributions recorded since the last call, and the latest end so far.
    pub fn take(&mut self) -> (PhaseTimes, Tick) {
        (std::mem::take(&mut self.current), self.previous)
    }
    pub fn latest(&self) -> Tick {
        self.previous
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contributions_add_up_to_the_end() {
        let mut r = PhaseRecorder::default();
        r.ended(PhaseKind::Attention, Tick(10));
        r.ended(PhaseKind::AttentionCollective, Tick(25));
        // hidden under the collective
        r.ended(PhaseKind::Router, Tick(20));
        r.ended(PhaseKind::MoeDispatch, Tick(40));
        let (t, end) = r.take();
        assert_eq!(end, Tick(40));
        assert_eq!(t.sum(), Tick(40));
        assert_eq!(t.get(PhaseKind::Router), Tick::ZERO);
        assert_eq!(t.get(PhaseKind::AttentionCollective), Tick(15));
        r.ended(PhaseKind::LmHead, Tick(45));
        assert_eq!(r.take().0.get(PhaseKind::LmHead), Tick(5));
        assert_eq!(PhaseKind::ALL.len(), 10);
        assert_eq!(PhaseKind::ALL[9].index(), 9);
    }
}
