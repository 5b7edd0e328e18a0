//! `cargo xtask bench hledger`: the monthly spending report over a million transactions in the
//! vault, against Debian's hledger (`balance --monthly`) on the same transactions, from the
//! shared peer benchmark's generator (xtask makes the data and sets the paths below). Prints
//! timings and ratios; asserts nothing about timings.
//!
//! Like with like, as far as it goes: hledger reads and totals its journal on every report;
//! Spearmint keeps the totals current as transactions arrive (monthly_spending), so its report
//! is a lookup. The import time that pays for that is printed too.

// Timings are floats; money never is.
#![allow(clippy::float_arithmetic)]

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use spearmint_core::{AccountKind, Currency};
use spearmint_engine::{Engine, EngineOptions, ImportRequest, NewAccount, NewKey, Passphrase};
use spearmint_formats::csv::AmountColumns;

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

fn hledger(journal: &PathBuf, period: Option<&str>) {
    let mut cmd = Command::new("hledger");
    cmd.arg("-f").arg(journal).args(["balance", "--monthly", "--layout=tidy", "-O", "csv", "expenses"]);
    if let Some(p) = period {
        cmd.args(["-p", p]);
    }
    let out = cmd.output().expect("hledger runs (cargo xtask bench hledger installs it)");
    assert!(out.status.success(), "hledger failed: {}", String::from_utf8_lossy(&out.stderr));
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("hledger bench: run with `cargo xtask bench hledger`");
        return;
    }
    let (Some(csv), Some(journal)) =
        (std::env::var_os("SPEARMINT_BENCH_CSV"), std::env::var_os("SPEARMINT_BENCH_JOURNAL"))
    else {
        println!(
            "hledger bench: SPEARMINT_BENCH_CSV and SPEARMINT_BENCH_JOURNAL are not set; run `cargo xtask bench hledger`"
        );
        return;
    };
    let journal = PathBuf::from(journal);
    let bytes = std::fs::read(&csv).expect("read the generated CSV");

    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::new(EngineOptions::new(dir.path().join("vault"))).unwrap();
    engine.create(NewKey::Passphrase(Passphrase::new("benchmark passphrase"))).unwrap();
    let account = engine
        .create_account(NewAccount { name: "Checking".into(), kind: AccountKind::Checking, currency: Currency::USD })
        .unwrap();
    // The generator writes spending as positive amounts: the mapping says so.
    let mut mapping = spearmint_formats::csv::sniff(&bytes, Currency::USD).expect("the CSV is readable");
    if let AmountColumns::Signed { negate, .. } = &mut mapping.amount {
        *negate = true;
    }
    let start = Instant::now();
    let report = engine
        .import_file(ImportRequest {
            bytes,
            file_name: Some("transactions.csv".into()),
            account: Some(account),
            mapping: Some(mapping),
            currency: None,
            dry_run: false,
            log_user: None,
        })
        .unwrap();
    let import = start.elapsed();
    let n = report.summary.added;
    let last = engine.latest_month().unwrap().expect("months");

    let ours_year = time(20, || {
        assert_eq!(engine.spending_trend(&last, 12).unwrap().len(), 12);
    });
    let ours_month = time(20, || {
        engine.spending(&last).unwrap();
    });
    let theirs_year = time(3, || hledger(&journal, None));
    let theirs_month = time(3, || hledger(&journal, Some(&last)));

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("monthly spending report over {n} transactions (one user), median of runs:");
    println!(
        "  all 12 months : Spearmint {:>9.2} ms   hledger {:>9.1} ms   hledger/Spearmint {:>8.0}x",
        ms(ours_year),
        ms(theirs_year),
        ms(theirs_year) / ms(ours_year)
    );
    println!(
        "  one month     : Spearmint {:>9.2} ms   hledger {:>9.1} ms   hledger/Spearmint {:>8.0}x",
        ms(ours_month),
        ms(theirs_month),
        ms(theirs_month) / ms(ours_month)
    );
    println!(
        "  (Spearmint's totals are kept current as rows arrive; its import of these rows took {:.1} s)",
        import.as_secs_f64()
    );
}
