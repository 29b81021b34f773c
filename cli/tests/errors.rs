//! Bad input gives a clear error naming the file, key and what is allowed, exit code 2, and no
//! panic.

mod common;
use common::*;

#[test]
fn unknown_key_in_a_toml() {
    let d = scratch("unknown-key");
    let f = d.join("noc.toml");
    std::fs::write(&f, "[router]\nnum_vc = 4\n").unwrap();
    let o = moesim(&["noc", "--config", f.to_str().unwrap()]);
    assert_user_error(&o, &["noc.toml", "router", "num_vc", "num_vcs"]);
}

#[test]
fn unknown_booksim_key() {
    let d = scratch("booksim-key");
    let f = d.join("x.cfg");
    std::fs::write(
        &f,
        "topology = mesh;\nk = 4;\nrouting_function = dor;\nnum_vc = 4;\n",
    )
    .unwrap();
    let o = moesim(&["noc", "--booksim", f.to_str().unwrap()]);
    assert_user_error(&o, &["x.cfg:4", "num_vc", "did you mean `num_vcs`"]);
    let o = moesim(&["noc", "--booksim", CASE_A, "injection_rat=0.1"]);
    assert_user_error(&o, &["command line", "injection_rat"]);
}

#[test]
fn rate_outside_the_unit_interval() {
    for rate in ["0", "1.5", "-0.1"] {
        let o = moesim(&[
            "noc",
            "--booksim",
            CASE_A,
            &format!("injection_rate={rate}"),
        ]);
        assert_user_error(&o, &["command line", "injection_rate", "(0, 1]"]);
    }
    let o = moesim(&[
        "noc",
        "--preset",
        "mesh4x4_uniform_p4",
        "--set",
        "injection_rate=2",
    ]);
    assert_user_error(&o, &["traffic.injection_rate", "(0, 1]"]);
}

#[test]
fn zero_packet_size() {
    let o = moesim(&["noc", "--booksim", CASE_A, "packet_size=0"]);
    assert_user_error(&o, &["packet_size", ">= 1"]);
    let o = moesim(&[
        "noc",
        "--preset",
        "mesh4x4_uniform_p4",
        "--set",
        "traffic.packet_size=0",
    ]);
    assert_user_error(&o, &["traffic.packet_size"]);
}

#[test]
fn missing_files() {
    let o = moesim(&["noc", "--booksim", "no/such/file.cfg"]);
    assert_user_error(&o, &["no/such/file.cfg"]);
    let o = moesim(&["noc", "--config", "no/such/file.toml"]);
    assert_user_error(&o, &["no/such/file.toml"]);
    let o = moesim(&["run", "no/such/experiment.toml"]);
    assert_user_error(&o, &["no/such/experiment.toml"]);
}

#[test]
fn impossible_meshes() {
    let o = moesim(&["noc", "--booksim", CASE_A, "k=0"]);
    assert_user_error(&o, &["command line", "key `k`"]);
    let o = moesim(&[
        "noc",
        "--preset",
        "mesh4x4_uniform_p4",
        "--set",
        "topology.x=0",
    ]);
    assert_user_error(&o, &["topology"]);
}

#[test]
fn unsupported_booksim_values_and_syntax() {
    let o = moesim(&["noc", "--booksim", CASE_A, "n=3"]);
    assert_user_error(&o, &["key `n`", "allowed: 2"]);
    let o = moesim(&["noc", "--booksim", CASE_A, "traffic=unifrom"]);
    assert_user_error(&o, &["key `traffic`", "uniform"]);
    let d = scratch("syntax");
    let f = d.join("bad.cfg");
    std::fs::write(&f, "topology = mesh;\nk = 4\nn = 2;\n").unwrap();
    let o = moesim(&["noc", "--booksim", f.to_str().unwrap()]);
    assert_user_error(&o, &["bad.cfg:2", "missing `;`"]);
}

#[test]
fn bad_cli_combinations() {
    let o = moesim(&["noc"]);
    assert_user_error(
        &o,
        &["--booksim FILE.cfg, --config FILE.toml or --preset NAME"],
    );
    let o = moesim(&["noc", "--preset", "nope"]);
    assert_user_error(&o, &["nope", "mesh8x8_uniform_p4"]);
    let o = moesim(&["noc", "--booksim", CASE_A, "--set", "num_vcs=2"]);
    assert_user_error(&o, &["--set"]);
    let o = moesim(&[
        "noc",
        "--booksim",
        CASE_A,
        "--sweep",
        "injection_rate=0.5:0.1:0.1",
    ]);
    assert_user_error(&o, &["--sweep", "injection_rate"]);
    let o = moesim(&["validate", "--case", "nope"]);
    assert_user_error(&o, &["--case", "nope", "booksim_a_mesh8x8_uniform_p4"]);
    let o = moesim(&["run", "--set", "placement.attention_tpp=2"]);
    assert_user_error(
        &o,
        &["with --set", "placement", "attention_tpp", "attention_tp"],
    );
}
