//! `cargo bench -p spearmint-core --bench categorize` (and `cargo xtask bench categorize`):
//! categorizer throughput on one core, over the real descriptors of the sandbox bank and the
//! shared fixtures, repeated to a million; and the builtin dictionary's load time. It prints
//! rates; it asserts nothing about timings.

// Rates are floats; money never is.
#![allow(clippy::float_arithmetic)]

use std::time::Instant;

use spearmint_core::{AccountId, Categorizer, Currency, Dictionary, Input, Money, NoCrowd};

fn descriptors() -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for text in
        [include_str!("../tests/data/sandbox_descriptors.txt"), include_str!("../tests/data/fixture_descriptors.txt")]
    {
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let (sign, d) = line.split_once('\t').unwrap_or(("-", line));
            out.push((d.to_owned(), if sign == "+" { 1_000 } else { -1_000 }));
        }
    }
    out
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("categorize bench: run with `cargo bench` or `cargo xtask bench categorize`");
        return;
    }
    let start = Instant::now();
    let dictionary = Dictionary::builtin();
    let load = start.elapsed();
    let inputs = descriptors();
    let categorizer = Categorizer { rules: &[], dictionary, crowd: &NoCrowd };
    let account = AccountId::from_uuid(uuid::Uuid::nil());
    let n = 1_000_000usize;
    let start = Instant::now();
    let mut uncategorized = 0usize;
    for i in 0..n {
        let (d, cents) = &inputs[i % inputs.len()];
        let decision = categorizer.categorize(&Input {
            descriptor: d,
            amount: Money::from_minor(*cents, Currency::USD),
            account,
            mcc: None,
        });
        if decision.category == "UNCATEGORIZED" {
            uncategorized += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!("categorizer, one core, {} distinct real descriptors repeated to {n}:", inputs.len());
    println!("  {:>10.0} descriptors/s (target: at least 1000000)", n as f64 / secs);
    println!("  {:.1}% uncategorized", uncategorized as f64 * 100.0 / n as f64);
    println!("builtin dictionary: {} keys loaded in {:.2} ms", dictionary.len(), load.as_secs_f64() * 1000.0);

    // The design's full size: 50,000 sellers (each with one variant), through the same parser.
    let word = |n: u32| -> String { (0..6).map(|k| char::from(b'a' + ((n / 26u32.pow(k)) % 26) as u8)).collect() };
    let mut merchants = String::new();
    for i in 0..50_000u32 {
        merchants.push_str(&format!(
            "{} market {}\tFOOD_GROCERIES\t{} mkt\n",
            word(i),
            word(i.wrapping_mul(7)),
            word(i)
        ));
    }
    let start = Instant::now();
    let big = Dictionary::parse(&merchants, include_str!("../data/mcc.tsv")).expect("the synthetic dictionary parses");
    let big_load = start.elapsed();
    println!(
        "50,000-seller dictionary: {} keys loaded in {:.1} ms, about {:.1} MB (budget: 20 ms, 12 MB)",
        big.len(),
        big_load.as_secs_f64() * 1000.0,
        big.heap_bytes() as f64 / 1_048_576.0
    );
}
