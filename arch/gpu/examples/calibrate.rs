//! Calibrates a GPU system preset on a directory of measurements and prints the fitted
//! `[calibration]` section plus the per-row errors.
//!
//! ```sh
//! cargo run --release -p moesim-gpu --example calibrate -- <data-dir> <preset-name | preset.toml>
//! cargo run --release -p moesim-gpu --example calibrate -- data/calibration/h200 h200_dgx
//! ```

use moesim_gpu::{GpuSystemConfig, calibrate, presets};
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, base] = args.as_slice() else {
        eprintln!("usage: calibrate <data-dir> <preset-name | preset.toml>");
        return ExitCode::from(2);
    };
    match run(Path::new(dir), base) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(dir: &Path, base: &str) -> moesim_core::Result<()> {
    let cfg = if base.ends_with(".toml") {
        GpuSystemConfig::load(base)?
    } else {
        presets::preset(base)?
    };
    let report = calibrate(dir, &cfg)?;
    #[derive(serde::Serialize)]
    struct Section<'a> {
        calibration: &'a moesim_gpu::Calibration,
    }
    let text = toml::to_string(&Section {
        calibration: &report.calibration,
    })
    .map_err(|e| moesim_core::Error::Check(e.to_string()))?;
    println!("{text}");
    println!("# op, world, bytes_per_rank, measured_us, model_us, rel_err");
    for r in &report.collectives {
        println!(
            "# {}, {}, {}, {:.1}, {:.1}, {:+.3}",
            r.op,
            r.world,
            r.bytes_per_rank,
            r.measured_us,
            r.model_us,
            r.rel_err()
        );
    }
    println!("# model, tokens, measured_us, model_us, device_us, rel_err, regime");
    for r in &report.ffn {
        println!(
            "# {}, {}, {:.1}, {:.1}, {:.1}, {:+.3}, {}",
            r.model,
            r.tokens,
            r.measured_us,
            r.model_us,
            r.device_us,
            r.rel_err(),
            if r.launch_bound { "launch" } else { "device" }
        );
    }
    Ok(())
}
