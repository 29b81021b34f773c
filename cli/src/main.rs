//! `moesim`: the command-line front end. One subcommand per file.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod cmd_noc;
mod cmd_run;
mod cmd_study;
mod cmd_validate;
mod cmd_workload;

/// moesim: an architecture model of Mixture-of-Experts inference hardware.
#[derive(Parser)]
#[command(name = "moesim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run an experiment (an embedded default when no file is given) and write out/<run>/.
    Run(cmd_run::RunArgs),
    /// Run the flit-level network on synthetic traffic (BookSim configs or native TOML).
    Noc(cmd_noc::NocArgs),
    /// Generate the workload of one step of an MoE model and print its per-layer figures.
    Workload(cmd_workload::WorkloadArgs),
    /// Run a paper study and write docs/studies/NAME.md with its tables and figures.
    Study(cmd_study::StudyArgs),
    /// Run every validation case; exit non-zero if any is outside its tolerance.
    Validate(cmd_validate::ValidateArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(a) => cmd_run::run(a),
        Command::Noc(a) => cmd_noc::run(a),
        Command::Workload(a) => cmd_workload::run(a),
        Command::Study(a) => cmd_study::run(a),
        Command::Validate(a) => cmd_validate::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
