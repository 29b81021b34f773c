use rand::RngExt;
use std::time::Instant;
fn main() {
    let mut rng = moesim_core::rng_from_seed(1);
    let t = Instant::now();
    let mut acc = 0.0f64;
    for _ in 0..10_000_000 {
        acc += rng.random::<f64>();
    }
    println!("10M f64 draws: {:?} ({acc})", t.elapsed());
    let v: Vec<u32> = (0..4_000_000u32)
        .map(|i| i.wrapping_mul(2654435761) % 4_000_000)
        .collect();
    let t = Instant::now();
    let mut s = 0u64;
    let mut i = 0usize;
    for _ in 0..10_000_000 {
        i = v[i] as usize;
        s += i as u64;
    }
    println!(
        "10M dependent random loads over 16MB: {:?} ({s})",
        t.elapsed()
    );
}
