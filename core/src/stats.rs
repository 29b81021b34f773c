//! The stats tree: named statistics with dotted hierarchical names
//! (`wafer.noc.router[3,4].port_east.util`), dumped as gem5-style text and as JSON.
//!
//! Components keep plain counters in their hot loops and *collate* them into a [`StatsTree`] at the
//! end of a run (gem5 Garnet's `collateStats`), so the tree costs nothing while simulating.

use hdrhistogram::Histogram;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One statistic.
#[derive(Clone, Debug)]
pub enum StatValue {
    /// An event count.
    Counter(u64),
    /// A derived or measured real value (a rate, a utilisation, a time in a named unit).
    Scalar(f64),
    /// A running mean: sum and sample count.
    Average { sum: f64, count: u64 },
    /// A distribution of non-negative integer samples (latencies in cycles or ns).
    Histogram(Box<Histogram<u64>>),
    /// A label (a policy name, a topology description).
    Text(String),
}

impl StatValue {
    /// The value as one number: the count, the scalar, the mean, or the histogram's mean.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            StatValue::Counter(c) => Some(*c as f64),
            StatValue::Scalar(s) => Some(*s),
            StatValue::Average { sum, count } => Some(if *count == 0 {
                0.0
            } else {
                sum / *count as f64
            }),
            StatValue::Histogram(h) => Some(if h.is_empty() { 0.0 } else { h.mean() }),
            StatValue::Text(_) => None,
        }
    }
}

#[derive(Clone, Debug)]
struct Entry {
    value: StatValue,
    desc: String,
}

/// A tree of named statistics, ordered by name.
#[derive(Clone, Debug, Default)]
pub struct StatsTree {
    entries: BTreeMap<String, Entry>,
}

/// A new latency histogram: 1 .. 2^40 with 3 significant digits.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 1 << 40, 3).expect("static histogram bounds are valid")
}

impl StatsTree {
    pub fn new() -> StatsTree {
        StatsTree::default()
    }

    fn upsert(&mut self, name: &str, desc: &str, init: StatValue) -> &mut StatValue {
        let e = self
            .entries
            .entry(name.to_string())
            .or_insert_with(|| Entry {
                value: init,
                desc: desc.to_string(),
            });
        &mut e.value
    }

    /// Adds `n` to counter `name` (created at 0).
    pub fn add_counter(&mut self, name: &str, desc: &str, n: u64) {
        if let StatValue::Counter(c) = self.upsert(name, desc, StatValue::Counter(0)) {
            *c += n;
        }
    }

    /// Sets scalar `name`.
    pub fn set_scalar(&mut self, name: &str, desc: &str, v: f64) {
        *self.upsert(name, desc, StatValue::Scalar(v)) = StatValue::Scalar(v);
    }

    /// Adds one sample to the running mean `name`.
    pub fn sample(&mut self, name: &str, desc: &str, v: f64) {
        if let StatValue::Average { sum, count } =
            self.upsert(name, desc, StatValue::Average { sum: 0.0, count: 0 })
        {
            *sum += v;
            *count += 1;
        }
    }

    /// Records `v` into histogram `name` (values below 1 are recorded as 1).
    pub fn record(&mut self, name: &str, desc: &str, v: u64) {
        if let StatValue::Histogram(h) =
            self.upsert(name, desc, StatValue::Histogram(Box::new(new_histogram())))
        {
            h.saturating_record(v.max(1));
        }
    }

    /// Stores a whole histogram under `name`.
    pub fn set_histogram(&mut self, name: &str, desc: &str, h: Histogram<u64>) {
        *self.upsert(name, desc, StatValue::Counter(0)) = StatValue::Histogram(Box::new(h));
    }

    pub fn set_text(&mut self, name: &str, desc: &str, text: impl Into<String>) {
        *self.upsert(name, desc, StatValue::Counter(0)) = StatValue::Text(text.into());
    }

    pub fn get(&self, name: &str) -> Option<&StatValue> {
        self.entries.get(name).map(|e| &e.value)
    }

    /// The value of `name` as a number, if it exists and is numeric.
    pub fn value(&self, name: &str) -> Option<f64> {
        self.get(name).and_then(StatValue::as_f64)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Moves every entry of `other` under `prefix.` (or at the top if `prefix` is empty).
    pub fn merge(&mut self, prefix: &str, other: StatsTree) {
        for (name, e) in other.entries {
            let full = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}.{name}")
            };
            self.entries.insert(full, e);
        }
    }

    /// gem5-style text: one `name value # description` line per statistic; a histogram becomes
    /// `name::samples`, `::mean`, `::min`, `::p50`, `::p99`, `::max`.
    pub fn dump_text(&self) -> String {
        let mut out = String::from("\n---------- Begin Simulation Statistics ----------\n");
        for (name, e) in &self.entries {
            match &e.value {
                StatValue::Histogram(h) => {
                    let rows: [(&str, f64); 6] = [
                        ("samples", h.len() as f64),
                        ("mean", if h.is_empty() { 0.0 } else { h.mean() }),
                        ("min", h.min() as f64),
                        ("p50", h.value_at_quantile(0.5) as f64),
                        ("p99", h.value_at_quantile(0.99) as f64),
                        ("max", h.max() as f64),
                    ];
                    for (suffix, v) in rows {
                        let _ = writeln!(
                            out,
                            "{:<60} {:>16} # {} ({suffix})",
                            format!("{name}::{suffix}"),
                            fmt_num(v),
                            e.desc
                        );
                    }
                }
                StatValue::Text(t) => {
                    let _ = writeln!(out, "{name:<60} {t:>16} # {}", e.desc);
                }
                v => {
                    let n = v.as_f64().unwrap_or(0.0);
                    let _ = writeln!(out, "{name:<60} {:>16} # {}", fmt_num(n), e.desc);
                }
            }
        }
        out.push_str("\n---------- End Simulation Statistics   ----------\n");
        out
    }

    /// JSON: a flat object from full name to value; histograms become objects with
    /// `samples`, `mean`, `min`, `p50`, `p90`, `p99`, `max`.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        for (name, e) in &self.entries {
            let v = match &e.value {
                StatValue::Counter(c) => json!(c),
                StatValue::Scalar(s) => json!(s),
                StatValue::Average { .. } => json!(e.value.as_f64()),
                StatValue::Text(t) => json!(t),
                StatValue::Histogram(h) => json!({
                    "samples": h.len(),
                    "mean": if h.is_empty() { 0.0 } else { h.mean() },
                    "min": h.min(),
                    "p50": h.value_at_quantile(0.5),
                    "p90": h.value_at_quantile(0.9),
                    "p99": h.value_at_quantile(0.99),
                    "max": h.max(),
                }),
            };
            m.insert(name.clone(), v);
        }
        Value::Object(m)
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.6}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_averages_histograms() {
        let mut s = StatsTree::new();
        s.add_counter("noc.flits", "flits delivered", 3);
        s.add_counter("noc.flits", "flits delivered", 4);
        s.sample("noc.lat", "latency", 10.0);
        s.sample("noc.lat", "latency", 20.0);
        for v in [10, 20, 30, 40] {
            s.record("noc.hist", "latency histogram", v);
        }
        s.set_text("noc.topology", "topology", "mesh 8x8");
        assert_eq!(s.value("noc.flits"), Some(7.0));
        assert_eq!(s.value("noc.lat"), Some(15.0));
        assert!((s.value("noc.hist").unwrap() - 25.0).abs() < 0.1);
        let text = s.dump_text();
        assert!(text.contains("noc.flits"));
        assert!(text.contains("noc.hist::p99"));
        let j = s.to_json();
        assert_eq!(j["noc.flits"], json!(7));
        assert_eq!(j["noc.hist"]["samples"], json!(4));
        assert_eq!(j["noc.topology"], json!("mesh 8x8"));
    }

    #[test]
    fn merge_prefixes_names() {
        let mut a = StatsTree::new();
        let mut b = StatsTree::new();
        b.set_scalar("util", "link utilisation", 0.5);
        a.merge("wafer.noc.router[3,4].port_east", b);
        assert_eq!(a.value("wafer.noc.router[3,4].port_east.util"), Some(0.5));
    }
}
