//! moesim GPU nodes, NVSwitch domains and scale-out networks, calibrated collectives and expert FFN
