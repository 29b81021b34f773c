//! What a step measured: per-phase latency, per-layer breakdown, per-device compute, network
//! counters and migrations; derived figures (TBT, throughput, device balance) and link
//! utilisation summaries.

use super::migration::MigrationRecord;
use super::net::NetStats;
use super::phases::{PhaseKind, PhaseTimes};
use super::timeline::{LinkTimeline, TrafficClass};
use moesim_core::{StatsTree, Tick};
use moesim_noc::tier::NetworkParams;
use moesim_noc::topology::Topology;
use moesim_workloads::Phase;
use serde::Serialize;

/// One layer's phases.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerTimes {
    pub layer: u32,
    /// `dense` or `moe`.
    pub kind: &'static str,
    /// Critical-path contribution of every phase.
    pub phases: PhaseTimes,
    /// When the layer's last phase ended.
    pub end: Tick,
}

/// One device over the step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeviceTimes {
    /// Every operation on the compute stream.
    pub compute_busy: Tick,
    pub attention_busy: Tick,
    /// Routed and shared experts (roofline).
    pub expert_busy: Tick,
    /// Routed and shared experts, FLOPs / peak only.
    pub expert_flop_time: Tick,
    /// Token-expert pairs of routed experts computed.
    pub routed_pairs: u64,
}

/// The result of one step.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepReport {
    pub start: Tick,
    pub step_time: Tick,
    pub tokens: u64,
    pub phase: Phase,
    /// Per-phase latency over the step (adds up to `step_time`).
    pub phases: PhaseTimes,
    pub layers: Vec<LayerTimes>,
    /// Indexed by node id.
    pub devices: Vec<DeviceTimes>,
    /// Sum over MoE layers of the largest FLOP-bound expert time of any device.
    pub moe_comp_flops: Tick,
    pub net: NetStats,
    pub migrations: Vec<MigrationRecord>,
}

/// Max and mean over the devices that did any work.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct MaxMean {
    pub max_us: f64,
    pub mean_us: f64,
}

impl StepReport {
    /// Time between tokens: the step time of a decode step (`None` for prefill or mixed).
    pub fn tbt(&self) -> Option<Tick> {
        (self.phase == Phase::Decode).then_some(self.step_time)
    }

    /// Tokens processed per second of simulated time.
    pub fn tokens_per_s(&self) -> f64 {
        let s = self.step_time.as_s();
        if s > 0.0 { self.tokens as f64 / s } else { 0.0 }
    }

    /// MoE communication: dispatch plus combine.
    pub fn moe_comm(&self) -> Tick {
        self.phases
            .get(PhaseKind::MoeDispatch)
            .saturating_add(self.phases.get(PhaseKind::MoeCombine))
    }

    /// Max and mean of `f` over devices with compute.
    pub fn device_balance(&self, f: impl Fn(&DeviceTimes) -> Tick) -> MaxMean {
        let v: Vec<f64> = self
            .devices
            .iter()
            .filter(|d| d.compute_busy > Tick::ZERO)
            .map(|d| f(d).as_us())
            .collect();
        if v.is_empty() {
            return MaxMean::default();
        }
        MaxMean {
            max_us: v.iter().copied().fold(0.0, f64::max),
            mean_us: v.iter().sum::<f64>() / v.len() as f64,
        }
    }
}

/// Link utilisation figures of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LinkSummary {
    /// Per link: bytes / (bandwidth x step time), all classes.
    pub step_util: Vec<f64>,
    /// Per class, per link: the class's bytes / (bandwidth x the time its traffic was in
    /// flight).
    pub class_util: [Vec<f64>; 3],
    /// Per link: the busiest window's utilisation (all classes).
    pub peak_window_util: Vec<f64>,
}

impl LinkSummary {
    pub fn new(tl: &LinkTimeline, topo: &Topology, params: &NetworkParams, step: Tick) -> Self {
        let bw: Vec<f64> = topo
            .links
            .iter()
            .map(|l| {
                if l.failed {
                    0.0
                } else {
                    params.link_bytes_per_ps(l)
                }
            })
            .collect();
        let ratio = |bytes: f64, l: usize, t: Tick| {
            let cap = bw[l] * t.as_ps() as f64;
            if cap > 0.0 { bytes / cap } else { 0.0 }
        };
        let nl = bw.len();
        let total = |l: usize| -> f64 { (0..3).map(|c| tl.totals[c][l]).sum() };
        let step_util = (0..nl).map(|l| ratio(total(l), l, step)).collect();
        let active: [Tick; 3] = std::array::from_fn(|c| tl.active(TrafficClass::ALL[c]));
        let class_util = std::array::from_fn(|c| {
            (0..nl)
                .map(|l| ratio(tl.totals[c][l], l, active[c]))
                .collect()
        });
        let peak_window_util = (0..nl)
            .map(|l| {
                (0..tl.num_windows())
                    .map(|w| ratio(tl.window_total(w, l), l, tl.window))
                    .fold(0.0, f64::max)
            })
            .collect();
        LinkSummary {
            step_util,
            class_util,
            peak_window_util,
        }
    }

    fn max(v: &[f64]) -> f64 {
        v.iter().copied().fold(0.0, f64::max)
    }
    /// The busiest window of the busiest link.
    pub fn max_window_util(&self) -> f64 {
        Self::max(&self.peak_window_util)
    }
    pub fn max_step_util(&self) -> f64 {
        Self::max(&self.step_util)
    }
    pub fn max_class_util(&self, c: TrafficClass) -> f64 {
        Self::max(&self.class_util[c.index()])
    }
}

/// The headline figures (what `moesim run --json` prints under `results`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub step_us: f64,
    /// Decode only.
    pub tbt_us: Option<f64>,
    pub tokens: u64,
    pub tokens_per_s: f64,
    pub attention_us: f64,
    pub attention_comm_us: f64,
    pub dense_ffn_us: f64,
    pub router_us: f64,
    pub moe_dispatch_us: f64,
    pub moe_comp_us: f64,
    pub moe_combine_us: f64,
    pub moe_comm_us: f64,
    pub moe_comp_flops_us: f64,
    pub head_us: f64,
    pub device_compute: MaxMean,
    pub device_expert_compute: MaxMean,
    /// Busiest window of the busiest link (all traffic).
    pub max_link_util: f64,
    /// Busiest link over the whole step.
    pub max_link_util_step: f64,
    pub max_link_util_attention: f64,
    pub max_link_util_moe: f64,
    pub network_calls: u64,
    pub network_messages: u64,
    pub migrations: usize,
    pub wall_s: f64,
}

impl Summary {
    pub fn new(r: &StepReport, links: &LinkSummary, wall_s: f64) -> Summary {
        let us = |p: PhaseKind| r.phases.get(p).as_us();
        Summary {
            step_us: r.step_time.as_us(),
            tbt_us: r.tbt().map(Tick::as_us),
            tokens: r.tokens,
            tokens_per_s: r.tokens_per_s(),
            attention_us: us(PhaseKind::Attention),
            attention_comm_us: us(PhaseKind::AttentionCollective) + us(PhaseKind::FfnCollective),
            dense_ffn_us: us(PhaseKind::DenseFfn),
            router_us: us(PhaseKind::Router),
            moe_dispatch_us: us(PhaseKind::MoeDispatch),
            moe_comp_us: us(PhaseKind::ExpertCompute),
            moe_combine_us: us(PhaseKind::MoeCombine),
            moe_comm_us: r.moe_comm().as_us(),
            moe_comp_flops_us: r.moe_comp_flops.as_us(),
            head_us: us(PhaseKind::Embedding) + us(PhaseKind::LmHead),
            device_compute: r.device_balance(|d| d.compute_busy),
            device_expert_compute: r.device_balance(|d| d.expert_busy),
            max_link_util: links.max_window_util(),
            max_link_util_step: links.max_step_util(),
            max_link_util_attention: links.max_class_util(TrafficClass::Attention),
            max_link_util_moe: links.max_class_util(TrafficClass::Moe),
            network_calls: r.net.calls,
            network_messages: r.net.messages,
            migrations: r.migrations.len(),
            wall_s,
        }
    }

    /// The figures as a stats tree under `step.`.
    pub fn stats(&self, r: &StepReport) -> StatsTree {
        let mut s = StatsTree::new();
        s.set_scalar("step.time_us", "simulated time of the step", self.step_us);
        if let Some(t) = self.tbt_us {
            s.set_scalar("step.tbt_us", "time between tokens (decode step time)", t);
        }
        s.add_counter("step.tokens", "tokens processed in the step", self.tokens);
        s.set_scalar("step.tokens_per_s", "throughput", self.tokens_per_s);
        for p in PhaseKind::ALL {
            s.set_scalar(
                &format!("step.phase.{}_us", p.name()),
                "critical-path latency of the phase over the step",
                r.phases.get(p).as_us(),
            );
        }
        s.set_scalar(
            "step.moe_comm_us",
            "MoE dispatch + combine",
            self.moe_comm_us,
        );
        s.set_scalar(
            "step.moe_comp_flops_us",
            "sum over MoE layers of the largest FLOP-bound expert time of a device",
            self.moe_comp_flops_us,
        );
        s.set_scalar(
            "device.compute.max_us",
            "busiest device's compute",
            self.device_compute.max_us,
        );
        s.set_scalar(
            "device.compute.mean_us",
            "mean device compute",
            self.device_compute.mean_us,
        );
        s.set_scalar(
            "device.expert.max_us",
            "busiest device's expert compute",
            self.device_expert_compute.max_us,
        );
        s.set_scalar(
            "device.expert.mean_us",
            "mean device expert compute",
            self.device_expert_compute.mean_us,
        );
        s.set_scalar(
            "link.max_window_util",
            "busiest window of the busiest link",
            self.max_link_util,
        );
        s.set_scalar(
            "link.max_step_util",
            "busiest link over the step",
            self.max_link_util_step,
        );
        s.set_scalar(
            "link.max_attention_util",
            "busiest link while attention collectives are in flight",
            self.max_link_util_attention,
        );
        s.set_scalar(
            "link.max_moe_util",
            "busiest link while MoE dispatch/combine is in flight",
            self.max_link_util_moe,
        );
        s.add_counter(
            "network.calls",
            "calls to the network tier",
            self.network_calls,
        );
        s.add_counter(
            "network.messages",
            "messages handed to the tier",
            self.network_messages,
        );
        for c in TrafficClass::ALL {
            s.add_counter(
                &format!("network.bytes.{}", c.name()),
                "bytes handed to the tier",
                r.net.bytes[c.index()],
            );
        }
        s.add_counter(
            "migrations",
            "copies delivered on migration streams",
            self.migrations as u64,
        );
        s.set_scalar("host_seconds", "wall-clock time of the run", self.wall_s);
        s
    }
}
