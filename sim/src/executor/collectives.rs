//! Plays collectives on the network tier: every collective of one phase advances one step per
//! tier call (the steps of different collectives run in the same call, so they contend), and a
//! collective's next step is released when its previous step has been delivered. Extra
//! messages (migrations) ride in the first call.

use super::collective::CollectiveAlgorithm;
use super::net::NetDriver;
use super::timeline::TrafficClass;
use moesim_core::{NodeId, Result, Tick};
use moesim_noc::tier::Message;
use moesim_workloads::flows::CollectiveKind;

/// One collective to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectiveJob {
    /// Members in ring / chain order.
    pub members: Vec<NodeId>,
    pub kind: CollectiveKind,
    /// The full tensor (see [`super::collective`]).
    pub bytes: u64,
    /// When every member's input is ready.
    pub start: Tick,
}

/// When the jobs and the extra messages finished.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CollectiveRun {
    pub job_end: Vec<Tick>,
    pub extra_finish: Vec<Tick>,
}

/// Runs `jobs` with `alg` (traffic of `class`), plus `extra` messages of `extra_class` in the
/// first call.
pub fn run_collectives(
    net: &mut NetDriver,
    alg: &dyn CollectiveAlgorithm,
    jobs: &[CollectiveJob],
    class: TrafficClass,
    extra: &[Message],
    extra_class: TrafficClass,
) -> Result<CollectiveRun> {
    let schedules: Vec<_> = jobs
        .iter()
        .map(|j| alg.schedule(j.kind, j.members.len(), j.bytes))
        .collect();
    let mut time: Vec<Tick> = jobs.iter().map(|j| j.start).collect();
    let rounds = schedules.iter().map(Vec::len).max().unwrap_or(0);
    let mut extra_finish = Vec::new();
    let mut msgs: Vec<Message> = Vec::new();
    let mut classes: Vec<TrafficClass> = Vec::new();
    let mut owner: Vec<usize> = Vec::new();
    for k in 0..rounds.max(usize::from(!extra.is_empty())) {
        msgs.clear();
        owner.clear();
        classes.clear();
        for (j, (job, sched)) in jobs.iter().zip(&schedules).enumerate() {
            let Some(step) = sched.get(k) else { continue };
            let mut offset = Tick::ZERO;
            for s in &step.sends {
                let (src, dst) = (job.members[s.from], job.members[s.to]);
                msgs.push(net.message(src, dst, s.bytes, time[j] + offset));
                owner.push(j);
                if step.pipelined {
                    offset = offset.saturating_add(net.latency(src, dst)?);
                }
            }
        }
        classes.resize(msgs.len(), class);
        if k == 0 {
            msgs.extend_from_slice(extra);
            classes.resize(msgs.len(), extra_class);
        }
        if msgs.is_empty() {
            continue;
        }
        let run = net.simulate(&msgs, &classes)?;
        for (i, &j) in owner.iter().enumerate() {
            time[j] = time[j].max(run.finish[i]);
        }
        if k == 0 {
            extra_finish = run.finish[owner.len()..].to_vec();
        }
    }
    Ok(CollectiveRun {
        job_end: time,
        extra_finish,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::collective::{ReduceBroadcast, Ring};
    use moesim_core::{ClockDomain, MeshShape};
    use moesim_noc::config::RoutingConfig;
    use moesim_noc::tier::{EndpointBandwidth, NetworkParams, TierConfig};
    use moesim_noc::topology::mesh::build_mesh;

    fn driver(tier: TierConfig) -> NetDriver {
        // 4x1 mesh, 10 B/ns links, 1 ns per hop, unlimited endpoints
        let topo = build_mesh(MeshShape::new(4, 1), 1, 1);
        let mut p = NetworkParams::new(ClockDomain::from_ghz(1.0), 10);
        p.router_delay_cycles = 0;
        p.endpoint = EndpointBandwidth::Unlimited;
        NetDriver::new(&tier, &RoutingConfig::Dor, &topo, &p, "t").unwrap()
    }

    fn job(bytes: u64) -> CollectiveJob {
        CollectiveJob {
            members: (0..4).map(NodeId).collect(),
            kind: CollectiveKind::AllReduce,
            bytes,
            start: Tick::from_ns(5.0),
        }
    }

    #[test]
    fn ring_and_chain_all_reduce_times() {
        for tier in [TierConfig::Analytic, TierConfig::default()] {
            let mut net = driver(tier);
            let r = run_collectives(
                &mut net,
                &Ring,
                &[job(4000)],
                TrafficClass::Attention,
                &[],
                TrafficClass::Migration,
            )
            .unwrap();
            // 6 steps of 1000 B: 100 ns each; the closing hop 3 -> 0 takes 3 ns, the rest 1 ns
            assert_eq!(r.job_end[0], Tick::from_ns(5.0 + 6.0 * 103.0));
            let r = run_collectives(
                &mut net,
                &ReduceBroadcast,
                &[job(4000)],
                TrafficClass::Attention,
                &[],
                TrafficClass::Migration,
            )
            .unwrap();
            // reduce: 3 chained links streaming 4000 B (400 ns) + 3 hops; broadcast the same
            assert_eq!(r.job_end[0], Tick::from_ns(5.0 + 2.0 * 403.0));
        }
    }

    #[test]
    fn extra_messages_share_the_first_round() {
        let mut net = driver(TierConfig::default());
        let extra = [net.message(NodeId(0), NodeId(1), 1000, Tick::from_ns(5.0))];
        let r = run_collectives(
            &mut net,
            &Ring,
            &[job(4000)],
            TrafficClass::Attention,
            &extra,
            TrafficClass::Migration,
        )
        .unwrap();
        // link 0->1 shared by the first ring step and the copy: both at half rate
        assert_eq!(r.extra_finish, vec![Tick::from_ns(5.0 + 200.0 + 1.0)]);
        assert!(r.job_end[0] > Tick::from_ns(5.0 + 6.0 * 103.0));
        assert!(net.timeline.totals[TrafficClass::Migration.index()][0] > 0.0);
        // only extra messages
        let extra = [net.message(NodeId(2), NodeId(3), 500, Tick::ZERO)];
        let r = run_collectives(
            &mut net,
            &Ring,
            &[],
            TrafficClass::Attention,
            &extra,
            TrafficClass::Migration,
        )
        .unwrap();
        assert_eq!(r.extra_finish, vec![Tick::from_ns(51.0)]);
    }
}
