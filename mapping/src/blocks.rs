//! Contiguous expert blocks, shared by the expert-parallel policies.
//!
//! With `E` experts on `D` devices (in the order given):
//! - `E >= D`: device `i` holds a contiguous block of experts; blocks differ in size by at most
//!   one (the first `E mod D` devices hold one more): experts `0..E/D` on the first device, ...;
//! - `E < D` and `D` a multiple of `E`: expert `e` is split over the `D/E` contiguous devices
//!   `e*D/E .. (e+1)*D/E` (tensor parallelism inside the group);
//! - otherwise an error naming `key`.

use moesim_core::{Error, NodeId, Result};

/// The device group of every expert.
pub fn contiguous_blocks(
    num_experts: u32,
    devices: &[NodeId],
    origin: &str,
    key: &str,
) -> Result<Vec<Vec<NodeId>>> {
    let e = num_experts as usize;
    let d = devices.len();
    if e == 0 || d == 0 {
        return Err(
            Error::config(origin, key, format!("{e} experts on {d} devices"))
                .allowed("at least one expert and one device"),
        );
    }
    if e >= d {
        let (base, extra) = (e / d, e % d);
        let mut out = Vec::with_capacity(e);
        for (i, &dev) in devices.iter().enumerate() {
            let n = base + usize::from(i < extra);
            out.extend(std::iter::repeat_n(vec![dev], n));
        }
        return Ok(out);
    }
    if !d.is_multiple_of(e) {
        return Err(Error::config(
            origin,
            key,
            format!(
                "{e} experts cannot be split evenly over {d} devices (fewer experts than devices \
                 are split into groups of devices / experts)"
            ),
        )
        .allowed(format!(
            "a device count that is a multiple of {e} (placement.devices), at most {e} devices, \
             or placement kind = \"tp\""
        )));
    }
    let per = d / e;
    Ok(devices.chunks(per).map(<[NodeId]>::to_vec).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn devs(n: u32) -> Vec<NodeId> {
        (0..n).map(NodeId).collect()
    }

    #[test]
    fn more_experts_than_devices() {
        let b = contiguous_blocks(256, &devs(64), "t", "k").unwrap();
        assert_eq!(b.len(), 256);
        assert_eq!(b[0], vec![NodeId(0)]);
        assert_eq!(b[3], vec![NodeId(0)]);
        assert_eq!(b[4], vec![NodeId(1)]);
        assert_eq!(b[255], vec![NodeId(63)]);
        // 10 experts on 4 devices: 3, 3, 2, 2
        let b = contiguous_blocks(10, &devs(4), "t", "k").unwrap();
        let per: Vec<usize> = (0..4)
            .map(|d| b.iter().filter(|g| g[0] == NodeId(d)).count())
            .collect();
        assert_eq!(per, vec![3, 3, 2, 2]);
    }

    #[test]
    fn fewer_experts_than_devices() {
        let b = contiguous_blocks(8, &devs(32), "t", "k").unwrap();
        assert_eq!(b.len(), 8);
        assert_eq!(b[1], (4..8).map(NodeId).collect::<Vec<_>>());
        let e = contiguous_blocks(8, &devs(12), "e.toml", "placement.kind")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("e.toml: key `placement.kind`") && e.contains("multiple of 8"),
            "{e}"
        );
    }
}
