//! `predictor.kind = "oracle"`: the batch's true next-layer expert counts.

use crate::dynamic_placement_predict::LoadPredictor;
use moesim_workloads::routing::table::LayerRouting;

/// Knows the next layer's routing.
#[derive(Clone, Copy, Debug, Default)]
pub struct OraclePredictor;

impl LoadPredictor for OraclePredictor {
    fn kind(&self) -> &'static str {
        "oracle"
    }
    fn predict(
        &self,
        _next: u32,
        _current: LayerRouting<'_>,
        actual: LayerRouting<'_>,
        num_experts: u32,
    ) -> Vec<f64> {
        actual
            .expert_counts(num_experts)
            .into_iter()
            .map(f64::from)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moesim_workloads::routing::table::RoutingTable;

    #[test]
    fn counts_the_next_layer() {
        let r = RoutingTable::from_vec(2, 2, 2, vec![0, 1, 0, 1, 2, 3, 2, 0]);
        let p = OraclePredictor.predict(1, r.layer(0), r.layer(1), 4);
        assert_eq!(p, vec![1.0, 0.0, 2.0, 1.0]);
    }
}
