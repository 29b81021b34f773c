//! `moesim noc`: the flit-level network on synthetic traffic, configured by a BookSim2 config
//! file (`--booksim`), a native TOML file (`--config`) or an embedded preset (`--preset`).
//!
//! ```text
//! moesim noc --booksim data/booksim/configs/mesh8x8_uniform_p4.cfg injection_rate=0.3 --json
//! moesim noc --preset mesh8x8_uniform_p4 --set num_vcs=8 --heatmap h.svg --links l.csv
//! moesim noc --booksim CFG --sweep injection_rate=0.02:0.60:0.02 --csv curve.csv
//! moesim noc --booksim CFG --bench
//! ```

use moesim::booksim_csv::{self, BooksimRow};
use moesim::noc_config::NocSource;
use moesim::noc_point::{self, NocPoint, SweepOptions};
use moesim::presets::NOC_PRESETS;
use moesim::sweep::{Schedule, SweepSpec};
use moesim_core::{Error, Result};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct NocArgs {
    /// A BookSim2 config file, read as it is; KEY=VALUE arguments override its keys.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["config", "preset"])]
    booksim: Option<PathBuf>,
    /// A native NoC configuration file (TOML; keys in docs/config.md).
    #[arg(long, value_name = "FILE.toml", conflicts_with = "preset")]
    config: Option<PathBuf>,
    /// An embedded preset (configs/noc/NAME.toml); see --list-presets.
    #[arg(long, value_name = "NAME")]
    preset: Option<String>,
    /// Override a native key: router.num_vcs=8, or num_vcs=8, or noc.num_vcs=8.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Overrides: BookSim keys with --booksim, native keys otherwise (as --set).
    #[arg(value_name = "KEY=VALUE")]
    overrides: Vec<String>,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
    /// Sweep one key: KEY=LO:HI:STEP or KEY=V1,V2,... (e.g. injection_rate=0.02:0.60:0.02).
    #[arg(long, value_name = "KEY=RANGE")]
    sweep: Option<String>,
    /// Write the results in BookSim's CSV columns to FILE.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Run sweep points one after the other (the results equal the parallel run's).
    #[arg(long)]
    serial: bool,
    /// Stop a sweep after N saturated points in a row (0: run every point).
    #[arg(long, value_name = "N", default_value_t = 3)]
    stop_after: usize,
    /// Write the per-link utilisation heatmap (SVG).
    #[arg(long, value_name = "FILE.svg", conflicts_with = "sweep")]
    heatmap: Option<PathBuf>,
    /// Write per-link statistics (CSV).
    #[arg(long, value_name = "FILE.csv", conflicts_with = "sweep")]
    links: Option<PathBuf>,
    /// Simulator speed at loads 0.02, 0.2 and 0.4, beside BookSim2's figures.
    #[arg(long, conflicts_with_all = ["sweep", "heatmap", "links", "csv"])]
    bench: bool,
    /// Print the resolved native configuration (TOML) and exit.
    #[arg(long)]
    print_config: bool,
    /// List the embedded presets and exit.
    #[arg(long)]
    list_presets: bool,
}

pub fn run(args: NocArgs) -> Result<ExitCode> {
    if args.list_presets {
        for (name, text) in NOC_PRESETS {
            let about = text
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches('#')
                .trim();
            println!("{name:<26} {about}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let source = source(&args)?;
    if args.print_config {
        let cfg = source.build(&[])?;
        print!("{}", moesim::output::to_toml(&cfg)?);
        return Ok(ExitCode::SUCCESS);
    }
    if args.bench {
        return bench(&source, args.json);
    }
    match &args.sweep {
        Some(spec) => sweep(&args, &source, &SweepSpec::parse(spec)?),
        None => single(&args, &source),
    }
}

fn source(args: &NocArgs) -> Result<NocSource> {
    if let Some(path) = &args.booksim {
        return NocSource::booksim_file(path, &args.overrides)?.with_sets(&args.sets);
    }
    let base = match (&args.config, &args.preset) {
        (Some(path), _) => NocSource::native_file(path)?,
        (None, Some(name)) => NocSource::preset(name)?,
        (None, None) => {
            return Err(Error::config(
                "moesim noc",
                "--booksim/--config/--preset",
                "no network given",
            )
            .allowed("--booksim FILE.cfg, --config FILE.toml or --preset NAME"));
        }
    };
    let sets: Vec<String> = args.sets.iter().chain(&args.overrides).cloned().collect();
    base.with_sets(&sets)
}

fn single(args: &NocArgs, source: &NocSource) -> Result<ExitCode> {
    let cfg = source.build(&[])?;
    let point = noc_point::run(cfg, source.origin(), String::new())?;
    if args.heatmap.is_some() || args.links.is_some() {
        let topo = moesim_noc::topology::build(&point.config.topology, source.origin())?;
        if let Some(p) = &args.heatmap {
            let title = format!(
                "{}: link utilisation at injection rate {}",
                source.origin(),
                point.config.traffic.injection_rate
            );
            moesim_noc::heatmap::write_heatmap_svg(&topo, &point.report.link_stats, p, &title)?;
        }
        if let Some(p) = &args.links {
            moesim_noc::link_export::write_links_csv(&topo, &point.report.link_stats, p)?;
        }
    }
    if let Some(p) = &args.csv {
        booksim_csv::write(p, &[point.row()])?;
    }
    if args.json {
        println!("{}", to_json(&point.report)?);
    } else {
        print!("{}", summary(&point));
    }
    Ok(ExitCode::SUCCESS)
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(v).map_err(|e| Error::Sim(format!("JSON output: {e}")))
}

/// A BookSim-like summary of one run.
fn summary(p: &NocPoint) -> String {
    let r = &p.report;
    let status = serde_json::to_value(r.status)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    format!(
        "====== Overall Traffic Statistics ======\n\
         Packet latency average = {:.4}\n\
         Network latency average = {:.4}\n\
         Accepted flit rate average = {:.6}\n\
         Injected flit rate average = {:.6}\n\
         Hops average = {:.4}\n\
         Packets measured = {}\n\
         Flit router traversals = {}\n\
         Time taken is {} cycles\n\
         Status: {status}{}\n\
         Total run time {:.3} s (simulator {:.3} s)\n",
        r.avg_packet_latency,
        r.avg_network_latency,
        r.accepted_flits_per_node_cycle,
        r.injected_flits_per_node_cycle,
        r.avg_hops_routers,
        r.packets_measured,
        r.flit_router_traversals,
        r.sim_cycles,
        if r.saturated { " (unstable)" } else { "" },
        p.wall_s,
        r.wall_s,
    )
}

fn sweep(args: &NocArgs, source: &NocSource, spec: &SweepSpec) -> Result<ExitCode> {
    let opts = SweepOptions {
        schedule: if args.serial {
            Schedule::Serial
        } else {
            Schedule::Parallel
        },
        stop_after_unstable: (args.stop_after > 0).then_some(args.stop_after),
    };
    let pb = moesim::progress::bar(spec.values.len() as u64, &spec.key);
    let points = noc_point::run_sweep(source, spec, opts, &pb)?;
    pb.finish_and_clear();
    let rows: Vec<BooksimRow> = points.iter().map(NocPoint::row).collect();
    if let Some(p) = &args.csv {
        booksim_csv::write(p, &rows)?;
    }
    if args.json {
        let reports: Vec<serde_json::Value> = points
            .iter()
            .map(|p| {
                serde_json::json!({
                    "point": p.label,
                    "seed": p.config.sim.seed,
                    "report": p.report,
                })
            })
            .collect();
        println!("{}", to_json(&reports)?);
    } else if args.csv.is_none() {
        print!("{}", booksim_csv::to_string(&rows)?);
    } else {
        print!("{}", sweep_table(&rows));
    }
    Ok(ExitCode::SUCCESS)
}

fn sweep_table(rows: &[BooksimRow]) -> String {
    let mut s = format!(
        "{:>8} {:>12} {:>12} {:>10} {:>9} {:>8}\n",
        "load", "pkt_lat", "net_lat", "accepted", "cycles", "status"
    );
    for r in rows {
        s.push_str(&format!(
            "{:>8} {:>12.3} {:>12.3} {:>10.4} {:>9} {:>8}\n",
            r.injection_rate,
            r.avg_packet_latency,
            r.avg_network_latency,
            r.accepted_flits_per_node_cycle,
            r.sim_cycles,
            if r.is_saturated() { "unstable" } else { "ok" }
        ));
    }
    s
}

fn bench(source: &NocSource, json: bool) -> Result<ExitCode> {
    let reference = moesim::repo::find_root()
        .ok()
        .map(|root| root.join(moesim::noc_bench::REFERENCE_CSV));
    let report = moesim::noc_bench::run(source, reference.as_deref())?;
    if json {
        println!("{}", to_json(&report)?);
    } else {
        print!("{}", moesim::noc_bench::table(&report));
    }
    Ok(ExitCode::SUCCESS)
}
