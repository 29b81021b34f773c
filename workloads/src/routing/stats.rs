//! Routing statistics of a trace or a generator, computed per segment (an MT-Bench category, a
//! task) and averaged over segments:
//!
//! - **load skew** per layer: max / mean tokens per expert, and the coefficient of variation;
//! - **co-activation**: the share of a layer's expert pairs (two experts of one token) that fall
//!   in the `E/2` most frequent pairs (uniform routing of Mixtral: 4/28 = 0.14);
//! - **transition concentration** l -> l+d: for each expert e of layer l, the tokens that chose e
//!   give the experts they choose in layer l+d (`top_k` per token, i.e. `top_k^2` pairs per token);
//!   the share of the `top_k` most frequent of them, averaged over the experts with at least 20
//!   pairs (uniform: top_k/E, 0.25 for Mixtral); reported for d = 1 and d = 7;
//! - **segment divergence**: mean total-variation distance between a segment's per-layer expert
//!   load distribution and the mean over segments (how different the tasks are);
//! - **batch skew**: max / mean over windows of consecutive tokens (a decode batch).

use super::table::{RoutingTable, max_over_mean};
use super::trace::RoutingTrace;
use serde::Serialize;

/// Layer distance of the far transition statistic (the OLMoE data pairs layers 0->7, 7->15).
pub const FAR_DISTANCE: u32 = 7;
/// Minimum pairs for an expert to count in the transition statistic.
pub const MIN_TRANSITION_PAIRS: u64 = 20;
/// Tokens per window of the batch-skew statistic.
pub const DEFAULT_WINDOW_TOKENS: u32 = 128;

/// Statistics of one MoE layer (averaged over segments).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerRoutingStats {
    pub layer: u32,
    pub max_over_mean: f64,
    pub load_cv: f64,
    /// None when top_k = 1.
    pub coactivation_share: Option<f64>,
    /// To the next layer; None for the last layer.
    pub transition_share: Option<f64>,
    pub window_max_over_mean: f64,
}

/// Mean, spread and range of a per-layer figure.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Spread {
    pub mean: f64,
    pub std: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(values: &[f64]) -> Spread {
        if values.is_empty() {
            return Spread {
                mean: 0.0,
                std: 0.0,
                min: 0.0,
                max: 0.0,
            };
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        Spread {
            mean,
            std: var.sqrt(),
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }
}

/// The statistics of a trace or of generated routing.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoutingStats {
    pub num_experts: u32,
    pub top_k: u32,
    pub num_layers: u32,
    pub num_tokens: u64,
    pub num_segments: usize,
    pub window_tokens: u32,
    pub layers: Vec<LayerRoutingStats>,
    /// Per-layer max/mean load over the layers.
    pub max_over_mean: Spread,
    pub load_cv: f64,
    pub coactivation_share: Option<f64>,
    /// l -> l+1.
    pub transition_share: Option<f64>,
    /// l -> l+7.
    pub far_transition_share: Option<f64>,
    /// The transition share of uniform independent routing, top_k / E.
    pub transition_share_uniform: f64,
    /// Mean max/mean over windows of `window_tokens` consecutive tokens.
    pub window_max_over_mean: f64,
    /// None with a single segment.
    pub segment_divergence: Option<f64>,
}

impl RoutingStats {
    /// Statistics of a parsed trace, one segment per file.
    pub fn of_trace(trace: &RoutingTrace) -> RoutingStats {
        let segs: Vec<RoutingTable> = (0..trace.segments.len())
            .map(|i| trace.segment_table(i))
            .collect();
        RoutingStats::of_segments(&segs, trace.num_experts, DEFAULT_WINDOW_TOKENS)
    }

    /// Statistics of routing tables (segments) over `num_experts` experts.
    pub fn of_segments(segs: &[RoutingTable], num_experts: u32, window: u32) -> RoutingStats {
        let per: Vec<SegmentStats> = segs
            .iter()
            .map(|t| SegmentStats::compute(t, num_experts, window))
            .collect();
        let first = segs.first();
        let num_layers = first.map_or(0, |t| t.num_layers());
        let top_k = first.map_or(0, |t| t.top_k());
        let mean_over = |f: &dyn Fn(&SegmentStats) -> Option<f64>| -> Option<f64> {
            let v: Vec<f64> = per.iter().filter_map(f).collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        };
        let layers: Vec<LayerRoutingStats> = (0..num_layers as usize)
            .map(|l| LayerRoutingStats {
                layer: l as u32,
                max_over_mean: mean_over(&|s| Some(s.max_over_mean[l])).unwrap_or(0.0),
                load_cv: mean_over(&|s| Some(s.load_cv[l])).unwrap_or(0.0),
                coactivation_share: mean_over(&|s| s.coactivation[l]),
                transition_share: mean_over(&|s| s.transition.get(l).copied().flatten()),
                window_max_over_mean: mean_over(&|s| Some(s.window[l])).unwrap_or(0.0),
            })
            .collect();
        let avg = |v: Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
        RoutingStats {
            num_experts,
            top_k,
            num_layers,
            num_tokens: segs.iter().map(|t| t.num_tokens() as u64).sum(),
            num_segments: segs.len(),
            window_tokens: window,
            max_over_mean: Spread::of(&layers.iter().map(|l| l.max_over_mean).collect::<Vec<_>>()),
            load_cv: avg(layers.iter().map(|l| l.load_cv).collect()).unwrap_or(0.0),
            coactivation_share: avg(layers.iter().filter_map(|l| l.coactivation_share).collect()),
            transition_share: avg(layers.iter().filter_map(|l| l.transition_share).collect()),
            far_transition_share: mean_over(&|s| s.far_transition),
            transition_share_uniform: top_k as f64 / num_experts.max(1) as f64,
            window_max_over_mean: avg(layers.iter().map(|l| l.window_max_over_mean).collect())
                .unwrap_or(0.0),
            layers,
            segment_divergence: segment_divergence(&per),
        }
    }
}

/// Per-segment figures.
struct SegmentStats {
    max_over_mean: Vec<f64>,
    load_cv: Vec<f64>,
    coactivation: Vec<Option<f64>>,
    transition: Vec<Option<f64>>,
    far_transition: Option<f64>,
    window: Vec<f64>,
    /// Normalised load per layer.
    load_share: Vec<Vec<f64>>,
}

impl SegmentStats {
    fn compute(t: &RoutingTable, num_experts: u32, window: u32) -> SegmentStats {
        let e = num_experts as usize;
        let layers = t.num_layers();
        let mut s = SegmentStats {
            max_over_mean: Vec::new(),
            load_cv: Vec::new(),
            coactivation: Vec::new(),
            transition: Vec::new(),
            far_transition: None,
            window: Vec::new(),
            load_share: Vec::new(),
        };
        for l in 0..layers {
            let counts = t.layer(l).expert_counts(num_experts);
            s.max_over_mean.push(max_over_mean(&counts));
            s.load_cv.push(coefficient_of_variation(&counts));
            let total: u64 = counts.iter().map(|&c| c as u64).sum::<u64>().max(1);
            s.load_share
                .push(counts.iter().map(|&c| c as f64 / total as f64).collect());
            s.coactivation.push(coactivation_share(t, l, e));
            s.window
                .push(window_max_over_mean(t, l, num_experts, window));
        }
        for l in 0..layers.saturating_sub(1) {
            s.transition.push(transition_share(t, l, l + 1, e));
        }
        let far: Vec<f64> = (0..layers.saturating_sub(FAR_DISTANCE))
            .filter_map(|l| transition_share(t, l, l + FAR_DISTANCE, e))
            .collect();
        s.far_transition = (!far.is_empty()).then(|| far.iter().sum::<f64>() / far.len() as f64);
        s
    }
}

/// Standard deviation / mean of a load vector.
pub fn coefficient_of_variation(counts: &[u32]) -> f64 {
    if counts.is_empty() {
        return 0.0;
    }
    let n = counts.len() as f64;
    let mean = counts.iter().map(|&c| c as f64).sum::<f64>() / n;
    if mean == 0.0 {
        return 0.0;
    }
    let var = counts
        .iter()
        .map(|&c| (c as f64 - mean).powi(2))
        .sum::<f64>()
        / n;
    var.sqrt() / mean
}

/// Share of a layer's co-activated pairs in its `E/2` most frequent pairs (None for top_k 1).
pub fn coactivation_share(t: &RoutingTable, layer: u32, num_experts: usize) -> Option<f64> {
    if t.top_k() < 2 || t.num_tokens() == 0 {
        return None;
    }
    let mut pairs = vec![0u64; num_experts * num_experts];
    let mut total = 0u64;
    for set in t.layer(layer).tokens() {
        for (i, &a) in set.iter().enumerate() {
            for &b in &set[i + 1..] {
                let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                if let Some(x) = pairs.get_mut(lo as usize * num_experts + hi as usize) {
                    *x += 1;
                    total += 1;
                }
            }
        }
    }
    let top = (num_experts / 2).max(1);
    Some(top_sum(&mut pairs, top) as f64 / total.max(1) as f64)
}

fn top_sum(v: &mut [u64], n: usize) -> u64 {
    let n = n.min(v.len());
    if n == 0 {
        return 0;
    }
    v.select_nth_unstable_by(n - 1, |a, b| b.cmp(a));
    v[..n].iter().sum()
}

/// Transition concentration from layer `src` to layer `dst` (None if no expert has enough pairs).
pub fn transition_share(t: &RoutingTable, src: u32, dst: u32, num_experts: usize) -> Option<f64> {
    let (a, b) = (t.layer(src), t.layer(dst));
    let mut m = vec![0u64; num_experts * num_experts];
    for (sa, sb) in a.tokens().zip(b.tokens()) {
        for &x in sa {
            for &y in sb {
                if let Some(c) = m.get_mut(x as usize * num_experts + y as usize) {
                    *c += 1;
                }
            }
        }
    }
    let k = t.top_k() as usize;
    let shares: Vec<f64> = m
        .chunks_exact_mut(num_experts.max(1))
        .filter_map(|row| {
            let total: u64 = row.iter().sum();
            (total >= MIN_TRANSITION_PAIRS).then(|| top_sum(row, k) as f64 / total as f64)
        })
        .collect();
    (!shares.is_empty()).then(|| shares.iter().sum::<f64>() / shares.len() as f64)
}

/// Rank-aligned transition concentration (the OLMoE data's definition): the i-th expert of a
/// token in `src` is paired with its i-th expert in `dst` only.
pub fn aligned_transition_share(
    t: &RoutingTable,
    src: u32,
    dst: u32,
    num_experts: usize,
) -> Option<f64> {
    let (a, b) = (t.layer(src), t.layer(dst));
    let mut m = vec![0u64; num_experts * num_experts];
    for (sa, sb) in a.tokens().zip(b.tokens()) {
        for (&x, &y) in sa.iter().zip(sb) {
            if let Some(c) = m.get_mut(x as usize * num_experts + y as usize) {
                *c += 1;
            }
        }
    }
    aligned_share_of_matrix(&mut m, num_experts, t.top_k() as usize)
}

/// The rank-aligned share of a pair-count matrix (`experts x experts`, row = source).
pub fn aligned_share_of_matrix(m: &mut [u64], num_experts: usize, k: usize) -> Option<f64> {
    let shares: Vec<f64> = m
        .chunks_exact_mut(num_experts.max(1))
        .filter_map(|row| {
            let total: u64 = row.iter().sum();
            (total > 0).then(|| top_sum(row, k) as f64 / total as f64)
        })
        .collect();
    (!shares.is_empty()).then(|| shares.iter().sum::<f64>() / shares.len() as f64)
}

/// Mean max/mean load over windows of `window` consecutive tokens of one layer.
pub fn window_max_over_mean(t: &RoutingTable, layer: u32, num_experts: u32, window: u32) -> f64 {
    let lr = t.layer(layer);
    let k = lr.top_k();
    let w = window.max(1) as usize;
    let n = lr.num_tokens() / w;
    if n == 0 {
        return max_over_mean(&lr.expert_counts(num_experts));
    }
    let mut counts = vec![0u32; num_experts as usize];
    let mut sum = 0.0;
    for i in 0..n {
        counts.iter_mut().for_each(|c| *c = 0);
        for &e in &lr.as_slice()[i * w * k..(i + 1) * w * k] {
            if let Some(c) = counts.get_mut(e as usize) {
                *c += 1;
            }
        }
        sum += max_over_mean(&counts);
    }
    sum / n as f64
}

fn segment_divergence(per: &[SegmentStats]) -> Option<f64> {
    if per.len() < 2 {
        return None;
    }
    let layers = per[0].load_share.len();
    let mut total = 0.0;
    for l in 0..layers {
        let e = per[0].load_share[l].len();
        let mean: Vec<f64> = (0..e)
            .map(|i| per.iter().map(|s| s.load_share[l][i]).sum::<f64>() / per.len() as f64)
            .collect();
        for s in per {
            total += 0.5
                * s.load_share[l]
                    .iter()
                    .zip(&mean)
                    .map(|(a, b)| (a - b).abs())
                    .sum::<f64>();
        }
    }
    Some(total / (layers * per.len()).max(1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(layers: &[&[[u32; 2]]]) -> RoutingTable {
        let n = layers[0].len() as u32;
        let v: Vec<u32> = layers
            .iter()
            .flat_map(|l| l.iter().flatten().copied())
            .collect();
        RoutingTable::from_vec(layers.len() as u32, n, 2, v)
    }

    #[test]
    fn identical_layers_have_full_transition_concentration() {
        let l: Vec<[u32; 2]> = (0..40).map(|i| [i % 4, 4 + i % 4]).collect();
        let t = table(&[&l, &l]);
        assert_eq!(transition_share(&t, 0, 1, 8), Some(1.0));
        assert_eq!(aligned_transition_share(&t, 0, 1, 8), Some(1.0));
        // 4 distinct pairs, the top 4 of 8/2 = 4 pairs hold everything
        assert_eq!(coactivation_share(&t, 0, 8), Some(1.0));
        let s = RoutingStats::of_segments(&[t.clone(), t], 8, 10);
        assert_eq!(s.segment_divergence, Some(0.0));
        assert_eq!(s.max_over_mean.mean, 1.0);
        assert_eq!(s.transition_share_uniform, 0.25);
    }

    #[test]
    fn too_few_pairs_are_skipped() {
        let l: Vec<[u32; 2]> = (0..5).map(|i| [i % 4, 4 + i % 4]).collect();
        let t = table(&[&l, &l]);
        assert_eq!(transition_share(&t, 0, 1, 8), None);
        assert!((coefficient_of_variation(&[1, 3]) - 0.5).abs() < 1e-12);
        let s = Spread::of(&[1.0, 3.0]);
        assert_eq!((s.mean, s.std, s.min, s.max), (2.0, 1.0, 1.0, 3.0));
    }
}
