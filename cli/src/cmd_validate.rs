//! `moesim validate`.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ValidateArgs {}

pub fn run(_args: ValidateArgs) -> moesim_core::Result<ExitCode> {
    Err(moesim_core::Error::Check(
        "`moesim validate` is not available in this build".into(),
    ))
}
