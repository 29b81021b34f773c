//! Property tests of max-min fairness and of the flow tier's incremental event engine.

use moesim_core::{LinkId, Tick};
use moesim_noc::tier::fluid::{self, FluidFlow};
use moesim_noc::tier::maxmin::{Filling, check_max_min, max_min_rates};
use proptest::prelude::*;

/// Random instances: capacities of `nres` resources and flows over distinct resources.
fn instance() -> impl Strategy<Value = (Vec<f64>, Vec<Vec<u32>>)> {
    (1usize..12).prop_flat_map(|nres| {
        (
            prop::collection::vec(0.1f64..10.0, nres),
            prop::collection::vec(
                prop::collection::btree_set(0..nres as u32, 1..=nres.min(5)),
                1..25,
            )
            .prop_map(|v| v.into_iter().map(|s| s.into_iter().collect()).collect()),
        )
    })
}

/// One flow for the engine: path, bytes, release (ps).
type FlowSpec = (Vec<u32>, f64, u64);

/// A flow set for the engine: capacities and flows.
fn flow_set() -> impl Strategy<Value = (Vec<f64>, Vec<FlowSpec>)> {
    (1usize..8).prop_flat_map(|nres| {
        (
            prop::collection::vec(0.2f64..4.0, nres),
            prop::collection::vec(
                (
                    prop::collection::btree_set(0..nres as u32, 1..=nres.min(4))
                        .prop_map(|s| s.into_iter().collect::<Vec<u32>>()),
                    1.0f64..5_000.0,
                    prop_oneof![Just(0u64), 0u64..3_000],
                ),
                1..30,
            ),
        )
    })
}

/// The textbook simulator: full max-min re-solve at every event, all flows advanced every step.
fn reference(cap: &[f64], flows: &[FlowSpec]) -> Vec<f64> {
    let n = flows.len();
    let mut left: Vec<f64> = flows.iter().map(|f| f.1).collect();
    let mut end = vec![f64::NAN; n];
    let mut now = 0.0f64;
    loop {
        let active: Vec<usize> = (0..n)
            .filter(|&i| end[i].is_nan() && flows[i].2 as f64 <= now)
            .collect();
        let next_release = (0..n)
            .filter(|&i| end[i].is_nan() && flows[i].2 as f64 > now)
            .map(|i| flows[i].2 as f64)
            .fold(f64::INFINITY, f64::min);
        if active.is_empty() {
            if next_release.is_infinite() {
                return end;
            }
            now = next_release;
            continue;
        }
        let paths: Vec<Vec<u32>> = active.iter().map(|&i| flows[i].0.clone()).collect();
        let rates = max_min_rates(cap, &paths);
        let dt_fin = active
            .iter()
            .zip(&rates)
            .map(|(&i, &r)| left[i] / r)
            .fold(f64::INFINITY, f64::min);
        let dt = dt_fin.min(next_release - now);
        for (&i, &r) in active.iter().zip(&rates) {
            left[i] -= r * dt;
            if left[i] <= 1e-9 * flows[i].1 {
                end[i] = now + dt;
            }
        }
        now += dt;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// No flow can be increased without decreasing one of smaller or equal rate: every flow has
    /// a saturated resource on which it has the largest rate, and no resource is over capacity.
    #[test]
    fn progressive_filling_is_max_min_fair((cap, paths) in instance()) {
        let rates = max_min_rates(&cap, &paths);
        prop_assert!(rates.iter().all(|r| *r > 0.0 && r.is_finite()));
        if let Err(e) = check_max_min(&cap, &paths, &rates, 1e-9) {
            prop_assert!(false, "{}", e);
        }
    }

    /// Raising any one flow by a little breaks capacity unless some flow of smaller or equal
    /// rate is lowered: checked directly on every flow.
    #[test]
    fn no_flow_can_grow_alone((cap, paths) in instance()) {
        let rates = max_min_rates(&cap, &paths);
        for f in 0..paths.len() {
            let mut load = vec![0.0; cap.len()];
            for (g, p) in paths.iter().enumerate() {
                let r = if g == f { rates[g] * (1.0 + 1e-6) } else { rates[g] };
                for &k in p { load[k as usize] += r; }
            }
            let over = paths[f].iter().any(|&k| load[k as usize] > cap[k as usize] * (1.0 + 1e-9));
            prop_assert!(over, "flow {} could grow", f);
        }
    }

    /// The incremental engine gives the same finish times as a full re-solve at every event,
    /// carries every byte, and never exceeds a resource's capacity in any window.
    #[test]
    fn incremental_engine_matches_full_resolve((cap, flows) in flow_set()) {
        let mut paths = Vec::new();
        let mut specs = Vec::new();
        for (p, b, r) in &flows {
            specs.push(FluidFlow {
                path_start: paths.len() as u32,
                path_len: p.len() as u32,
                bytes: *b,
                release_ps: *r,
            });
            paths.extend_from_slice(p);
        }
        let mut fill = Filling::new(cap.len());
        let window = Tick(250);
        let got = fluid::run(&cap, &paths, &specs, window, 0.0, &mut fill).unwrap();
        let want = reference(&cap, &flows);
        for (i, (g, w)) in got.end_ps.iter().zip(&want).enumerate() {
            prop_assert!((g - w).abs() <= 1e-6 * w.max(1.0), "flow {}: {} vs {}", i, g, w);
        }
        for k in 0..cap.len() {
            let carried = got.load.total(LinkId(k as u32));
            let routed: f64 = flows.iter().filter(|f| f.0.contains(&(k as u32))).map(|f| f.1).sum();
            prop_assert!((carried - routed).abs() <= 1e-6 * routed.max(1.0), "resource {}: {} vs {}", k, carried, routed);
            for w in &got.load.bytes {
                prop_assert!(w[k] <= cap[k] * window.as_ps() as f64 * (1.0 + 1e-9) + 1e-6);
            }
        }
    }
}
