//! Calibration of the synthetic generator against real routing: simulated method of moments.
//! Each parameter drives mainly one statistic, monotonically; coordinate-wise bisection (several
//! rounds over all parameters, the same seed at every evaluation) finds the parameters whose
//! generated statistics equal the real ones.
//!
//! | parameter | statistic |
//! |---|---|
//! | `popularity.concentration` | mean per-layer max/mean load |
//! | `profiles.on_profile` | l -> l+1 transition share (per token) or rank-aligned 0->7, 7->15 share (OLMoE) |
//! | `profiles.follow` | co-activation share |
//! | `profiles.switch` | l -> l+7 transition share |
//! | `tasks.concentration` | segment (category / domain) divergence |
//!
//! The number of profiles per expert is structural (a step function of its parameter), so the
//! per-token fit runs the bisection for each value of [`PROFILES_PER_EXPERT_GRID`] and keeps the
//! one with the smallest sum of squared relative errors.

use super::reference::{AllenaiStats, allenai_stats_of_tables};
use super::stats::{DEFAULT_WINDOW_TOKENS, RoutingStats};
use super::synthetic::{Drift, Popularity, SyntheticParams, SyntheticRouting};
use super::{RoutingShape, RoutingTable};
use moesim_core::Result;
use serde::Serialize;

/// The statistics a per-token trace gives the fit.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PerTokenTargets {
    pub max_over_mean: f64,
    pub transition_share: f64,
    pub far_transition_share: f64,
    pub coactivation_share: f64,
    pub segment_divergence: f64,
}

impl PerTokenTargets {
    /// The targets of a trace's statistics (missing figures, e.g. co-activation at top-1, are
    /// 0 and their knobs are left alone).
    pub fn of(s: &RoutingStats) -> PerTokenTargets {
        PerTokenTargets {
            max_over_mean: s.max_over_mean.mean,
            transition_share: s.transition_share.unwrap_or(0.0),
            far_transition_share: s.far_transition_share.unwrap_or(0.0),
            coactivation_share: s.coactivation_share.unwrap_or(0.0),
            segment_divergence: s.segment_divergence.unwrap_or(0.0),
        }
    }
}

/// Generated routing arranged like a reference: segment `i` has `segment_tokens[i]` tokens of
/// task `i mod tasks`.
pub fn generated_segments(
    params: &SyntheticParams,
    shape: &RoutingShape,
    seed: u64,
    segment_tokens: &[u32],
) -> Result<Vec<RoutingTable>> {
    let g = SyntheticRouting::new(
        params.clone(),
        Drift::Uniform,
        1,
        shape.clone(),
        seed,
        "fit",
    )?;
    let tasks = params.tasks.count;
    Ok(segment_tokens
        .iter()
        .enumerate()
        .map(|(i, &n)| g.generate_task(i as u32 % tasks, n, 0))
        .collect())
}

/// The statistics of generated routing arranged like a reference.
pub fn generated_stats(
    params: &SyntheticParams,
    shape: &RoutingShape,
    seed: u64,
    segment_tokens: &[u32],
) -> Result<RoutingStats> {
    let segs = generated_segments(params, shape, seed, segment_tokens)?;
    Ok(RoutingStats::of_segments(
        &segs,
        shape.num_experts,
        DEFAULT_WINDOW_TOKENS,
    ))
}

/// One fitted parameter: its range and the statistic it drives.
struct Knob<S> {
    lo: f64,
    hi: f64,
    log: bool,
    /// The statistic grows with the parameter.
    increasing: bool,
    set: fn(&mut SyntheticParams, f64),
    stat: fn(&S) -> f64,
    target: f64,
}

fn set_concentration(p: &mut SyntheticParams, v: f64) {
    p.popularity = Popularity::Dirichlet { concentration: v };
}
fn set_on(p: &mut SyntheticParams, v: f64) {
    p.profiles.on_profile = v;
}
fn set_follow(p: &mut SyntheticParams, v: f64) {
    p.profiles.follow = v;
}
fn set_switch(p: &mut SyntheticParams, v: f64) {
    p.profiles.switch = v;
}
fn set_task_concentration(p: &mut SyntheticParams, v: f64) {
    p.tasks.concentration = v;
}

/// The result of a fit.
#[derive(Clone, Debug)]
pub struct Fit<S> {
    pub params: SyntheticParams,
    /// The statistics the fitted parameters produce (at the fit's seed).
    pub achieved: S,
    pub evaluations: u32,
}

/// Bisection steps per parameter per round.
const ITERS: u32 = 12;

fn coordinate_bisection<S>(
    start: &SyntheticParams,
    knobs: &[Knob<S>],
    rounds: u32,
    eval: &mut dyn FnMut(&SyntheticParams) -> Result<S>,
) -> Result<Fit<S>> {
    let mut p = start.clone();
    let mut evaluations = 0;
    for _ in 0..rounds {
        for k in knobs {
            let (mut a, mut b) = (k.lo, k.hi);
            let mid = |a: f64, b: f64| if k.log { (a * b).sqrt() } else { 0.5 * (a + b) };
            for _ in 0..ITERS {
                let m = mid(a, b);
                (k.set)(&mut p, m);
                let s = (k.stat)(&eval(&p)?);
                evaluations += 1;
                if (s < k.target) == k.increasing {
                    a = m;
                } else {
                    b = m;
                }
            }
            (k.set)(&mut p, mid(a, b));
        }
    }
    let achieved = eval(&p)?;
    Ok(Fit {
        params: p,
        achieved,
        evaluations: evaluations + 1,
    })
}

/// Profiles per expert tried by [`fit_per_token`].
pub const PROFILES_PER_EXPERT_GRID: [f64; 4] = [0.25, 0.5, 1.0, 2.0];

/// Sum of squared relative errors of the fitted statistics.
pub fn per_token_error(targets: &PerTokenTargets, s: &RoutingStats) -> f64 {
    let rel = |t: f64, a: Option<f64>| match a {
        Some(a) if t != 0.0 => ((a - t) / t).powi(2),
        _ => 0.0,
    };
    rel(targets.max_over_mean, Some(s.max_over_mean.mean))
        + rel(targets.transition_share, s.transition_share)
        + rel(targets.far_transition_share, s.far_transition_share)
        + rel(targets.coactivation_share, s.coactivation_share)
        + rel(targets.segment_divergence, s.segment_divergence)
}

/// Fits every parameter to a per-token trace's statistics: bisection for each profile count of
/// [`PROFILES_PER_EXPERT_GRID`], the best kept. `segment_tokens` are the reference's segment sizes
/// (generated segments have the same sizes, so sampling noise is alike).
pub fn fit_per_token(
    targets: &PerTokenTargets,
    shape: &RoutingShape,
    segment_tokens: &[u32],
    start: &SyntheticParams,
    seed: u64,
    rounds: u32,
) -> Result<Fit<RoutingStats>> {
    let mut best: Option<(f64, Fit<RoutingStats>)> = None;
    let mut evaluations = 0;
    for per_expert in PROFILES_PER_EXPERT_GRID {
        let mut s = start.clone();
        s.profiles.per_expert = per_expert;
        let f = fit_per_token_bisection(targets, shape, segment_tokens, &s, seed, rounds)?;
        evaluations += f.evaluations;
        let err = per_token_error(targets, &f.achieved);
        if best.as_ref().is_none_or(|(e, _)| err < *e) {
            best = Some((err, f));
        }
    }
    let (_, mut f) = best.ok_or_else(|| moesim_core::Error::Check("empty profile grid".into()))?;
    f.evaluations = evaluations;
    Ok(f)
}

/// The bisection of [`fit_per_token`] at the profile count of `start`.
pub fn fit_per_token_bisection(
    targets: &PerTokenTargets,
    shape: &RoutingShape,
    segment_tokens: &[u32],
    start: &SyntheticParams,
    seed: u64,
    rounds: u32,
) -> Result<Fit<RoutingStats>> {
    let mut knobs = vec![
        Knob {
            lo: 0.5,
            hi: 5000.0,
            log: true,
            increasing: false,
            set: set_concentration,
            stat: |s: &RoutingStats| s.max_over_mean.mean,
            target: targets.max_over_mean,
        },
        Knob {
            lo: 0.0,
            hi: 1.0,
            log: false,
            increasing: true,
            set: set_on,
            stat: |s: &RoutingStats| s.transition_share.unwrap_or(0.0),
            target: targets.transition_share,
        },
        Knob {
            lo: 0.0,
            hi: 0.5,
            log: false,
            increasing: false,
            set: set_switch,
            stat: |s: &RoutingStats| s.far_transition_share.unwrap_or(0.0),
            target: targets.far_transition_share,
        },
    ];
    if shape.top_k > 1 {
        knobs.insert(
            2,
            Knob {
                lo: 0.0,
                hi: 1.0,
                log: false,
                increasing: true,
                set: set_follow,
                stat: |s: &RoutingStats| s.coactivation_share.unwrap_or(0.0),
                target: targets.coactivation_share,
            },
        );
    }
    if segment_tokens.len() > 1 {
        knobs.push(Knob {
            lo: 0.1,
            hi: 1e5,
            log: true,
            increasing: false,
            set: set_task_concentration,
            stat: |s: &RoutingStats| s.segment_divergence.unwrap_or(0.0),
            target: targets.segment_divergence,
        });
    }
    let mut start = start.clone();
    start.tasks.count = start.tasks.count.max(segment_tokens.len() as u32);
    coordinate_bisection(&start, &knobs, rounds, &mut |p| {
        generated_stats(p, shape, seed, segment_tokens)
    })
}

/// Fits base popularity, profile persistence and task concentration to the allenai statistics (per-expert
/// loads of three layers, rank-aligned pairs 0->7 and 7->15, five domains); `on_profile`,
/// `follow` and the profile count stay as in `start`. In OLMoE the 0->7 pairs are nearly as
/// spread as the destination layer's load (little affinity beyond popularity) while the domains
/// differ strongly: the fit finds that as a high `switch` (a token's profile is redrawn from its
/// task's weights in most layers) with concentrated task weights.
pub fn fit_allenai(
    targets: &AllenaiStats,
    shape: &RoutingShape,
    tokens_per_domain: u32,
    domains: u32,
    start: &SyntheticParams,
    seed: u64,
    rounds: u32,
) -> Result<Fit<AllenaiStats>> {
    let knobs = [
        Knob {
            lo: 0.05,
            hi: 1000.0,
            log: true,
            increasing: false,
            set: set_concentration,
            stat: |s: &AllenaiStats| s.max_over_mean,
            target: targets.max_over_mean,
        },
        Knob {
            lo: 0.0,
            hi: 1.0,
            log: false,
            increasing: false,
            set: set_switch,
            stat: |s: &AllenaiStats| s.aligned_share,
            target: targets.aligned_share,
        },
        Knob {
            lo: 0.01,
            hi: 1e5,
            log: true,
            increasing: false,
            set: set_task_concentration,
            stat: |s: &AllenaiStats| s.divergence,
            target: targets.divergence,
        },
    ];
    let mut start = start.clone();
    start.tasks.count = domains;
    let tokens = vec![tokens_per_domain; domains as usize];
    coordinate_bisection(&start, &knobs, rounds, &mut |p| {
        let segs = generated_segments(p, shape, seed, &tokens)?;
        Ok(allenai_stats_of_tables(&segs, shape.num_experts as usize))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelSpec;
    use crate::routing::synthetic::SyntheticPreset;

    #[test]
    fn bisection_recovers_a_known_parameter() {
        // Generate with a known on_profile, then fit it back from the statistics alone.
        let m = ModelSpec::preset("mixtral-8x7b").unwrap();
        let shape = RoutingShape::of(&m);
        let mut truth = SyntheticPreset::for_experts(8).unwrap();
        truth.profiles.on_profile = 0.6;
        let tokens = [3000u32];
        let real = generated_stats(&truth, &shape, 5, &tokens).unwrap();
        let target = real.transition_share.unwrap();
        let knobs = [Knob {
            lo: 0.0,
            hi: 1.0,
            log: false,
            increasing: true,
            set: set_on,
            stat: |s: &RoutingStats| s.transition_share.unwrap_or(0.0),
            target,
        }];
        let mut start = truth.clone();
        start.profiles.on_profile = 0.1;
        let fit = coordinate_bisection(&start, &knobs, 1, &mut |p| {
            generated_stats(p, &shape, 5, &tokens)
        })
        .unwrap();
        assert!(
            (fit.params.profiles.on_profile - 0.6).abs() < 0.01,
            "{}",
            fit.params.profiles.on_profile
        );
        assert_eq!(fit.evaluations, ITERS + 1);
    }
}
