//! Configuration presets compiled into the binary, so `moesim noc --preset NAME` and
//! `moesim run` work from any directory. The files live in `configs/noc/`.

use moesim_core::{Error, Result};

/// `(name, TOML text)` of every embedded NoC preset.
pub const NOC_PRESETS: &[(&str, &str)] = &[
    (
        "mesh8x8_uniform_p4",
        include_str!("../../configs/noc/mesh8x8_uniform_p4.toml"),
    ),
    (
        "mesh8x8_transpose_p4",
        include_str!("../../configs/noc/mesh8x8_transpose_p4.toml"),
    ),
    (
        "mesh4x4_uniform_p4",
        include_str!("../../configs/noc/mesh4x4_uniform_p4.toml"),
    ),
    (
        "torus8x8_uniform_p4",
        include_str!("../../configs/noc/torus8x8_uniform_p4.toml"),
    ),
    (
        "wafer_mesh_of_dies_8x8",
        include_str!("../../configs/noc/wafer_mesh_of_dies_8x8.toml"),
    ),
];

/// The origin string of preset `name` in errors and outputs.
pub fn origin(name: &str) -> String {
    format!("embedded:{name}")
}

/// The TOML text of NoC preset `name`.
pub fn noc_preset(name: &str) -> Result<&'static str> {
    NOC_PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
        .ok_or_else(|| {
            let names: Vec<&str> = NOC_PRESETS.iter().map(|(n, _)| *n).collect();
            Error::config("--preset", name, "unknown NoC preset").allowed(names.join(", "))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_parses_and_validates() {
        for (name, text) in NOC_PRESETS {
            let cfg: moesim_noc::NocConfig =
                moesim_core::config::from_toml_str(&origin(name), text).unwrap();
            cfg.validate(&origin(name)).unwrap();
        }
        assert!(
            noc_preset("nope")
                .unwrap_err()
                .to_string()
                .contains("mesh8x8_uniform_p4")
        );
    }

    #[test]
    fn booksim_presets_equal_the_booksim_configs() {
        let root = crate::repo::find_root().unwrap();
        for case in ["mesh8x8_uniform_p4", "mesh8x8_transpose_p4"] {
            let cfg_path = root.join(format!("data/booksim/configs/{case}.cfg"));
            let booksim = moesim_noc::booksim::load(&cfg_path, &[]).unwrap();
            let native: moesim_noc::NocConfig =
                moesim_core::config::from_toml_str(case, noc_preset(case).unwrap()).unwrap();
            assert_eq!(booksim, native, "{case}");
        }
    }
}
