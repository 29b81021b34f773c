//! moesim 3D near-memory-processing stacks in a mesh
