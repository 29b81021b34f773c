//! A bank-level model of (3D-stacked) DRAM in the style of Ramulator 2: channels (vaults or
//! pseudo-channels) of banks with a row buffer, JEDEC-style timing (tRCD, tCL, tRP, tRAS, tBURST,
//! tRTP, tWR, tRRD, tRFC, tREFI), a request queue per channel, a scheduler, a row policy, a
//! refresh manager and an address mapping, each an interface with one implementation per file,
//! chosen in configuration by `kind`.
//!
//! ```text
//! requests --> address mapping --> channel queue --> scheduler (FR-FCFS | FCFS)
//!                                       |                 |
//!                               refresh manager     row policy (open | closed)
//!                                       \--> banks: ACT / RD / WR / PRE / REF
//! ```

pub mod addr_mapper;
pub mod bank;
pub mod channel;
pub mod closed_form;
pub mod config;
pub mod presets;
pub mod refresh;
pub mod report;
pub mod request;
pub mod row_policy;
pub mod scheduler;
pub mod spec;
pub mod system;
pub mod traffic;

pub use addr_mapper::AddressMapping;
pub use config::{ControllerConfig, DramConfig};
pub use refresh::RefreshKind;
pub use report::DramReport;
pub use request::{Access, DramAddr, Request};
pub use row_policy::RowPolicyKind;
pub use scheduler::SchedulerKind;
pub use spec::{DramSpec, Organization, TimingCycles, TimingNs};
pub use system::MemorySystem;
