//! moesim memory: HBM/DRAM bandwidth-latency and bank-level 3D-stacked DRAM timing
