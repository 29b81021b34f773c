//! The generator's fixed tables, drawn once per seed: each MoE layer's expert popularity (an
//! alias table), each profile's preferred experts per layer, each task's profile weights.

use super::params::{Popularity, SyntheticParams};
use crate::routing::RoutingShape;
use crate::routing::group_limit::admissible;
use moesim_core::rng::{SimRng, rng_from_seed, seed_from_parts};
use moesim_core::{Error, Result};
use rand::seq::SliceRandom;
use rand_distr::weighted::WeightedAliasIndex;
use std::collections::VecDeque;
use rand_distr::{Distribution, Gamma};

const STREAM_POPULARITY: u64 = 0x504f_5055;
const STREAM_PROFILES: u64 = 0x5052_4f46;
const STREAM_TASKS: u64 = 0x5441_534b;

/// Weights below this are raised to it, so an alias table never sees an all-zero vector.
const MIN_WEIGHT: f64 = 1e-12;
/// Draws tried before an expert is picked deterministically.
pub(crate) const MAX_TRIES: u32 = 64;

/// One MoE layer.
pub(crate) struct LayerTable {
    pub popularity: WeightedAliasIndex<f64>,
    /// Normalised popularity.
    pub weights: Vec<f64>,
    /// Experts by decreasing popularity (for the deterministic fallback).
    pub order: Vec<u32>,
    /// `profiles x top_k` preferred experts.
    pub profiles: Vec<u32>,
}

pub(crate) struct Tables {
    pub layers: Vec<LayerTable>,
    /// Per task, the weights of the profiles.
    pub tasks: Vec<WeightedAliasIndex<f64>>,
    pub num_profiles: u32,
}

fn alias(weights: &[f64]) -> Result<WeightedAliasIndex<f64>> {
    WeightedAliasIndex::new(weights.iter().map(|w| w.max(MIN_WEIGHT)).collect()).map_err(|e| {
        Error::config(
            "synthetic routing",
            "params",
            format!("cannot build a sampling table: {e}"),
        )
    })
}

/// Symmetric Dirichlet(alpha) over `n` outcomes, as normalised Gamma(alpha, 1) draws.
pub(crate) fn dirichlet(n: usize, alpha: f64, rng: &mut SimRng) -> Result<Vec<f64>> {
    let gamma = Gamma::new(alpha, 1.0).map_err(|e| {
        Error::config("synthetic routing", "concentration", e.to_string())
            .allowed("a finite number > 0")
    })?;
    let mut w: Vec<f64> = (0..n).map(|_| gamma.sample(rng).max(MIN_WEIGHT)).collect();
    let sum: f64 = w.iter().sum();
    w.iter_mut().for_each(|x| *x /= sum);
    Ok(w)
}

fn popularity_weights(p: &Popularity, n: usize, rng: &mut SimRng) -> Result<Vec<f64>> {
    match *p {
        Popularity::Dirichlet { concentration } => dirichlet(n, concentration, rng),
        Popularity::Zipf { exponent } => {
            let mut order: Vec<usize> = (0..n).collect();
            order.shuffle(rng);
            let mut w = vec![0.0; n];
            for (rank, &e) in order.iter().enumerate() {
                w[e] = ((rank + 1) as f64).powf(-exponent);
            }
            let sum: f64 = w.iter().sum();
            w.iter_mut().for_each(|x| *x /= sum);
            Ok(w)
        }
        Popularity::Uniform => Ok(vec![1.0 / n as f64; n]),
    }
}

/// `profiles` sets of `top_k` distinct experts (within the group limit) in which every expert
/// appears equally often (+-1): the sets take experts in the order of concatenated random
/// permutations, skipping (and keeping for later) an expert a set cannot take. Preferences are
/// thus balanced; the skew comes from the popularity and the task weights.
pub(crate) fn balanced_profiles(shape: &RoutingShape, profiles: u32, rng: &mut SimRng) -> Vec<u32> {
    let limit = shape.groups.as_ref();
    let mut pool: VecDeque<u32> = VecDeque::new();
    let mut out = Vec::with_capacity(profiles as usize * shape.top_k as usize);
    let (mut chosen, mut groups) = (Vec::new(), Vec::new());
    for _ in 0..profiles {
        chosen.clear();
        groups.clear();
        for _ in 0..shape.top_k {
            loop {
                if let Some(i) = pool
                    .iter()
                    .position(|&e| admissible(e, &chosen, &groups, limit))
                {
                    let e = pool.remove(i).unwrap_or(0);
                    push(shape, e, &mut chosen, &mut groups);
                    break;
                }
                let mut perm: Vec<u32> = (0..shape.num_experts).collect();
                perm.shuffle(rng);
                pool.extend(perm);
            }
        }
        out.extend_from_slice(&chosen);
    }
    out
}

/// One admissible expert: `first` if given and admissible, else popularity draws, else the most
/// popular admissible expert.
#[inline]
pub(crate) fn pick(
    shape: &RoutingShape,
    layer: &LayerTable,
    rng: &mut SimRng,
    first: Option<u32>,
    chosen: &[u32],
    groups: &[u32],
) -> u32 {
    let limit = shape.groups.as_ref();
    if let Some(e) = first
        && admissible(e, chosen, groups, limit)
    {
        return e;
    }
    for _ in 0..MAX_TRIES {
        let e = layer.popularity.sample(rng) as u32;
        if admissible(e, chosen, groups, limit) {
            return e;
        }
    }
    layer
        .order
        .iter()
        .copied()
        .find(|&e| admissible(e, chosen, groups, limit))
        .unwrap_or(0)
}

#[inline]
pub(crate) fn push(shape: &RoutingShape, e: u32, chosen: &mut Vec<u32>, groups: &mut Vec<u32>) {
    chosen.push(e);
    if let Some(g) = &shape.groups {
        g.note(e, groups);
    }
}

/// Number of profiles for `num_experts` experts.
pub(crate) fn num_profiles(params: &SyntheticParams, num_experts: u32) -> u32 {
    ((params.profiles.per_expert * num_experts as f64).round() as u32).max(1)
}

impl Tables {
    pub fn build(params: &SyntheticParams, shape: &RoutingShape, seed: u64) -> Result<Tables> {
        let n = shape.num_experts as usize;
        let np = num_profiles(params, shape.num_experts);
        let mut layers = Vec::with_capacity(shape.num_layers as usize);
        for l in 0..shape.num_layers as u64 {
            let mut rng = rng_from_seed(seed_from_parts(&[seed, STREAM_POPULARITY, l]));
            let weights = popularity_weights(&params.popularity, n, &mut rng)?;
            let mut order: Vec<u32> = (0..n as u32).collect();
            order.sort_by(|&a, &b| weights[b as usize].total_cmp(&weights[a as usize]));
            let mut layer = LayerTable {
                popularity: alias(&weights)?,
                weights,
                order,
                profiles: Vec::with_capacity(np as usize * shape.top_k as usize),
            };
            let mut rng = rng_from_seed(seed_from_parts(&[seed, STREAM_PROFILES, l]));
            layer.profiles = balanced_profiles(shape, np, &mut rng);
            layers.push(layer);
        }
        let tasks = (0..params.tasks.count as u64)
            .map(|t| {
                let mut rng = rng_from_seed(seed_from_parts(&[seed, STREAM_TASKS, t]));
                alias(&dirichlet(np as usize, params.tasks.concentration, &mut rng)?)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Tables {
            layers,
            tasks,
            num_profiles: np,
        })
    }
}
