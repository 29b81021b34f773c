//! One error type for moesim. Every user-facing error names where the problem is (file, key, line)
//! and, for configuration errors, what is allowed.

use std::fmt;
use std::path::Path;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where a configuration value came from: a file, a `--set` override, or an embedded preset.
pub fn origin_of(path: &Path) -> String {
    path.display().to_string()
}

/// A moesim error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configuration value is missing, unknown or out of range.
    #[error("{}", fmt_config(.origin, .key, .message, .allowed.as_deref()))]
    Config {
        /// The file (or "--set", or "embedded:<name>") the value came from.
        origin: String,
        /// The dotted key path, e.g. `noc.num_vcs`.
        key: String,
        message: String,
        /// What would have been accepted, e.g. "an integer in 1..=64".
        allowed: Option<String>,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Malformed input data (a trace, a CSV, a BookSim config) at a given line.
    #[error("{}", fmt_parse(.origin, *.line, .message))]
    Parse {
        origin: String,
        line: Option<usize>,
        message: String,
    },
    /// The simulation reached a state it cannot continue from (e.g. a deadlock).
    #[error("simulation error: {0}")]
    Sim(String),
    /// A validation case was outside its tolerance, or a result is inconsistent.
    #[error("{0}")]
    Check(String),
}

fn fmt_config(origin: &str, key: &str, message: &str, allowed: Option<&str>) -> String {
    let mut s = format!("{origin}: key `{key}`: {message}");
    if let Some(a) = allowed {
        s.push_str(&format!(" (allowed: {a})"));
    }
    s
}

fn fmt_parse(origin: &str, line: Option<usize>, message: &str) -> String {
    match line {
        Some(l) => format!("{origin}:{l}: {message}"),
        None => format!("{origin}: {message}"),
    }
}

impl Error {
    /// A configuration error at `origin` / `key`.
    pub fn config(
        origin: impl Into<String>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Error {
        Error::Config {
            origin: origin.into(),
            key: key.into(),
            message: message.into(),
            allowed: None,
        }
    }
    /// Adds what is allowed to a configuration error (no-op on other variants).
    pub fn allowed(mut self, what: impl Into<String>) -> Error {
        if let Error::Config { allowed, .. } = &mut self {
            *allowed = Some(what.into());
        }
        self
    }
    pub fn parse(
        origin: impl Into<String>,
        line: Option<usize>,
        message: impl fmt::Display,
    ) -> Error {
        Error::Parse {
            origin: origin.into(),
            line,
            message: message.to_string(),
        }
    }
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
}

/// Reads a whole file, naming it in the error.
pub fn read_to_string(path: impl AsRef<Path>) -> Result<String> {
    std::fs::read_to_string(path.as_ref()).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_error_names_file_key_and_allowed() {
        let e = Error::config("noc.toml", "noc.num_vcs", "0 is out of range").allowed("1..=64");
        assert_eq!(
            e.to_string(),
            "noc.toml: key `noc.num_vcs`: 0 is out of range (allowed: 1..=64)"
        );
    }

    #[test]
    fn missing_file_names_the_path() {
        let e = read_to_string("/nonexistent/x.toml").unwrap_err();
        assert!(e.to_string().starts_with("/nonexistent/x.toml: "));
    }
}
