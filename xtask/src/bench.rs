//! `cargo xtask bench [NAME]`: the benchmarks, in release mode, printed as rates and ratios
//! (they measure; tests assert behaviour). `import`: 1M generated CSV transactions into the
//! encrypted vault and into plain SQLite, and a month's report over them. `categorize`: the
//! categorizer's throughput. `hledger`: the monthly report against Debian's hledger on the
//! same million transactions, from the shared peer benchmark's generator.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{command, deps, workspace};

const BENCHES: &[(&str, &str)] =
    &[("import", "spearmint-engine"), ("categorize", "spearmint-core"), ("hledger", "spearmint-engine")];

/// Rows for the hledger comparison.
const HLEDGER_ROWS: &str = "1000000";

pub fn bench(root: &Path, which: Option<&str>) -> Result<()> {
    let selected: Vec<&(&str, &str)> = match which {
        None => BENCHES.iter().collect(),
        Some(name) => match BENCHES.iter().find(|(n, _)| *n == name) {
            Some(b) => vec![b],
            None => bail!(
                "no benchmark named `{name}`: choose one of {}",
                BENCHES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            ),
        },
    };
    for (name, package) in selected {
        println!("==> bench {name}");
        let mut cmd = Command::new(env!("CARGO"));
        cmd.current_dir(root).args(["bench", "-p", package, "--bench", name]);
        if *name == "hledger" {
            let (csv, journal) = hledger_data(root)?;
            cmd.env("SPEARMINT_BENCH_CSV", csv).env("SPEARMINT_BENCH_JOURNAL", journal);
        }
        command::run(&mut cmd).with_context(|| format!("the {name} benchmark failed"))?;
    }
    Ok(())
}

/// Installs hledger if missing and generates (once) one user's million transactions as CSV and
/// as an hledger journal, with the shared peer benchmark's deterministic generator.
fn hledger_data(root: &Path) -> Result<(std::path::PathBuf, std::path::PathBuf)> {
    deps::system_packages(&["hledger"])?;
    let generator = root.join("../shared/bench/gen_transactions.py");
    if !generator.exists() {
        bail!("{} is missing: the shared peer benchmarks sit beside the repository", generator.display());
    }
    let dir = workspace::target_dir(root)?.join("bench-data").join(format!("hledger-{HLEDGER_ROWS}"));
    let (csv, journal) = (dir.join("transactions.csv"), dir.join("u1.journal"));
    if !csv.exists() || !journal.exists() {
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        println!("    generating {HLEDGER_ROWS} transactions with {}", generator.display());
        command::run(
            Command::new("python3")
                .arg(&generator)
                .args(["--rows", HLEDGER_ROWS, "--users", "1", "--months", "12", "--out"])
                .arg(dir.join("transactions.tsv"))
                .arg("--csv")
                .arg(&csv)
                .args(["--user-journal", "1"])
                .arg(&journal),
        )
        .context("the shared generator failed")?;
    }
    Ok((csv, journal))
}
