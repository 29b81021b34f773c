//! Bernoulli arrivals (BookSim's `bernoulli` injection process): in every cycle a node creates
//! a packet with probability `p`. Drawn as geometric gaps between packets (the same
//! distribution), so idle cycles cost nothing.

use super::ArrivalProcess;
use moesim_core::{Error, Result, SimRng};
use rand_distr::{Distribution, Geometric};

pub struct Bernoulli {
    geo: Geometric,
}

impl Bernoulli {
    /// Packets with probability `p` per cycle, `0 < p <= 1`.
    pub fn new(p: f64) -> Result<Bernoulli> {
        if !(p > 0.0 && p <= 1.0) {
            return Err(Error::config(
                "traffic",
                "traffic.injection_rate",
                format!("gives {p} packets per cycle"),
            )
            .allowed("a rate giving (0, 1] packets per node per cycle"));
        }
        let geo = Geometric::new(p).map_err(|e| Error::Sim(format!("bernoulli({p}): {e}")))?;
        Ok(Bernoulli { geo })
    }
}

impl ArrivalProcess for Bernoulli {
    fn name(&self) -> &'static str {
        "bernoulli"
    }
    /// The number of failed trials before the first success.
    #[inline]
    fn first(&self, rng: &mut SimRng) -> u64 {
        self.geo.sample(rng)
    }
    #[inline]
    fn gap(&self, rng: &mut SimRng) -> u64 {
        self.geo.sample(rng).saturating_add(1)
    }
}
