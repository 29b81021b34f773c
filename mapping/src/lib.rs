//! moesim placement policies: logical endpoints to physical nodes
