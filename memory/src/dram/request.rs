//! Memory requests and their decoded DRAM coordinates.

use serde::{Deserialize, Serialize};

/// Read or write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Read,
    Write,
}

/// One burst-sized request from the front end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Byte address (the burst containing it is accessed).
    pub addr: u64,
    pub access: Access,
    /// Cycle (of the DRAM command clock) at which the front end offers the request.
    pub arrival_cycle: u64,
}

impl Request {
    pub fn read(addr: u64, arrival_cycle: u64) -> Request {
        Request {
            addr,
            access: Access::Read,
            arrival_cycle,
        }
    }
    pub fn write(addr: u64, arrival_cycle: u64) -> Request {
        Request {
            addr,
            access: Access::Write,
            arrival_cycle,
        }
    }
}

/// Where a request lands in the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DramAddr {
    pub channel: u32,
    pub bank: u32,
    pub row: u32,
    /// Column in bursts within the row.
    pub column: u32,
}
