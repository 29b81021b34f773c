//! `moesim validate`: runs the validation cases (in parallel, results in registry order), prints
//! a table, optionally writes the markdown report (docs/validation.md is generated this way), and
//! exits with 1 if any case fails.
//!
//! ```text
//! moesim validate
//! moesim validate --case booksim_a_mesh8x8_uniform_p4 --json
//! moesim validate --report docs/validation.md
//! ```

use moesim_core::{Error, Result};
use moesim_validation::report::{self, CaseResult};
use moesim_validation::{Case, Context, cases};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ValidateArgs {
    /// Run only this case (repeatable); see --list.
    #[arg(long = "case", value_name = "ID")]
    cases: Vec<String>,
    /// Print the results as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Write the markdown report to FILE (e.g. docs/validation.md).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// List the case ids and exit.
    #[arg(long)]
    list: bool,
}

fn select(all: Vec<Case>, ids: &[String]) -> Result<Vec<Case>> {
    if ids.is_empty() {
        return Ok(all);
    }
    if let Some(unknown) = ids
        .iter()
        .find(|id| !all.iter().any(|c| c.id == id.as_str()))
    {
        let known: Vec<&str> = all.iter().map(|c| c.id).collect();
        return Err(
            Error::config("--case", unknown, "unknown validation case").allowed(known.join(", "))
        );
    }
    Ok(all
        .into_iter()
        .filter(|c| ids.iter().any(|id| id == c.id))
        .collect())
}

pub fn run(args: ValidateArgs) -> Result<ExitCode> {
    let all = cases::all();
    if args.list {
        for c in &all {
            println!("{:<36} {}", c.id, c.source);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let selected = select(all, &args.cases)?;
    let ctx = Context {
        root: moesim::repo::find_root()?,
    };
    let results: Vec<CaseResult> = report::run_all(&selected, &ctx);
    if args.json {
        let json = serde_json::to_string_pretty(&results)
            .map_err(|e| Error::Sim(format!("JSON output: {e}")))?;
        println!("{json}");
    } else {
        print!("{}", report::text_table(&results));
    }
    if let Some(path) = &args.report {
        std::fs::write(path, report::markdown(&results)).map_err(|e| Error::io(path, e))?;
    }
    Ok(if report::all_passed(&results) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
