//! `moesim run`: runs an experiment (the embedded default when no file is given) and writes
//! `out/<name>-<hash>/`: config.resolved.toml, stats.txt, stats.json, results.csv and the
//! experiment's plots (for a NoC experiment also links.csv and heatmap.svg).
//!
//! ```text
//! moesim run
//! moesim run my_experiment.toml --set noc.num_vcs=8 --out results/
//! ```

use moesim::Experiment;
use moesim::experiment::tier_compare::compare_tiers;
use moesim_core::{Error, Result};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct RunArgs {
    /// The experiment file (TOML, `kind = "..."`); the embedded default experiment if omitted.
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    /// Override a key of the experiment: noc.router.num_vcs=8 (or noc.num_vcs=8).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Print the run summary as JSON.
    #[arg(long)]
    json: bool,
    /// The directory run directories are created in.
    #[arg(long, value_name = "DIR", default_value = "out")]
    out: PathBuf,
    /// Print the resolved experiment (TOML) and exit without running it.
    #[arg(long)]
    print_config: bool,
    /// Also run the step on these network tiers (analytic, flow, flit, link_scheduler; comma
    /// separated) and print each figure's divergence from the experiment's own tier; writes
    /// tiers.md and tiers.json into the run directory. MoE experiments only.
    #[arg(long, value_name = "TIERS", value_delimiter = ',')]
    compare_tiers: Vec<String>,
}

pub fn run(args: RunArgs) -> Result<ExitCode> {
    let exp = match &args.file {
        Some(path) => Experiment::load(path, &args.sets)?,
        None => Experiment::default_with(&args.sets)?,
    };
    if args.print_config {
        print!("{}", exp.resolved_toml()?);
        return Ok(ExitCode::SUCCESS);
    }
    if !args.compare_tiers.is_empty() && !matches!(exp, Experiment::Moe(_)) {
        return Err(Error::config(
            exp.name(),
            "--compare-tiers",
            "tiers are compared on MoE experiments only",
        )
        .allowed("an experiment with kind = \"moe\""));
    }
    let mut summary = exp.run(&args.out)?;
    let mut table = None;
    if let (Experiment::Moe(moe), false) = (&exp, args.compare_tiers.is_empty()) {
        let cmp = compare_tiers(moe, &args.compare_tiers)?;
        let text = cmp.table();
        let value =
            serde_json::to_value(&cmp).map_err(|e| Error::Sim(format!("JSON output: {e}")))?;
        write(&summary.dir.join("tiers.md"), &text)?;
        write(&summary.dir.join("tiers.json"), &value.to_string())?;
        if let Some(obj) = summary.results.as_object_mut() {
            obj.insert("tier_comparison".into(), value);
        }
        table = Some(text);
    }
    if args.json {
        let json = serde_json::to_string_pretty(&summary)
            .map_err(|e| Error::Sim(format!("JSON output: {e}")))?;
        println!("{json}");
    } else {
        println!(
            "{} experiment `{}` written to {}",
            serde_json::to_value(summary.kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            exp.name(),
            summary.dir.display()
        );
        if let Ok(entries) = std::fs::read_dir(&summary.dir) {
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            println!("  {}", names.join(", "));
        }
        if let Some(t) = table {
            println!("\n{t}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn write(path: &std::path::Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}
