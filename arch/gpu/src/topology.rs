//! Where the ranks of a communicator sit: inside one NVSwitch domain, or spread over several
//! domains joined by the scale-out network.

use moesim_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// The network level a transfer crosses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// NVLink through the NVSwitch domain (DGX node, NVL72 rack).
    Domain,
    /// The scale-out network (InfiniBand) between domains.
    ScaleOut,
}

/// A communicator: `ranks` GPUs, `ranks_per_domain` of them in each NVSwitch domain it spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CommGroup {
    ranks: usize,
    ranks_per_domain: usize,
}

impl CommGroup {
    /// A group of `ranks` GPUs, `ranks_per_domain` per domain. A group larger than one domain
    /// must fill its domains evenly.
    pub fn new(ranks: usize, ranks_per_domain: usize) -> Result<CommGroup> {
        if ranks == 0 || ranks_per_domain == 0 {
            return Err(Error::config(
                "communicator",
                "ranks",
                format!("{ranks} ranks, {ranks_per_domain} per domain"),
            )
            .allowed("at least one rank and one rank per domain"));
        }
        let per = ranks_per_domain.min(ranks);
        if !ranks.is_multiple_of(per) {
            return Err(Error::config(
                "communicator",
                "ranks",
                format!("{ranks} ranks do not fill domains of {per} evenly"),
            )
            .allowed("a multiple of the ranks per domain"));
        }
        Ok(CommGroup {
            ranks,
            ranks_per_domain: per,
        })
    }
    pub fn ranks(self) -> usize {
        self.ranks
    }
    /// Ranks per domain (`g`).
    pub fn ranks_per_domain(self) -> usize {
        self.ranks_per_domain
    }
    /// Domains spanned (`k`).
    pub fn domains(self) -> usize {
        self.ranks / self.ranks_per_domain
    }
    pub fn is_single_domain(self) -> bool {
        self.domains() == 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_fill_domains() {
        let g = CommGroup::new(16, 8).unwrap();
        assert_eq!((g.domains(), g.ranks_per_domain()), (2, 8));
        let g = CommGroup::new(4, 8).unwrap();
        assert!(g.is_single_domain());
        assert_eq!(g.ranks_per_domain(), 4);
        assert!(CommGroup::new(12, 8).is_err());
        assert!(CommGroup::new(0, 8).is_err());
    }
}
