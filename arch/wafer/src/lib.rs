//! moesim wafer-scale chip: dies, die grid, die-to-die and wafer-to-wafer links
