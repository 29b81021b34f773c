//! Running validation cases and reporting them: a terminal table, JSON, and the markdown report
//! docs/validation.md is generated from. Cases run in parallel (rayon); results keep the
//! registry's order, so the outputs are deterministic.

use crate::case::{Case, Check, Context, Tolerance};
use rayon::prelude::*;
use serde::Serialize;
use std::fmt::Write as _;
use std::time::Instant;

/// The outcome of one case.
#[derive(Clone, Debug, Serialize)]
pub struct CaseResult {
    pub id: String,
    pub source: String,
    pub setup: String,
    pub checks: Vec<Check>,
    /// Set when the case could not run (missing data, a simulation error).
    pub error: Option<String>,
    /// Wall time of the case (not written to the markdown report, to keep it stable).
    pub wall_s: f64,
}

impl CaseResult {
    /// A case passes when it ran, produced at least one check, and every check passed or is a
    /// documented known deviation.
    pub fn passed(&self) -> bool {
        self.error.is_none() && !self.checks.is_empty() && self.checks.iter().all(Check::acceptable)
    }

    /// Number of checks outside tolerance that are known deviations.
    pub fn deviations(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| !c.passed && c.known_deviation.is_some())
            .count()
    }

    fn verdict(&self) -> &'static str {
        match (self.passed(), self.deviations()) {
            (false, _) => "FAIL",
            (true, 0) => "PASS",
            (true, _) => "PASS (known deviation)",
        }
    }
}

/// Runs one case, timing it and catching its error.
pub fn run_case(case: &Case, ctx: &Context) -> CaseResult {
    let t = Instant::now();
    let (checks, error) = match (case.run)(ctx) {
        Ok(c) => (c, None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    CaseResult {
        id: case.id.to_string(),
        source: case.source.to_string(),
        setup: case.setup.to_string(),
        checks,
        error,
        wall_s: t.elapsed().as_secs_f64(),
    }
}

/// Runs `cases` in parallel; results in the order of `cases`.
pub fn run_all(cases: &[Case], ctx: &Context) -> Vec<CaseResult> {
    cases.par_iter().map(|c| run_case(c, ctx)).collect()
}

/// A number with 4 significant digits for tables.
pub fn fmt_value(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if a == 0.0 || (1e-3..1e5).contains(&a) {
        let digits = if a == 0.0 {
            0
        } else {
            3 - a.log10().floor() as i32
        };
        format!("{:.*}", digits.clamp(0, 6) as usize, v)
    } else {
        format!("{v:.3e}")
    }
}

/// The error of a check as the tolerance measures it (relative in %, else absolute).
pub fn fmt_error(c: &Check) -> String {
    match c.tolerance {
        Tolerance::Relative { .. } => format!("{:+.2}%", c.rel_error() * 100.0),
        Tolerance::Absolute { .. } => {
            let d = c.measured - c.reference;
            format!("{}{}", if d >= 0.0 { "+" } else { "" }, fmt_value(d))
        }
        Tolerance::Range { .. } => "-".to_string(),
    }
}

/// One row per check (and one per case that failed to run).
fn rows(results: &[CaseResult]) -> Vec<[String; 7]> {
    let mut out = Vec::new();
    for r in results {
        if let Some(e) = &r.error {
            out.push([
                r.id.clone(),
                "(case error)".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                format!("FAIL: {e}"),
            ]);
        }
        for c in &r.checks {
            out.push([
                r.id.clone(),
                format!("{} [{}]", c.metric, c.unit),
                fmt_value(c.reference),
                fmt_value(c.measured),
                fmt_error(c),
                c.tolerance.describe(),
                c.verdict().to_string(),
            ]);
        }
    }
    out
}

const HEADER: [&str; 7] = [
    "case",
    "metric",
    "reference",
    "measured",
    "error",
    "tolerance",
    "result",
];

/// The plain-text table for the terminal.
pub fn text_table(results: &[CaseResult]) -> String {
    let rows = rows(results);
    let mut width = HEADER.map(str::len);
    for r in &rows {
        for (w, cell) in width.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut s = String::new();
    let line = |s: &mut String, cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(width)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(s, "{}", padded.join("  ").trim_end());
    };
    line(&mut s, &HEADER.map(String::from));
    line(&mut s, &width.map(|w| "-".repeat(w)));
    for r in &rows {
        line(&mut s, r);
    }
    let (cases, failed) = counts(results);
    let deviations: usize = results.iter().map(CaseResult::deviations).sum();
    let _ = writeln!(
        s,
        "\n{} case(s), {} check(s): {}{}",
        cases,
        rows.len(),
        if failed == 0 {
            "all passed".to_string()
        } else {
            format!("{failed} case(s) FAILED")
        },
        if deviations == 0 {
            String::new()
        } else {
            format!(" ({deviations} known deviation(s), see the report)")
        }
    );
    s
}

fn counts(results: &[CaseResult]) -> (usize, usize) {
    (
        results.len(),
        results.iter().filter(|r| !r.passed()).count(),
    )
}

/// True if every case passed.
pub fn all_passed(results: &[CaseResult]) -> bool {
    results.iter().all(CaseResult::passed)
}

/// GitHub's heading anchor: lower case, spaces to `-`, punctuation other than `-` and `_` dropped.
fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The markdown report (docs/validation.md): a summary table, then every case with its source,
/// setup and checks.
pub fn markdown(results: &[CaseResult]) -> String {
    let mut s = String::new();
    let (cases, failed) = counts(results);
    let checks: usize = results.iter().map(|r| r.checks.len()).sum();
    let _ = writeln!(s, "# Validation report\n");
    let _ = writeln!(
        s,
        "Generated by `moesim validate --report docs/validation.md`; do not edit by hand. Every \
         published or measured figure moesim is checked against is a case in \
         `validation/src/cases/`, with its source, setup, reference value and tolerance.\n"
    );
    let _ = writeln!(
        s,
        "**{cases} cases, {checks} checks: {}.**\n",
        if failed == 0 {
            "all pass".to_string()
        } else {
            format!("{failed} case(s) fail")
        }
    );
    let _ = writeln!(s, "| case | checks | result |\n|---|---|---|");
    for r in results {
        let _ = writeln!(
            s,
            "| [{}](#{}) | {} | {} |",
            r.id,
            anchor(&r.id),
            r.checks.len(),
            r.verdict(),
        );
    }
    for r in results {
        let _ = writeln!(s, "\n## {}\n", r.id);
        let _ = writeln!(s, "- **Source:** {}", md_escape(&r.source));
        let _ = writeln!(s, "- **Setup:** {}", md_escape(&r.setup));
        let _ = writeln!(s, "- **Result:** {}\n", r.verdict());
        if let Some(e) = &r.error {
            let _ = writeln!(s, "The case did not run: `{}`\n", md_escape(e));
        }
        if !r.checks.is_empty() {
            let _ = writeln!(
                s,
                "| metric | unit | reference | measured | error | tolerance | result |\n\
                 |---|---|---:|---:|---:|---|---|"
            );
            for c in &r.checks {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    md_escape(&c.metric),
                    md_escape(&c.unit),
                    fmt_value(c.reference),
                    fmt_value(c.measured),
                    fmt_error(c),
                    c.tolerance.describe(),
                    c.verdict()
                );
            }
            for c in r.checks.iter().filter(|c| !c.passed) {
                if let Some(why) = &c.known_deviation {
                    let _ = writeln!(
                        s,
                        "\nKnown deviation, {}: {}",
                        md_escape(&c.metric),
                        md_escape(why)
                    );
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use moesim_core::Error;

    fn ok_case(_: &Context) -> moesim_core::Result<Vec<Check>> {
        Ok(vec![
            Check::new(
                "latency",
                "cycles",
                36.25,
                36.5,
                Tolerance::Relative { frac: 0.02 },
            ),
            Check::new(
                "knee",
                "steps",
                20.0,
                21.0,
                Tolerance::Absolute { abs: 1.0 },
            ),
        ])
    }
    fn failing_case(_: &Context) -> moesim_core::Result<Vec<Check>> {
        Ok(vec![Check::new(
            "plateau",
            "flits/cycle/node",
            0.41,
            0.30,
            Tolerance::Relative { frac: 0.1 },
        )])
    }
    fn broken_case(_: &Context) -> moesim_core::Result<Vec<Check>> {
        Err(Error::Sim("deadlock".into()))
    }
    fn empty_case(_: &Context) -> moesim_core::Result<Vec<Check>> {
        Ok(Vec::new())
    }

    fn cases() -> Vec<Case> {
        let mk = |id, run| Case {
            id,
            source: "src | x",
            setup: "setup",
            run,
        };
        vec![
            mk("ok", ok_case),
            mk("failing", failing_case),
            mk("broken", broken_case),
            mk("empty", empty_case),
        ]
    }

    #[test]
    fn verdicts_order_and_outputs() {
        let ctx = Context {
            root: std::path::PathBuf::from("."),
        };
        let r = run_all(&cases(), &ctx);
        let ids: Vec<&str> = r.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["ok", "failing", "broken", "empty"]);
        let passed: Vec<bool> = r.iter().map(CaseResult::passed).collect();
        assert_eq!(passed, [true, false, false, false]);
        assert!(!all_passed(&r));
        assert!(all_passed(&r[..1]));
        let t = text_table(&r);
        assert!(t.contains("latency [cycles]") && t.contains("+0.69%") && t.contains("PASS"));
        assert!(t.contains("FAIL: simulation error: deadlock"), "{t}");
        assert!(t.contains("3 case(s) FAILED"), "{t}");
        let md = markdown(&r);
        assert!(md.contains("## ok") && md.contains("src \\| x"), "{md}");
        assert!(
            md.contains("| knee | steps | 20.00 | 21.00 | +1.000 | ±1 | PASS |"),
            "{md}"
        );
        assert!(
            md.contains("**4 cases, 3 checks: 3 case(s) fail.**"),
            "{md}"
        );
    }

    fn deviating_case(_: &Context) -> moesim_core::Result<Vec<Check>> {
        Ok(vec![
            Check::new(
                "cut",
                "%",
                62.0,
                -25.0,
                Tolerance::Range { lo: 40.0, hi: 90.0 },
            )
            .known_deviation("the model sums partial outputs across wafers"),
            Check::new(
                "dispatch",
                "%",
                71.0,
                80.0,
                Tolerance::Range { lo: 40.0, hi: 90.0 },
            )
            .known_deviation("not outside tolerance: reported as a pass"),
        ])
    }

    #[test]
    fn known_deviations_are_reported_but_do_not_fail() {
        let ctx = Context {
            root: std::path::PathBuf::from("."),
        };
        let mk = |id, run| Case {
            id,
            source: "s",
            setup: "x",
            run,
        };
        let r = run_all(&[mk("dev", deviating_case), mk("ok", ok_case)], &ctx);
        assert!(r[0].passed() && all_passed(&r));
        assert_eq!((r[0].deviations(), r[1].deviations()), (1, 0));
        let t = text_table(&r);
        assert!(
            t.contains("KNOWN DEVIATION") && t.contains("1 known deviation(s)"),
            "{t}"
        );
        let md = markdown(&r);
        assert!(
            md.contains("PASS (known deviation)")
                && md.contains("Known deviation, cut: the model sums partial outputs"),
            "{md}"
        );
        assert!(!md.contains("Known deviation, dispatch"), "{md}");
    }

    #[test]
    fn anchors_follow_github() {
        assert_eq!(anchor("tiers.flow_vs_flit"), "tiersflow_vs_flit");
        assert_eq!(anchor("booksim_a_Mesh 8"), "booksim_a_mesh-8");
    }

    #[test]
    fn number_formatting() {
        assert_eq!(fmt_value(36.2534), "36.25");
        assert_eq!(fmt_value(0.41006), "0.4101");
        assert_eq!(fmt_value(20.0), "20.00");
        assert_eq!(fmt_value(0.0), "0");
        assert_eq!(fmt_value(123456.0), "1.235e5");
    }
}
