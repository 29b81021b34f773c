//! `moesim run`: runs an experiment (the embedded default when no file is given) and writes
//! `out/<name>-<hash>/`: config.resolved.toml, stats.txt, stats.json, results.csv and the
//! experiment's plots (for a NoC experiment also links.csv and heatmap.svg).
//!
//! ```text
//! moesim run
//! moesim run my_experiment.toml --set noc.num_vcs=8 --out results/
//! ```

use moesim::Experiment;
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
    let summary = exp.run(&args.out)?;
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
    }
    Ok(ExitCode::SUCCESS)
}
