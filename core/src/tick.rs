//! Simulated time. All time in moesim is a [`Tick`] of one picosecond; cycle-level models count
//! [`Cycle`]s of a [`ClockDomain`] and convert at their boundary.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};

/// Simulated time in picoseconds (gem5's convention: one tick = 1 ps).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Tick(pub u64);

impl Tick {
    pub const ZERO: Tick = Tick(0);
    pub const MAX: Tick = Tick(u64::MAX);
    pub const PS_PER_NS: u64 = 1_000;
    pub const PS_PER_US: u64 = 1_000_000;
    pub const PS_PER_S: u64 = 1_000_000_000_000;

    pub const fn from_ps(ps: u64) -> Tick {
        Tick(ps)
    }
    /// Rounds to the nearest picosecond; negative or NaN inputs give zero.
    pub fn from_ns(ns: f64) -> Tick {
        Tick::from_ps_f64(ns * Self::PS_PER_NS as f64)
    }
    pub fn from_us(us: f64) -> Tick {
        Tick::from_ps_f64(us * Self::PS_PER_US as f64)
    }
    pub fn from_s(s: f64) -> Tick {
        Tick::from_ps_f64(s * Self::PS_PER_S as f64)
    }
    fn from_ps_f64(ps: f64) -> Tick {
        if ps.is_nan() || ps <= 0.0 {
            Tick(0)
        } else if ps >= u64::MAX as f64 {
            Tick::MAX
        } else {
            Tick(ps.round() as u64)
        }
    }
    pub const fn as_ps(self) -> u64 {
        self.0
    }
    pub fn as_ns(self) -> f64 {
        self.0 as f64 / Self::PS_PER_NS as f64
    }
    pub fn as_us(self) -> f64 {
        self.0 as f64 / Self::PS_PER_US as f64
    }
    pub fn as_s(self) -> f64 {
        self.0 as f64 / Self::PS_PER_S as f64
    }
    pub fn saturating_add(self, other: Tick) -> Tick {
        Tick(self.0.saturating_add(other.0))
    }
    pub fn saturating_sub(self, other: Tick) -> Tick {
        Tick(self.0.saturating_sub(other.0))
    }
}

impl Add for Tick {
    type Output = Tick;
    fn add(self, rhs: Tick) -> Tick {
        Tick(self.0 + rhs.0)
    }
}
impl AddAssign for Tick {
    fn add_assign(&mut self, rhs: Tick) {
        self.0 += rhs.0;
    }
}
impl Sub for Tick {
    type Output = Tick;
    fn sub(self, rhs: Tick) -> Tick {
        Tick(self.0 - rhs.0)
    }
}
impl SubAssign for Tick {
    fn sub_assign(&mut self, rhs: Tick) {
        self.0 -= rhs.0;
    }
}
impl std::iter::Sum for Tick {
    fn sum<I: Iterator<Item = Tick>>(iter: I) -> Tick {
        Tick(iter.map(|t| t.0).sum())
    }
}
impl fmt::Display for Tick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ps", self.0)
    }
}

/// A count of clock cycles in one clock domain.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Cycle(pub u64);

impl Add<u64> for Cycle {
    type Output = Cycle;
    fn add(self, rhs: u64) -> Cycle {
        Cycle(self.0 + rhs)
    }
}
impl Sub for Cycle {
    type Output = u64;
    fn sub(self, rhs: Cycle) -> u64 {
        self.0 - rhs.0
    }
}

/// A clock domain: a period in picoseconds. Conversions floor ticks to the last full cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockDomain {
    pub period_ps: u64,
}

impl ClockDomain {
    /// `period_ps` must be positive; callers validate user input before building one.
    pub fn from_period_ps(period_ps: u64) -> ClockDomain {
        ClockDomain {
            period_ps: period_ps.max(1),
        }
    }
    /// A clock of `ghz` GHz, rounded to a whole picosecond period.
    pub fn from_ghz(ghz: f64) -> ClockDomain {
        ClockDomain::from_period_ps((1_000.0 / ghz).round().max(1.0) as u64)
    }
    pub fn frequency_ghz(self) -> f64 {
        1_000.0 / self.period_ps as f64
    }
    pub fn period(self) -> Tick {
        Tick(self.period_ps)
    }
    pub fn cycles_to_ticks(self, cycles: u64) -> Tick {
        Tick(cycles.saturating_mul(self.period_ps))
    }
    pub fn cycle_to_tick(self, c: Cycle) -> Tick {
        self.cycles_to_ticks(c.0)
    }
    /// The cycle in progress at `t` (floor).
    pub fn tick_to_cycle(self, t: Tick) -> Cycle {
        Cycle(t.0 / self.period_ps)
    }
    /// The first clock edge at or after `t`.
    pub fn next_edge(self, t: Tick) -> Tick {
        Tick(t.0.div_ceil(self.period_ps) * self.period_ps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_conversions_round_trip() {
        assert_eq!(Tick::from_ns(1.5).as_ps(), 1_500);
        assert_eq!(Tick::from_us(2.0).as_ps(), 2_000_000);
        assert_eq!(Tick::from_s(1e-12).as_ps(), 1);
        assert_eq!(Tick::from_ns(-3.0), Tick::ZERO);
        assert!((Tick(1_234_567).as_us() - 1.234567).abs() < 1e-12);
    }

    #[test]
    fn clock_domain_edges() {
        let clk = ClockDomain::from_ghz(1.0);
        assert_eq!(clk.period_ps, 1_000);
        assert_eq!(clk.tick_to_cycle(Tick(2_999)), Cycle(2));
        assert_eq!(clk.next_edge(Tick(2_001)), Tick(3_000));
        assert_eq!(clk.next_edge(Tick(3_000)), Tick(3_000));
        assert_eq!(clk.cycles_to_ticks(7), Tick(7_000));
        assert!((ClockDomain::from_ghz(2.0).frequency_ghz() - 2.0).abs() < 1e-9);
    }
}
