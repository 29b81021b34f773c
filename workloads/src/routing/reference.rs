//! Readers of the real routing data in `data/routing` (see its READMEs) and the statistics the
//! calibration and validation compare against:
//! - `hdmoe-mtbench-mixtral/`: per-token Mixtral-8x7B traces, eight MT-Bench categories;
//! - `allenai-olmoe/`: OLMoE-1B-7B (and Mixtral) per-expert counts of layers 0, 7, 15 and
//!   rank-aligned 0->7 / 7->15 pair counts over five text domains (prefill);
//! - `speculative-moe-mixtral-derived/`: Mixtral decode expert counts and l -> l+1 pair counts.

use super::stats::{aligned_share_of_matrix, coefficient_of_variation};
use super::table::{RoutingTable, max_over_mean};
use super::trace::RoutingTrace;
use super::{RoutingShape, stats::MIN_TRANSITION_PAIRS};
use crate::model::ModelSpec;
use moesim_core::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const MTBENCH_DIR: &str = "data/routing/hdmoe-mtbench-mixtral";
pub const OLMOE_DIR: &str = "data/routing/allenai-olmoe";
pub const SPECULATIVE_DIR: &str = "data/routing/speculative-moe-mixtral-derived";
/// The layers the OLMoE data records.
pub const OLMOE_LAYERS: [u32; 3] = [0, 7, 15];
/// The layer pairs of its cross-layer counts.
pub const OLMOE_PAIRS: [(u32, u32); 2] = [(0, 7), (7, 15)];
/// The five text domains with both counts and cross-layer pairs.
pub const OLMOE_DOMAINS: [&str; 5] = ["arxiv", "book", "c4", "github", "wikipedia"];
pub const OLMOE_MODEL: &str = "OLMoE-1B-7B-0824";
pub const ALLENAI_MIXTRAL_MODEL: &str = "Mixtral-8x7B-v0.1";

/// The eight MT-Bench trace files, sorted by name.
pub fn mtbench_files(root: &Path) -> Result<Vec<PathBuf>> {
    let dir = root.join(MTBENCH_DIR);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| Error::io(&dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("experts_") && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::parse(
            dir.display().to_string(),
            None,
            "no trace files",
        ));
    }
    Ok(files)
}

/// The MT-Bench traces (one segment per category) for Mixtral-8x7B.
pub fn load_mtbench(root: &Path) -> Result<RoutingTrace> {
    let m = ModelSpec::preset("mixtral-8x7b")?;
    RoutingTrace::load(
        &mtbench_files(root)?,
        None,
        &RoutingShape::of(&m),
        &m.moe_layers(),
    )
}

#[derive(Deserialize)]
struct CountRow {
    model: String,
    domain: String,
    scope: String,
    layer: u32,
    expert: usize,
    count: u64,
}

#[derive(Deserialize)]
struct PairRow {
    model: String,
    domain: String,
    scope: String,
    layer_src: u32,
    layer_dst: u32,
    expert_src: usize,
    expert_dst: usize,
    count: u64,
}

fn read_csv<T: for<'de> Deserialize<'de>>(path: &Path, mut each: impl FnMut(T)) -> Result<()> {
    let origin = path.display().to_string();
    let mut rdr = csv::Reader::from_path(path).map_err(|e| Error::parse(&origin, None, e))?;
    for row in rdr.deserialize::<T>() {
        let row =
            row.map_err(|e| Error::parse(&origin, e.position().map(|p| p.line() as usize), e))?;
        each(row);
    }
    Ok(())
}

fn expert_index(path: &Path, e: usize, n: usize) -> Result<usize> {
    if e >= n {
        return Err(Error::parse(
            path.display().to_string(),
            None,
            format!("expert {e} >= {n} experts"),
        ));
    }
    Ok(e)
}

/// The allenai/OLMoE statistics of one model: per domain, the loads of layers 0, 7, 15 and the
/// rank-aligned pair counts 0->7, 7->15 (`scope = all_topk`).
pub struct AllenaiReference {
    pub model: String,
    pub num_experts: usize,
    pub top_k: usize,
    /// `[domain][OLMOE_LAYERS index][expert]`.
    pub loads: Vec<[Vec<u64>; 3]>,
    /// `[domain][OLMOE_PAIRS index][src * E + dst]`.
    pub pairs: Vec<[Vec<u64>; 2]>,
}

/// What the calibration compares on the allenai data.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AllenaiStats {
    /// max/mean load, averaged over the recorded layers and domains.
    pub max_over_mean: f64,
    pub load_cv: f64,
    /// Rank-aligned transition share (top_k of E), averaged over the pairs and domains.
    pub aligned_share: f64,
    /// Mean total-variation distance of a domain's loads from the mean over domains.
    pub divergence: f64,
}

impl AllenaiReference {
    pub fn load(root: &Path, model: &str, num_experts: usize, top_k: usize) -> Result<Self> {
        let dir = root.join(OLMOE_DIR);
        let nd = OLMOE_DOMAINS.len();
        let mut loads: Vec<[Vec<u64>; 3]> = (0..nd)
            .map(|_| std::array::from_fn(|_| vec![0; num_experts]))
            .collect();
        let mut pairs: Vec<[Vec<u64>; 2]> = (0..nd)
            .map(|_| std::array::from_fn(|_| vec![0; num_experts * num_experts]))
            .collect();
        let counts = dir.join("expert_counts.csv");
        let mut bad = None;
        read_csv(&counts, |r: CountRow| {
            let d = OLMOE_DOMAINS.iter().position(|d| *d == r.domain);
            let l = OLMOE_LAYERS.iter().position(|&l| l == r.layer);
            if let (true, true, Some(d), Some(l)) = (r.model == model, r.scope == "all_topk", d, l)
            {
                match expert_index(&counts, r.expert, num_experts) {
                    Ok(e) => loads[d][l][e] += r.count,
                    Err(e) => bad = Some(e),
                }
            }
        })?;
        let cross = dir.join("crosslayer_counts.csv");
        read_csv(&cross, |r: PairRow| {
            let d = OLMOE_DOMAINS.iter().position(|d| *d == r.domain);
            let p = OLMOE_PAIRS
                .iter()
                .position(|&p| p == (r.layer_src, r.layer_dst));
            if let (true, true, Some(d), Some(p)) = (r.model == model, r.scope == "all_topk", d, p)
            {
                let idx = expert_index(&cross, r.expert_src, num_experts).and_then(|s| {
                    Ok(s * num_experts + expert_index(&cross, r.expert_dst, num_experts)?)
                });
                match idx {
                    Ok(i) => pairs[d][p][i] += r.count,
                    Err(e) => bad = Some(e),
                }
            }
        })?;
        if let Some(e) = bad {
            return Err(e);
        }
        if loads
            .iter()
            .any(|d| d.iter().any(|l| l.iter().sum::<u64>() == 0))
        {
            return Err(Error::parse(
                counts.display().to_string(),
                None,
                format!("no all_topk counts of model {model} for some domain or layer"),
            ));
        }
        Ok(AllenaiReference {
            model: model.to_string(),
            num_experts,
            top_k,
            loads,
            pairs,
        })
    }

    pub fn stats(&self) -> AllenaiStats {
        let mut pairs = self.pairs.clone();
        allenai_stats(&self.loads, &mut pairs, self.num_experts, self.top_k)
    }
}

fn allenai_stats(
    loads: &[[Vec<u64>; 3]],
    pairs: &mut [[Vec<u64>; 2]],
    e: usize,
    k: usize,
) -> AllenaiStats {
    let (mut mm, mut cv, mut n) = (0.0f64, 0.0f64, 0.0f64);
    for d in loads {
        for l in d {
            let c: Vec<u32> = l.iter().map(|&x| x.min(u32::MAX as u64) as u32).collect();
            mm += max_over_mean(&c);
            cv += coefficient_of_variation(&c);
            n += 1.0;
        }
    }
    let (mut share, mut np) = (0.0f64, 0.0f64);
    for d in pairs.iter_mut() {
        for p in d.iter_mut() {
            if let Some(s) = aligned_share_of_matrix(p, e, k) {
                share += s;
                np += 1.0;
            }
        }
    }
    let mut div = 0.0;
    for l in 0..OLMOE_LAYERS.len() {
        let shares: Vec<Vec<f64>> = loads
            .iter()
            .map(|d| {
                let s: u64 = d[l].iter().sum::<u64>().max(1);
                d[l].iter().map(|&x| x as f64 / s as f64).collect()
            })
            .collect();
        let mean: Vec<f64> = (0..e)
            .map(|i| shares.iter().map(|s| s[i]).sum::<f64>() / shares.len() as f64)
            .collect();
        for s in &shares {
            div += 0.5 * s.iter().zip(&mean).map(|(a, b)| (a - b).abs()).sum::<f64>();
        }
    }
    AllenaiStats {
        max_over_mean: mm / n.max(1.0),
        load_cv: cv / n.max(1.0),
        aligned_share: share / np.max(1.0),
        divergence: div / (OLMOE_LAYERS.len() * loads.len()).max(1) as f64,
    }
}

/// The allenai statistics computed the same way on generated tables (one per domain, at least
/// 16 layers).
pub fn allenai_stats_of_tables(segs: &[RoutingTable], num_experts: usize) -> AllenaiStats {
    let k = segs.first().map_or(1, |t| t.top_k() as usize);
    let loads: Vec<[Vec<u64>; 3]> = segs
        .iter()
        .map(|t| {
            std::array::from_fn(|i| {
                t.layer(OLMOE_LAYERS[i])
                    .expert_counts(num_experts as u32)
                    .into_iter()
                    .map(u64::from)
                    .collect()
            })
        })
        .collect();
    let mut pairs: Vec<[Vec<u64>; 2]> = segs
        .iter()
        .map(|t| {
            std::array::from_fn(|i| {
                let (a, b) = OLMOE_PAIRS[i];
                let mut m = vec![0u64; num_experts * num_experts];
                for (sa, sb) in t.layer(a).tokens().zip(t.layer(b).tokens()) {
                    for (&x, &y) in sa.iter().zip(sb) {
                        m[x as usize * num_experts + y as usize] += 1;
                    }
                }
                m
            })
        })
        .collect();
    allenai_stats(&loads, &mut pairs, num_experts, k)
}

#[derive(Deserialize)]
struct SpecCountRow {
    dataset: String,
    layer: u32,
    #[allow(dead_code)]
    expert: u32,
    count: u64,
}

#[derive(Deserialize)]
struct SpecPairRow {
    dataset: String,
    layer_src: u32,
    expert_src: u32,
    expert_dst: usize,
    count: u64,
}

/// Mixtral decode statistics from the speculative-moe counts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DecodeReference {
    /// l -> l+1 transition share (top-2 destinations, sources with >= 20 pairs).
    pub transition_share: f64,
    /// max/mean load per (dataset, layer), averaged.
    pub max_over_mean: f64,
    /// Tokens behind the counts (sum of counts / top_k / layers).
    pub tokens: u64,
}

pub fn speculative_decode(root: &Path) -> Result<DecodeReference> {
    let dir = root.join(SPECULATIVE_DIR);
    let mut loads: BTreeMap<(String, u32), Vec<u32>> = BTreeMap::new();
    let mut total = 0u64;
    read_csv(&dir.join("expert_counts.csv"), |r: SpecCountRow| {
        loads
            .entry((r.dataset, r.layer))
            .or_default()
            .push(r.count.min(u32::MAX as u64) as u32);
        total += r.count;
    })?;
    let mut rows: BTreeMap<(String, u32, u32), Vec<u64>> = BTreeMap::new();
    read_csv(
        &dir.join("adjacent_layer_transitions.csv"),
        |r: SpecPairRow| {
            let row = rows
                .entry((r.dataset, r.layer_src, r.expert_src))
                .or_insert_with(|| vec![0; 8]);
            if let Some(c) = row.get_mut(r.expert_dst) {
                *c += r.count;
            }
        },
    )?;
    let shares: Vec<f64> = rows
        .values_mut()
        .filter_map(|row| {
            let t: u64 = row.iter().sum();
            (t >= MIN_TRANSITION_PAIRS).then(|| {
                row.sort_unstable_by(|a, b| b.cmp(a));
                (row[0] + row[1]) as f64 / t as f64
            })
        })
        .collect();
    let mm: Vec<f64> = loads.values().map(|c| max_over_mean(c)).collect();
    let layers = loads.keys().map(|k| k.1).max().map_or(1, |l| l as u64 + 1);
    Ok(DecodeReference {
        transition_share: shares.iter().sum::<f64>() / shares.len().max(1) as f64,
        max_over_mean: mm.iter().sum::<f64>() / mm.len().max(1) as f64,
        tokens: total / 2 / layers,
    })
}
