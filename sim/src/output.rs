//! The run directory `out/<run>/`: the resolved configuration, the stats (gem5 text and JSON),
//! the results table and the plots.
//!
//! ```text
//! out/<name>-<hash>/
//!   config.resolved.toml   every key, defaults filled in: rerunning it reproduces the run
//!   stats.txt              gem5-style `name value # description`
//!   stats.json             the same, as one JSON object
//!   results.csv            one row per simulated point
//!   plots/*.svg
//! ```

use moesim_core::{Error, Result, StatsTree};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The directory of one run.
#[derive(Clone, Debug)]
pub struct RunDir {
    path: PathBuf,
}

impl RunDir {
    /// Creates (or reuses) `root/name` and its `plots/` subdirectory.
    pub fn create(root: &Path, name: &str) -> Result<RunDir> {
        let path = root.join(name);
        let plots = path.join("plots");
        std::fs::create_dir_all(&plots).map_err(|e| Error::io(&plots, e))?;
        Ok(RunDir { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `rel` inside the run directory.
    pub fn file(&self, rel: &str) -> PathBuf {
        self.path.join(rel)
    }

    /// `plots/<name>`.
    pub fn plot(&self, name: &str) -> PathBuf {
        self.path.join("plots").join(name)
    }

    /// Writes `text` to `rel`.
    pub fn write_text(&self, rel: &str, text: &str) -> Result<PathBuf> {
        let p = self.file(rel);
        std::fs::write(&p, text).map_err(|e| Error::io(&p, e))?;
        Ok(p)
    }

    /// Writes `config.resolved.toml`.
    pub fn write_config<T: Serialize>(&self, config: &T) -> Result<PathBuf> {
        let text = to_toml(config)?;
        self.write_text("config.resolved.toml", &text)
    }

    /// Writes `stats.txt` (gem5 text) and `stats.json`.
    pub fn write_stats(&self, stats: &StatsTree) -> Result<()> {
        self.write_text("stats.txt", &stats.dump_text())?;
        let json = serde_json::to_string_pretty(&stats.to_json())
            .map_err(|e| Error::Sim(format!("stats.json: {e}")))?;
        self.write_text("stats.json", &(json + "\n"))?;
        Ok(())
    }

    /// Writes `results.csv`, one row per record.
    pub fn write_results<R: Serialize>(&self, rows: &[R]) -> Result<PathBuf> {
        let p = self.file("results.csv");
        write_csv(&p, rows)?;
        Ok(p)
    }
}

/// Serialises `config` as TOML.
pub fn to_toml<T: Serialize>(config: &T) -> Result<String> {
    toml::to_string(config).map_err(|e| Error::Sim(format!("cannot write the configuration: {e}")))
}

/// Writes `rows` as CSV with a header taken from the record's field names.
pub fn write_csv<R: Serialize>(path: &Path, rows: &[R]) -> Result<()> {
    let mut w = csv::Writer::from_path(path).map_err(|e| csv_err(path, e))?;
    for r in rows {
        w.serialize(r).map_err(|e| csv_err(path, e))?;
    }
    w.flush().map_err(|e| Error::io(path, e))
}

fn csv_err(path: &Path, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(path, io),
        other => Error::parse(path.display().to_string(), None, format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        a: u32,
        b: f64,
    }

    #[test]
    fn writes_the_run_directory() {
        let tmp = std::env::temp_dir().join(format!("moesim-out-{}", std::process::id()));
        let dir = RunDir::create(&tmp, "r-1").unwrap();
        let mut s = StatsTree::new();
        s.add_counter("noc.flits", "flits", 3);
        dir.write_stats(&s).unwrap();
        dir.write_config(&Row { a: 1, b: 2.5 }).unwrap();
        dir.write_results(&[Row { a: 1, b: 0.5 }, Row { a: 2, b: 1.5 }])
            .unwrap();
        let txt = std::fs::read_to_string(dir.file("stats.txt")).unwrap();
        assert!(txt.contains("noc.flits") && txt.contains("Begin Simulation Statistics"));
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.file("stats.json")).unwrap())
                .unwrap();
        assert_eq!(json["noc.flits"], 3);
        let csv = std::fs::read_to_string(dir.file("results.csv")).unwrap();
        assert_eq!(csv, "a,b\n1,0.5\n2,1.5\n");
        let cfg = std::fs::read_to_string(dir.file("config.resolved.toml")).unwrap();
        assert_eq!(cfg, "a = 1\nb = 2.5\n");
        assert!(dir.plot("x.svg").parent().unwrap().is_dir());
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
