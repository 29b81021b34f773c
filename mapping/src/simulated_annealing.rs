//! `kind = "annealing"`: LinkBalance by simulated annealing (the authors' alternative,
//! papers.md §4.3): a move swaps the nodes of two random slots; a worse move is accepted with
//! probability `exp(-delta / T)`, and `T` is multiplied by `cooling` after every move.
//!
//! The authors anneal their MST proxy (in hops) from `T0 = 1000`. Costs here may be times in
//! picoseconds, so `delta` is taken relative to the start's cost (`delta = (new - current) /
//! start`) and `initial_temperature` is in those units: the default 0.05 accepts a move 5 %
//! worse than the start with probability 1/e at first.

use crate::link_balance::LinkSearch;
use moesim_core::rng::rng_from_seed;
use moesim_core::{Error, MeshShape, NodeId, Result};
use rand::RngExt;
use serde::{Deserialize, Serialize};

fn thousand() -> u32 {
    1000
}
fn t0() -> f64 {
    0.05
}
fn cooling() -> f64 {
    0.99
}

/// Simulated annealing over slot swaps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnealingSearch {
    /// Moves (each one evaluation).
    #[serde(default = "thousand")]
    pub iterations: u32,
    /// Starting temperature, relative to the start's cost.
    #[serde(default = "t0")]
    pub initial_temperature: f64,
    /// Factor applied to the temperature after each move.
    #[serde(default = "cooling")]
    pub cooling: f64,
    #[serde(default)]
    pub seed: u64,
}

impl Default for AnnealingSearch {
    fn default() -> Self {
        AnnealingSearch {
            iterations: thousand(),
            initial_temperature: t0(),
            cooling: cooling(),
            seed: 0,
        }
    }
}

impl LinkSearch for AnnealingSearch {
    fn kind(&self) -> &'static str {
        "annealing"
    }

    fn validate(&self, origin: &str) -> Result<()> {
        if !(self.initial_temperature.is_finite() && self.initial_temperature > 0.0) {
            return Err(Error::config(
                origin,
                "link_balance.initial_temperature",
                format!("{} is out of range", self.initial_temperature),
            )
            .allowed("a number > 0"));
        }
        if !(self.cooling > 0.0 && self.cooling < 1.0) {
            return Err(Error::config(
                origin,
                "link_balance.cooling",
                format!("{} is out of range", self.cooling),
            )
            .allowed("(0, 1)"));
        }
        Ok(())
    }

    fn search(
        &self,
        start: &[NodeId],
        _mesh: MeshShape,
        eval: &mut dyn FnMut(&[NodeId]) -> Result<f64>,
    ) -> Result<()> {
        let n = start.len();
        let mut cur = start.to_vec();
        let mut cur_v = eval(&cur)?;
        let scale = if cur_v.abs() > 0.0 { cur_v.abs() } else { 1.0 };
        if n < 2 {
            return Ok(());
        }
        let mut rng = rng_from_seed(self.seed);
        let mut temp = self.initial_temperature;
        for _ in 0..self.iterations {
            let a = rng.random_range(0..n);
            let mut b = rng.random_range(0..n - 1);
            if b >= a {
                b += 1;
            }
            cur.swap(a, b);
            let v = eval(&cur)?;
            let delta = (v - cur_v) / scale;
            let u: f64 = rng.random();
            if delta < 0.0 || u < (-delta / temp).exp() {
                cur_v = v;
            } else {
                cur.swap(a, b);
            }
            temp *= self.cooling;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link_balance::tests::scattered_traffic;
    use crate::link_balance::{LinkBalanceConfig, identity, link_balance};
    use crate::link_balance_mst::MstCost;

    #[test]
    fn anneals_the_mst_proxy_down() {
        let mesh = MeshShape::new(4, 8);
        let cfg = LinkBalanceConfig::Annealing(AnnealingSearch {
            iterations: 2000,
            seed: 4,
            ..AnnealingSearch::default()
        });
        let mut c = MstCost { mesh };
        let o = link_balance(&cfg, mesh, &identity(32), &scattered_traffic(), &mut c).unwrap();
        assert_eq!(o.history.len(), 2001);
        // Pairs (i, 31 - i) start 5 to 10 hops apart; adjacent pairs cost 1 hop each.
        assert!(
            o.start_value > 5.0 && o.best_value < 2.0,
            "{} -> {}",
            o.start_value,
            o.best_value
        );
    }

    #[test]
    fn bad_parameters_name_the_key() {
        let s = AnnealingSearch {
            cooling: 1.0,
            ..AnnealingSearch::default()
        };
        assert!(
            s.validate("e")
                .unwrap_err()
                .to_string()
                .contains("link_balance.cooling")
        );
        let s = AnnealingSearch {
            initial_temperature: 0.0,
            ..AnnealingSearch::default()
        };
        assert!(
            s.validate("e")
                .unwrap_err()
                .to_string()
                .contains("initial_temperature")
        );
    }
}
