//! The executor: plays one step of a workload under a placement on a platform.
//!
//! Per layer, in order: the collective before attention (all-gather, reduce-scatter mode),
//! attention compute, the collective after attention, then either the dense FFN with its
//! collectives, or the router, the MoE dispatch, expert compute and the combine
//! ([`super::moe`]). Compute runs on each device's compute stream, network operations on the
//! communication streams of their senders, copies on the migration streams. A device starts
//! each operation when its own inputs are ready and the stream is free; there is no global
//! barrier between phases (see docs/executor.md).

use super::collectives::{CollectiveJob, run_collectives};
use super::compute::{ComputeTime, ops_time};
use super::config::{CombineTarget, ExecutorConfig, RingOrder};
use super::migration::{MigrationQueue, MigrationRecord, MigrationWindow};
use super::moe::{MoeLayer, MoePlan, MoeScratch};
use super::net::NetDriver;
use super::phases::{PhaseKind, PhaseRecorder, PhaseTimes};
use super::report::{DeviceTimes, LayerTimes, StepReport};
use super::ring_order::snake_order;
use super::streams::DeviceStreams;
use super::timeline::TrafficClass;
use moesim_core::{Coord, DType, DeviceSpec, Error, NodeId, Result, Tick};
use moesim_mapping::PlacementMap;
use moesim_noc::tier::Message;
use moesim_workloads::flows::{Collective, CollectivePhase, Op, OpKind, StepWorkload};
use moesim_workloads::{Endpoint, LayerKind, ModelSpec};

/// Plays steps of one model under one placement on one platform.
pub struct Executor<'a> {
    model: &'a ModelSpec,
    map: &'a PlacementMap,
    devices: Vec<DeviceSpec>,
    coords: Vec<Coord>,
    cfg: ExecutorConfig,
    pub net: NetDriver,
    pub streams: Vec<DeviceStreams>,
    pub migrations: MigrationQueue,
    scratch: MoeScratch,
}

/// Per-step working state.
struct StepState {
    ready: Vec<Tick>,
    rec: PhaseRecorder,
    dev: Vec<DeviceTimes>,
    layer: u32,
}

impl<'a> Executor<'a> {
    /// An executor over `devices` (indexed by node id, with their grid `coords`) and `net`.
    pub fn new(
        model: &'a ModelSpec,
        map: &'a PlacementMap,
        devices: Vec<DeviceSpec>,
        coords: Vec<Coord>,
        net: NetDriver,
        cfg: ExecutorConfig,
    ) -> Result<Executor<'a>> {
        let n = devices.len();
        if coords.len() != n || net.topology().num_nodes() != n {
            return Err(Error::Check(format!(
                "executor: {n} devices, {} coordinates, {} network nodes",
                coords.len(),
                net.topology().num_nodes()
            )));
        }
        if let Some(d) = map.used_devices().iter().find(|d| d.index() >= n) {
            return Err(Error::Check(format!(
                "executor: the placement uses device {d}, the platform has {n}"
            )));
        }
        Ok(Executor {
            model,
            map,
            devices,
            coords,
            cfg,
            net,
            streams: vec![DeviceStreams::default(); n],
            migrations: MigrationQueue::default(),
            scratch: MoeScratch::default(),
        })
    }

    fn n(&self) -> usize {
        self.devices.len()
    }

    fn device_of(&self, e: Endpoint) -> Result<NodeId> {
        match e {
            Endpoint::AttentionShard(s) if (s as usize) < self.map.attention.len() => {
                Ok(self.map.attention_device(s))
            }
            other => Err(Error::Check(format!(
                "executor: endpoint {other} is not an attention shard of the placement \
                 ({} shards)",
                self.map.attention.len()
            ))),
        }
    }

    /// Plays step `w` from time zero (streams carry over from earlier steps).
    pub fn run_step(&mut self, w: &StepWorkload) -> Result<StepReport> {
        let n = self.n();
        let dtype = w.precision.weights;
        let start = self
            .streams
            .iter()
            .map(|s| s.compute.free_at.max(s.communication.free_at))
            .max()
            .unwrap_or(Tick::ZERO);
        let mut st = StepState {
            ready: vec![start; n],
            rec: PhaseRecorder::default(),
            dev: vec![DeviceTimes::default(); n],
            layer: 0,
        };
        st.rec.ended(PhaseKind::Embedding, start);
        let _ = st.rec.take();
        let mut head = PhaseTimes::default();

        self.compute_ops(PhaseKind::Embedding, w.embedding.ops.iter(), dtype, &mut st)?;
        self.collectives(
            PhaseKind::Embedding,
            w.embedding.collectives.iter(),
            &mut st,
            None,
        )?;
        head.accumulate(&st.rec.take().0);

        let mut layers = Vec::with_capacity(w.layers.len());
        let mut moe_comp_flops = Tick::ZERO;
        for lw in &w.layers {
            st.layer = lw.layer;
            let phase = |p: CollectivePhase| lw.collectives.iter().filter(move |c| c.phase == p);
            let ops = |k: OpKind| lw.ops.iter().filter(move |o| o.kind == k);
            self.collectives(
                PhaseKind::AttentionCollective,
                phase(CollectivePhase::BeforeAttention),
                &mut st,
                None,
            )?;
            self.compute_ops(PhaseKind::Attention, ops(OpKind::Attention), dtype, &mut st)?;
            self.collectives(
                PhaseKind::AttentionCollective,
                phase(CollectivePhase::AfterAttention),
                &mut st,
                Some(MigrationWindow::AttentionCollective),
            )?;
            match lw.kind {
                LayerKind::Dense => {
                    self.collectives(
                        PhaseKind::FfnCollective,
                        phase(CollectivePhase::BeforeFfn),
                        &mut st,
                        None,
                    )?;
                    self.compute_ops(PhaseKind::DenseFfn, ops(OpKind::DenseFfn), dtype, &mut st)?;
                    self.collectives(
                        PhaseKind::FfnCollective,
                        phase(CollectivePhase::AfterFfn),
                        &mut st,
                        None,
                    )?;
                }
                LayerKind::Moe { moe_index } => {
                    self.compute_ops(PhaseKind::Router, ops(OpKind::Router), dtype, &mut st)?;
                    let routing = w.routing.layer(moe_index);
                    let plan = MoeLayer {
                        model: self.model,
                        precision: &w.precision,
                        map: self.map,
                        moe_index,
                        routing,
                        holders: &w.holders,
                        coords: &self.coords,
                        combine: self.cfg.combine,
                    }
                    .plan(n, &mut self.scratch);
                    let flops = self.moe_layer(&plan, dtype, &mut st)?;
                    moe_comp_flops = moe_comp_flops.saturating_add(flops);
                }
            }
            let (times, end) = st.rec.take();
            layers.push(LayerTimes {
                layer: lw.layer,
                kind: match lw.kind {
                    LayerKind::Dense => "dense",
                    LayerKind::Moe { .. } => "moe",
                },
                phases: times,
                end,
            });
        }
        self.compute_ops(PhaseKind::LmHead, w.lm_head.ops.iter(), dtype, &mut st)?;
        self.collectives(
            PhaseKind::LmHead,
            w.lm_head.collectives.iter(),
            &mut st,
            None,
        )?;
        head.accumulate(&st.rec.take().0);

        let mut phases = head;
        for l in &layers {
            phases.accumulate(&l.phases);
        }
        let end = st.rec.latest();
        Ok(StepReport {
            start,
            step_time: end.saturating_sub(start),
            tokens: w.batch.num_tokens(),
            phase: w.batch.phase(),
            phases,
            layers,
            devices: st.dev,
            moe_comp_flops,
            net: self.net.stats,
            migrations: self.migrations.done.clone(),
        })
    }

    /// Runs `ops` (attention-shard operations) on their devices' compute streams.
    fn compute_ops<'o>(
        &mut self,
        phase: PhaseKind,
        ops: impl Iterator<Item = &'o Op>,
        dtype: DType,
        st: &mut StepState,
    ) -> Result<()> {
        let mut per_dev: Vec<ComputeTime> = vec![ComputeTime::default(); self.n()];
        let mut any = vec![false; self.n()];
        for op in ops {
            let d = self.device_of(op.endpoint)?.index();
            per_dev[d].add(ops_time(&self.devices[d], dtype, [&op.cost]));
            any[d] = true;
        }
        let mut end = Tick::ZERO;
        for d in 0..self.n() {
            if !any[d] {
                continue;
            }
            let span = self.streams[d].compute.issue(st.ready[d], per_dev[d].time);
            st.ready[d] = span.end;
            end = end.max(span.end);
            st.dev[d].compute_busy = st.dev[d].compute_busy.saturating_add(per_dev[d].time);
            if phase == PhaseKind::Attention {
                st.dev[d].attention_busy = st.dev[d].attention_busy.saturating_add(per_dev[d].time);
            }
        }
        if any.iter().any(|&a| a) {
            st.rec.ended(phase, end);
        }
        Ok(())
    }

    /// Runs the tensor-parallel collectives `list` among the devices of their members.
    fn collectives<'c>(
        &mut self,
        phase: PhaseKind,
        list: impl Iterator<Item = &'c Collective>,
        st: &mut StepState,
        window: Option<MigrationWindow>,
    ) -> Result<()> {
        let mut jobs = Vec::new();
        for c in list {
            let devs: Vec<NodeId> = c
                .members
                .iter()
                .map(|&e| self.device_of(e))
                .collect::<Result<_>>()?;
            jobs.push(self.job(devs, c.kind, c.bytes, &st.ready));
        }
        let ends = self.run_jobs(&jobs, TrafficClass::Attention, window, st)?;
        if let Some(end) = ends {
            st.rec.ended(phase, end);
        }
        Ok(())
    }

    /// A collective among `devs` (put in snake order), starting when all are ready.
    fn job(
        &self,
        devs: Vec<NodeId>,
        kind: moesim_workloads::flows::CollectiveKind,
        bytes: u64,
        ready: &[Tick],
    ) -> CollectiveJob {
        let members = match self.cfg.ring_order {
            RingOrder::Snake => snake_order(&devs, &self.coords),
            RingOrder::Placement => devs,
        };
        let start = members
            .iter()
            .map(|d| ready[d.index()].max(self.streams[d.index()].communication.free_at))
            .max()
            .unwrap_or(Tick::ZERO);
        CollectiveJob {
            members,
            kind,
            bytes,
            start,
        }
    }

    /// Runs `jobs` (with the migrations of `window`); members become ready at their job's end.
    /// Returns the latest end, if anything ran.
    fn run_jobs(
        &mut self,
        jobs: &[CollectiveJob],
        class: TrafficClass,
        window: Option<MigrationWindow>,
        st: &mut StepState,
    ) -> Result<Option<Tick>> {
        let start = jobs.iter().map(|j| j.start).min().unwrap_or(Tick::ZERO);
        let extra = match window {
            Some(w) if !jobs.is_empty() => self.migration_messages(w, start),
            _ => Vec::new(),
        };
        if jobs.is_empty() && extra.is_empty() {
            return Ok(None);
        }
        let alg = self.cfg.collective.algorithm();
        let msgs: Vec<Message> = extra.iter().map(|(m, _)| *m).collect();
        let run = run_collectives(
            &mut self.net,
            alg.as_ref(),
            jobs,
            class,
            &msgs,
            TrafficClass::Migration,
        )?;
        let mut end = Tick::ZERO;
        for (job, &e) in jobs.iter().zip(&run.job_end) {
            for d in &job.members {
                st.ready[d.index()] = st.ready[d.index()].max(e);
                self.streams[d.index()].communication.occupy(job.start, e);
            }
            end = end.max(e);
        }
        self.finish_migrations(extra, &run.extra_finish, end, st.layer);
        Ok(Some(end))
    }

    /// The queued migrations of `window` released at `now` or later, as messages.
    fn migration_messages(
        &mut self,
        window: MigrationWindow,
        now: Tick,
    ) -> Vec<(Message, super::migration::Migration)> {
        self.migrations
            .take(window, now)
            .into_iter()
            .map(|m| {
                let release = now
                    .max(m.not_before)
                    .max(self.streams[m.src.index()].migration.free_at);
                (self.net.message(m.src, m.dst, m.bytes, release), m)
            })
            .collect()
    }

    fn finish_migrations(
        &mut self,
        sent: Vec<(Message, super::migration::Migration)>,
        finish: &[Tick],
        phase_end: Tick,
        layer: u32,
    ) {
        for ((msg, m), &f) in sent.into_iter().zip(finish) {
            self.streams[m.src.index()].migration.occupy(msg.release, f);
            self.migrations.done.push(MigrationRecord {
                migration: m,
                layer,
                release: msg.release,
                finish: f,
                phase_end,
                hidden: f <= phase_end,
            });
        }
    }

    /// Sends `pairs` released when their sources are ready (with the migrations of `window`);
    /// returns the latest arrival at each device (`None` where nothing arrived) and the
    /// latest finish overall.
    fn point_to_point(
        &mut self,
        pairs: &[(NodeId, NodeId, u64)],
        ready: &[Tick],
        window: MigrationWindow,
        layer: u32,
    ) -> Result<(Vec<Option<Tick>>, Option<Tick>)> {
        let n = self.n();
        let mut msgs: Vec<Message> = Vec::with_capacity(pairs.len());
        for &(src, dst, b) in pairs {
            let release = ready[src.index()].max(self.streams[src.index()].communication.free_at);
            msgs.push(self.net.message(src, dst, b, release));
        }
        let start = msgs.iter().map(|m| m.release).min().unwrap_or(Tick::ZERO);
        let extra = if msgs.is_empty() {
            Vec::new()
        } else {
            self.migration_messages(window, start)
        };
        let own = msgs.len();
        msgs.extend(extra.iter().map(|(m, _)| *m));
        let mut arrival = vec![None; n];
        if msgs.is_empty() {
            return Ok((arrival, None));
        }
        let mut classes = vec![TrafficClass::Moe; own];
        classes.resize(msgs.len(), TrafficClass::Migration);
        let run = self.net.simulate(&msgs, &classes)?;
        let mut sent_until: Vec<Option<(Tick, Tick)>> = vec![None; n];
        let mut end = Tick::ZERO;
        for (m, &f) in msgs[..own].iter().zip(&run.finish) {
            let a = &mut arrival[m.dst.index()];
            *a = Some(a.map_or(f, |x: Tick| x.max(f)));
            let s = &mut sent_until[m.src.index()];
            *s = Some(s.map_or((m.release, f), |(r, e)| (r.min(m.release), e.max(f))));
            end = end.max(f);
        }
        for (d, s) in sent_until.iter().enumerate() {
            if let Some((r, e)) = s {
                self.streams[d].communication.occupy(*r, *e);
            }
        }
        self.finish_migrations(extra, &run.finish[own..], end, layer);
        Ok((arrival, Some(end)))
    }

    /// Dispatch, expert compute and combine of one MoE layer; returns the layer's largest
    /// FLOP-bound expert time over devices.
    fn moe_layer(&mut self, plan: &MoePlan, dtype: DType, st: &mut StepState) -> Result<Tick> {
        let n = self.n();
        let layer = st.layer;
        // dispatch
        let (arrival, end) = self.point_to_point(
            &plan.dispatch,
            &st.ready,
            MigrationWindow::MoeDispatch,
            layer,
        )?;
        if let Some(e) = end {
            st.rec.ended(PhaseKind::MoeDispatch, e);
        }
        // expert compute
        let mut expert_end = st.ready.clone();
        let mut flop_max = Tick::ZERO;
        let mut any = false;
        let mut phase_end = Tick::ZERO;
        for d in 0..n {
            let local = ops_time(&self.devices[d], dtype, &plan.local[d]);
            let remote = ops_time(&self.devices[d], dtype, &plan.remote[d]);
            if plan.local[d].is_empty() && plan.remote[d].is_empty() {
                continue;
            }
            any = true;
            let after_dispatch = arrival[d].map_or(st.ready[d], |a| a.max(st.ready[d]));
            let c = &mut self.streams[d].compute;
            let e = if self.cfg.overlap_local_experts {
                let l = c.issue(st.ready[d], local.time);
                c.issue(after_dispatch.max(l.end), remote.time).end
            } else {
                c.issue(after_dispatch, local.time.saturating_add(remote.time))
                    .end
            };
            expert_end[d] = e;
            phase_end = phase_end.max(e);
            let busy = local.time.saturating_add(remote.time);
            let flop = local.flop_time.saturating_add(remote.flop_time);
            let dv = &mut st.dev[d];
            dv.compute_busy = dv.compute_busy.saturating_add(busy);
            dv.expert_busy = dv.expert_busy.saturating_add(busy);
            dv.expert_flop_time = dv.expert_flop_time.saturating_add(flop);
            dv.routed_pairs += plan.routed_pairs[d];
            flop_max = flop_max.max(flop);
        }
        if any {
            st.rec.ended(PhaseKind::ExpertCompute, phase_end);
        }
        // combine: partial outputs to the primaries, split-expert all-reduces
        let (back, p2p_end) = self.point_to_point(
            &plan.combine,
            &expert_end,
            MigrationWindow::MoeCombine,
            layer,
        )?;
        let mut done = expert_end.clone();
        for d in 0..n {
            if let Some(a) = back[d] {
                done[d] = done[d].max(a);
            }
        }
        let mut end = p2p_end.unwrap_or(Tick::ZERO);
        let jobs: Vec<CollectiveJob> = plan
            .group_all_reduce
            .iter()
            .map(|&(g, bytes)| {
                self.job(
                    self.map.group(g).to_vec(),
                    moesim_workloads::flows::CollectiveKind::AllReduce,
                    bytes,
                    &expert_end,
                )
            })
            .collect();
        st.ready.clone_from(&done);
        if let Some(e) = self.run_jobs(&jobs, TrafficClass::Moe, None, st)? {
            end = end.max(e);
        }
        // then the all-gather to a token's other holders (an all-reduce of the partial outputs
        // when they went to the nearest holders)
        let tp = self.map.parallelism.attention_tp.max(1);
        let gather_kind = match self.cfg.combine {
            CombineTarget::Primary => moesim_workloads::flows::CollectiveKind::AllGather,
            CombineTarget::NearestHolder => moesim_workloads::flows::CollectiveKind::AllReduce,
        };
        let jobs: Vec<CollectiveJob> = plan
            .gather
            .iter()
            .map(|&(g, bytes)| {
                let devs = self.map.attention[(g * tp) as usize..((g + 1) * tp) as usize].to_vec();
                self.job(devs, gather_kind, bytes, &st.ready)
            })
            .collect();
        if let Some(e) = self.run_jobs(&jobs, TrafficClass::Moe, None, st)? {
            end = end.max(e);
        }
        if end > Tick::ZERO {
            st.rec.ended(PhaseKind::MoeCombine, end);
        }
        Ok(flop_max)
    }
}
