//! The mapping part of the MoEntwine study: the five models on one 8x8 wafer (baseline vs
//! ER-Mapping) and on four wafers (baseline, ER-Mapping per wafer, HER-Mapping), the gain
//! against top-k, a sweep of the attention tensor-parallel degree, link heatmaps of the
//! attention and MoE traffic side by side, and the per-device MoE throughput against the GPU
//! baselines. Points run in parallel (rayon).

use super::gpu::{self, GpuPlatform, GpuResult};
use super::points::{self, PointResult, PointSpec};
use crate::plots::bar_chart;
use crate::studies::{Section, StudyOptions, figure_link};
use moesim_core::Result;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The models of the study: (embedded name, label, top-k).
pub const MODELS: &[(&str, &str)] = &[
    ("deepseek-v3", "DeepSeek-V3"),
    ("deepseek-v2", "DeepSeek-V2"),
    ("qwen3-235b-a22b", "Qwen3-235B-A22B"),
    ("dbrx", "DBRX"),
    ("mixtral-8x22b", "Mixtral-8x22B"),
];

/// The grid's knobs.
#[derive(Clone, Debug)]
pub struct Grid {
    pub models: Vec<&'static str>,
    pub seqs_per_die: u32,
    pub moe_layers: u32,
    pub tp: u32,
    /// Extra attention-TP degrees for DeepSeek-V3 on one wafer.
    pub tp_sweep: Vec<u32>,
    pub seed: u64,
}

impl Grid {
    pub fn new(quick: bool) -> Grid {
        if quick {
            Grid {
                models: vec!["deepseek-v3", "mixtral-8x22b"],
                seqs_per_die: 8,
                moe_layers: 1,
                tp: 4,
                tp_sweep: Vec::new(),
                seed: 1,
            }
        } else {
            Grid {
                models: MODELS.iter().map(|m| m.0).collect(),
                seqs_per_die: 32,
                moe_layers: 2,
                tp: 4,
                tp_sweep: vec![8, 16],
                seed: 1,
            }
        }
    }
}

const ONE: [&str; 2] = ["wafer8x8_baseline", "wafer8x8_er"];
const FOUR: [&str; 3] = ["wafers4_baseline", "wafers4_er", "wafers4_her"];

fn mapping_label(config: &str) -> &'static str {
    if config.ends_with("baseline") {
        "baseline"
    } else if config.ends_with("her") {
        "HER"
    } else {
        "ER"
    }
}

fn model_label(m: &str) -> &str {
    MODELS.iter().find(|x| x.0 == m).map_or(m, |x| x.1)
}

type Key = (&'static str, String, u32);

/// Everything the sections need.
pub struct Measured {
    pub grid: Grid,
    pub wsc: BTreeMap<Key, PointResult>,
    /// Per model: NVL72 and the DGX cluster.
    pub gpu: BTreeMap<String, (GpuResult, GpuResult)>,
    pub wall_s: f64,
}

impl Measured {
    pub fn get(&self, config: &'static str, model: &str, tp: u32) -> Option<&PointResult> {
        self.wsc.get(&(config, model.to_string(), tp))
    }
}

/// Runs the grid. Heatmaps of DeepSeek-V3 go to `fig_dir`.
pub fn measure(grid: &Grid, fig_dir: &std::path::Path) -> Result<Measured> {
    let t0 = std::time::Instant::now();
    let mut specs: Vec<PointSpec> = Vec::new();
    for &model in &grid.models {
        for config in ONE.iter().chain(FOUR.iter()) {
            let heat = model == "deepseek-v3";
            specs.push(PointSpec {
                config,
                model: model.into(),
                attention_tp: grid.tp,
                seqs_per_die: grid.seqs_per_die,
                moe_layers: grid.moe_layers,
                heatmaps: heat.then(|| (fig_dir.to_path_buf(), format!("heat_{config}"))),
            });
        }
    }
    for &tp in &grid.tp_sweep {
        for config in ONE {
            specs.push(PointSpec {
                config,
                model: "deepseek-v3".into(),
                attention_tp: tp,
                seqs_per_die: grid.seqs_per_die,
                moe_layers: grid.moe_layers,
                heatmaps: None,
            });
        }
    }
    let results: Vec<PointResult> = specs.par_iter().map(points::run).collect::<Result<_>>()?;
    let wsc = specs
        .iter()
        .zip(results)
        .map(|(s, r)| ((s.config, s.model.clone(), s.attention_tp), r))
        .collect();
    let gpu_results: Vec<(String, (GpuResult, GpuResult))> = grid
        .models
        .par_iter()
        .map(|&m| {
            let run = |p| gpu::run(p, m, grid.seqs_per_die, grid.moe_layers, grid.seed);
            Ok((
                m.to_string(),
                (run(GpuPlatform::Nvl72)?, run(GpuPlatform::DgxCluster)?),
            ))
        })
        .collect::<Result<_>>()?;
    Ok(Measured {
        grid: grid.clone(),
        wsc,
        gpu: gpu_results.into_iter().collect(),
        wall_s: t0.elapsed().as_secs_f64(),
    })
}

/// Relative change of `new` against `base` in percent (negative = lower).
pub fn change_pct(new: f64, base: f64) -> f64 {
    if base > 0.0 {
        100.0 * (new / base - 1.0)
    } else {
        f64::NAN
    }
}

fn a2a(r: &PointResult) -> f64 {
    r.dispatch_us + r.combine_us
}

/// The sections of the mapping and GPU part.
pub fn sections(opts: &StudyOptions, m: &Measured) -> Result<Vec<Section>> {
    let dir = opts.figure_dir(super::NAME)?;
    let g = &m.grid;
    let mut out = Vec::new();

    // setup
    out.push(Section {
        title: "Setup".into(),
        markdown: format!(
            "Decode steps, {} sequences per die (context 2048), synthetic router (seed {}), \
             {} simulated MoE layer(s) per point (the dense prefix is left out; figures are per \
             MoE layer), flow tier, ring all-reduce, attention tensor-parallel degree {} \
             (HER: {} per wafer, {} dies per logical group). Platforms: `b200_8x8` (64 dies) \
             and `b200_2x2_wafers` (4 wafers, 256 dies, wafer-to-wafer links at 225 GB/s and \
             200 ns, an assumption of the preset). Experiment files: \
             `configs/experiments/moentwine/*.toml`; every mapping uses `[executor] ring_order = \
             \"placement\"` and `combine = \"nearest_holder\"`, so the baseline and the entwined \
             mappings differ only in where the groups sit. {} points ran in {:.1} s of wall \
             time.\n\nChoices the paper leaves open (papers.md §1.6) and why: the batch is a \
             typical decode batch per B200 (tens of sequences); TP = 4 is the paper's own \
             example (2x2 FTDs on a 4x4 picture; on 8x8 dies it gives 4 FTDs of 4x4) and is the \
             only degree that divides the heads of every model for HER on 4 wafers (48 heads, \
             4 x 4 = 16); the combine returns partial outputs inside the FTD and sums them with \
             an all-reduce among the holders, which is how the paper's all-to-all can stay in \
             the FTD.",
            g.seqs_per_die,
            g.seed,
            g.moe_layers,
            g.tp,
            g.tp,
            g.tp * 4,
            m.wsc.len() + 2 * m.gpu.len(),
            m.wall_s
        ),
    });

    // per-mapping table and figures
    let mut md = String::from(
        "Per MoE layer, microseconds of critical path: dispatch and combine are the all-to-all \
         (the combine includes the holders' all-reduce of the partial outputs), the attention \
         all-reduce is the tensor-parallel collective after attention. *a2a* and *comm* give \
         the change against the baseline mapping of the same platform.\n\n\
         | model | top-k | platform | mapping | dispatch | combine | attention all-reduce | \
         communication | a2a vs baseline | comm vs baseline | MoE MB x hops |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for &model in &g.models {
        let k = points::truncated_model(model, 1)?.top_k();
        for (platform, configs) in [("1 wafer", &ONE[..]), ("4 wafers", &FOUR[..])] {
            let Some(base) = m.get(configs[0], model, g.tp) else {
                continue;
            };
            for &c in configs {
                let Some(r) = m.get(c, model, g.tp) else {
                    continue;
                };
                let _ = writeln!(
                    md,
                    "| {} | {k} | {platform} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:+.1} % | \
                     {:+.1} % | {:.1} |",
                    model_label(model),
                    mapping_label(c),
                    r.dispatch_us,
                    r.combine_us,
                    r.attention_ar_us,
                    r.comm_us(),
                    change_pct(a2a(r), a2a(base)),
                    change_pct(r.comm_us(), base.comm_us()),
                    r.moe_byte_hops_mb
                );
            }
        }
    }
    let cats: Vec<String> = g
        .models
        .iter()
        .map(|x| model_label(x).to_string())
        .collect();
    for (stem, configs, what) in [
        ("wafer8x8", &ONE[..], "one 8x8 wafer"),
        ("wafers4", &FOUR[..], "4 wafers of 8x8"),
    ] {
        for (metric, f, label) in [
            (
                "a2a",
                a2a as fn(&PointResult) -> f64,
                "all-to-all (dispatch + combine)",
            ),
            (
                "allreduce",
                |r: &PointResult| r.attention_ar_us,
                "attention all-reduce",
            ),
        ] {
            let series: Vec<(String, Vec<f64>)> = configs
                .iter()
                .map(|&c| {
                    (
                        mapping_label(c).to_string(),
                        g.models
                            .iter()
                            .map(|x| m.get(c, x, g.tp).map_or(f64::NAN, f))
                            .collect(),
                    )
                })
                .collect();
            let path = dir.join(format!("{metric}_{stem}.svg"));
            bar_chart(
                &path,
                &format!("{label}, {what}"),
                "us per MoE layer",
                &cats,
                &series,
            )?;
            let _ = write!(
                md,
                "\n![{label}, {what}]({})\n",
                figure_link(super::NAME, &path)
            );
        }
    }
    out.push(Section {
        title: "All-to-all and all-reduce per mapping".into(),
        markdown: md,
    });

    // gain against top-k
    let mut md = String::from(
        "| model | top-k | ER a2a, 1 wafer | ER comm, 1 wafer | ER a2a, 4 wafers | HER a2a, 4 wafers | \
         HER comm, 4 wafers |\n|---|---|---|---|---|---|---|\n",
    );
    for &model in &g.models {
        let k = points::truncated_model(model, 1)?.top_k();
        let c = |cfg: &'static str, base: &'static str, f: fn(&PointResult) -> f64| match (
            m.get(cfg, model, g.tp),
            m.get(base, model, g.tp),
        ) {
            (Some(a), Some(b)) => format!("{:+.1} %", change_pct(f(a), f(b))),
            _ => "-".into(),
        };
        let comm = |r: &PointResult| r.comm_us();
        let _ = writeln!(
            md,
            "| {} | {k} | {} | {} | {} | {} | {} |",
            model_label(model),
            c("wafer8x8_er", "wafer8x8_baseline", a2a),
            c("wafer8x8_er", "wafer8x8_baseline", comm),
            c("wafers4_er", "wafers4_baseline", a2a),
            c("wafers4_her", "wafers4_baseline", a2a),
            c("wafers4_her", "wafers4_baseline", comm),
        );
    }
    out.push(Section {
        title: "Gain against top-k".into(),
        markdown: md,
    });

    // tp sweep
    if !g.tp_sweep.is_empty() {
        let mut md = String::from(
            "DeepSeek-V3 on one wafer. A larger degree makes the FTDs smaller (64 / TP dies) and \
             the entwined ring longer.\n\n| TP | FTD dies | baseline a2a | ER a2a | baseline \
             all-reduce | ER all-reduce | baseline comm | ER comm | ER comm vs baseline |\n\
             |---|---|---|---|---|---|---|---|---|\n",
        );
        let mut tps = vec![g.tp];
        tps.extend(&g.tp_sweep);
        for tp in tps {
            let (Some(b), Some(e)) = (
                m.get("wafer8x8_baseline", "deepseek-v3", tp),
                m.get("wafer8x8_er", "deepseek-v3", tp),
            ) else {
                continue;
            };
            let _ = writeln!(
                md,
                "| {tp} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:+.1} % |",
                64 / tp,
                a2a(b),
                a2a(e),
                b.attention_ar_us,
                e.attention_ar_us,
                b.comm_us(),
                e.comm_us(),
                change_pct(e.comm_us(), b.comm_us())
            );
        }
        out.push(Section {
            title: "Attention tensor-parallel degree".into(),
            markdown: md,
        });
    }

    // heatmaps
    let mut md = String::from(
        "DeepSeek-V3, per-link utilisation while each class of traffic is in flight (bytes / \
         (bandwidth x the class's time in flight)): attention all-reduce on the left, MoE \
         dispatch and combine on the right. Under the baseline the MoE traffic heats the \
         centre of the mesh; under ER it stays inside the FTD blocks, while the entwined \
         all-reduce uses the links between FTDs: the two phases load complementary links, the \
         premise of the NI-Balancer's split migrations.\n\n| mapping | attention | MoE |\n\
         |---|---|---|\n",
    );
    if g.models.contains(&"deepseek-v3") {
        for c in ONE.iter().chain(FOUR.iter()) {
            let link = |class: &str| {
                let p = dir.join(format!("heat_{c}_{class}.svg"));
                format!("![{c} {class}]({})", figure_link(super::NAME, &p))
            };
            let _ = writeln!(md, "| `{c}` | {} | {} |", link("attention"), link("moe"));
        }
        let _ = writeln!(
            md,
            "\nLargest class utilisation (attention / MoE):\n\n| mapping | attention | MoE |\n\
             |---|---|---|"
        );
        for c in ONE.iter().chain(FOUR.iter()) {
            if let Some(r) = m.get(c, "deepseek-v3", g.tp) {
                let _ = writeln!(
                    md,
                    "| `{c}` | {:.2} | {:.2} |",
                    r.max_util_attention, r.max_util_moe
                );
            }
        }
    }
    out.push(Section {
        title: "Link heatmaps: attention against MoE".into(),
        markdown: md,
    });

    out.push(gpu_section(&dir, m)?);
    out.push(paper_section(m));
    Ok(out)
}

/// The largest cut (in percent, positive = lower) of `f` under `config` against `base` over the
/// models, with the model.
fn best_cut(
    m: &Measured,
    config: &'static str,
    base: &'static str,
    f: fn(&PointResult) -> f64,
) -> (f64, String) {
    m.grid
        .models
        .iter()
        .filter_map(|&x| {
            let (a, b) = (m.get(config, x, m.grid.tp)?, m.get(base, x, m.grid.tp)?);
            Some((-change_pct(f(a), f(b)), model_label(x).to_string()))
        })
        .fold((f64::NAN, String::new()), |acc, v| {
            if acc.0.is_nan() || v.0 > acc.0 {
                v
            } else {
                acc
            }
        })
}

/// Measured against published.
fn paper_section(m: &Measured) -> Section {
    let comm = |r: &PointResult| r.comm_us();
    let rows = [
        (
            "ER-Mapping all-to-all cut, one wafer (largest over models)",
            "up to 35 %",
            best_cut(m, "wafer8x8_er", "wafer8x8_baseline", a2a),
        ),
        (
            "ER-Mapping all-to-all cut, 4 wafers (largest over models)",
            "30 % (ablation)",
            best_cut(m, "wafers4_er", "wafers4_baseline", a2a),
        ),
        (
            "HER-Mapping all-to-all cut, 4 wafers (largest over models)",
            "71 % (ablation)",
            best_cut(m, "wafers4_her", "wafers4_baseline", a2a),
        ),
        (
            "HER-Mapping dispatch cut, 4 wafers (largest over models)",
            "71 % (ablation, all-to-all)",
            best_cut(m, "wafers4_her", "wafers4_baseline", |r| r.dispatch_us),
        ),
        (
            "ER-Mapping dispatch cut, one wafer (largest over models)",
            "35 % (all-to-all)",
            best_cut(m, "wafer8x8_er", "wafer8x8_baseline", |r| r.dispatch_us),
        ),
        (
            "HER-Mapping communication cut, 4 wafers (largest over models)",
            "up to 62 %",
            best_cut(m, "wafers4_her", "wafers4_baseline", comm),
        ),
    ];
    let mut md = String::from("| claim | paper | moesim | model |\n|---|---|---|---|\n");
    for (claim, paper, (v, model)) in rows {
        let _ = writeln!(md, "| {claim} | {paper} | {v:.1} % | {model} |");
    }
    md.push_str(
        "\nWhere and why the model departs from the paper:\n\n\
         - The dispatch (tokens to experts) behaves as the paper says: ER keeps it inside the \
           FTDs and HER inside a wafer's FTDs, and the cuts of the dispatch column match or \
           exceed the paper's all-to-all cuts for the top-6/8 models.\n\
         - The combine is where the model and the paper part. Partial expert outputs return to \
           the nearest holder (inside the FTD), and the holders of a token must then sum them \
           (an all-reduce among the attention group, counted in the combine column). Under the \
           baseline that group is a compact 2x2 block; under ER it is the entwined ring, whose \
           logical hops are 4 dies long with TP = 4 on 8x8; under HER it spans the four wafers, \
           so every token crosses the wafer-to-wafer links twice per layer (attention all-reduce \
           and this one). The notes do not say how the paper returns expert outputs; if it \
           needs no such sum, the paper's communication cuts follow from the dispatch cuts \
           alone. With the assumed 225 GB/s per wafer-to-wafer edge link, HER's two \
           cross-wafer all-reduces cost more than the baseline's cross-wafer all-to-all, so \
           HER's total communication is higher here, against the paper's -62 %.\n\
         - The entwined all-reduce costs 3-4x the baseline's (attention all-reduce column), \
           more than the paper's \"about 2x\": with TP = 4 on 8x8 dies the ring's logical \
           neighbours are 4 dies apart, and the 16 rings share those links on the flow tier. \
           Larger TP degrees shrink the FTDs but lengthen the rings (TP sweep above).\n\
         - Mixtral (top-2) and DBRX (top-4) have fewer experts than dies, so their experts are \
           replicated and a token uses the replica nearest to it: the baseline is already \
           local, and ER only adds the entwined all-reduces: the gain is negative, as the paper \
           says for Mixtral, and larger in magnitude. DBRX on 4 wafers is an exception (ER well \
           ahead of the baseline there), not analysed further.\n\
         - The paper's communication model (notes) is hop count times bytes over the link \
           bandwidth; the flow tier shares links max-min fairly, so the slowest flow on the \
           most loaded link sets each phase's time.\n\
         - WSC against NVL72: the mean advantage is close to the paper's +39 %, but for \
           different reasons than a like-for-like hardware comparison: the GPU side uses the \
           calibrated collective curves including NCCL's per-call floor (about 34 us per \
           all-to-all) and the calibrated FFN efficiency, the wafer dies the roofline.\n",
    );
    Section {
        title: "Against the paper".into(),
        markdown: md,
    }
}

/// Per-device MoE throughput of the WSC (4 wafers, HER) against NVL72 and the DGX cluster.
fn gpu_section(dir: &std::path::Path, m: &Measured) -> Result<Section> {
    let g = &m.grid;
    let mut md = format!(
        "MoE tokens per second per device through one MoE layer (router, dispatch, experts, \
         combine), {} sequences per device on every platform. WSC: 4 wafers, EP = 256, \
         HER-Mapping (the executor, roofline die model); GPUs: the calibrated `moesim-gpu` \
         models (direct all-to-all with uneven blocks, calibrated expert FFN).\n\n\
         | model | WSC HER µs/layer | NVL72 µs/layer (a2a + experts) | DGX x32 µs/layer | WSC \
         tok/s/dev | NVL72 tok/s/dev | DGX tok/s/dev | WSC vs NVL72 | WSC comm vs DGX comm |\n\
         |---|---|---|---|---|---|---|---|---|\n",
        g.seqs_per_die
    );
    let mut ratios = Vec::new();
    let mut series: Vec<(String, Vec<f64>)> = vec![
        ("WSC (HER)".into(), Vec::new()),
        ("NVL72".into(), Vec::new()),
        ("DGX x32".into(), Vec::new()),
    ];
    for &model in &g.models {
        let (Some(w), Some((nv, dgx))) = (m.get("wafers4_her", model, g.tp), m.gpu.get(model))
        else {
            continue;
        };
        let (tw, tn, td) = (
            w.moe_tokens_per_s_per_device(),
            nv.moe_tokens_per_s_per_device(),
            dgx.moe_tokens_per_s_per_device(),
        );
        let ratio = change_pct(tw, tn);
        ratios.push(ratio);
        let wsc_comm = w.dispatch_us + w.combine_us;
        let dgx_comm = dgx.dispatch_us + dgx.combine_us;
        let _ = writeln!(
            md,
            "| {} | {:.1} | {:.1} ({:.1} + {:.1}) | {:.1} | {:.0} | {:.0} | {:.0} | {:+.0} % | \
             {:+.0} % |",
            model_label(model),
            w.moe_layer_us,
            nv.moe_layer_us,
            nv.dispatch_us + nv.combine_us,
            nv.expert_us,
            dgx.moe_layer_us,
            tw,
            tn,
            td,
            ratio,
            change_pct(wsc_comm, dgx_comm)
        );
        series[0].1.push(tw / 1e3);
        series[1].1.push(tn / 1e3);
        series[2].1.push(td / 1e3);
    }
    let mean = ratios.iter().sum::<f64>() / ratios.len().max(1) as f64;
    let _ = writeln!(
        md,
        "\nMean WSC advantage over NVL72: {mean:+.0} % (paper: +39 % on average)."
    );
    let cats: Vec<String> = g
        .models
        .iter()
        .map(|x| model_label(x).to_string())
        .collect();
    let path = dir.join("throughput_vs_gpu.svg");
    bar_chart(
        &path,
        "Per-device MoE throughput",
        "thousand tokens / s / device",
        &cats,
        &series,
    )?;
    let _ = writeln!(
        md,
        "\n![per-device MoE throughput]({})",
        figure_link(super::NAME, &path)
    );
    Ok(Section {
        title: "Per-device MoE throughput against NVL72 and DGX".into(),
        markdown: md,
    })
}
