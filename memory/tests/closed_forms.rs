//! The bank-level model against its closed forms, as Ramulator 2 checks its device models:
//! streaming peak bandwidth, unloaded latencies, the random-access row-miss bound and the cost of
//! refresh.

use moesim_memory::dram::closed_form as cf;
use moesim_memory::dram::{
    Access, AddressMapping, DramConfig, MemorySystem, RefreshKind, Request, RowPolicyKind,
    SchedulerKind, presets, traffic,
};

fn with(
    name: &str,
    policy: RowPolicyKind,
    refresh: RefreshKind,
    sched: SchedulerKind,
) -> DramConfig {
    let mut cfg = presets::preset(name).unwrap();
    cfg.controller.row_policy = policy;
    cfg.controller.refresh = refresh;
    cfg.controller.scheduler = sched;
    cfg
}

fn run(cfg: &DramConfig, reqs: &[Request]) -> moesim_memory::DramReport {
    MemorySystem::new(cfg).unwrap().run(reqs).unwrap()
}

/// Streaming reads (open page, FR-FCFS, no refresh) reach the peak channels x burst / tBURST:
/// within 2 % with the row-major mapping (`ro_ba_co_ch`), within 5 % with the bank-interleaved one
/// (`ro_co_ba_ch`, which re-opens every bank at once at each row boundary, tRRD apart).
#[test]
fn streaming_read_approaches_peak() {
    for name in presets::preset_names() {
        for mapping in [AddressMapping::RoBaCoCh, AddressMapping::RoCoBaCh] {
            let mut cfg = with(
                name,
                RowPolicyKind::Open,
                RefreshKind::None,
                SchedulerKind::Frfcfs,
            );
            cfg.controller.address_mapping = mapping;
            let org = &cfg.device.organization;
            let reqs = traffic::sequential(org, org.channels as u64 * 2_000, Access::Read, 0);
            let r = run(&cfg, &reqs);
            let peak = cf::peak_bandwidth(&cfg.device).bytes_per_s;
            let ratio = r.bandwidth().bytes_per_s / peak;
            let floor = match mapping {
                AddressMapping::RoBaCoCh => 0.98,
                AddressMapping::RoCoBaCh => 0.95,
            };
            assert!(
                (floor..=1.0).contains(&ratio),
                "{name} {mapping:?}: {:.1} GB/s is {ratio:.4} of the {:.1} GB/s peak",
                r.bandwidth().gbytes_per_s(),
                peak / 1e9
            );
            assert!(
                r.row_hit_rate() > 0.9,
                "{name} {mapping:?}: hit rate {}",
                r.row_hit_rate()
            );
        }
    }
}

/// An isolated read to a precharged bank takes tRCD + tCL + tBURST (closed page); a read to the
/// open row takes tCL + tBURST; a read to another row of an open bank tRP + tRCD + tCL + tBURST.
#[test]
fn unloaded_read_latency_matches_timing() {
    for name in presets::preset_names() {
        let closed = with(
            name,
            RowPolicyKind::Closed,
            RefreshKind::None,
            SchedulerKind::Frfcfs,
        );
        let t = closed.device.cycles();
        let row = closed.device.organization.row_bytes as u64;
        let stride = closed.device.organization.channels as u64 * row; // ro_ba_co_ch: next bank
        let far = 10_000;
        // Closed page: the second read to the same row still finds the bank precharged.
        let r = run(&closed, &[Request::read(0, 0), Request::read(0, far)]);
        assert_eq!(
            r.latency_min_cycles,
            cf::read_latency_closed_cycles(&t),
            "{name}"
        );
        assert_eq!(
            r.latency_max_cycles,
            cf::read_latency_closed_cycles(&t),
            "{name}"
        );
        assert_eq!(r.row_misses, 2);

        let open = with(
            name,
            RowPolicyKind::Open,
            RefreshKind::None,
            SchedulerKind::Frfcfs,
        );
        let r = run(&open, &[Request::read(0, 0), Request::read(0, far)]);
        assert_eq!(
            r.latency_min_cycles,
            cf::read_latency_hit_cycles(&t),
            "{name}"
        );
        assert_eq!(r.row_hits, 1);

        // Same bank, another row: row index + 1 is `banks` rows further in ro_ba_co_ch.
        let other_row = stride * closed.device.organization.banks_per_channel as u64;
        let r = run(&open, &[Request::read(0, 0), Request::read(other_row, far)]);
        assert_eq!(
            r.latency_max_cycles,
            cf::read_latency_conflict_cycles(&t),
            "{name}"
        );
        assert_eq!(r.row_conflicts, 1);
    }
}

/// Uniformly random reads miss the row buffer and are held to the row-miss bound
/// max(tBURST, tRC / banks, tRRD) per burst; FR-FCFS reaches at least 80 % of it (random bank
/// conflicts and the in-order front end's head-of-line blocking take the rest).
#[test]
fn random_access_is_held_to_the_row_miss_bound() {
    let mut cases = Vec::new();
    for name in presets::preset_names() {
        cases.push(with(
            name,
            RowPolicyKind::Closed,
            RefreshKind::None,
            SchedulerKind::Frfcfs,
        ));
    }
    // A bank-limited variant: 4 banks, so tRC / banks > tRRD.
    let mut few_banks = with(
        "hbm3_stack",
        RowPolicyKind::Closed,
        RefreshKind::None,
        SchedulerKind::Frfcfs,
    );
    few_banks.device.organization.banks_per_channel = 4;
    few_banks.device.organization.rows_per_bank *= 4;
    cases.push(few_banks);
    for mut cfg in cases {
        cfg.controller.queue_depth = 64;
        let org = &cfg.device.organization;
        let reqs = traffic::random(org, org.channels as u64 * 1_500, Access::Read, 0, 11);
        let r = run(&cfg, &reqs);
        let bound = cf::row_miss_bound(&cfg.device).bytes_per_s;
        let ratio = r.bandwidth().bytes_per_s / bound;
        assert!(
            (0.80..=1.0).contains(&ratio),
            "{} ({} banks): {:.1} GB/s is {ratio:.3} of the row-miss bound {:.1} GB/s",
            cfg.name,
            org.banks_per_channel,
            r.bandwidth().gbytes_per_s(),
            bound / 1e9
        );
        assert!(r.row_hit_rate() < 0.01, "hit rate {}", r.row_hit_rate());
    }
}

/// All-bank refresh costs a saturated stream tRFC / tREFI of its bandwidth, plus at most one row
/// cycle per refresh (waiting for tRAS, precharging all banks, re-activating):
/// tRFC / tREFI <= lost <= (tRFC + tRAS + tRP + tRCD) / tREFI.
#[test]
fn refresh_costs_trfc_over_trefi() {
    for name in presets::preset_names() {
        let mut on = with(
            name,
            RowPolicyKind::Open,
            RefreshKind::AllBank,
            SchedulerKind::Frfcfs,
        );
        // Two channels keep the run short; refresh is per channel.
        on.device.organization.channels = 2;
        let mut off = on.clone();
        off.controller.refresh = RefreshKind::None;
        let t = on.device.cycles();
        let per_channel = 20 * t.refi / t.burst;
        let reqs = traffic::sequential(&on.device.organization, 2 * per_channel, Access::Read, 0);
        let with_refresh = run(&on, &reqs);
        let without = run(&off, &reqs);
        let lost = 1.0 - with_refresh.bandwidth().bytes_per_s / without.bandwidth().bytes_per_s;
        let expected = cf::refresh_fraction(&t);
        let upper = (t.rfc + t.ras + t.rp + t.rcd) as f64 / t.refi as f64;
        assert!(
            (expected..=upper).contains(&lost),
            "{name}: refresh costs {lost:.4}, tRFC/tREFI = {expected:.4}, bound {upper:.4}"
        );
        assert!(
            with_refresh.refreshes >= 2 * 19,
            "{} refreshes",
            with_refresh.refreshes
        );
    }
}

/// FCFS never beats FR-FCFS on a mixed stream, and both serve every request.
#[test]
fn frfcfs_is_at_least_as_fast_as_fcfs() {
    let fr = with(
        "hbm3_stack",
        RowPolicyKind::Open,
        RefreshKind::AllBank,
        SchedulerKind::Frfcfs,
    );
    let mut fc = fr.clone();
    fc.controller.scheduler = SchedulerKind::Fcfs;
    let org = &fr.device.organization;
    let mut reqs = traffic::random(org, 4_000, Access::Read, 0, 3);
    for (i, r) in reqs.iter_mut().enumerate() {
        if i % 2 == 0 {
            r.addr = (i as u64 / 2) * org.burst_bytes as u64;
        }
    }
    let a = run(&fr, &reqs);
    let b = run(&fc, &reqs);
    assert_eq!(a.requests, 4_000);
    assert_eq!(b.requests, 4_000);
    assert!(a.elapsed_cycles() <= b.elapsed_cycles());
    assert!(a.row_hits >= b.row_hits);
}

/// Writes are served and counted; out-of-order arrivals are rejected.
#[test]
fn writes_and_input_errors() {
    let cfg = with(
        "hbm3_stack",
        RowPolicyKind::Open,
        RefreshKind::None,
        SchedulerKind::Frfcfs,
    );
    let org = &cfg.device.organization;
    let reqs = traffic::sequential(org, 256, Access::Write, 1);
    let r = run(&cfg, &reqs);
    assert_eq!((r.writes, r.reads), (256, 0));
    let sys = MemorySystem::new(&cfg).unwrap();
    assert!(
        sys.run(&[Request::read(0, 5), Request::read(0, 4)])
            .is_err()
    );
}

/// The bandwidth-latency model derived from a bank-level device: efficiency is the streaming
/// bandwidth with refresh over the peak, latency the open-row hit latency.
#[test]
fn bandwidth_model_from_bank_level_device() {
    let cfg = presets::preset("hybrid_bonded_3d").unwrap();
    let m = moesim_memory::BandwidthLatency::from_dram(&cfg).unwrap();
    let t = cfg.device.cycles();
    let peak = cf::peak_bandwidth(&cfg.device).gbytes_per_s();
    assert!((m.peak_gbytes_per_s - peak).abs() < 1e-9);
    let lost_max = (t.rfc + t.ras + t.rp + t.rcd) as f64 / t.refi as f64;
    assert!(
        m.efficiency <= 1.0 - cf::refresh_fraction(&t) && m.efficiency >= 1.0 - lost_max - 0.01,
        "efficiency {}",
        m.efficiency
    );
    let hit_ns = (cf::read_latency_hit_cycles(&t) * t.tck_ps) as f64 / 1000.0;
    assert_eq!(m.unloaded_latency_ns, hit_ns);
}

mod invariants {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Every request is served exactly once, outcomes add up, the bandwidth never exceeds the
        /// peak and no latency is below the row-hit latency, whatever the policies.
        #[test]
        fn conservation_and_bounds(
            seed in 0u64..1_000,
            n in 1u64..600,
            gap in 0u64..4,
            closed in any::<bool>(),
            fcfs in any::<bool>(),
            bank_interleave in any::<bool>(),
        ) {
            let mut cfg = presets::preset("hbm3_stack").unwrap();
            cfg.device.organization.channels = 4;
            cfg.controller.row_policy = if closed { RowPolicyKind::Closed } else { RowPolicyKind::Open };
            cfg.controller.scheduler = if fcfs { SchedulerKind::Fcfs } else { SchedulerKind::Frfcfs };
            cfg.controller.address_mapping =
                if bank_interleave { AddressMapping::RoCoBaCh } else { AddressMapping::RoBaCoCh };
            let org = cfg.device.organization.clone();
            let mut reqs = traffic::random(&org, n, Access::Read, gap, seed);
            for (i, r) in reqs.iter_mut().enumerate() {
                if i % 3 == 0 { r.access = Access::Write; }
                if i % 2 == 0 { r.addr = i as u64 * org.burst_bytes as u64; }
            }
            let r = run(&cfg, &reqs);
            prop_assert_eq!(r.requests, n);
            prop_assert_eq!(r.reads + r.writes, n);
            prop_assert_eq!(r.row_hits + r.row_misses + r.row_conflicts, n);
            prop_assert!(r.bandwidth().bytes_per_s <= cf::peak_bandwidth(&cfg.device).bytes_per_s * (1.0 + 1e-9));
            prop_assert!(r.latency_min_cycles >= cf::read_latency_hit_cycles(&cfg.device.cycles()));
            prop_assert_eq!(&r, &run(&cfg, &reqs));
        }
    }
}
