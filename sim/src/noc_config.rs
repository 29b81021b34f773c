//! Where a NoC configuration comes from: a native TOML file, an embedded preset or the defaults
//! (plus `--set` overrides), or a BookSim config file (plus BookSim `key=value` overrides). A
//! source can be rebuilt with extra assignments in its own key scheme, which is how sweep points
//! are made: `injection_rate=0.3` is a BookSim key for a BookSim source and resolves to
//! `traffic.injection_rate` for a native one.

use crate::overrides::{apply_sets, table_of};
use crate::presets;
use moesim_core::{Result, config};
use moesim_noc::NocConfig;
use moesim_noc::booksim::{self, Assignment};
use std::path::Path;
use toml::Table;

/// A NoC configuration source.
#[derive(Clone, Debug)]
pub enum NocSource {
    /// A native table and the `--set` overrides applied on top.
    Native {
        table: Table,
        origin: String,
        sets: Vec<String>,
    },
    /// BookSim assignments: the file's, then the command line's.
    BookSim {
        assignments: Vec<Assignment>,
        source: String,
    },
}

impl NocSource {
    /// A native TOML file.
    pub fn native_file(path: &Path) -> Result<NocSource> {
        let text = moesim_core::error::read_to_string(path)?;
        NocSource::native_text(&text, &path.display().to_string())
    }

    /// Native TOML text from `origin`.
    pub fn native_text(text: &str, origin: &str) -> Result<NocSource> {
        Ok(NocSource::Native {
            table: config::parse_toml_value(origin, text)?,
            origin: origin.to_string(),
            sets: Vec::new(),
        })
    }

    /// An embedded preset (`configs/noc/<name>.toml`).
    pub fn preset(name: &str) -> Result<NocSource> {
        NocSource::native_text(presets::noc_preset(name)?, &presets::origin(name))
    }

    /// A BookSim config file and its `key=value` overrides.
    pub fn booksim_file(path: &Path, overrides: &[String]) -> Result<NocSource> {
        let source = path.display().to_string();
        let text = moesim_core::error::read_to_string(path)?;
        let mut assignments = booksim::parse_text(&text, &source)?;
        for o in overrides {
            assignments.push(booksim::parse_override(o)?);
        }
        Ok(NocSource::BookSim {
            assignments,
            source,
        })
    }

    /// Adds native `--set` overrides (an error for a BookSim source, whose overrides are
    /// `key=value` arguments).
    pub fn with_sets(mut self, more: &[String]) -> Result<NocSource> {
        match &mut self {
            NocSource::Native { sets, .. } => sets.extend(more.iter().cloned()),
            NocSource::BookSim { source, .. } => {
                if let Some(first) = more.first() {
                    return Err(moesim_core::Error::config(
                        "--set",
                        first,
                        format!("--set applies to native configurations, not {source}"),
                    )
                    .allowed("BookSim overrides as plain KEY=VALUE arguments"));
                }
            }
        }
        Ok(self)
    }

    /// The file or preset the configuration comes from.
    pub fn origin(&self) -> &str {
        match self {
            NocSource::Native { origin, .. } => origin,
            NocSource::BookSim { source, .. } => source,
        }
    }

    /// The validated configuration, with `extra` assignments applied last.
    pub fn build(&self, extra: &[String]) -> Result<NocConfig> {
        match self {
            NocSource::Native {
                table,
                origin,
                sets,
            } => {
                let all: Vec<String> = sets
                    .iter()
                    .chain(extra)
                    .map(|s| s.strip_prefix("noc.").unwrap_or(s).to_string())
                    .collect();
                let mut t = table.clone();
                apply_sets(&mut t, &table_of(&NocConfig::default())?, &all)?;
                let origin = if all.is_empty() {
                    origin.clone()
                } else {
                    format!("{origin} with --set")
                };
                let cfg: NocConfig = config::from_table(&origin, t)?;
                cfg.validate(&origin)?;
                Ok(cfg)
            }
            NocSource::BookSim {
                assignments,
                source,
            } => {
                let mut all = assignments.clone();
                for e in extra {
                    all.push(booksim::parse_override(e)?);
                }
                booksim::from_assignments(&all, source)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_with_sets_and_sweep_points() {
        let src = NocSource::preset("mesh4x4_uniform_p4")
            .unwrap()
            .with_sets(&["noc.num_vcs=2".into()])
            .unwrap();
        let c = src.build(&["injection_rate=0.25".into()]).unwrap();
        assert_eq!(c.router.num_vcs, 2);
        assert_eq!(c.traffic.injection_rate, 0.25);
        let e = src.build(&["num_vc=3".into()]).unwrap_err().to_string();
        assert!(
            e.contains("embedded:mesh4x4_uniform_p4 with --set") && e.contains("num_vc"),
            "{e}"
        );
        let e = src
            .build(&["injection_rate=0".into()])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("traffic.injection_rate") && e.contains("(0, 1]"),
            "{e}"
        );
    }

    #[test]
    fn booksim_sources_take_booksim_keys() {
        let root = crate::repo::find_root().unwrap();
        let path = root.join("data/booksim/configs/mesh8x8_transpose_p4.cfg");
        let src = NocSource::booksim_file(&path, &["k=4".into()]).unwrap();
        let c = src.build(&["injection_rate=0.3".into()]).unwrap();
        assert_eq!(c.traffic.injection_rate, 0.3);
        assert_eq!(c.topology.grid_shape().x, 4);
        assert!(src.clone().with_sets(&["x=1".into()]).is_err());
        assert!(src.build(&["traffic.injection_rate=0.3".into()]).is_err());
    }
}
