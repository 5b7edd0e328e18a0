//! `cargo bench -p spearmint-engine --bench import` (and `cargo xtask bench import`): imports
//! generated CSV transactions (1,000,000 by default; SPEARMINT_BENCH_ROWS to change) into a
//! fresh encrypted vault through the real import path, and the same into plain SQLite through
//! the same path, a few times each (SPEARMINT_BENCH_RUNS, 3 by default), and prints the median
//! transactions per second with their range, and SQLCipher's overhead as a ratio; for the vault
//! also until the write-ahead log is folded into the file (done in the background once the
//! import returns; waited for before the next run, so no run overlaps the one before);
//! then what the app's lists cost over the full vault (pages, a cursor far down, one account,
//! searches, the account list) and one small write (setting a category). It measures; it
//! asserts nothing about timings.

// Rates and ratios of timings are floats; money never is.
#![allow(clippy::float_arithmetic)]

use std::cell::Cell;
use std::time::Instant;

/// The allocator the app and the CLI ship with, so the bench measures what users run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use spearmint_core::{AccountKind, Currency};
use spearmint_engine::{
    Engine, EngineOptions, ImportRequest, NewAccount, NewKey, Passphrase, TransactionCursor, TransactionQuery,
};

fn rows() -> usize {
    std::env::var("SPEARMINT_BENCH_ROWS").ok().and_then(|r| r.parse().ok()).unwrap_or(1_000_000)
}

/// Imports of each kind (SPEARMINT_BENCH_RUNS, 3 by default): one run on a shared machine can
/// be off by a sixth either way, so medians are reported, with the range.
fn runs() -> usize {
    std::env::var("SPEARMINT_BENCH_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(3).max(1)
}

fn median(mut secs: Vec<f64>) -> f64 {
    secs.sort_by(f64::total_cmp);
    let mid = secs.len() / 2;
    if secs.len().is_multiple_of(2) { (secs[mid - 1] + secs[mid]) / 2.0 } else { secs[mid] }
}

/// Seconds to import `csv`, and to fold the write-ahead log into the file after it (which the
/// vault does in the background once the import returns; locking waits for it, as the end of a
/// `spearmint import` does), so that no measurement overlaps the one before.
fn run(engine: &Engine, csv: &[u8]) -> (f64, f64) {
    let account = engine
        .create_account(NewAccount { name: "Bench".into(), kind: AccountKind::Checking, currency: Currency::USD })
        .unwrap();
    // The caller's copy of the file is not the import's work.
    let bytes = csv.to_vec();
    let start = Instant::now();
    let report = engine
        .import_file(ImportRequest {
            bytes,
            file_name: Some("bench.csv".into()),
            account: Some(account),
            mapping: None,
            currency: None,
            dry_run: false,
            log_user: None,
        })
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(report.summary.added as usize, rows(), "every row is imported");
    engine.lock().unwrap();
    (secs, start.elapsed().as_secs_f64())
}

fn main() {
    // `cargo test --benches` runs this with --bench absent: keep that quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("import bench: run with `cargo bench` or `cargo xtask bench import`");
        return;
    }
    let n = rows();
    let mut csv = Vec::with_capacity(n * 60);
    spearmint_sandbox_bank::write_csv(&mut csv, n, 1).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let (mut t_enc, mut t_plain, mut t_folded) = (Vec::new(), Vec::new(), Vec::new());
    let passphrase = || Passphrase::new("benchmark passphrase");
    let mut encrypted = None;
    for i in 0..runs() {
        // Each kind goes first in turn, so neither always meets a cold (or a warm) machine.
        for vault in if i % 2 == 0 { [true, false] } else { [false, true] } {
            let path = dir.path().join(format!("{}-{i}", if vault { "encrypted" } else { "plain" }));
            if vault {
                // The previous vault goes first, with its files: a million rows take 0.4 GB.
                if let Some((engine, old)) = encrypted.take() {
                    drop(engine);
                    std::fs::remove_dir_all(old).unwrap();
                }
                let engine = Engine::new(EngineOptions::new(path.clone())).unwrap();
                engine.create(NewKey::Passphrase(passphrase())).unwrap();
                let (import, folded) = run(&engine, &csv);
                t_enc.push(import);
                t_folded.push(folded);
                engine.unlock(spearmint_engine::Unlock::Passphrase(passphrase())).unwrap();
                encrypted = Some((engine, path));
            } else {
                let engine = Engine::new_plain_for_benchmarks(EngineOptions::new(path.clone())).unwrap();
                t_plain.push(run(&engine, &csv).0);
                drop(engine);
                std::fs::remove_dir_all(path).unwrap();
            }
        }
    }
    let (encrypted, _) = encrypted.expect("at least one run");
    // A month's spending report over the full vault (DESIGN: under 50 ms at a million rows).
    let month = encrypted.latest_month().unwrap().expect("the import has months");
    let runs = 20u32;
    let start = Instant::now();
    for _ in 0..runs {
        let report = encrypted.spending(&month).unwrap();
        assert!(!report.categories.is_empty());
    }
    let report_ms = start.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
    let lists = lists(&encrypted);

    let rate = |secs: f64| n as f64 / secs;
    let range = |secs: &[f64]| {
        let (fast, slow) = secs.iter().fold((f64::MAX, 0.0f64), |(a, b), s| (a.min(*s), b.max(*s)));
        format!("{:.0}–{:.0}", rate(slow), rate(fast))
    };
    let ratios: Vec<f64> = t_enc.iter().zip(&t_plain).map(|(e, p)| e / p).collect();
    let first_import = t_enc[0];
    let (low, high) = ratios.iter().fold((f64::MAX, 0.0f64), |(a, b), r| (a.min(*r), b.max(*r)));
    let runs = t_enc.len();
    println!("import of {n} CSV transactions (sniffed mapping, matching, one SQL transaction), {runs} runs each:");
    println!(
        "  SQLCipher vault : {:>10.0} transactions/s median (range {}), until the import returns",
        rate(median(t_enc.clone())),
        range(&t_enc)
    );
    println!(
        "  plain SQLite    : {:>10.0} transactions/s median (range {})",
        rate(median(t_plain.clone())),
        range(&t_plain)
    );
    println!(
        "  SQLCipher / plain time ratio: {:.2}x of the medians, {low:.2}x–{high:.2}x run by run (target: at most 1.30x)",
        median(t_enc.clone()) / median(t_plain)
    );
    // The import returns once its pages are in the write-ahead log; a thread then folds the log
    // into the file. Counted too, it is what a `spearmint import` takes before it exits.
    println!(
        "  vault, until the log is also folded into the file (as `spearmint import` exits): {:>10.0} transactions/s median (range {})",
        rate(median(t_folded.clone())),
        range(&t_folded)
    );
    // The very first import of the process meets fresh memory, as every `spearmint import` does.
    println!(
        "  first import of the process (fresh memory, as in every CLI command): {:>10.0} transactions/s",
        rate(first_import)
    );
    println!("  target: at least 200000 transactions/s into the vault");
    println!("month spending report over {n} transactions: {report_ms:.2} ms (target: under 50 ms)");
    println!("lists and a small write over {n} transactions (a page of 100, mean of 20 each):");
    for (what, ms) in lists {
        println!("  {what:<34}: {ms:>8.2} ms");
    }
}

/// A named query over the vault.
type Query<'a> = (&'static str, Box<dyn Fn() + 'a>);

/// What the app's lists ask of a full vault, in milliseconds per call.
fn lists(engine: &Engine) -> Vec<(&'static str, f64)> {
    let page = |q: TransactionQuery| TransactionQuery { limit: Some(100), ..q };
    let newest = engine.transactions(&page(TransactionQuery::default())).unwrap();
    let account = newest[0].account_id;
    let newest_id = newest[0].id;
    let groceries = Cell::new(false);
    // A cursor a year below the newest row.
    let middle = newest[0].posted_on - chrono::Duration::days(365);
    let deep = engine
        .transactions(&TransactionQuery { until: Some(middle), limit: Some(1), ..TransactionQuery::default() })
        .unwrap();
    let cursor = TransactionCursor { posted_on: deep[0].posted_on, id: deep[0].id };
    let queries: Vec<Query<'_>> = vec![
        (
            "newest page",
            Box::new(|| assert_eq!(engine.transactions(&page(TransactionQuery::default())).unwrap().len(), 100)),
        ),
        (
            "a page a year down (cursor)",
            Box::new(move || {
                let q = page(TransactionQuery { before: Some(cursor), ..TransactionQuery::default() });
                assert_eq!(engine.transactions(&q).unwrap().len(), 100);
            }),
        ),
        (
            "one account's newest page",
            Box::new(move || {
                let q = page(TransactionQuery { account: Some(account), ..TransactionQuery::default() });
                assert_eq!(engine.transactions(&q).unwrap().len(), 100);
            }),
        ),
        (
            "search \"coffee\"",
            Box::new(|| {
                let q = page(TransactionQuery { search: Some("coffee".into()), ..TransactionQuery::default() });
                assert!(!engine.transactions(&q).unwrap().is_empty());
            }),
        ),
        (
            "search that matches nothing",
            Box::new(|| {
                let q = page(TransactionQuery { search: Some("no such payee".into()), ..TransactionQuery::default() });
                assert!(engine.transactions(&q).unwrap().is_empty());
            }),
        ),
        ("accounts with their counts", Box::new(|| assert!(!engine.accounts().unwrap().is_empty()))),
        (
            // A small write, as the user makes them: the pages it touches go to the log whole.
            "the user sets a category (a write)",
            Box::new(move || {
                // Each write changes the category, so each one writes.
                groceries.set(!groceries.get());
                let category = if groceries.get() { "FOOD_GROCERIES" } else { "FOOD_RESTAURANTS" };
                engine.set_category(newest_id, category).unwrap();
            }),
        ),
    ];
    let runs = 20u32;
    queries
        .into_iter()
        .map(|(what, run)| {
            let start = Instant::now();
            for _ in 0..runs {
                run();
            }
            (what, start.elapsed().as_secs_f64() * 1000.0 / f64::from(runs))
        })
        .collect()
}
