//! Helpers shared by the end-to-end tests: run the built `moesim` binary from the repository
//! root and capture its output.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (the tests read its `data/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ has a parent directory")
        .to_path_buf()
}

/// Runs `moesim args...` in the repository root.
pub fn moesim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moesim"))
        .args(args)
        .current_dir(root())
        .env("CI", "1")
        .output()
        .expect("the moesim binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh scratch directory under the system temp dir.
pub fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("moesim-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// Asserts a user error: exit code 2, a one-line `error: ...` containing every `needle`, and no
/// panic.
pub fn assert_user_error(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "missing `{n}` in: {err}");
    }
}

pub const CASE_A: &str = "data/booksim/configs/mesh8x8_uniform_p4.cfg";
