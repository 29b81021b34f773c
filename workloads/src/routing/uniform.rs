//! Uniform routing: each token's experts are drawn uniformly without replacement (within the
//! model's group limit). The balanced baseline (HD-MoE's TP analysis assumes it).

use super::group_limit::admissible;
use super::{RoutingShape, RoutingSource, StepRouting};
use crate::batch::Batch;
use moesim_core::Result;
use moesim_core::rng::{derive_seed, rng_from_seed};
use rand::RngExt;

pub struct UniformRouting {
    shape: RoutingShape,
    seed: u64,
}

impl UniformRouting {
    pub fn new(shape: RoutingShape, seed: u64) -> UniformRouting {
        UniformRouting { shape, seed }
    }
}

impl RoutingSource for UniformRouting {
    fn describe(&self) -> String {
        format!("uniform (seed {})", self.seed)
    }

    fn shape(&self) -> &RoutingShape {
        &self.shape
    }

    fn route_step(&self, step: u64, batch: &Batch, out: &mut StepRouting) -> Result<()> {
        let s = &self.shape;
        let tokens = batch.num_tokens() as u32;
        out.reset(s.num_layers, tokens, s.top_k);
        let step_seed = derive_seed(self.seed, step);
        let (mut chosen, mut groups) = (Vec::new(), Vec::new());
        for t in 0..tokens {
            let mut rng = rng_from_seed(derive_seed(step_seed, t as u64));
            for l in 0..s.num_layers {
                chosen.clear();
                groups.clear();
                for _ in 0..s.top_k {
                    let mut e = rng.random_range(0..s.num_experts);
                    while !admissible(e, &chosen, &groups, s.groups.as_ref()) {
                        e = rng.random_range(0..s.num_experts);
                    }
                    chosen.push(e);
                    if let Some(g) = &s.groups {
                        g.note(e, &mut groups);
                    }
                }
                out.token_mut(l, t).copy_from_slice(&chosen);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelSpec;

    #[test]
    fn distinct_and_group_limited() {
        let m = ModelSpec::preset("deepseek-v3").unwrap();
        let shape = RoutingShape::of(&m);
        let src = UniformRouting::new(shape.clone(), 3);
        let mut r = StepRouting::default();
        src.route_step(0, &Batch::decode(64, 10), &mut r).unwrap();
        let g = shape.groups.unwrap();
        for l in 0..shape.num_layers {
            for set in r.layer(l).tokens() {
                let mut s = set.to_vec();
                s.sort_unstable();
                s.dedup();
                assert_eq!(s.len(), 8);
                assert!(g.groups_used(set) <= 4);
            }
        }
    }
}
