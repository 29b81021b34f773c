//! `moesim run`.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct RunArgs {}

pub fn run(_args: RunArgs) -> moesim_core::Result<ExitCode> {
    Err(moesim_core::Error::Check(
        "`moesim run` is not available in this build".into(),
    ))
}
