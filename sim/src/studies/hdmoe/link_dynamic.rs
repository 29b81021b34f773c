//! The LinkBalance and DynamicPlacement parts of the HD-MoE study: the ablation (base placement
//! alone against base plus LinkBalance, communication time), per-link heatmaps before and after
//! LinkBalance, and the dynamic study at batch 512.
//!
//! The settings, the base placement included, are in [`link_plan::PLAN_PATH`]; the experiments
//! run on Mixtral with the real MT-Bench traces (the static placement from `reasoning`).

#[path = "dynamic_study.rs"]
pub mod dynamic_study;
#[path = "link_ablation.rs"]
pub mod link_ablation;
#[path = "link_plan.rs"]
pub mod link_plan;
#[path = "link_setup.rs"]
pub mod link_setup;

use crate::studies::{Section, StudyOptions, figure_link};
use link_ablation::{AblationPlan, AblationResult, balanced_map, utilisation};
use link_plan::LinkDynamicPlan;
use link_setup::LinkSetup;
use moesim_core::Result;
use moesim_mapping::dynamic_placement::BroadcastCount;
use rayon::prelude::*;

/// The three compute/link points.
pub const POINTS: [&str; 3] = ["10tf_25gbps", "5tf_50gbps", "2p5tf_75gbps"];
/// The paper's LinkBalance ratios at those points (ds, NodeBalance base; papers.md §7 row 5).
pub const PAPER_LINK_RATIOS: [f64; 3] = [1.19, 1.16, 1.18];
/// The paper's mean dynamic speedups per point (papers.md §7 row 6).
pub const PAPER_DYNAMIC: [(&str, f64); 2] = [("5tf_50gbps", 1.15), ("2p5tf_75gbps", 1.25)];

/// The MoE layers in LinkBalance's objective: all, or every fourth when `quick`.
pub fn objective_layers(setup: &LinkSetup, quick: bool) -> Vec<u32> {
    let n = setup.model.num_moe_layers();
    (0..n).filter(|l| !quick || l % 4 == 0).collect()
}

/// The LinkBalance / DynamicPlacement sections of the report.
pub fn sections(opts: &StudyOptions) -> Result<Vec<Section>> {
    let root = crate::repo::find_root()?;
    let plan = LinkDynamicPlan::load(&root)?;
    let points: Vec<&str> = if opts.quick {
        vec!["5tf_50gbps"]
    } else {
        POINTS.to_vec()
    };
    let ablation: Vec<AblationResult> = points
        .par_iter()
        .map(|p| -> Result<AblationResult> {
            let setup = LinkSetup::new(&root, &plan.mesh, p)?;
            let base = setup.place(&plan.placement)?;
            let ab = AblationPlan::from_plan(&plan, objective_layers(&setup, opts.quick), true);
            link_ablation::run(&setup, &base, &ab)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut out = vec![ablation_section(&ablation, &plan, opts)];
    out.push(heatmap_section(&root, &plan, &ablation, opts)?);
    out.push(dynamic_section(&root, &plan, opts)?);
    Ok(out)
}

fn ablation_section(
    rows: &[AblationResult],
    plan: &LinkDynamicPlan,
    opts: &StudyOptions,
) -> Section {
    let mut md = String::from(
        "Communication time of the MoE layers (dispatch + combine, flow tier, FP32, summed over \
         the objective's layers) of the base placement alone and after LinkBalance, on the \
         `reasoning` traffic scaled to batch 128. LinkBalance: Bayesian optimisation over device \
         coordinates (egobox EGO, 70 evaluations, 10 initial), each candidate projected one-to-one \
         by the Hungarian algorithm; annealing: swaps of two devices on the same objective.\n\n\
         | mesh | point | base | base comm (us) | +LinkBalance BO (us) | ratio | BO time (s) | \
         annealing (us) | ratio | annealing evals | annealing time (s) | paper ratio |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let paper = POINTS
            .iter()
            .position(|p| *p == r.point)
            .map_or("-".to_string(), |i| format!("{:.2}", PAPER_LINK_RATIOS[i]));
        let (sa_us, sa_ratio, sa_n, sa_s) = match &r.annealing {
            Some(a) => (
                format!("{:.1}", a.best_value * 1e-6),
                format!("{:.3}", a.improvement()),
                a.history.len().to_string(),
                format!("{:.1}", a.elapsed_s),
            ),
            None => ("-".into(), "-".into(), "-".into(), "-".into()),
        };
        md.push_str(&format!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.3} | {:.1} | {sa_us} | {sa_ratio} | {sa_n} | {sa_s} | {paper} |\n",
            r.mesh,
            r.point,
            r.base_kind,
            r.base_comm_us,
            r.bo_comm_us(),
            r.bo_ratio(),
            r.bo.elapsed_s,
        ));
    }
    md.push_str(&format!(
        "\nThe paper's ratios are DeepSeek-V2-Lite's with NodeBalance as the base; the base here is \
         `{}` ({}) with Mixtral's real traces ({} layers in the objective{}). With 8 experts of 4 \
         nodes each, every token group touches 8 nodes, and what LinkBalance can shorten is the \
         distance from the two experts' nodes to the aggregator.\n",
        plan.placement.kind(),
        link_plan::PLAN_PATH,
        if opts.quick { 8 } else { 32 },
        if opts.quick { ", every fourth MoE layer (--quick)" } else { "" },
    ));
    Section {
        title: "LinkBalance ablation".into(),
        markdown: md,
    }
}

fn heatmap_section(
    root: &std::path::Path,
    plan: &LinkDynamicPlan,
    rows: &[AblationResult],
    opts: &StudyOptions,
) -> Result<Section> {
    let dir = opts.figure_dir(super::NAME)?;
    let mut md = String::from(
        "Per-link utilisation during the combine phases (bytes carried over bandwidth x combine \
         time, summed over the objective's layers), base placement and after LinkBalance.\n\n\
         | point | placement | max link (MB) | mean link (MB) | max / mean | figure |\n\
         |---|---|---|---|---|---|\n",
    );
    for r in rows {
        let setup = LinkSetup::new(root, &plan.mesh, &r.point)?;
        let topo = setup.platform.topology();
        let bw = setup.link_bytes_per_s();
        let balanced = balanced_map(&setup.place(&plan.placement)?, &r.bo.node_of_slot)?;
        for (label, bytes, t, kind) in [
            (
                "base",
                &r.base_link_bytes,
                r.base_combine_s,
                r.base_kind.clone(),
            ),
            (
                "link_balance",
                &r.bo_link_bytes,
                r.bo_combine_s,
                balanced.kind.clone(),
            ),
        ] {
            let u = utilisation(bytes, bw, t);
            let file = dir.join(format!("link_heatmap_{}_{}_{label}.svg", r.mesh, r.point));
            moesim_noc::heatmap::write_utilisation_svg(
                topo,
                &u,
                &file,
                &format!("{kind}, Mixtral, {} at {}", r.mesh, r.point),
            )?;
            let max = bytes.iter().copied().max().unwrap_or(0) as f64;
            let used: Vec<f64> = bytes.iter().map(|&b| b as f64).collect();
            let mean = used.iter().sum::<f64>() / used.len().max(1) as f64;
            md.push_str(&format!(
                "| {} | {kind} | {:.2} | {:.2} | {:.2} | ![{label}]({}) |\n",
                r.point,
                max / 1e6,
                mean / 1e6,
                if mean > 0.0 { max / mean } else { 0.0 },
                figure_link(super::NAME, &file),
            ));
        }
    }
    Ok(Section {
        title: "Per-link heatmaps before and after LinkBalance".into(),
        markdown: md,
    })
}

fn dynamic_section(
    root: &std::path::Path,
    plan: &LinkDynamicPlan,
    opts: &StudyOptions,
) -> Result<Section> {
    let mut md = String::new();
    for dp in &plan.dynamic {
        let point = dp.point.as_str();
        let setup = LinkSetup::new(root, &plan.mesh, point)?;
        let base = setup.place(&plan.placement)?;
        let ab = AblationPlan::from_plan(plan, objective_layers(&setup, opts.quick), false);
        let lb = link_ablation::run(&setup, &base, &ab)?;
        let static_map = balanced_map(&base, &lb.bo.node_of_slot)?;
        let rows = dynamic_study::run(
            &setup,
            &static_map,
            dp.broadcast,
            plan.dynamic_batch,
            plan.seed,
        )?;
        let k = rows.first().map_or(0, |r| r.totals.experts_per_layer);
        let paper = PAPER_DYNAMIC
            .iter()
            .find(|(p, _)| *p == point)
            .map_or("-".to_string(), |(_, v)| format!("{v:.2}"));
        let bcast = dynamic_study::broadcast_model(&setup);
        let window = dynamic_study::window_s(&setup, plan.dynamic_batch as f64);
        let rule = match dp.broadcast {
            BroadcastCount::Fixed { .. } => "fixed",
            BroadcastCount::Window => "window rule",
        };
        md.push_str(&format!(
            "### {} at {point}, {k} experts pre-broadcast per layer ({rule})\n\n\
             Static placement: `{}` built from `reasoning`. Broadcast of {k} experts: {:.0} us per \
             layer against a window of {:.0} us.\n\n\
             | category | static (us) | dynamic (us) | speedup (broadcast hidden) | speedup \
             (exposed broadcast added) | oracle predictor speedup (hidden) |\n\
             |---|---|---|---|---|---|\n",
            plan.mesh,
            static_map.kind,
            bcast.time_s(k, 1e-7) * 1e6,
            window * 1e6,
        ));
        for r in &rows {
            md.push_str(&format!(
                "| {} | {:.0} | {:.0} | {:.3} | {:.3} | {:.3} |\n",
                r.category,
                r.totals.static_s() * 1e6,
                (r.totals.dynamic_comp_s + r.totals.dynamic_comm_s) * 1e6,
                dynamic_study::DynamicRow::speedup_hidden(&r.totals),
                r.totals.speedup(),
                dynamic_study::DynamicRow::speedup_hidden(&r.oracle),
            ));
        }
        md.push_str(&format!(
            "| **mean** | | | **{:.3}** | {:.3} | {:.3} |\n\nPaper (DeepSeek-V2-Lite, mean over \
             categories): {paper}. Batch {}.\n\n",
            dynamic_study::mean(&rows, |r| dynamic_study::DynamicRow::speedup_hidden(
                &r.totals
            )),
            dynamic_study::mean(&rows, |r| r.totals.speedup()),
            dynamic_study::mean(&rows, |r| dynamic_study::DynamicRow::speedup_hidden(
                &r.oracle
            )),
            plan.dynamic_batch,
        ));
    }
    md.push_str(
        "The predictor is the cross-layer transition frequencies of `reasoning` applied to the \
         batch's previous layer; the oracle column uses the true next-layer load. A Mixtral \
         expert (`2 h IS` = 117 M elements in the authors' broadcast model) takes milliseconds to \
         broadcast over 25-75 GB/s links, longer than a layer: the authors' window rule would \
         pre-broadcast none, so the hidden-broadcast column is the paper's accounting and the \
         exposed column what the broadcast would cost on this model.\n",
    );
    Ok(Section {
        title: "DynamicPlacement at batch 512".into(),
        markdown: md,
    })
}
