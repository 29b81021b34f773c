//! The synthetic routing generator.
//!
//! Model (drawn once per seed, see [`tables`]): every MoE layer has a base expert popularity
//! (Dirichlet or Zipf); `P` routing profiles (latent token types) each prefer `top_k` experts per
//! layer, drawn by popularity; every task weights the profiles by its own Dirichlet draw.
//!
//! A token (a pure function of seed, step and token index):
//! 1. takes the task of its request: requests last `request_steps` steps, and a new request draws
//!    its task from the [`Drift`] mix at its start step;
//! 2. draws a profile from its task's weights;
//! 3. in each MoE layer: keeps its profile, or with probability `switch` draws a new one; it is
//!    "on profile" with probability `on_profile`; then each of its `top_k` slots takes the
//!    profile's expert with probability `follow` (when on profile), else an expert drawn by the
//!    layer's popularity. Duplicates and experts outside the allowed groups (group-limited
//!    routing: at most `topk_group` groups) are redrawn.
//!
//! Profiles produce co-activation (experts of one profile go together), cross-layer affinity
//! (the profile persists, so layer l+1's experts depend on layer l's) and, through the task
//! weights, a task-dependent popularity that drifts when the task mix does.

pub mod params;
pub mod presets;
pub(crate) mod tables;

pub use params::{Drift, Popularity, ProfileParams, SyntheticParams, TaskParams};
pub use presets::{FitPoint, SyntheticPreset};

use super::{RoutingShape, RoutingSource, RoutingTable, StepRouting};
use crate::batch::Batch;
use moesim_core::Result;
use moesim_core::rng::{SimRng, derive_seed, rng_from_seed, seed_from_parts};
use rand::RngExt;
use rand_distr::Distribution;
use tables::{Tables, pick, push};

const STREAM_TOKENS: u64 = 0x544f_4b45;
const STREAM_REQUEST: u64 = 0x5245_5155;
const STREAM_TASK: u64 = 0x5441_534b_0001;

/// The calibrated generator.
pub struct SyntheticRouting {
    shape: RoutingShape,
    params: SyntheticParams,
    drift: Drift,
    request_steps: u64,
    seed: u64,
    label: String,
    tables: Tables,
}

impl SyntheticRouting {
    /// A generator for `shape`; `label` names the preset in [`RoutingSource::describe`].
    pub fn new(
        params: SyntheticParams,
        drift: Drift,
        request_steps: u64,
        shape: RoutingShape,
        seed: u64,
        label: &str,
    ) -> Result<SyntheticRouting> {
        params.validate(label, "params")?;
        drift.validate(label, "drift", params.tasks.count)?;
        let tables = Tables::build(&params, &shape, seed)?;
        Ok(SyntheticRouting {
            shape,
            params,
            drift,
            request_steps: request_steps.max(1),
            seed,
            label: label.to_string(),
            tables,
        })
    }

    pub fn params(&self) -> &SyntheticParams {
        &self.params
    }

    /// The base popularity of MoE layer `layer` (sums to 1).
    pub fn layer_popularity(&self, layer: u32) -> &[f64] {
        &self.tables.layers[layer as usize].weights
    }

    pub fn num_profiles(&self) -> u32 {
        self.tables.num_profiles
    }

    /// The task of sequence `seq`'s request at `step`.
    pub fn task_of(&self, seq: u32, step: u64) -> u32 {
        let rs = self.request_steps;
        let phase = derive_seed(self.seed ^ STREAM_REQUEST, seq as u64) % rs;
        let epoch = (step + phase) / rs;
        let start = (epoch * rs).saturating_sub(phase);
        let count = self.params.tasks.count;
        let mut rng = rng_from_seed(seed_from_parts(&[
            self.seed,
            STREAM_TASK,
            seq as u64,
            epoch,
        ]));
        match self.drift {
            Drift::Uniform => rng.random_range(0..count),
            Drift::Fixed { task } => task,
            Drift::Cyclic {
                period_steps,
                amplitude,
            } => {
                let phase = start as f64 / period_steps as f64;
                let w: Vec<f64> = (0..count)
                    .map(|i| {
                        let x = phase - i as f64 / count as f64;
                        1.0 + amplitude * (std::f64::consts::TAU * x).cos()
                    })
                    .collect();
                let mut u = rng.random::<f64>() * w.iter().sum::<f64>();
                for (i, wi) in w.iter().enumerate() {
                    if u < *wi {
                        return i as u32;
                    }
                    u -= wi;
                }
                count - 1
            }
        }
    }

    /// Routes one token through every MoE layer into column `t` of `out`.
    fn route_token(
        &self,
        rng: &mut SimRng,
        task: u32,
        t: u32,
        out: &mut RoutingTable,
        chosen: &mut Vec<u32>,
        groups: &mut Vec<u32>,
    ) {
        let s = &self.shape;
        let k = s.top_k as usize;
        let p = &self.params.profiles;
        let weights = &self.tables.tasks[task as usize];
        let mut profile = weights.sample(rng);
        for (m, layer) in self.tables.layers.iter().enumerate() {
            if m > 0 && rng.random::<f64>() < p.switch {
                profile = weights.sample(rng);
            }
            let on = rng.random::<f64>() < p.on_profile;
            let preferred = &layer.profiles[profile * k..(profile + 1) * k];
            chosen.clear();
            groups.clear();
            for &pref in preferred {
                let first = (on && rng.random::<f64>() < p.follow).then_some(pref);
                let e = pick(s, layer, rng, first, chosen, groups);
                push(s, e, chosen, groups);
            }
            out.token_mut(m as u32, t).copy_from_slice(chosen);
        }
    }

    /// `tokens` tokens of task `task` (one request each, step 0): the routing of one category,
    /// as used by the calibration.
    pub fn generate_task(&self, task: u32, tokens: u32, stream: u64) -> RoutingTable {
        let s = &self.shape;
        let mut out = RoutingTable::new(s.num_layers, tokens, s.top_k);
        let base = seed_from_parts(&[self.seed, STREAM_TOKENS, stream, task as u64]);
        let (mut chosen, mut groups) = (Vec::new(), Vec::new());
        for t in 0..tokens {
            let mut rng = rng_from_seed(derive_seed(base, t as u64));
            self.route_token(&mut rng, task, t, &mut out, &mut chosen, &mut groups);
        }
        out
    }
}

impl RoutingSource for SyntheticRouting {
    fn describe(&self) -> String {
        format!(
            "synthetic {} (seed {}, {} profiles, drift {:?})",
            self.label, self.seed, self.tables.num_profiles, self.drift
        )
    }

    fn shape(&self) -> &RoutingShape {
        &self.shape
    }

    fn route_step(&self, step: u64, batch: &Batch, out: &mut StepRouting) -> Result<()> {
        let s = &self.shape;
        let tokens = batch.num_tokens() as u32;
        out.reset(s.num_layers, tokens, s.top_k);
        let base = seed_from_parts(&[self.seed, STREAM_TOKENS, step]);
        let (mut chosen, mut groups) = (Vec::with_capacity(s.top_k as usize), Vec::new());
        let mut last: Option<(u32, u32)> = None;
        for (t, tok) in batch.tokens().enumerate() {
            let task = match last {
                Some((seq, task)) if seq == tok.seq => task,
                _ => self.task_of(tok.seq, step),
            };
            last = Some((tok.seq, task));
            let mut rng = rng_from_seed(derive_seed(base, t as u64));
            self.route_token(&mut rng, task, t as u32, out, &mut chosen, &mut groups);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelSpec;

    fn make(model: &str, drift: Drift) -> SyntheticRouting {
        let m = ModelSpec::preset(model).unwrap();
        let params = SyntheticPreset::for_experts(m.num_experts()).unwrap();
        SyntheticRouting::new(params, drift, 64, RoutingShape::of(&m), 11, "auto").unwrap()
    }

    #[test]
    fn same_seed_same_routing_and_steps_differ() {
        let g = make("mixtral-8x7b", Drift::Uniform);
        let b = Batch::decode(32, 100);
        let (mut a, mut c, mut d) = Default::default();
        g.route_step(5, &b, &mut a).unwrap();
        g.route_step(5, &b, &mut c).unwrap();
        g.route_step(6, &b, &mut d).unwrap();
        assert_eq!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn group_limit_and_distinct_experts() {
        let g = make("deepseek-v3", Drift::Uniform);
        let mut r = StepRouting::default();
        g.route_step(0, &Batch::decode(128, 10), &mut r).unwrap();
        let lim = g.shape().groups.unwrap();
        for l in 0..r.num_layers() {
            for set in r.layer(l).tokens() {
                let mut s = set.to_vec();
                s.sort_unstable();
                s.dedup();
                assert_eq!(s.len(), 8);
                assert!(lim.groups_used(set) <= 4, "{set:?}");
            }
        }
    }

    #[test]
    fn drift_moves_the_task_mix() {
        let m = ModelSpec::preset("mixtral-8x7b").unwrap();
        let params = SyntheticPreset::for_experts(8).unwrap();
        let cyc = Drift::Cyclic {
            period_steps: 1000,
            amplitude: 1.0,
        };
        let g = SyntheticRouting::new(params, cyc, 1, RoutingShape::of(&m), 1, "x").unwrap();
        let count = |step: u64| (0..400).filter(|&s| g.task_of(s, step) == 0).count();
        // task 0 peaks at phase 0 and is absent at half a period
        assert!(
            count(0) > 3 * count(500).max(1),
            "{} {}",
            count(0),
            count(500)
        );
        let fixed = make("mixtral-8x7b", Drift::Fixed { task: 3 });
        assert!((0..50).all(|s| fixed.task_of(s, s as u64) == 3));
    }
}
