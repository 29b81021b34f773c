//! Parameters of the synthetic routing generator, their checks, and interpolation between the
//! fitted anchors (see [`super::presets`]).

use moesim_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// Per-layer expert popularity: the base distribution every layer draws once per seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Popularity {
    /// Symmetric Dirichlet(concentration): small = skewed, large = balanced. The coefficient of
    /// variation of the popularity is about `1/sqrt(concentration)` for many experts.
    Dirichlet { concentration: f64 },
    /// Zipf: the r-th most popular expert (random order per layer) has weight `r^-exponent`.
    Zipf { exponent: f64 },
    /// Every expert equally popular.
    Uniform,
}

/// Routing profiles: latent token types with a preferred expert set per task and layer. They
/// produce co-activation (a profile's experts go together) and cross-layer affinity (a token
/// keeps its profile from layer to layer).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileParams {
    /// Profiles per routed expert (`max(1, round(per_expert x E))` profiles).
    pub per_expert: f64,
    /// Probability that a token follows its profile in a layer.
    pub on_profile: f64,
    /// Given that, probability that each of its `top_k` slots takes the profile's expert.
    pub follow: f64,
    /// Probability that a token draws a new profile between consecutive MoE layers.
    pub switch: f64,
}

/// Tasks (an MT-Bench category, a text domain): each has its own expert popularity per layer,
/// `Dirichlet(concentration x E x base popularity)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskParams {
    pub count: u32,
    /// Per-expert concentration of a task's popularity around the base (large = tasks alike;
    /// about 1 = tasks as different as independent Dirichlet(1) draws).
    pub concentration: f64,
}

/// The generator's parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticParams {
    pub popularity: Popularity,
    pub profiles: ProfileParams,
    pub tasks: TaskParams,
}

/// How the task mix of new requests changes over steps.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Drift {
    /// Every request draws its task uniformly (a stationary mix).
    #[default]
    Uniform,
    /// Every request has task `task` (a single-category workload).
    Fixed { task: u32 },
    /// Task `i`'s weight is `1 + amplitude cos(2 pi (step / period_steps - i / count))`: the mix
    /// rotates through the tasks once per period.
    Cyclic { period_steps: u64, amplitude: f64 },
}

fn prob(origin: &str, key: &str, v: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&v) {
        return Err(
            Error::config(origin, key, format!("{v} is not a probability"))
                .allowed("a number in [0, 1]"),
        );
    }
    Ok(())
}

fn pos(origin: &str, key: &str, v: f64) -> Result<()> {
    if !(v.is_finite() && v > 0.0) {
        return Err(Error::config(origin, key, format!("{v} must be positive"))
            .allowed("a finite number > 0"));
    }
    Ok(())
}

impl SyntheticParams {
    /// Checks ranges; `prefix` is the key path of the table (e.g. `routing.params`).
    pub fn validate(&self, origin: &str, prefix: &str) -> Result<()> {
        let k = |s: &str| format!("{prefix}.{s}");
        match self.popularity {
            Popularity::Dirichlet { concentration } => {
                pos(origin, &k("popularity.concentration"), concentration)?
            }
            Popularity::Zipf { exponent } => {
                if !(exponent.is_finite() && exponent >= 0.0) {
                    return Err(Error::config(
                        origin,
                        k("popularity.exponent"),
                        format!("{exponent} must be >= 0"),
                    )
                    .allowed("a finite number >= 0"));
                }
            }
            Popularity::Uniform => {}
        }
        let p = &self.profiles;
        pos(origin, &k("profiles.per_expert"), p.per_expert)?;
        prob(origin, &k("profiles.on_profile"), p.on_profile)?;
        prob(origin, &k("profiles.follow"), p.follow)?;
        prob(origin, &k("profiles.switch"), p.switch)?;
        if self.tasks.count == 0 || self.tasks.count > 4096 {
            return Err(Error::config(
                origin,
                k("tasks.count"),
                format!("{} is out of range", self.tasks.count),
            )
            .allowed("1..=4096"));
        }
        pos(origin, &k("tasks.concentration"), self.tasks.concentration)
    }

    /// Parameters between `a` (at t = 0) and `b` (at t = 1): positive scales geometrically,
    /// probabilities linearly. The popularity kind is `a`'s unless both are Dirichlet.
    pub fn interpolate(a: &SyntheticParams, b: &SyntheticParams, t: f64) -> SyntheticParams {
        if t <= 0.0 {
            return a.clone();
        }
        if t >= 1.0 {
            return b.clone();
        }
        let lin = |x: f64, y: f64| x + (y - x) * t;
        let geo = |x: f64, y: f64| (x.ln() + (y.ln() - x.ln()) * t).exp();
        let popularity = match (&a.popularity, &b.popularity) {
            (
                Popularity::Dirichlet { concentration: x },
                Popularity::Dirichlet { concentration: y },
            ) => Popularity::Dirichlet {
                concentration: geo(*x, *y),
            },
            (Popularity::Zipf { exponent: x }, Popularity::Zipf { exponent: y }) => {
                Popularity::Zipf {
                    exponent: lin(*x, *y),
                }
            }
            _ if t < 0.5 => a.popularity.clone(),
            _ => b.popularity.clone(),
        };
        SyntheticParams {
            popularity,
            profiles: ProfileParams {
                per_expert: geo(a.profiles.per_expert, b.profiles.per_expert),
                on_profile: lin(a.profiles.on_profile, b.profiles.on_profile),
                follow: lin(a.profiles.follow, b.profiles.follow),
                switch: lin(a.profiles.switch, b.profiles.switch),
            },
            tasks: TaskParams {
                count: lin(a.tasks.count as f64, b.tasks.count as f64).round() as u32,
                concentration: geo(a.tasks.concentration, b.tasks.concentration),
            },
        }
    }
}

impl Drift {
    /// Checks ranges against `tasks` tasks.
    pub fn validate(&self, origin: &str, key: &str, tasks: u32) -> Result<()> {
        match *self {
            Drift::Uniform => Ok(()),
            Drift::Fixed { task } if task < tasks => Ok(()),
            Drift::Fixed { task } => Err(Error::config(
                origin,
                format!("{key}.task"),
                format!("task {task} does not exist"),
            )
            .allowed(format!("0..{tasks}"))),
            Drift::Cyclic {
                period_steps,
                amplitude,
            } => {
                if period_steps == 0 {
                    return Err(Error::config(
                        origin,
                        format!("{key}.period_steps"),
                        "must not be 0",
                    )
                    .allowed("a positive integer"));
                }
                prob(origin, &format!("{key}.amplitude"), amplitude)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(c: f64, on: f64) -> SyntheticParams {
        SyntheticParams {
            popularity: Popularity::Dirichlet { concentration: c },
            profiles: ProfileParams {
                per_expert: 1.0,
                on_profile: on,
                follow: 0.5,
                switch: 0.1,
            },
            tasks: TaskParams {
                count: 8,
                concentration: 10.0,
            },
        }
    }

    #[test]
    fn checks_name_keys() {
        let mut bad = p(1.0, 0.5);
        bad.profiles.follow = 1.5;
        let e = bad
            .validate("x.toml", "routing.params")
            .unwrap_err()
            .to_string();
        assert!(e.contains("key `routing.params.profiles.follow`"), "{e}");
        let e = Drift::Fixed { task: 9 }
            .validate("x.toml", "routing.drift", 8)
            .unwrap_err()
            .to_string();
        assert!(e.contains("0..8"), "{e}");
    }

    #[test]
    fn interpolation() {
        let m = SyntheticParams::interpolate(&p(1.0, 0.2), &p(100.0, 0.6), 0.5);
        match m.popularity {
            Popularity::Dirichlet { concentration } => assert!((concentration - 10.0).abs() < 1e-9),
            _ => panic!("kind"),
        }
        assert!((m.profiles.on_profile - 0.4).abs() < 1e-12);
        assert_eq!(
            SyntheticParams::interpolate(&p(1.0, 0.2), &p(100.0, 0.6), -1.0),
            p(1.0, 0.2)
        );
    }
}
