//! `kind = "bo"`: LinkBalance by Bayesian optimisation (papers.md §4.3; the authors use
//! scikit-optimize's `gp_minimize`, here egobox's EGO): the search space is a continuous point
//! `(x, y)` per slot in the mesh's bounding box (`2 D` dimensions); each point set is projected
//! to a one-to-one placement with the Hungarian algorithm
//! ([`crate::link_balance_assign::project`]) and scored. The initial design is the start
//! placement plus `initial_points - 1` uniform random points (seeded); the Gaussian-process
//! surrogate uses partial-least-squares reduction to `kpls_dim` directions, as egobox
//! recommends beyond a few tens of dimensions.

use crate::link_balance::LinkSearch;
use crate::link_balance_assign::{coords_of, project};
use egobox_ego::{EgorBuilder, InfillStrategy};
use moesim_core::rng::rng_from_seed;
use moesim_core::{Error, MeshShape, NodeId, Result};
use ndarray::{Array2, ArrayView2};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::Rc;

/// The objective as the search sees it.
type Eval<'a> = &'a mut dyn FnMut(&[NodeId]) -> Result<f64>;

fn seventy() -> u32 {
    70
}
fn ten() -> u32 {
    10
}
fn kpls() -> Option<u32> {
    Some(3)
}
fn infill_starts() -> u32 {
    10
}

/// Bayesian optimisation over slot coordinates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoSearch {
    /// Objective evaluations in all, the initial design included (the authors' `n_calls`).
    #[serde(default = "seventy")]
    pub evaluations: u32,
    /// Points of the initial design: the start placement and uniform random points.
    #[serde(default = "ten")]
    pub initial_points: u32,
    /// Seed of the initial design and of egobox.
    #[serde(default)]
    pub seed: u64,
    /// Directions of the surrogate's PLS reduction (`None`: a full anisotropic GP, slow in
    /// 64 dimensions).
    #[serde(default = "kpls")]
    pub kpls_dim: Option<u32>,
    /// Multistarts of the infill (expected improvement) optimisation per iteration.
    #[serde(default = "infill_starts")]
    pub infill_starts: u32,
}

impl Default for BoSearch {
    fn default() -> Self {
        BoSearch {
            evaluations: seventy(),
            initial_points: ten(),
            seed: 0,
            kpls_dim: kpls(),
            infill_starts: infill_starts(),
        }
    }
}

impl LinkSearch for BoSearch {
    fn kind(&self) -> &'static str {
        "bo"
    }

    fn validate(&self, origin: &str) -> Result<()> {
        if self.initial_points < 2 || self.initial_points > self.evaluations {
            return Err(Error::config(
                origin,
                "link_balance.initial_points",
                format!(
                    "{} initial points with {} evaluations",
                    self.initial_points, self.evaluations
                ),
            )
            .allowed("2 <= initial_points <= evaluations"));
        }
        if self.kpls_dim == Some(0) {
            return Err(
                Error::config(origin, "link_balance.kpls_dim", "0 directions")
                    .allowed("an integer >= 1, or leave the key out"),
            );
        }
        if self.infill_starts == 0 {
            return Err(
                Error::config(origin, "link_balance.infill_starts", "0 is out of range")
                    .allowed("an integer >= 1"),
            );
        }
        Ok(())
    }

    fn search(
        &self,
        start: &[NodeId],
        mesh: MeshShape,
        eval: &mut dyn FnMut(&[NodeId]) -> Result<f64>,
    ) -> Result<()> {
        let n = start.len();
        let dim = 2 * n;
        let (xmax, ymax) = ((mesh.x - 1) as f64, (mesh.y - 1) as f64);
        let mut xlimits = Array2::<f64>::zeros((dim, 2));
        for s in 0..n {
            xlimits[[2 * s, 1]] = xmax;
            xlimits[[2 * s + 1, 1]] = ymax;
        }
        let init = self.initial_points as usize;
        let mut doe = Array2::<f64>::zeros((init, dim));
        for (s, (x, y)) in coords_of(start, mesh).into_iter().enumerate() {
            doe[[0, 2 * s]] = x;
            doe[[0, 2 * s + 1]] = y;
        }
        let mut rng = rng_from_seed(self.seed);
        for r in 1..init {
            for s in 0..n {
                doe[[r, 2 * s]] = rng.random::<f64>() * xmax;
                doe[[r, 2 * s + 1]] = rng.random::<f64>() * ymax;
            }
        }
        // egobox wants a cloneable objective; the evaluator is shared, and its first error is
        // kept (egobox only sees a message).
        let shared: Rc<RefCell<Eval<'_>>> = Rc::new(RefCell::new(eval));
        let failure: Rc<RefCell<Option<Error>>> = Rc::new(RefCell::new(None));
        let obj = {
            let shared = Rc::clone(&shared);
            let failure = Rc::clone(&failure);
            move |x: &ArrayView2<f64>| -> std::result::Result<Array2<f64>, String> {
                let mut y = Array2::<f64>::zeros((x.nrows(), 1));
                for (i, row) in x.rows().into_iter().enumerate() {
                    let pts: Vec<(f64, f64)> =
                        (0..n).map(|s| (row[2 * s], row[2 * s + 1])).collect();
                    let r = project(&pts, mesh).and_then(|p| (shared.borrow_mut())(&p));
                    match r {
                        Ok(v) => y[[i, 0]] = v,
                        Err(e) => {
                            let msg = e.to_string();
                            let mut f = failure.borrow_mut();
                            if f.is_none() {
                                *f = Some(e);
                            }
                            return Err(msg);
                        }
                    }
                }
                Ok(y)
            }
        };
        let iters = (self.evaluations - self.initial_points) as usize;
        let kpls_dim = self.kpls_dim.map(|k| (k as usize).min(dim));
        let run = EgorBuilder::optimize(obj)
            .configure(|c| {
                c.doe(&doe)
                    .max_iters(iters)
                    .seed(self.seed)
                    .n_start(self.infill_starts as usize)
                    .infill_strategy(InfillStrategy::LogEI)
                    .configure_gp(|gp| gp.kpls_dim(kpls_dim))
            })
            .min_within(&xlimits)
            .and_then(|e| e.run());
        if let Some(e) = failure.borrow_mut().take() {
            return Err(e);
        }
        run.map(|_| ())
            .map_err(|e| Error::Sim(format!("link balance (bo): egobox: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link_balance::tests::scattered_traffic;
    use crate::link_balance::{LinkBalanceConfig, identity, link_balance};
    use crate::link_balance_mst::MstCost;

    #[test]
    fn bad_parameters_name_the_key() {
        let b = BoSearch {
            initial_points: 80,
            ..BoSearch::default()
        };
        let e = b.validate("e.toml").unwrap_err().to_string();
        assert!(e.contains("link_balance.initial_points"), "{e}");
        let b = BoSearch {
            kpls_dim: Some(0),
            ..BoSearch::default()
        };
        assert!(
            b.validate("e")
                .unwrap_err()
                .to_string()
                .contains("kpls_dim")
        );
    }

    #[test]
    fn stays_within_its_budget() {
        let cfg = LinkBalanceConfig::Bo(BoSearch {
            evaluations: 16,
            initial_points: 6,
            seed: 9,
            ..BoSearch::default()
        });
        let mesh = MeshShape::new(4, 8);
        let mut c = MstCost { mesh };
        let o = link_balance(&cfg, mesh, &identity(32), &scattered_traffic(), &mut c).unwrap();
        // The start is evaluated once (not again as the design's first row); the whole design
        // is evaluated, and egobox may stop before the budget when its surrogate settles.
        assert!((6..=16).contains(&o.history.len()), "{}", o.history.len());
        assert!(o.best_value <= o.start_value, "{o:?}");
    }
}
