//! The model specs of `configs/models/`, embedded in the binary so `--model NAME` works from any
//! directory.

macro_rules! presets {
    ($($name:literal),* $(,)?) => {
        /// The names of the embedded model specs (file stems of `configs/models/*.toml`).
        pub const PRESET_NAMES: &[&str] = &[$($name),*];

        /// The TOML text of the embedded spec `name`.
        pub fn preset_text(name: &str) -> Option<&'static str> {
            match name {
                $($name => Some(include_str!(concat!("../../../configs/models/", $name, ".toml"))),)*
                _ => None,
            }
        }
    };
}

presets!(
    "dbrx",
    "deepseek-v2",
    "deepseek-v2-lite",
    "deepseek-v3",
    "llama-4-maverick",
    "llama-4-scout",
    "mixtral-8x22b",
    "mixtral-8x7b",
    "olmoe-1b-7b",
    "qwen1.5-moe-a2.7b",
    "qwen2-57b-a14b",
    "qwen3-235b-a22b",
    "qwen3-30b-a3b",
    "switch-base-128",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_config_file_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../configs/models");
        let mut stems: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| {
                let p = e.ok()?.path();
                (p.extension()? == "toml").then(|| p.file_stem()?.to_str().map(String::from))?
            })
            .collect();
        stems.sort();
        let mut names: Vec<String> = PRESET_NAMES.iter().map(|s| s.to_string()).collect();
        names.sort();
        assert_eq!(stems, names);
    }
}
