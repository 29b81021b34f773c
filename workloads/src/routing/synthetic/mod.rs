//! The synthetic routing generator.
//!
//! Model (drawn once per seed, see [`tables`]): every MoE layer `l` has a base expert popularity
//! `p_l` (Dirichlet or Zipf); every task `t` (an MT-Bench category, a text domain) has its own
//! popularity `p_tl ~ Dirichlet(kappa E p_l)`, centred on the base (`kappa` = task
//! concentration: large = tasks alike); and `P` routing profiles (latent token types) prefer
//! `top_k` experts each per task and layer, the experts filling the profile slots in proportion
//! to `p_tl`.
//!
//! A token (a pure function of seed, step and token index):
//! 1. takes the task of its request: requests last `request_steps` steps, and a new request draws
//!    its task from the [`Drift`] mix at its start step;
//! 2. draws a profile uniformly;
//! 3. in each MoE layer: keeps its profile, or with probability `switch` draws a new one; it is
//!    "on profile" with probability `on_profile`; then each of its `top_k` slots takes the
//!    profile's expert with probability `follow` (when on profile), else an expert drawn by the
//!    task's popularity. Duplicates and experts outside the allowed groups (group-limited
//!    routing: at most `topk_group` groups) are redrawn.
//!
//! Expert load follows the task's popularity either way (skew); profiles decide which experts go
//! together (co-activation) and, as they persist from layer to layer, which experts of layer l+1
//! follow those of layer l (affinity); tasks make popularity differ between categories, and the
//! drift of the task mix over steps moves it.

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
        &self.tables.base[layer as usize]
    }

    /// Task `task`'s popularity in MoE layer `layer` (sums to 1).
    pub fn task_popularity(&self, task: u32, layer: u32) -> &[f64] {
        &self.tables.layers[task as usize][layer as usize].weights
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

    /// The state of a token before its first MoE layer: its random stream and first profile.
    fn start_token(&self, seed: u64, task: u32) -> TokenState {
        let mut rng = rng_from_seed(seed);
        let profile = rng.random_range(0..self.tables.num_profiles as usize);
        TokenState { rng, task, profile }
    }

    /// Routes every token of `tokens` through every MoE layer into `out` (token `t` of `out` is
    /// `tokens[t]`). Layer by layer and, within a layer, task by task, so that the tables in use
    /// stay in cache; each token draws from its own stream in layer order, so the result does
    /// not depend on the processing order.
    ///
    /// A layer runs in two passes: the first moves every token to its profile for the layer and
    /// copies the profile's preferred experts out of the (large, randomly accessed) profile table,
    /// a short loop of independent loads that the processor overlaps; the second makes the
    /// picks. A token's draws keep their order (switch, on-profile, then its slots), so the
    /// split does not change the routing.
    fn route_tokens(&self, tokens: &mut [TokenState], out: &mut RoutingTable) {
        let s = &self.shape;
        let k = s.top_k as usize;
        let p = &self.params.profiles;
        let np = self.tables.num_profiles as usize;
        let mut order: Vec<u32> = (0..tokens.len() as u32).collect();
        order.sort_by_key(|&t| tokens[t as usize].task);
        let (mut chosen, mut groups) = (Vec::with_capacity(k), Vec::new());
        let mut preferred = vec![0u32; order.len() * k];
        let mut on_profile = vec![false; order.len()];
        for m in 0..s.num_layers as usize {
            for (i, &t) in order.iter().enumerate() {
                let tok = &mut tokens[t as usize];
                let rng = &mut tok.rng;
                if m > 0 && rng.random::<f64>() < p.switch {
                    tok.profile = rng.random_range(0..np);
                }
                on_profile[i] = rng.random::<f64>() < p.on_profile;
                let layer = &self.tables.layers[tok.task as usize][m];
                preferred[i * k..(i + 1) * k]
                    .copy_from_slice(&layer.profiles[tok.profile * k..(tok.profile + 1) * k]);
            }
            for (i, &t) in order.iter().enumerate() {
                let tok = &mut tokens[t as usize];
                let rng = &mut tok.rng;
                let layer = &self.tables.layers[tok.task as usize][m];
                let on = on_profile[i];
                chosen.clear();
                groups.clear();
                for &pref in &preferred[i * k..(i + 1) * k] {
                    let first = (on && rng.random::<f64>() < p.follow).then_some(pref);
                    let e = pick(s, layer, rng, first, &chosen, &groups);
                    push(s, e, &mut chosen, &mut groups);
                }
                out.token_mut(m as u32, t).copy_from_slice(&chosen);
            }
        }
    }

    /// `tokens` tokens of task `task` (one request each, step 0): the routing of one category,
    /// as used by the calibration.
    pub fn generate_task(&self, task: u32, tokens: u32, stream: u64) -> RoutingTable {
        let s = &self.shape;
        let mut out = RoutingTable::new(s.num_layers, tokens, s.top_k);
        let base = seed_from_parts(&[self.seed, STREAM_TOKENS, stream, task as u64]);
        let mut states: Vec<TokenState> = (0..tokens)
            .map(|t| self.start_token(derive_seed(base, t as u64), task))
            .collect();
        self.route_tokens(&mut states, &mut out);
        out
    }
}

/// A token being routed: its random stream, task and current profile.
struct TokenState {
    rng: SimRng,
    task: u32,
    profile: usize,
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
        let mut last: Option<(u32, u32)> = None;
        let mut states = Vec::with_capacity(tokens as usize);
        for (t, tok) in batch.tokens().enumerate() {
            let task = match last {
                Some((seq, task)) if seq == tok.seq => task,
                _ => self.task_of(tok.seq, step),
            };
            last = Some((tok.seq, task));
            states.push(self.start_token(derive_seed(base, t as u64), task));
        }
        self.route_tokens(&mut states, out);
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
