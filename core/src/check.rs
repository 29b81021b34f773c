//! Range checks for configuration values: each error names the origin, the key and what is
//! allowed.

use crate::{Error, Result};

/// `v` must be a finite number > 0.
pub fn positive(origin: &str, key: &str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(Error::config(origin, key, format!("{v} is out of range"))
            .allowed("a finite number > 0"))
    }
}

/// `v` must be a finite number >= 0.
pub fn non_negative(origin: &str, key: &str, v: f64) -> Result<()> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(Error::config(origin, key, format!("{v} is out of range"))
            .allowed("a finite number >= 0"))
    }
}

/// `v` must be an integer in `1..=max`.
pub fn count(origin: &str, key: &str, v: u32, max: u32) -> Result<()> {
    if (1..=max).contains(&v) {
        Ok(())
    } else {
        Err(Error::config(origin, key, format!("{v} is out of range"))
            .allowed(format!("an integer in 1..={max}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_zero_negative_and_nan() {
        assert!(positive("f", "k", 1.0).is_ok());
        for v in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = positive("f.toml", "d2d.bandwidth_gbytes_per_s", v)
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with("f.toml: key `d2d.bandwidth_gbytes_per_s`"),
                "{e}"
            );
            assert!(e.contains("allowed: a finite number > 0"), "{e}");
        }
        assert!(non_negative("f", "k", 0.0).is_ok());
        assert!(non_negative("f", "k", -0.5).is_err());
        assert!(count("f", "k", 0, 4).is_err());
        assert!(count("f", "k", 5, 4).is_err());
        assert!(count("f", "k", 4, 4).is_ok());
    }
}
