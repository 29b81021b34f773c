//! Parameter sweeps: `key=lo:hi:step` or `key=v1,v2,...`, run serially or in parallel with the
//! same result. Points run in order-preserving batches; when a sweep stops after N unstable
//! points in a row (as BookSim's reference sweeps stop after three saturated runs), the parallel
//! run computes a batch, scans it in order and cuts at the same point the serial run would, so
//! both return identical rows. Each point's random seed is derived from the base seed and the
//! point's own `key=value` text ([`point_seed`]), never from thread order or position.

use indicatif::ProgressBar;
use moesim_core::rng::{hash_bytes, seed_from_parts};
use moesim_core::{Error, Result};
use rayon::prelude::*;

/// The values one key takes in a sweep, as text (so `0.10` stays `0.10` in outputs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepSpec {
    pub key: String,
    pub values: Vec<String>,
}

const SWEEP_ORIGIN: &str = "--sweep";

/// At most this many points in one sweep.
pub const MAX_POINTS: usize = 100_000;

impl SweepSpec {
    /// Parses `key=lo:hi:step` (inclusive of `hi` up to rounding) or `key=v1,v2,...`.
    pub fn parse(spec: &str) -> Result<SweepSpec> {
        let allowed = "KEY=LO:HI:STEP (e.g. injection_rate=0.02:0.60:0.02) or KEY=V1,V2,...";
        let Some((key, range)) = spec.split_once('=') else {
            return Err(Error::config(SWEEP_ORIGIN, spec, "expected KEY=RANGE").allowed(allowed));
        };
        let key = key.trim().to_string();
        if key.is_empty() {
            return Err(Error::config(SWEEP_ORIGIN, spec, "empty key").allowed(allowed));
        }
        let range = range.trim();
        let values = if range.contains(':') {
            parse_range(&key, range).map_err(|e| e.allowed(allowed))?
        } else {
            range
                .split(',')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect()
        };
        if values.is_empty() {
            return Err(Error::config(SWEEP_ORIGIN, &key, "no values").allowed(allowed));
        }
        Ok(SweepSpec { key, values })
    }

    /// `key=value` for point `i`.
    pub fn assignment(&self, i: usize) -> String {
        format!("{}={}", self.key, self.values[i])
    }
}

fn decimals(s: &str) -> usize {
    s.split_once('.').map_or(0, |(_, f)| f.len())
}

fn parse_range(key: &str, range: &str) -> Result<Vec<String>> {
    let parts: Vec<&str> = range.split(':').map(str::trim).collect();
    let [lo, hi, step] = parts.as_slice() else {
        return Err(Error::config(
            SWEEP_ORIGIN,
            key,
            format!("`{range}` is not LO:HI:STEP"),
        ));
    };
    let num = |s: &str| -> Result<f64> {
        s.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| Error::config(SWEEP_ORIGIN, key, format!("`{s}` is not a number")))
    };
    let (l, h, st) = (num(lo)?, num(hi)?, num(step)?);
    if st <= 0.0 || h < l {
        return Err(Error::config(
            SWEEP_ORIGIN,
            key,
            format!("`{range}` is empty (need LO <= HI and STEP > 0)"),
        ));
    }
    let n = ((h - l) / st + 1e-9).floor() as usize + 1;
    if n > MAX_POINTS {
        return Err(Error::config(
            SWEEP_ORIGIN,
            key,
            format!("`{range}` has {n} points"),
        ));
    }
    let d = decimals(lo).max(decimals(step));
    Ok((0..n)
        .map(|i| format!("{:.*}", d, l + i as f64 * st))
        .collect())
}

/// The seed of the sweep point `assignment` (`key=value`) of a run whose seed is `base`.
pub fn point_seed(base: u64, assignment: &str) -> u64 {
    seed_from_parts(&[base, hash_bytes(assignment.as_bytes())])
}

/// Serial or parallel execution of the points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    Serial,
    /// rayon, in batches of the thread-pool size.
    Parallel,
}

/// Runs `run(i)` for points `0..n` in order and returns the results up to and including the
/// `stop_after`-th unstable point in a row (`None`: all points). The first error, in point order,
/// is returned; errors in points beyond the cut are not. Serial and parallel runs return the same
/// vector.
pub fn run_points<T, F, U>(
    n: usize,
    schedule: Schedule,
    stop_after: Option<usize>,
    progress: &ProgressBar,
    run: F,
    unstable: U,
) -> Result<Vec<T>>
where
    T: Send,
    F: Fn(usize) -> Result<T> + Sync,
    U: Fn(&T) -> bool,
{
    let batch = match schedule {
        Schedule::Serial => 1,
        Schedule::Parallel => rayon::current_num_threads().max(1),
    };
    let mut out = Vec::with_capacity(n);
    let mut in_a_row = 0usize;
    let mut start = 0;
    while start < n {
        let end = (start + batch).min(n);
        let results: Vec<Result<T>> = match schedule {
            Schedule::Serial => (start..end).map(&run).collect(),
            Schedule::Parallel => (start..end)
                .into_par_iter()
                .map(|i| {
                    let r = run(i);
                    progress.inc(1);
                    r
                })
                .collect(),
        };
        if schedule == Schedule::Serial {
            progress.inc(results.len() as u64);
        }
        for r in results {
            let r = r?;
            in_a_row = if unstable(&r) { in_a_row + 1 } else { 0 };
            out.push(r);
            if stop_after.is_some_and(|s| in_a_row >= s) {
                return Ok(out);
            }
        }
        start = end;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_keep_the_written_precision() {
        let s = SweepSpec::parse("injection_rate=0.02:0.10:0.02").unwrap();
        assert_eq!(s.key, "injection_rate");
        assert_eq!(s.values, vec!["0.02", "0.04", "0.06", "0.08", "0.10"]);
        assert_eq!(s.assignment(4), "injection_rate=0.10");
        let s = SweepSpec::parse("router.num_vcs=2,4,8").unwrap();
        assert_eq!(s.values, vec!["2", "4", "8"]);
        let s = SweepSpec::parse("k=2:8:2").unwrap();
        assert_eq!(s.values, vec!["2", "4", "6", "8"]);
        let s = SweepSpec::parse("r=0.1:0.6:0.1").unwrap();
        assert_eq!(s.values.len(), 6);
    }

    #[test]
    fn bad_ranges_are_errors() {
        for bad in [
            "x",
            "=1",
            "x=1:2",
            "x=0.5:0.1:0.1",
            "x=0:1:0",
            "x=a:1:0.1",
            "x=",
        ] {
            let e = SweepSpec::parse(bad).unwrap_err().to_string();
            assert!(e.starts_with("--sweep"), "{bad}: {e}");
        }
    }

    #[test]
    fn seeds_depend_on_the_point_not_the_position() {
        assert_eq!(point_seed(0, "r=0.1"), point_seed(0, "r=0.1"));
        assert_ne!(point_seed(0, "r=0.1"), point_seed(0, "r=0.2"));
        assert_ne!(point_seed(0, "r=0.1"), point_seed(1, "r=0.1"));
    }

    /// "Unstable" when the value is >= 10; the stop rule cuts after three in a row.
    fn sweep(schedule: Schedule, values: &[u32]) -> Result<Vec<u32>> {
        run_points(
            values.len(),
            schedule,
            Some(3),
            &ProgressBar::hidden(),
            |i| {
                if values[i] == 99 {
                    Err(Error::Sim(format!("point {i}")))
                } else {
                    Ok(values[i])
                }
            },
            |v| *v >= 10,
        )
    }

    #[test]
    fn parallel_equals_serial_including_the_cut() {
        let cases: [&[u32]; 4] = [
            &[1, 2, 10, 3, 10, 11, 12, 13, 14, 99],
            &[1, 2, 3, 4, 5, 6, 7],
            &[10, 11, 12],
            &[1, 99, 2],
        ];
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        for values in cases {
            let s = sweep(Schedule::Serial, values);
            let p = pool.install(|| sweep(Schedule::Parallel, values));
            assert_eq!(
                s.as_ref().map_err(|e| e.to_string()),
                p.as_ref().map_err(|e| e.to_string())
            );
        }
        assert_eq!(
            sweep(Schedule::Serial, cases[0]).unwrap(),
            vec![1, 2, 10, 3, 10, 11, 12]
        );
        assert!(sweep(Schedule::Parallel, cases[3]).is_err());
    }
}
