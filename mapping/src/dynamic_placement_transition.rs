//! `predictor.kind = "transition"`: per layer `l >= 1`, the frequencies `T_l[i][j]` of expert
//! `j` in layer `l` among the profile trace's tokens that used expert `i` in layer `l - 1`
//! (each row sums to `top_k`). A batch's predicted load of layer `l` is
//! `sum over tokens, over their layer l-1 experts i, of T_l[i][.] / top_k`: each token counts
//! `top_k` units, as it will. Rows of experts the profile never used predict the profile's
//! mean layer-`l` distribution.

use crate::dynamic_placement_predict::LoadPredictor;
use moesim_core::{Error, Result};
use moesim_workloads::routing::table::{LayerRouting, RoutingTable};

/// Cross-layer transition frequencies fitted on a profile trace.
#[derive(Clone, Debug, PartialEq)]
pub struct TransitionPredictor {
    num_experts: usize,
    top_k: usize,
    /// `rows[l][i * E + j]`, for `l` in `0..layers` (row 0 unused).
    rows: Vec<Vec<f64>>,
}

impl TransitionPredictor {
    pub fn fit(profile: &RoutingTable, num_experts: u32) -> Result<TransitionPredictor> {
        let e = num_experts as usize;
        let k = profile.top_k() as usize;
        if profile.num_tokens() == 0 || k == 0 {
            return Err(Error::Check(
                "dynamic placement: the transition predictor needs a profile trace with tokens"
                    .into(),
            ));
        }
        let mut rows = vec![Vec::new()];
        for l in 1..profile.num_layers() {
            let (prev, cur) = (profile.layer(l - 1), profile.layer(l));
            let mut counts = vec![0.0; e * e];
            let mut uses = vec![0.0; e];
            let mut mean = vec![0.0; e];
            for t in 0..prev.num_tokens() {
                for &j in cur.token(t) {
                    mean[j as usize] += 1.0;
                }
                for &i in prev.token(t) {
                    uses[i as usize] += 1.0;
                    for &j in cur.token(t) {
                        counts[i as usize * e + j as usize] += 1.0;
                    }
                }
            }
            let n = prev.num_tokens() as f64;
            for (row, &u) in counts.chunks_mut(e).zip(&uses) {
                for (c, &m) in row.iter_mut().zip(&mean) {
                    *c = if u > 0.0 { *c / u } else { m / n };
                }
            }
            rows.push(counts);
        }
        Ok(TransitionPredictor {
            num_experts: e,
            top_k: k,
            rows,
        })
    }
}

impl LoadPredictor for TransitionPredictor {
    fn kind(&self) -> &'static str {
        "transition"
    }
    fn predict(
        &self,
        next: u32,
        current: LayerRouting<'_>,
        _actual: LayerRouting<'_>,
        num_experts: u32,
    ) -> Vec<f64> {
        let e = self.num_experts;
        let mut out = vec![0.0; num_experts as usize];
        let Some(t) = self.rows.get(next as usize).filter(|r| !r.is_empty()) else {
            return out;
        };
        let w = 1.0 / self.top_k as f64;
        for tok in current.tokens() {
            for &i in tok {
                let i = i as usize;
                if i >= e {
                    continue;
                }
                for (j, o) in out.iter_mut().enumerate().take(e) {
                    *o += t[i * e + j] * w;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_deterministic_chain() {
        // Profile: expert i in layer 0 always leads to expert (i + 1) mod 4 in layer 1 (top-1).
        let prof = RoutingTable::from_vec(2, 4, 1, vec![0, 1, 2, 0, 1, 2, 3, 1]);
        let p = TransitionPredictor::fit(&prof, 4).unwrap();
        let batch = RoutingTable::from_vec(2, 3, 1, vec![0, 0, 2, 9, 9, 9]);
        let f = p.predict(1, batch.layer(0), batch.layer(1), 4);
        assert_eq!(f, vec![0.0, 2.0, 0.0, 1.0]);
        // Expert 3 is never used in layer 0 of the profile: the layer-1 mean.
        let batch = RoutingTable::from_vec(2, 1, 1, vec![3, 0]);
        let f = p.predict(1, batch.layer(0), batch.layer(1), 4);
        assert_eq!(f, vec![0.0, 0.5, 0.25, 0.25]);
        assert!(TransitionPredictor::fit(&RoutingTable::new(2, 0, 1), 4).is_err());
    }
}
