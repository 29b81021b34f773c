//! moesim-validation: every published or measured number moesim is checked against, as a
//! validation case (source, setup, value, tolerance). `moesim validate` runs them all; CI runs it;
//! docs/validation.md is generated from the results.
//!
//! A case lives in `cases/<area>.rs` and is listed in [`cases::all`].

pub mod case;
pub mod cases;
pub mod report;

pub use case::{Case, Check, Context, Tolerance};
