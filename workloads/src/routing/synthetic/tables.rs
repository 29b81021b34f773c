//! The generator's fixed tables, drawn once per seed: each MoE layer's base expert popularity;
//! per task and layer, the task's popularity (a Dirichlet draw centred on the base), its alias
//! table, and each profile's preferred experts (drawn in proportion to that popularity).

use super::params::{Popularity, SyntheticParams};
use crate::routing::RoutingShape;
use crate::routing::group_limit::admissible;
use moesim_core::rng::{SimRng, rng_from_seed, seed_from_parts};
use moesim_core::{Error, Result};
use rand::RngExt;
use rand::seq::SliceRandom;
use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Distribution, Gamma};
use std::collections::VecDeque;

const STREAM_POPULARITY: u64 = 0x504f_5055;
const STREAM_PROFILES: u64 = 0x5052_4f46;
const STREAM_TASKS: u64 = 0x5441_534b;

/// Weights below this are raised to it, so an alias table never sees an all-zero vector.
const MIN_WEIGHT: f64 = 1e-12;
/// Popularity draws tried before the exact conditional draw.
pub(crate) const MAX_TRIES: u32 = 16;
/// Pool entries a profile slot looks at before it falls back to a popularity draw.
const POOL_WINDOW: usize = 64;

/// One MoE layer.
pub(crate) struct LayerTable {
    pub popularity: WeightedAliasIndex<f64>,
    /// Normalised popularity.
    pub weights: Vec<f64>,
    /// `profiles x top_k` preferred experts.
    pub profiles: Vec<u32>,
}

pub(crate) struct Tables {
    /// The base popularity of every MoE layer (shared by the tasks).
    pub base: Vec<Vec<f64>>,
    /// `[task][layer]`: the task's popularity, alias table and profiles.
    pub layers: Vec<Vec<LayerTable>>,
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

/// Dirichlet(alphas), as normalised Gamma(alpha_i, 1) draws (rand_distr's `Dirichlet` has a
/// compile-time size).
pub(crate) fn dirichlet(alphas: &[f64], rng: &mut SimRng) -> Result<Vec<f64>> {
    let mut w = Vec::with_capacity(alphas.len());
    for &a in alphas {
        let gamma = Gamma::new(a.max(MIN_WEIGHT), 1.0).map_err(|e| {
            Error::config("synthetic routing", "concentration", e.to_string())
                .allowed("a finite number > 0")
        })?;
        w.push(gamma.sample(rng).max(MIN_WEIGHT));
    }
    let sum: f64 = w.iter().sum();
    w.iter_mut().for_each(|x| *x /= sum);
    Ok(w)
}

fn popularity_weights(p: &Popularity, n: usize, rng: &mut SimRng) -> Result<Vec<f64>> {
    match *p {
        Popularity::Dirichlet { concentration } => dirichlet(&vec![concentration; n], rng),
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

/// Expert multiplicities summing to `slots`, proportional to `weights` (largest remainders),
/// each at most `cap`.
pub(crate) fn apportion(weights: &[f64], slots: u32, cap: u32) -> Vec<u32> {
    let total = slots as f64;
    let mut c: Vec<u32> = weights
        .iter()
        .map(|&w| ((w * total).floor() as u32).min(cap))
        .collect();
    let mut given: u32 = c.iter().sum();
    while given < slots {
        // one more slot to each of the largest remainders below the cap (ties: lower id)
        let mut open: Vec<usize> = (0..c.len()).filter(|&e| c[e] < cap).collect();
        if open.is_empty() {
            break;
        }
        let rem = |e: usize| weights[e] * total - c[e] as f64;
        open.sort_by(|&a, &b| rem(b).total_cmp(&rem(a)).then(a.cmp(&b)));
        for e in open.into_iter().take((slots - given) as usize) {
            c[e] += 1;
            given += 1;
        }
    }
    c
}

/// `profiles` sets of `top_k` distinct experts (within the group limit). Expert `e` fills about
/// `profiles x top_k x popularity(e)` of the slots (at most one per profile), so following a
/// profile reproduces the layer's popularity: profiles shape which experts go together and
/// from layer to layer, not how loaded they are. Slots take experts from a shuffled multiset,
/// skipping (for a later set) an expert a set cannot take; a slot that finds nothing it can take
/// among the next [`POOL_WINDOW`] entries draws by popularity instead.
pub(crate) fn profile_sets(
    shape: &RoutingShape,
    layer: &LayerTable,
    profiles: u32,
    rng: &mut SimRng,
) -> Vec<u32> {
    let limit = shape.groups.as_ref();
    let counts = apportion(&layer.weights, profiles * shape.top_k, profiles);
    let mut pool: Vec<u32> = counts
        .iter()
        .enumerate()
        .flat_map(|(e, &c)| std::iter::repeat_n(e as u32, c as usize))
        .collect();
    pool.shuffle(rng);
    let mut pool: VecDeque<u32> = pool.into();
    let mut out = Vec::with_capacity(profiles as usize * shape.top_k as usize);
    let (mut chosen, mut groups, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..profiles {
        chosen.clear();
        groups.clear();
        for _ in 0..shape.top_k {
            let mut taken = None;
            for _ in 0..POOL_WINDOW {
                let Some(e) = pool.pop_front() else { break };
                if admissible(e, &chosen, &groups, limit) {
                    taken = Some(e);
                    break;
                }
                skipped.push(e);
            }
            let e = match taken {
                Some(e) => e,
                None => pick(shape, layer, rng, None, &chosen, &groups),
            };
            push(shape, e, &mut chosen, &mut groups);
        }
        // what this set could not take goes first to the next one
        while let Some(e) = skipped.pop() {
            pool.push_front(e);
        }
        out.extend_from_slice(&chosen);
    }
    out
}

/// One admissible expert: `first` if given and admissible; else a popularity draw, redrawn
/// while inadmissible (a duplicate, or outside the allowed groups) up to [`MAX_TRIES`] times;
/// then an exact draw from the popularity restricted to the admissible experts (the same
/// distribution, without a long rejection loop when the popular experts are taken).
#[inline(always)]
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
    exact_draw(shape, layer, rng, chosen, groups)
}

/// A draw from the popularity restricted to the admissible experts: those of the groups in use
/// once a token has reached its group limit, else every expert not yet chosen.
#[cold]
#[inline(never)]
fn exact_draw(
    shape: &RoutingShape,
    layer: &LayerTable,
    rng: &mut SimRng,
    chosen: &[u32],
    groups: &[u32],
) -> u32 {
    let w = &layer.weights;
    let full = shape
        .groups
        .as_ref()
        .filter(|g| groups.len() >= g.topk_group as usize);
    let candidates = |f: &mut dyn FnMut(u32) -> bool| match full {
        Some(g) => {
            let n = g.experts_per_group;
            for &gr in groups {
                for e in gr * n..(gr + 1) * n {
                    if !chosen.contains(&e) && f(e) {
                        return;
                    }
                }
            }
        }
        None => {
            for e in 0..shape.num_experts {
                if !chosen.contains(&e) && f(e) {
                    return;
                }
            }
        }
    };
    let mut total = 0.0;
    candidates(&mut |e| {
        total += w[e as usize];
        false
    });
    let mut u = rng.random::<f64>() * total;
    let mut picked = None;
    candidates(&mut |e| {
        picked = Some(e);
        u -= w[e as usize];
        u < 0.0
    });
    picked.unwrap_or(0)
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
        let base = (0..shape.num_layers as u64)
            .map(|l| {
                let mut rng = rng_from_seed(seed_from_parts(&[seed, STREAM_POPULARITY, l]));
                popularity_weights(&params.popularity, n, &mut rng)
            })
            .collect::<Result<Vec<_>>>()?;
        let kappa = params.tasks.concentration * n as f64;
        let mut layers = Vec::with_capacity(params.tasks.count as usize);
        for task in 0..params.tasks.count as u64 {
            let mut per_layer = Vec::with_capacity(shape.num_layers as usize);
            for (l, b) in base.iter().enumerate() {
                let parts = [seed, STREAM_TASKS, task, l as u64];
                let mut rng = rng_from_seed(seed_from_parts(&parts));
                let alphas: Vec<f64> = b.iter().map(|&p| kappa * p).collect();
                let weights = dirichlet(&alphas, &mut rng)?;
                let mut layer = LayerTable {
                    popularity: alias(&weights)?,
                    weights,
                    profiles: Vec::new(),
                };
                let parts = [seed, STREAM_PROFILES, task, l as u64];
                let mut rng = rng_from_seed(seed_from_parts(&parts));
                layer.profiles = profile_sets(shape, &layer, np, &mut rng);
                per_layer.push(layer);
            }
            layers.push(per_layer);
        }
        Ok(Tables {
            base,
            layers,
            num_profiles: np,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelSpec;
    use crate::routing::synthetic::SyntheticPreset;

    #[test]
    fn apportion_is_proportional_and_capped() {
        assert_eq!(apportion(&[0.5, 0.25, 0.25], 8, 8), vec![4, 2, 2]);
        assert_eq!(apportion(&[0.9, 0.05, 0.05], 8, 4), vec![4, 2, 2]);
        assert_eq!(apportion(&[0.4, 0.35, 0.25], 3, 3).iter().sum::<u32>(), 3);
    }

    #[test]
    fn profiles_follow_popularity_and_the_group_limit() {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let shape = RoutingShape::of(&m);
        let params = SyntheticPreset::for_experts(256).unwrap();
        let t = Tables::build(&params, &shape, 3).unwrap();
        let g = shape.groups.unwrap();
        for layer in &t.layers[0] {
            let mut count = vec![0u32; 256];
            for set in layer.profiles.chunks_exact(8) {
                assert!(g.groups_used(set) <= 4);
                let mut s = set.to_vec();
                s.sort_unstable();
                s.dedup();
                assert_eq!(s.len(), 8);
                set.iter().for_each(|&e| count[e as usize] += 1);
            }
            // popular experts hold more profile slots than unpopular ones
            let mut order: Vec<usize> = (0..256).collect();
            order.sort_by(|&a, &b| layer.weights[b].total_cmp(&layer.weights[a]));
            let slots =
                |r: std::ops::Range<usize>| -> u32 { order[r].iter().map(|&e| count[e]).sum() };
            assert!(slots(0..32) > 2 * slots(224..256), "{:?}", count);
        }
    }
}
