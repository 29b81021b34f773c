//! `moesim run` writes the run directory.

mod common;
use common::*;

#[test]
fn run_writes_the_run_directory() {
    let d = scratch("run");
    let exp = d.join("exp.toml");
    std::fs::write(
        &exp,
        "kind = \"noc\"\nname = \"small\"\npreset = \"mesh4x4_uniform_p4\"\n\
         [noc.traffic]\ninjection_rate = 0.2\n[sweep]\nkey = \"injection_rate\"\nvalues = \"0.1,0.3\"\n",
    )
    .unwrap();
    let out = d.join("out");
    let o = moesim(&[
        "run",
        exp.to_str().unwrap(),
        "--set",
        "noc.num_vcs=2",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["kind"], "noc");
    let name = v["name"].as_str().unwrap();
    assert!(name.starts_with("small-"), "{name}");
    let dir = out.join(name);
    for f in [
        "config.resolved.toml",
        "stats.txt",
        "stats.json",
        "results.csv",
        "links.csv",
        "heatmap.svg",
        "plots/latency.svg",
    ] {
        assert!(dir.join(f).is_file(), "missing {f}");
    }
    let resolved = std::fs::read_to_string(dir.join("config.resolved.toml")).unwrap();
    assert!(resolved.contains("num_vcs = 2"), "{resolved}");
    assert_eq!(
        std::fs::read_to_string(dir.join("results.csv"))
            .unwrap()
            .lines()
            .count(),
        3
    );
    let stats = std::fs::read_to_string(dir.join("stats.txt")).unwrap();
    assert!(stats.contains("Begin Simulation Statistics") && stats.contains("noc."));
    // Rerunning the resolved configuration lands in the same directory (the name is its hash).
    let o = moesim(&[
        "run",
        dir.join("config.resolved.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v2: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v2["name"], v["name"]);
}
