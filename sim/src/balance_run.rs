//! Multi-step runs with a load balancer: `steps` steps of an MoE model on a platform, with
//! routing that drifts from step to step (the synthetic generator's fixed or changing task
//! mix), the observed per-expert loads fed to a [`Balancer`], its replicas applied between
//! steps, and its copies played on the migration streams.
//!
//! Per step:
//! 1. route and build the step (the routing source is a pure function of seed and step);
//! 2. measure the device balance of every MoE layer under the replicas serving now: token-expert
//!    pairs per device, with the executor's own instance choice ([`MoeLayer::plan`]);
//! 3. play the step on the executor; copies queued on the migration queue ride in the network
//!    windows of their phase (local/global pieces as the balancer assigned them), split into
//!    chunks of at most `chunk_mb` chained one after the other (each chunk is released once the
//!    previous one is delivered), MoE-phase chunks alternating between the dispatch and the
//!    combine window;
//! 4. a replica whose copy is complete serves from the next step on;
//! 5. the balancer observes the step's loads and may propose a new plan (only when no copy is
//!    in flight). A background plan queues its copies; a stalling plan (invasive) moves its
//!    copies at once on an otherwise idle network, and no device computes or communicates until
//!    the last one is delivered (the stall is recorded on that step).
//!
//! Same seed, same configuration: the same records bit for bit.

use crate::executor::config::{ExecutorConfig, NetworkConfig};
use crate::executor::migration::{Migration, MigrationQueue, MigrationWindow};
use crate::executor::moe::{MoeLayer, MoeScratch};
use crate::executor::platform::PlatformConfig;
use crate::executor::streams::DeviceStreams;
use crate::executor::timeline::{LinkTimeline, TrafficClass};
use crate::executor::{Executor, NetDriver, PhaseKind};
use moesim_core::{Error, NodeId, Result, Tick};
use moesim_mapping::balancer::{
    BalanceContext, BalancerConfig, CopyMode, CopyPhase, ExpertLoads, Rebalance, Replica,
    apply_replicas, max_over_mean,
};
use moesim_mapping::{PlacementConfig, PlacementContext, PlacementMap};
use moesim_noc::tier::{Message, NetworkParams};
use moesim_noc::topology::Topology;
use moesim_workloads::{
    BatchConfig, LayerKind, ModelSpec, Precision, RoutingConfig, StepBuilder, StepWorkload,
    build_routing,
};
use serde::{Deserialize, Serialize};

fn one() -> u64 {
    1
}
fn default_chunk_mb() -> f64 {
    4.0
}

/// A multi-step balancing run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalanceRunConfig {
    pub name: String,
    /// Seed of the routing generator.
    #[serde(default = "one")]
    pub seed: u64,
    /// An embedded model or a path to a model TOML.
    pub model: String,
    /// Simulate only the first `moe_layers` MoE layers (dense layers left out): balance ratios
    /// and per-layer times are those of the full model's first layers, at a fraction of the
    /// cost. Default: the whole model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moe_layers: Option<u32>,
    #[serde(default)]
    pub precision: Precision,
    /// The batch of every step (`decode`, or `mixed` for prefill + decode).
    pub batch: BatchConfig,
    #[serde(default)]
    pub routing: RoutingConfig,
    pub platform: PlatformConfig,
    #[serde(default)]
    pub placement: PlacementConfig,
    #[serde(default)]
    pub network: NetworkConfig,
    #[serde(default)]
    pub executor: ExecutorConfig,
    #[serde(default)]
    pub balancer: BalancerConfig,
    /// Steps simulated.
    pub steps: u64,
    /// The routing step of the first simulated step.
    #[serde(default)]
    pub first_step: u64,
    /// Largest chunk of a copy piece sent in one phase window, in MB (1e6 bytes).
    #[serde(default = "default_chunk_mb")]
    pub chunk_mb: f64,
}

/// What one step measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepRecord {
    pub step: u64,
    /// Step time (without a stall).
    pub step_us: f64,
    /// Mean over MoE layers of max/mean token-expert pairs per expert device.
    pub load_max_mean: f64,
    /// The largest per-layer max/mean of the step.
    pub load_max_mean_worst: f64,
    /// Expert compute on the critical path (sum over layers).
    pub moe_compute_us: f64,
    /// MoE dispatch + combine on the critical path (sum over layers).
    pub moe_comm_us: f64,
    /// Copy bytes delivered during the step.
    pub migration_bytes: u64,
    /// Copy chunks delivered during the step, and how many within their phase.
    pub migration_chunks: u64,
    pub migration_hidden_chunks: u64,
    /// Sum over delivered chunks of the time they ran past their phase's own traffic.
    pub migration_exposed_us: f64,
    /// Inference stopped for copies after this step.
    pub stall_us: f64,
    /// Replicas serving during the step.
    pub replicas: u64,
    /// A rebalance was decided after this step.
    pub rebalanced: bool,
}

/// One rebalance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RebalanceRecord {
    pub step: u64,
    pub replicas: u64,
    pub new_copies: u64,
    pub copy_bytes: u64,
    pub predicted_before: f64,
    pub predicted_after: f64,
    /// Steps until the last copy was delivered (0 for a stall).
    pub copy_steps: u64,
}

/// The result of a run.
pub struct BalanceOutcome {
    pub name: String,
    pub balancer: &'static str,
    pub records: Vec<StepRecord>,
    pub rebalances: Vec<RebalanceRecord>,
    /// Link heat of the whole run, by traffic class.
    pub timeline: LinkTimeline,
    pub topology: Topology,
    pub params: NetworkParams,
    /// Simulated time of the run (steps and stalls).
    pub total: Tick,
}

/// Averages of a run's records over steps `from..`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct RunMeans {
    pub load_max_mean: f64,
    pub moe_compute_us: f64,
    pub moe_comm_us: f64,
    /// Step time plus stall.
    pub time_us: f64,
    pub stall_us: f64,
    pub migration_bytes: f64,
    pub migration_exposed_us: f64,
    /// Delivered chunks within their phase, over all delivered chunks (1 with none).
    pub hidden_fraction: f64,
}

impl BalanceOutcome {
    /// Means over the records from step index `from` on.
    pub fn means(&self, from: usize) -> RunMeans {
        let r = &self.records[from.min(self.records.len())..];
        let n = r.len().max(1) as f64;
        let avg = |f: &dyn Fn(&StepRecord) -> f64| r.iter().map(f).sum::<f64>() / n;
        let chunks: u64 = r.iter().map(|x| x.migration_chunks).sum();
        let hidden: u64 = r.iter().map(|x| x.migration_hidden_chunks).sum();
        RunMeans {
            load_max_mean: avg(&|x| x.load_max_mean),
            moe_compute_us: avg(&|x| x.moe_compute_us),
            moe_comm_us: avg(&|x| x.moe_comm_us),
            time_us: avg(&|x| x.step_us + x.stall_us),
            stall_us: avg(&|x| x.stall_us),
            migration_bytes: avg(&|x| x.migration_bytes as f64),
            migration_exposed_us: avg(&|x| x.migration_exposed_us),
            hidden_fraction: if chunks == 0 {
                1.0
            } else {
                hidden as f64 / chunks as f64
            },
        }
    }
}

/// A copy in flight: the replica and the last chunk id of each of its chains.
struct InFlight {
    replica: Replica,
    last: Vec<u64>,
    rebalance: usize,
}

impl BalanceRunConfig {
    /// Parses a run from TOML text (the platform preset expanded); errors name `origin`.
    pub fn from_toml_str(origin: &str, text: &str) -> Result<BalanceRunConfig> {
        let mut table = moesim_core::config::parse_toml_value(origin, text)?;
        PlatformConfig::expand_preset(&mut table, origin)?;
        let c: BalanceRunConfig = moesim_core::config::from_table(origin, table)?;
        c.check(origin)?;
        Ok(c)
    }

    fn check(&self, origin: &str) -> Result<()> {
        if self.steps == 0 || self.steps > 100_000 {
            return Err(
                Error::config(origin, "steps", format!("{}", self.steps)).allowed("1 ..= 100000")
            );
        }
        if !(self.chunk_mb.is_finite() && self.chunk_mb >= 0.001 && self.chunk_mb <= 1e6) {
            return Err(
                Error::config(origin, "chunk_mb", format!("{}", self.chunk_mb))
                    .allowed("0.001 ..= 1e6 MB"),
            );
        }
        self.network.validate(origin)
    }

    /// The model, cut to its first `moe_layers` MoE layers when asked.
    pub fn model(&self, origin: &str) -> Result<ModelSpec> {
        let mut m = ModelSpec::resolve(&self.model).map_err(|e| rekey(e, origin, "model"))?;
        if let Some(k) = self.moe_layers {
            if k == 0 || k > m.num_moe_layers() {
                return Err(
                    Error::config(origin, "moe_layers", format!("{k}")).allowed(format!(
                        "1 ..= {} (the model's MoE layers)",
                        m.num_moe_layers()
                    )),
                );
            }
            m.arch.num_layers = k;
            m.moe.first_dense_layers = 0;
            m.moe.moe_layer_step = 1;
            m.moe.num_moe_layers = k;
            m.validate(origin)
                .map_err(|e| rekey(e, origin, "moe_layers"))?;
        }
        Ok(m)
    }

    /// Runs every step.
    pub fn run(&self, origin: &str) -> Result<BalanceOutcome> {
        self.check(origin)?;
        let platform = self.platform.build(origin)?;
        let model = self.model(origin)?;
        let batch = self.batch.to_batch(origin)?;
        let coords = platform.coords();
        let n = coords.len();
        let pctx = PlacementContext {
            model: &model,
            precision: self.precision,
            coords: coords.clone(),
            live: platform.live(),
            origin: origin.to_string(),
        };
        let base = self.placement.place(&pctx)?;
        let builder = StepBuilder::new(&model, self.precision, base.parallelism, origin)?;
        let source = build_routing(&self.routing, &model, self.seed, origin)?;
        let expert_bytes = model.params().expert * self.precision.weight_bytes();
        let bctx = BalanceContext::new(&base, coords.clone(), expert_bytes, origin)?;
        let expert_devices = bctx.expert_devices.clone();
        self.check_phases(&base, origin)?;
        let mut balancer = self.balancer.build(bctx)?;
        let mut params = platform.network_params().clone();
        params.window = self.network.window();
        let topo = platform.topology().clone();
        let devices = platform.devices();
        let mut net = Some(NetDriver::new(
            &self.network.tier,
            &self.network.routing,
            &topo,
            &params,
            origin,
        )?);
        let mut streams = vec![DeviceStreams::default(); n];
        let mut queue = MigrationQueue::default();
        let mut active: Vec<Replica> = Vec::new();
        let mut map = base.clone();
        let mut in_flight: Vec<InFlight> = Vec::new();
        let mut next_id = 1u64;
        let chunk = (self.chunk_mb * 1e6).round().max(1.0) as u64;
        let mut records = Vec::with_capacity(self.steps as usize);
        let mut rebalances: Vec<RebalanceRecord> = Vec::new();
        let mut scratch = MoeScratch::default();
        let num_experts = model.num_experts() as usize;

        for i in 0..self.steps {
            let step = self.first_step + i;
            let w = builder.build(step, &batch, source.as_ref())?;
            let loads = expert_loads(&w, num_experts);
            let (balance, worst) = device_balance(
                &model,
                &self.precision,
                &map,
                &w,
                &coords,
                &expert_devices,
                &mut scratch,
            );
            let mut exec = Executor::new(
                &model,
                &map,
                devices.clone(),
                coords.clone(),
                net.take()
                    .ok_or_else(|| Error::Sim("balance run: network lost".into()))?,
                self.executor,
            )?;
            exec.streams = std::mem::take(&mut streams);
            exec.migrations = std::mem::take(&mut queue);
            let done_before = exec.migrations.done.len();
            let report = exec.run_step(&w)?;
            let Executor {
                net: nd,
                streams: st,
                migrations: q,
                ..
            } = exec;
            net = Some(nd);
            streams = st;
            queue = q;

            let mut rec = StepRecord {
                step,
                step_us: report.step_time.as_us(),
                load_max_mean: balance,
                load_max_mean_worst: worst,
                moe_compute_us: report.phases.get(PhaseKind::ExpertCompute).as_us(),
                moe_comm_us: report.moe_comm().as_us(),
                migration_bytes: 0,
                migration_chunks: 0,
                migration_hidden_chunks: 0,
                migration_exposed_us: 0.0,
                stall_us: 0.0,
                replicas: active.len() as u64,
                rebalanced: false,
            };
            for d in &queue.done[done_before..] {
                rec.migration_bytes += d.migration.bytes;
                rec.migration_chunks += 1;
                rec.migration_hidden_chunks += u64::from(d.hidden);
                rec.migration_exposed_us += d.finish.saturating_sub(d.phase_end).as_us();
            }
            // replicas whose copies are complete serve from the next step on
            let delivered: std::collections::HashSet<u64> =
                queue.done.iter().map(|d| d.migration.id).collect();
            let mut changed = false;
            in_flight.retain(|f| {
                if f.last.iter().all(|id| delivered.contains(id)) {
                    active.push(f.replica);
                    let r = &mut rebalances[f.rebalance];
                    r.copy_steps = r.copy_steps.max(i + 1 - index_of(r.step, self.first_step));
                    changed = true;
                    false
                } else {
                    true
                }
            });

            balancer.observe(step, &loads);
            if in_flight.is_empty()
                && let Some(rb) = balancer.plan(step, &active)?
            {
                rec.rebalanced = true;
                rebalances.push(RebalanceRecord {
                    step,
                    replicas: rb.replicas.len() as u64,
                    new_copies: rb.copies.len() as u64,
                    copy_bytes: rb.copy_bytes(),
                    predicted_before: rb.predicted_before,
                    predicted_after: rb.predicted_after,
                    copy_steps: 0,
                });
                changed = true;
                match rb.mode {
                    CopyMode::Background => {
                        active.retain(|r| rb.replicas.contains(r));
                        let idx = rebalances.len() - 1;
                        queue_copies(&rb, &mut queue, &mut next_id, chunk, idx, &mut in_flight);
                        // a replica without anything to copy serves at once
                        for c in rb.copies.iter().filter(|c| c.chains.is_empty()) {
                            active.push(c.replica);
                        }
                    }
                    CopyMode::Stall => {
                        let nd = net
                            .as_mut()
                            .ok_or_else(|| Error::Sim("balance run: network lost".into()))?;
                        let stall = stall_copies(&rb, nd, &mut streams)?;
                        rec.stall_us = stall.as_us();
                        rec.migration_bytes += rb.copy_bytes();
                        active = rb.replicas.clone();
                    }
                }
            }
            if changed {
                active.sort();
                active.dedup();
                map = apply_replicas(&base, &active);
            }
            records.push(rec);
        }
        let total = streams
            .iter()
            .map(|s| s.compute.free_at.max(s.communication.free_at))
            .max()
            .unwrap_or(Tick::ZERO);
        let timeline = net.map(|n| n.timeline).unwrap_or_default();
        Ok(BalanceOutcome {
            name: self.name.clone(),
            balancer: self.balancer.kind(),
            records,
            rebalances,
            timeline,
            topology: topo,
            params,
            total,
        })
    }

    /// An attention-phase piece needs the collective after attention, which a placement with
    /// one device per attention group does not have.
    fn check_phases(&self, base: &PlacementMap, origin: &str) -> Result<()> {
        let BalancerConfig::NiBalancer(c) = &self.balancer else {
            return Ok(());
        };
        if base.parallelism.attention_tp >= 2 {
            return Ok(());
        }
        for (key, p) in [
            ("balancer.local_phase", c.local_phase),
            ("balancer.global_phase", c.global_phase),
        ] {
            if p == CopyPhase::Attention {
                return Err(Error::config(
                    origin,
                    key,
                    format!(
                        "placement `{}` has no collective after attention (one device per \
                         attention group), so no attention window to carry copies",
                        base.kind
                    ),
                )
                .allowed("\"moe\", or a placement with attention_tp >= 2"));
            }
        }
        Ok(())
    }
}

fn index_of(step: u64, first: u64) -> u64 {
    step.saturating_sub(first)
}

fn rekey(e: Error, origin: &str, key: &str) -> Error {
    match e {
        Error::Config {
            message, allowed, ..
        } => Error::Config {
            origin: origin.to_string(),
            key: key.to_string(),
            message,
            allowed,
        },
        other => other,
    }
}

/// Token-expert pairs per routed expert of every MoE layer of step `w`.
pub fn expert_loads(w: &StepWorkload, num_experts: usize) -> ExpertLoads {
    (0..w.routing.num_layers())
        .map(|m| {
            let mut l = vec![0.0; num_experts];
            for set in w.routing.layer(m).tokens() {
                for &e in set {
                    if let Some(x) = l.get_mut(e as usize) {
                        *x += 1.0;
                    }
                }
            }
            l
        })
        .collect()
}

/// Mean and largest over MoE layers of max/mean token-expert pairs per expert device, with the
/// executor's instance choice under `map`.
pub fn device_balance(
    model: &ModelSpec,
    precision: &Precision,
    map: &PlacementMap,
    w: &StepWorkload,
    coords: &[moesim_core::Coord],
    expert_devices: &[NodeId],
    scratch: &mut MoeScratch,
) -> (f64, f64) {
    let n = coords.len();
    let (mut sum, mut worst, mut count) = (0.0, 0.0f64, 0usize);
    for lw in &w.layers {
        let LayerKind::Moe { moe_index } = lw.kind else {
            continue;
        };
        let plan = MoeLayer {
            model,
            precision,
            map,
            moe_index,
            routing: w.routing.layer(moe_index),
            holders: &w.holders,
            coords,
            // Only the dispatch side (tokens per device) is read here; the combine target
            // does not change it.
            combine: crate::executor::config::CombineTarget::Primary,
        }
        .plan(n, scratch);
        let v: Vec<f64> = expert_devices
            .iter()
            .map(|d| plan.routed_pairs[d.index()] as f64)
            .collect();
        let r = max_over_mean(&v);
        sum += r;
        worst = worst.max(r);
        count += 1;
    }
    (sum / count.max(1) as f64, worst)
}

/// Queues the copies of a background rebalance as chains of chunks.
fn queue_copies(
    rb: &Rebalance,
    queue: &mut MigrationQueue,
    next_id: &mut u64,
    chunk: u64,
    rebalance: usize,
    in_flight: &mut Vec<InFlight>,
) {
    for c in &rb.copies {
        if c.chains.is_empty() {
            continue;
        }
        let mut last = Vec::with_capacity(c.chains.len());
        for chain in &c.chains {
            let mut prev: Option<u64> = None;
            for piece in chain {
                let pieces = piece.bytes.div_ceil(chunk).max(1);
                for k in 0..pieces {
                    let bytes = chunk.min(piece.bytes - k * chunk);
                    let window = match piece.phase {
                        CopyPhase::Attention => MigrationWindow::AttentionCollective,
                        CopyPhase::Moe if k % 2 == 0 => MigrationWindow::MoeDispatch,
                        CopyPhase::Moe => MigrationWindow::MoeCombine,
                    };
                    let id = *next_id;
                    *next_id += 1;
                    queue.push(Migration {
                        src: piece.src,
                        dst: piece.dst,
                        bytes,
                        window,
                        not_before: Tick::ZERO,
                        id,
                        after: prev,
                        label: format!(
                            "L{}.expert[{}]->{} {:?} {}/{}",
                            c.replica.moe_index,
                            c.replica.expert,
                            c.replica.device,
                            piece.scope,
                            k + 1,
                            pieces
                        ),
                    });
                    prev = Some(id);
                }
            }
            if let Some(p) = prev {
                last.push(p);
            }
        }
        in_flight.push(InFlight {
            replica: c.replica,
            last,
            rebalance,
        });
    }
}

/// Moves the copies of a stalling rebalance at once (every piece released when the last device
/// is idle); no device computes or communicates until they are delivered. Returns the stall.
fn stall_copies(
    rb: &Rebalance,
    net: &mut NetDriver,
    streams: &mut [DeviceStreams],
) -> Result<Tick> {
    let now = streams
        .iter()
        .map(|s| s.compute.free_at.max(s.communication.free_at))
        .max()
        .unwrap_or(Tick::ZERO);
    let msgs: Vec<Message> = rb
        .copies
        .iter()
        .flat_map(|c| c.chains.iter().flatten())
        .map(|p| net.message(p.src, p.dst, p.bytes, now))
        .collect();
    if msgs.is_empty() {
        return Ok(Tick::ZERO);
    }
    let classes = vec![TrafficClass::Migration; msgs.len()];
    let run = net.simulate(&msgs, &classes)?;
    let end = run.finish.iter().copied().max().unwrap_or(now);
    for (m, &f) in msgs.iter().zip(&run.finish) {
        streams[m.src.index()].migration.occupy(now, f);
    }
    for s in streams.iter_mut() {
        s.compute.free_at = s.compute.free_at.max(end);
        s.communication.free_at = s.communication.free_at.max(end);
    }
    Ok(end.saturating_sub(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
name = "t"
model = "deepseek-v3"
moe_layers = 2
steps = 24
[batch]
phase = "decode"
batch_size = 2048
[routing]
kind = "synthetic"
drift = { kind = "fixed", task = 0 }
[platform]
kind = "wafer"
preset = "b200_8x8"
[placement]
kind = "ep_contiguous"
attention_tp = 8
[network.tier]
kind = "analytic"
"#;

    fn run(balancer: &str) -> BalanceOutcome {
        let text = format!("{BASE}\n[balancer]\n{balancer}\n");
        BalanceRunConfig::from_toml_str("t.toml", &text)
            .unwrap()
            .run("t.toml")
            .unwrap()
    }

    #[test]
    fn balancers_change_the_balance_and_pay_differently() {
        let none = run("kind = \"none\"");
        let ni = run("kind = \"ni_balancer\"\nhistory_steps = 4\nmin_interval_steps = 4");
        let inv = run("kind = \"eplb_invasive\"\nhistory_steps = 4\ninterval_steps = 8");
        assert_eq!(none.records.len(), 24);
        let (a, b, c) = (none.means(12), ni.means(12), inv.means(12));
        assert!(a.load_max_mean > 1.3, "{a:?}");
        assert!(b.load_max_mean < a.load_max_mean, "{a:?} {b:?}");
        assert!(c.load_max_mean < a.load_max_mean, "{a:?} {c:?}");
        assert_eq!(a.stall_us, 0.0);
        assert_eq!(b.stall_us, 0.0);
        assert!(inv.records.iter().any(|r| r.stall_us > 0.0));
        assert!(ni.records.iter().map(|r| r.migration_bytes).sum::<u64>() > 0);
        assert!(!ni.rebalances.is_empty());
        // deterministic
        let again = run("kind = \"ni_balancer\"\nhistory_steps = 4\nmin_interval_steps = 4");
        assert_eq!(again.records, ni.records);
    }

    #[test]
    fn bad_keys_are_named() {
        let e = BalanceRunConfig::from_toml_str("t.toml", &format!("steps_x = 1\n{BASE}"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("steps_x"), "{e}");
        let text = BASE.replace("moe_layers = 2", "moe_layers = 99");
        let e = BalanceRunConfig::from_toml_str("t.toml", &text)
            .unwrap()
            .run("t.toml")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("key `moe_layers`") && e.contains("58"), "{e}");
        let text = format!(
            "{}\n[balancer]\nkind = \"ni_balancer\"\n",
            BASE.replace(
                "kind = \"ep_contiguous\"\nattention_tp = 8",
                "kind = \"dp_attention\""
            )
        );
        let e = BalanceRunConfig::from_toml_str("t.toml", &text)
            .unwrap()
            .run("t.toml")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("key `balancer.local_phase`"), "{e}");
    }
}
