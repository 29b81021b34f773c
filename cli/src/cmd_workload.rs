//! `moesim workload`.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct WorkloadArgs {}

pub fn run(_args: WorkloadArgs) -> moesim_core::Result<ExitCode> {
    Err(moesim_core::Error::Check(
        "`moesim workload` is not available in this build".into(),
    ))
}
