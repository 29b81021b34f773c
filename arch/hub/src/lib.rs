//! moesim GPU hub with a hardware address-allocation unit
