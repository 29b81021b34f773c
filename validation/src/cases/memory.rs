//! The bank-level DRAM model against its closed forms, checked the way Ramulator 2 checks its
//! device models: streaming peak bandwidth, unloaded read latency, the random-access row-miss
//! bound and the cost of refresh, for both presets of moesim-memory.

use crate::case::{Case, Check, Context, Tolerance};
use moesim_core::Result;
use moesim_memory::dram::closed_form as cf;
use moesim_memory::dram::{
    Access, AddressMapping, DramConfig, MemorySystem, RefreshKind, Request, RowPolicyKind, presets,
    traffic,
};

const EXACT: Tolerance = Tolerance::Relative { frac: 1e-9 };

/// `[lo, hi]` widened outward to multiples of `1 / per_unit`, so the report prints short bounds.
fn range(lo: f64, hi: f64, per_unit: f64) -> Tolerance {
    Tolerance::Range {
        lo: (lo * per_unit).floor() / per_unit,
        hi: (hi * per_unit).ceil() / per_unit,
    }
}

/// The memory cases.
pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "dram_streaming_peak",
            source: "closed form: channels x burst_bytes / tBURST (Ramulator 2 \
                     tests/latency_throughput)",
            setup: "Presets hbm3_stack and hybrid_bonded_3d, open page, FR-FCFS, row-major \
                    mapping (ro_ba_co_ch), no refresh; 4000 sequential read bursts per channel \
                    offered at cycle 0. Accepted: 98% to 100% of the peak.",
            run: run_streaming,
        },
        Case {
            id: "dram_unloaded_latency",
            source: "closed form: tRCD + tCL + tBURST (closed page), tCL + tBURST (row hit), \
                     tRP + tRCD + tCL + tBURST (row conflict)",
            setup: "Both presets, one isolated read after an idle period: to a precharged bank \
                    (closed page), to the open row, and to another row of an open bank (open \
                    page). Exact.",
            run: run_latency,
        },
        Case {
            id: "dram_row_miss_bound",
            source: "closed form: channels x burst_bytes / max(tBURST, tRC / banks, tRRD), \
                     tRC = max(tRAS, tRCD + tRTP) + tRP",
            setup: "Both presets and a 4-bank variant of hbm3_stack (bank-limited), closed page, \
                    FR-FCFS, 64-entry queues, 2000 uniformly random read bursts per channel. \
                    Accepted: 80% to 100% of the bound (random bank conflicts and in-order \
                    front-end stalls take the rest).",
            run: run_random,
        },
        Case {
            id: "dram_refresh_cost",
            source: "closed form: all-bank refresh blocks a channel tRFC every tREFI",
            setup: "Both presets (two channels), open page, a saturating sequential read stream \
                    over 20 refresh intervals, with and without refresh. The bandwidth lost must \
                    lie between tRFC / tREFI and (tRFC + tRAS + tRP + tRCD) / tREFI (at most one \
                    row cycle around each refresh).",
            run: run_refresh,
        },
    ]
}

fn preset(name: &str, policy: RowPolicyKind, refresh: RefreshKind) -> Result<DramConfig> {
    let mut cfg = presets::preset(name)?;
    cfg.controller.row_policy = policy;
    cfg.controller.refresh = refresh;
    cfg.controller.address_mapping = AddressMapping::RoBaCoCh;
    Ok(cfg)
}

fn run_streaming(_ctx: &Context) -> Result<Vec<Check>> {
    let mut checks = Vec::new();
    for name in presets::preset_names() {
        let cfg = preset(name, RowPolicyKind::Open, RefreshKind::None)?;
        let org = &cfg.device.organization;
        let reqs = traffic::sequential(org, org.channels as u64 * 4_000, Access::Read, 0);
        let r = MemorySystem::new(&cfg)?.run(&reqs)?;
        let peak = cf::peak_bandwidth(&cfg.device).gbytes_per_s();
        checks.push(Check::new(
            &format!("{name} streaming read bandwidth"),
            "GB/s",
            peak,
            r.bandwidth().gbytes_per_s(),
            range(0.98 * peak, peak, 10.0),
        ));
    }
    Ok(checks)
}

fn run_latency(_ctx: &Context) -> Result<Vec<Check>> {
    let mut checks = Vec::new();
    for name in presets::preset_names() {
        let closed = preset(name, RowPolicyKind::Closed, RefreshKind::None)?;
        let open = preset(name, RowPolicyKind::Open, RefreshKind::None)?;
        let t = closed.device.cycles();
        let ns = |cycles: u64| (cycles * t.tck_ps) as f64 / 1000.0;
        let org = &closed.device.organization;
        let other_row = org.channels as u64 * org.row_bytes as u64 * org.banks_per_channel as u64;
        let far = 10_000;
        let probe = |cfg: &DramConfig, second: u64| -> Result<f64> {
            let r =
                MemorySystem::new(cfg)?.run(&[Request::read(0, 0), Request::read(second, far)])?;
            Ok(ns(r.latency_max_cycles))
        };
        checks.push(Check::new(
            &format!("{name} read latency, closed page"),
            "ns",
            ns(cf::read_latency_closed_cycles(&t)),
            probe(&closed, 0)?,
            EXACT,
        ));
        let r = MemorySystem::new(&open)?.run(&[Request::read(0, 0), Request::read(0, far)])?;
        checks.push(Check::new(
            &format!("{name} read latency, row hit"),
            "ns",
            ns(cf::read_latency_hit_cycles(&t)),
            ns(r.latency_min_cycles),
            EXACT,
        ));
        checks.push(Check::new(
            &format!("{name} read latency, row conflict"),
            "ns",
            ns(cf::read_latency_conflict_cycles(&t)),
            probe(&open, other_row)?,
            EXACT,
        ));
    }
    Ok(checks)
}

fn run_random(_ctx: &Context) -> Result<Vec<Check>> {
    let mut cfgs = Vec::new();
    for name in presets::preset_names() {
        cfgs.push((
            name.to_string(),
            preset(name, RowPolicyKind::Closed, RefreshKind::None)?,
        ));
    }
    let mut few = preset("hbm3_stack", RowPolicyKind::Closed, RefreshKind::None)?;
    few.device.organization.banks_per_channel = 4;
    few.device.organization.rows_per_bank *= 4;
    cfgs.push(("hbm3_stack, 4 banks".to_string(), few));
    let mut checks = Vec::new();
    for (label, mut cfg) in cfgs {
        cfg.controller.queue_depth = 64;
        let org = &cfg.device.organization;
        let reqs = traffic::random(org, org.channels as u64 * 2_000, Access::Read, 0, 1);
        let r = MemorySystem::new(&cfg)?.run(&reqs)?;
        let bound = cf::row_miss_bound(&cfg.device).gbytes_per_s();
        checks.push(Check::new(
            &format!("{label} random read bandwidth"),
            "GB/s",
            bound,
            r.bandwidth().gbytes_per_s(),
            range(0.8 * bound, bound, 10.0),
        ));
    }
    Ok(checks)
}

fn run_refresh(_ctx: &Context) -> Result<Vec<Check>> {
    let mut checks = Vec::new();
    for name in presets::preset_names() {
        let mut on = preset(name, RowPolicyKind::Open, RefreshKind::AllBank)?;
        on.device.organization.channels = 2;
        let mut off = on.clone();
        off.controller.refresh = RefreshKind::None;
        let t = on.device.cycles();
        let reqs = traffic::sequential(
            &on.device.organization,
            2 * 20 * t.refi / t.burst,
            Access::Read,
            0,
        );
        let with = MemorySystem::new(&on)?.run(&reqs)?.bandwidth().bytes_per_s;
        let without = MemorySystem::new(&off)?.run(&reqs)?.bandwidth().bytes_per_s;
        let lo = cf::refresh_fraction(&t);
        let hi = (t.rfc + t.ras + t.rp + t.rcd) as f64 / t.refi as f64;
        checks.push(Check::new(
            &format!("{name} bandwidth lost to refresh"),
            "fraction",
            lo,
            1.0 - with / without,
            range(lo, hi, 1e4),
        ));
    }
    Ok(checks)
}
