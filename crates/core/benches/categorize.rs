//! `cargo bench -p spearmint-core --bench categorize` (and `cargo xtask bench categorize`):
//! categorizer throughput on one core, over the real descriptors of the sandbox bank and the
//! shared fixtures, repeated to a million; the builtin dictionary's load time; and, on every
//! labelled set the project has (`../shared/data/labelled-dev/plaid-chase.tsv` and
//! `tests/data/labelled/*.tsv`), how often the category agrees with the label's group, stays
//! Uncategorized, or is wrong, side by side with the dictionary-only categorizer. It prints
//! figures; it asserts nothing about timings.

// Rates are floats; money never is.
#![allow(clippy::float_arithmetic)]

use std::path::PathBuf;
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
    let account = AccountId::from_uuid(uuid::Uuid::nil());
    agreement(dictionary, account);
    let n = 1_000_000usize;
    for (name, categorizer) in [
        ("dictionary only", Categorizer::new(&[], dictionary, &NoCrowd).dictionary_only()),
        ("with channels and words", Categorizer::new(&[], dictionary, &NoCrowd)),
    ] {
        throughput(name, &categorizer, &inputs, account, n);
    }
    // The parts alone, over the same names normalized: where the time goes.
    let sellers: Vec<String> = inputs.iter().map(|(d, _)| spearmint_core::seller::normalize(d)).collect();
    let (model, lexicon) = (spearmint_core::Model::builtin(), spearmint_core::Lexicon::builtin());
    let start = Instant::now();
    let mut answered = 0usize;
    for i in 0..n {
        answered += usize::from(model.predict(&sellers[i % sellers.len()], -1_000, None).is_some());
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    println!("shipped model alone: {rate:>12.0} names/s, {:.2} us a name", 1e6 / rate);
    let start = Instant::now();
    for i in 0..n {
        answered += usize::from(lexicon.score(&sellers[i % sellers.len()]).is_some());
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    println!("lexicon alone:       {rate:>12.0} names/s ({answered} answers in all)");
    println!("builtin dictionary: {} keys loaded in {:.2} ms", dictionary.len(), load.as_secs_f64() * 1000.0);
    big_dictionary();
}

fn throughput(name: &str, categorizer: &Categorizer<'_>, inputs: &[(String, i64)], account: AccountId, n: usize) {
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
    println!("categorizer ({name}), one core, {} distinct real descriptors repeated to {n}:", inputs.len());
    println!("  {:>10.0} descriptors/s (target: at least 500000)", n as f64 / secs);
    println!("  {:.1}% uncategorized", uncategorized as f64 * 100.0 / n as f64);
}

/// The coarse group of a category id, in the labelled sets' words.
fn group(category: &str) -> Option<&'static str> {
    Some(match category {
        "UNCATEGORIZED" => return None,
        "FOOD_GROCERIES" => "groceries",
        "FOOD" => "food",
        c if c.starts_with("FOOD_") => "restaurants",
        c if c.starts_with("HOUSING") => "housing",
        "GAS" => "gas",
        c if c.starts_with("SHOPPING") => "shopping",
        c if c.starts_with("AUTO") => "transport",
        c if c.starts_with("UTILITIES") => "utilities",
        "SUBSCRIPTIONS" => "subscriptions",
        "ENTERTAINMENT" => "entertainment",
        c if c.starts_with("HEALTH") => "health",
        "PERSONAL_CARE" => "personal",
        "EDUCATION" => "education",
        c if c.starts_with("TRAVEL") => "travel",
        "GIFTS" => "gifts",
        "KIDS" => "kids",
        "PETS" => "pets",
        "INSURANCE" => "insurance",
        "FEES" => "fees",
        "TAXES" => "taxes",
        "BUSINESS" => "business",
        "CASH" => "cash",
        c if c.starts_with("INCOME") => "income",
        c if c.starts_with("TRANSFER") => "transfer",
        _ => return None,
    })
}

/// Whether a category agrees with a label's group: `food` accepts restaurants or groceries;
/// car service (`auto`) is transport, as in Plaid's groups.
fn agrees(label: &str, category: &str) -> bool {
    let label = if label == "auto" { "transport" } else { label };
    match group(category) {
        Some(g) => g == label || (label == "food" && matches!(g, "restaurants" | "groceries")),
        None => false,
    }
}

/// Every labelled set: `descriptor<TAB>amount<TAB>group[<TAB>...]` lines, `#` comments.
fn labelled_sets() -> Vec<PathBuf> {
    let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let crate_dir = crate_dir.as_path();
    let mut sets = vec![crate_dir.join("../../../shared/data/labelled-dev/plaid-chase.tsv")];
    if let Ok(dir) = std::fs::read_dir(crate_dir.join("tests/data/labelled")) {
        let mut more: Vec<PathBuf> = dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
            .collect();
        more.sort();
        sets.extend(more);
    }
    sets
}

fn agreement(dictionary: &Dictionary, account: AccountId) {
    println!("agreement with the label's group (agree / left Uncategorized / wrong):");
    for path in labelled_sets() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            println!("  {}: not found, skipped", path.display());
            continue;
        };
        let rows: Vec<(&str, i64, &str)> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut c = l.split('\t');
                let (d, a, g) = (c.next()?, c.next()?, c.next()?);
                let minor = Money::parse(a.trim(), Currency::USD).ok()?.minor();
                Some((d, minor, g.trim()))
            })
            .collect();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        println!("  {name} ({} rows):", rows.len());
        for (label, categorizer) in [
            ("dictionary only", Categorizer::new(&[], dictionary, &NoCrowd).dictionary_only()),
            ("with channels and words", Categorizer::new(&[], dictionary, &NoCrowd)),
        ] {
            let (mut agree, mut none, mut wrong) = (0usize, 0usize, 0usize);
            for (descriptor, minor, group) in &rows {
                let d = categorizer.categorize(&Input {
                    descriptor,
                    amount: Money::from_minor(*minor, Currency::USD),
                    account,
                    mcc: None,
                });
                if agrees(group, d.category.as_str()) {
                    agree += 1;
                } else if d.category == "UNCATEGORIZED" {
                    none += 1;
                } else {
                    wrong += 1;
                }
            }
            let pct = |n: usize| n as f64 * 100.0 / rows.len().max(1) as f64;
            println!(
                "    {label:<24} {:>5.1}% agree  {:>5.1}% uncategorized  {:>5.1}% wrong  (targets: 85 / 5 / 10)",
                pct(agree),
                pct(none),
                pct(wrong)
            );
        }
    }
}

fn big_dictionary() {
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
