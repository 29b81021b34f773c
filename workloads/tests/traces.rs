//! Trace files: the three formats replay what was written, and malformed traces are errors
//! naming the file and the line.

use moesim_workloads::routing::config::TraceConfig;
use moesim_workloads::{Batch, ModelSpec, RoutingConfig, StepRouting, build_routing};
use std::path::{Path, PathBuf};

fn data_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn tmp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("moesim-trace-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn trace_cfg(files: Vec<PathBuf>, offset: u64) -> RoutingConfig {
    RoutingConfig::Trace(TraceConfig {
        files,
        format: None,
        offset_tokens: offset,
    })
}

fn load_err(model: &str, file: PathBuf) -> String {
    let m = ModelSpec::preset(model).unwrap();
    match build_routing(&trace_cfg(vec![file], 0), &m, 0, "t") {
        Ok(_) => panic!("accepted a malformed trace"),
        Err(e) => e.to_string(),
    }
}

/// Writes `r` (tokens x layers, model layer numbers `layers`) in all three formats.
fn write_all(r: &StepRouting, layers: &[u32], stem: &str) -> [PathBuf; 3] {
    let (mut jsonl, mut csv) = (String::new(), String::from("token,layer,experts\n"));
    let mut json = String::from("{");
    for (i, &layer) in layers.iter().enumerate() {
        let lr = r.layer(i as u32);
        let sets: Vec<String> = lr.tokens().map(|s| format!("{s:?}")).collect();
        json.push_str(&format!(
            "{}\"{layer}\": [{}]\n",
            if i > 0 { ", " } else { "" },
            sets.join(", ")
        ));
        for (t, set) in lr.tokens().enumerate() {
            jsonl.push_str(&format!(
                "{{\"token\": {t}, \"layer\": {layer}, \"experts\": {set:?}}}\n"
            ));
            let ids: Vec<String> = set.iter().map(u32::to_string).collect();
            csv.push_str(&format!("{t},{layer},{}\n", ids.join(";")));
        }
    }
    json.push('}');
    [
        tmp(&format!("{stem}.json"), &json),
        tmp(&format!("{stem}.jsonl"), &jsonl),
        tmp(&format!("{stem}.csv"), &csv),
    ]
}

#[test]
fn every_format_replays_what_was_written() {
    // DeepSeek-V3: 58 MoE layers numbered 3..60 in the model, top-8 of 256
    let m = ModelSpec::preset("deepseek-v3").unwrap();
    let src = build_routing(&RoutingConfig::default(), &m, 5, "t").unwrap();
    let batch = Batch::decode(10, 64);
    let mut written = StepRouting::default();
    src.route_step(0, &batch, &mut written).unwrap();
    let numberings = [m.moe_layers(), (0..m.num_moe_layers()).collect::<Vec<_>>()];
    for (n, layers) in numberings.iter().enumerate() {
        for file in write_all(&written, layers, &format!("v3-{n}")) {
            let replay = build_routing(&trace_cfg(vec![file.clone()], 0), &m, 0, "t").unwrap();
            let mut r = StepRouting::default();
            replay.route_step(0, &batch, &mut r).unwrap();
            assert_eq!(r, written, "{}", file.display());
            // 10 trace tokens: step 1 of a 10-token batch wraps to the same tokens
            replay.route_step(1, &batch, &mut r).unwrap();
            assert_eq!(r, written);
            // an offset of 3 shifts the tokens
            let shifted = build_routing(&trace_cfg(vec![file], 3), &m, 0, "t").unwrap();
            shifted.route_step(0, &Batch::decode(1, 1), &mut r).unwrap();
            assert_eq!(r.layer(5).token(0), written.layer(5).token(3));
        }
    }
}

#[test]
fn json_errors_name_the_line() {
    let f = tmp(
        "bad-id.json",
        "{\"0\": [[0, 1],\n [2, 3]],\n \"1\": [[4, 5],\n [6, 8]]}",
    );
    let e = load_err("mixtral-8x7b", f.clone());
    assert!(e.starts_with(&format!("{}:4:", f.display())), "{e}");
    assert!(e.contains("expert id 8 is out of range"), "{e}");
    let f = tmp("bad-syntax.json", "{\"0\": [[0, 1],\n [2, 3]\n \"1\": []}");
    let e = load_err("mixtral-8x7b", f.clone());
    assert!(e.starts_with(&format!("{}:3:", f.display())), "{e}");
}

#[test]
fn jsonl_and_csv_errors_name_the_line() {
    let f = tmp(
        "bad.jsonl",
        "{\"token\": 0, \"layer\": 0, \"experts\": [0, 1, 2, 3, 4, 5, 6, 7]}\n\
         {\"token\": 1, \"layer\": 0, \"experts\": [0, 1, 2, 3, 4, 5, 6, 64]}\n",
    );
    let e = load_err("olmoe-1b-7b", f.clone());
    assert!(e.starts_with(&format!("{}:2:", f.display())), "{e}");
    assert!(e.contains("expert id 64 is out of range"), "{e}");
    let f = tmp("dup.csv", "token,layer,experts\n0,0,1;2\n0,0,3;4\n");
    let e = load_err("mixtral-8x7b", f.clone());
    assert!(e.starts_with(&format!("{}:3:", f.display())), "{e}");
    assert!(e.contains("appears twice"), "{e}");
    let f = tmp("big-id.csv", "token,layer,experts\n0,0,1;2\n1,0,3;8\n");
    let e = load_err("mixtral-8x7b", f.clone());
    assert!(
        e.starts_with(&format!("{}:3:", f.display())) && e.contains("expert id 8"),
        "{e}"
    );
}

#[test]
fn layers_must_match_the_model() {
    let f = tmp(
        "four-layers.jsonl",
        &(0..4)
            .map(|l| format!("{{\"token\": 0, \"layer\": {l}, \"experts\": [0, 1]}}\n"))
            .collect::<String>(),
    );
    let e = load_err("mixtral-8x7b", f);
    assert!(
        e.contains("layers 0..=3") && e.contains("32 MoE layers"),
        "{e}"
    );
}

#[test]
fn real_mixtral_trace_against_the_wrong_model() {
    // the MT-Bench file lists two experts per token; DeepSeek-V2-Lite routes to six
    let f = data_root().join("data/routing/hdmoe-mtbench-mixtral/experts_reasoning_mixtral.json");
    let e = load_err("deepseek-v2-lite", f.clone());
    assert!(e.starts_with(&format!("{}:1:", f.display())), "{e}");
    assert!(e.contains("top_k = 6") && e.contains("token 0"), "{e}");
}
