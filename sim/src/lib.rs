//! moesim: experiments, sweeps and their outputs.
//!
//! - [`experiment`]: the experiment kinds (serde-tagged, `kind = "noc"`), loaded from TOML with
//!   presets and `--set` overrides, each writing one run directory;
//! - [`noc_experiment`]: the NoC experiment (one network point, optionally a load sweep);
//! - [`noc_config`]: native NoC configurations from files or embedded presets, with overrides;
//! - [`noc_point`]: one NoC simulation point, timed; [`noc_bench`]: simulator speed vs BookSim2;
//! - [`sweep`]: sweep specifications and the serial/parallel sweep runner;
//! - [`booksim_csv`]: BookSim's latency-throughput CSV columns, read and written;
//! - [`output`]: the `out/<run>/` writer; [`naming`]: deterministic run names;
//! - [`overrides`]: `--set` key resolution (`noc.num_vcs` for `noc.router.num_vcs`);
//! - [`plots`]: SVG plots; [`progress`]: progress bars on interactive terminals only;
//! - [`studies`]: the paper studies behind `moesim study`;
//! - [`presets`]: the embedded configuration presets; [`repo`]: locating the repository's data.

pub mod balance_run;
pub mod booksim_csv;
pub mod executor;
pub mod experiment;
pub mod naming;
pub mod noc_bench;
pub mod noc_config;
pub mod noc_experiment;
pub mod noc_point;
pub mod output;
pub mod overrides;
pub mod plots;
pub mod presets;
pub mod progress;
pub mod repo;
pub mod studies;
pub mod sweep;

pub use experiment::{Experiment, RunSummary};
pub use output::RunDir;
pub use sweep::{Schedule, SweepSpec};
