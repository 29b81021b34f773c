//! `moesim noc`.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct NocArgs {}

pub fn run(_args: NocArgs) -> moesim_core::Result<ExitCode> {
    Err(moesim_core::Error::Check(
        "`moesim noc` is not available in this build".into(),
    ))
}
