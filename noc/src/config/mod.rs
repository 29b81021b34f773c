//! The native (TOML) configuration of a NoC experiment, one section per file. Defaults are
//! BookSim2's defaults except where noted; every field's BookSim name is given so
//! `moesim noc --booksim` can map a BookSim config onto this struct one key at a time.
//! `validate` checks ranges after parsing.

mod router;
mod sim;
mod topology;
mod traffic;

pub use router::{AllocatorKind, RouterConfig};
pub use sim::{LinkStatsConfig, SimConfig};
pub use topology::{GridConfig, MeshOfDiesConfig, RoutingConfig, TopologyConfig};
pub use traffic::{InjectionProcess, TrafficConfig, TrafficPattern};

use moesim_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// A whole NoC experiment: network, traffic and measurement.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NocConfig {
    pub topology: TopologyConfig,
    pub routing: RoutingConfig,
    pub router: RouterConfig,
    pub traffic: TrafficConfig,
    pub sim: SimConfig,
    pub stats: LinkStatsConfig,
}

pub(crate) fn range_err(
    origin: &str,
    key: &str,
    v: impl std::fmt::Display,
    allowed: &str,
) -> Error {
    Error::config(origin, key, format!("{v} is out of range")).allowed(allowed.to_string())
}

impl NocConfig {
    /// Checks every value after parsing; `origin` names the file the config came from.
    pub fn validate(&self, origin: &str) -> Result<()> {
        self.topology.validate(origin)?;
        self.router.validate(origin)?;
        self.traffic.validate(origin)?;
        self.sim.validate(origin)?;
        self.stats.validate(origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_parse_from_empty() {
        let c: NocConfig = moesim_core::config::from_toml_str("x", "").unwrap();
        assert_eq!(c, NocConfig::default());
        c.validate("x").unwrap();
    }

    #[test]
    fn unknown_topology_kind_is_an_error() {
        let e =
            moesim_core::config::from_toml_str::<NocConfig>("x", "[topology]\nkind = \"ring\"\n")
                .unwrap_err();
        assert!(e.to_string().contains("topology"), "{e}");
    }

    #[test]
    fn bad_rate_is_rejected() {
        let mut c = NocConfig::default();
        c.traffic.injection_rate = 1.5;
        let e = c.validate("f.toml").unwrap_err().to_string();
        assert!(
            e.contains("traffic.injection_rate") && e.contains("(0, 1]"),
            "{e}"
        );
    }
}
