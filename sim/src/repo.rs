//! Locating the repository root, whose `data/` holds the reference data (BookSim curves,
//! calibration measurements). Searched in order: `$MOESIM_ROOT`; the current directory and its
//! ancestors; the source tree this binary was built from.

use moesim_core::{Error, Result};
use std::path::{Path, PathBuf};

/// The directory whose presence identifies the repository root.
pub const MARKER: &str = "data/booksim";

/// Environment variable that names the repository root explicitly.
pub const ROOT_ENV: &str = "MOESIM_ROOT";

fn is_root(dir: &Path) -> bool {
    dir.join(MARKER).is_dir()
}

/// The first ancestor of `start` (itself included) that contains `data/booksim`.
pub fn find_root_from(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| is_root(d))
        .map(Path::to_path_buf)
}

/// The repository root, or an error that says where it was looked for.
pub fn find_root() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os(ROOT_ENV) {
        let dir = PathBuf::from(dir);
        return if is_root(&dir) {
            Ok(dir)
        } else {
            Err(Error::config(
                ROOT_ENV,
                ROOT_ENV,
                format!("{} has no {MARKER}/ directory", dir.display()),
            )
            .allowed("the path of a moesim checkout"))
        };
    }
    let cwd = std::env::current_dir().ok();
    if let Some(root) = cwd.as_deref().and_then(find_root_from) {
        return Ok(root);
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Some(root) = find_root_from(built_from) {
        return Ok(root);
    }
    Err(Error::Io {
        path: MARKER.to_string(),
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!(
                "reference data not found: no {MARKER}/ above {} or {}; run from a moesim \
                 checkout or set {ROOT_ENV}",
                cwd.map(|c| c.display().to_string())
                    .unwrap_or_else(|| "the current directory".into()),
                built_from.display()
            ),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_checkout_from_a_subdirectory() {
        let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let root = find_root_from(&here).unwrap();
        assert!(root.join("data/booksim/README.md").is_file());
        assert!(find_root_from(Path::new("/")).is_none());
    }
}
