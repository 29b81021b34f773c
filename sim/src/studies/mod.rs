//! Paper studies: each runs its grid of experiments (points in parallel with rayon) and returns
//! sections of markdown with tables and SVG figures, which `moesim study NAME` writes to
//! `docs/studies/NAME.md` (figures beside it in `docs/studies/NAME/`).
//!
//! - [`moentwine`]: wafer-scale expert parallelism (ER/HER-Mapping, NI-Balancer, GPU baselines);
//! - [`hdmoe`]: 3D near-memory MoE (NodeBalance, LinkBalance, DynamicPlacement).

pub mod hdmoe;
pub mod moentwine;

use moesim_core::{Error, Result};
use std::path::{Path, PathBuf};

/// How a study runs.
#[derive(Clone, Debug)]
pub struct StudyOptions {
    /// The directory the markdown goes to; figures go to `<out_dir>/<study name>/`.
    pub out_dir: PathBuf,
    /// A reduced grid (fewer models/points) for smoke tests; the full grid otherwise.
    pub quick: bool,
}

impl StudyOptions {
    /// The figure directory of study `name`, created if missing.
    pub fn figure_dir(&self, name: &str) -> Result<PathBuf> {
        let dir = self.out_dir.join(name);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(dir)
    }
}

/// One section of a study's report.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// The `##` heading.
    pub title: String,
    /// The body: tables, figure links relative to the markdown file, and discussion.
    pub markdown: String,
}

/// Writes `<out_dir>/<name>.md`: a title, an introduction, then every section.
pub fn write_study(
    opts: &StudyOptions,
    name: &str,
    title: &str,
    intro: &str,
    sections: &[Section],
) -> Result<PathBuf> {
    std::fs::create_dir_all(&opts.out_dir).map_err(|e| Error::io(&opts.out_dir, e))?;
    let mut text = format!("# {title}\n\n{intro}\n");
    for s in sections {
        text.push_str(&format!("\n## {}\n\n{}\n", s.title, s.markdown.trim_end()));
    }
    let path = opts.out_dir.join(format!("{name}.md"));
    std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

/// The figure link of `file` in study `name`, relative to the markdown file.
pub fn figure_link(name: &str, file: &Path) -> String {
    let f = file.file_name().map(|f| f.to_string_lossy().into_owned());
    format!("{name}/{}", f.unwrap_or_default())
}
