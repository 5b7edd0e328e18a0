//! `cargo xtask bench [NAME]`: the benchmarks, in release mode, printed as rates and ratios
//! (they measure; tests assert behaviour). `import`: 1M generated CSV transactions into the
//! encrypted vault and into plain SQLite, and a month's report over them. `categorize`: the
//! categorizer's throughput. `hledger`: the monthly report against Debian's hledger on the
//! same million transactions, from the shared peer benchmark's generator. `batch`: the seed's
//! monthly spending job (`spearmint batch spending`) against DuckDB, Polars and the `wc -l`
//! floor on 10M log lines, with the shared peer benchmark's agreement check and timing harness.
//! `app`: the real desktop window (release build, under Xvfb) on a vault of a million
//! transactions: launch to the Overview painted, and frame times scrolling the Transactions list
//! (`tests/e2e/bench-app.mjs`). `sync`: the release sync server under the load shapes Actual's
//! was measured with (`crates/server/benches/sync.rs`), beside its figures, then a new device
//! taking in another's import through the release CLI (`tests/bench/sync-new-device.sh`).

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::postgres::Postgres;
use crate::session::KeyringSession;
use crate::{command, deps, ui, workspace};

const BENCHES: &[(&str, &str)] = &[
    ("import", "spearmint-engine"),
    ("categorize", "spearmint-core"),
    ("hledger", "spearmint-engine"),
    ("batch", "spearmint-cli"),
    ("app", "spearmint-desktop"),
    ("sync", "spearmint-server"),
];

/// The peers' versions the shared benchmark was measured with.
const BATCH_PEERS: &[&str] = &["duckdb==2.0.1", "polars==2.1.0"];

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
    // A fresh machine builds nothing without the C libraries the crates link.
    deps::system_packages(deps::BUILD_PACKAGES)?;
    for (name, package) in selected {
        println!("==> bench {name}");
        if *name == "batch" {
            batch(root)?;
            continue;
        }
        if *name == "app" {
            app(root)?;
            continue;
        }
        let mut cmd = Command::new(env!("CARGO"));
        cmd.current_dir(root).args(["bench", "-p", package, "--bench", name]);
        if *name == "hledger" {
            let (csv, journal) = hledger_data(root)?;
            cmd.env("SPEARMINT_BENCH_CSV", csv).env("SPEARMINT_BENCH_JOURNAL", journal);
        }
        command::run(&mut cmd).with_context(|| format!("the {name} benchmark failed"))?;
        if *name == "sync" {
            sync_on_postgres(root)?;
            sync_new_device(root)?;
        }
    }
    Ok(())
}

/// The same load on PostgreSQL: a cluster of Debian's on 127.0.0.1 that writes as a deployment's
/// does, one database for the run.
fn sync_on_postgres(root: &Path) -> Result<()> {
    let pg = Postgres::start_durable()?;
    command::run(Command::new("psql").args(["-XtAq", &pg.url(), "-c", "CREATE DATABASE bench"]))
        .context("cannot create the benchmark's database")?;
    let url = pg.url();
    let database = format!("{}/bench", url.rsplit_once('/').map_or(url.as_str(), |(server, _)| server));
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(root).args(["bench", "-p", "spearmint-server", "--bench", "sync"]);
    cmd.env("SPEARMINT_BENCH_DATABASE", database);
    command::run(&mut cmd).context("the sync benchmark on PostgreSQL failed")
}

/// The new-device figure beside the server's: with the release CLI and server, a phone that
/// joined the budget takes in a laptop's import, download, decrypt and apply
/// (`tests/bench/sync-new-device.sh`, in a throwaway Secret Service session).
fn sync_new_device(root: &Path) -> Result<()> {
    deps::system_packages(deps::TEST_PACKAGES)?;
    let release = release_build(root, &["spearmint-cli", "spearmint-server"])
        .context("the release CLI and server do not build")?;
    let session = KeyringSession::new()?;
    let dir = session.scratch_dir("new-device")?;
    let program =
        [root.join("tests/bench/sync-new-device.sh"), release.join("spearmint"), release.join("spearmint-server"), dir];
    let mut cmd = session.command(&[], &program)?;
    command::run(cmd.current_dir(root)).context("the new-device benchmark failed: its output is above")
}

/// The batch job against its peers: byte-for-byte agreement first, then the timings at 10M rows
/// (the harness prints wall and CPU seconds, peak memory, and each peer's ratio to DuckDB).
fn batch(root: &Path) -> Result<()> {
    let bench = root.join("../shared/bench");
    if !bench.join("run_bench.sh").exists() {
        bail!("{} is missing: the shared peer benchmarks sit beside the repository", bench.display());
    }
    deps::system_packages(&["time"])?;
    command::run(Command::new("python3").args(["-m", "pip", "install", "--quiet"]).args(BATCH_PEERS))
        .context("cannot install the peers from the Python registry")?;
    let binary = release_build(root, &["spearmint-cli"])?.join("spearmint");
    let project = format!("{} batch spending --log {{tx}} --sellers {{sellers}} --out {{out}}", binary.display());
    command::run(Command::new(bench.join("check_agree.sh")).env("PROJECT_CMD", &project))
        .context("the batch job does not agree with its peers")?;
    let data = workspace::target_dir(root)?.join("bench-data/peers");
    command::run(
        Command::new(bench.join("run_bench.sh"))
            .env("ROWS", "10000000")
            .env("USERS", "20000")
            .env("RUNS", "3")
            .env("PEERS", "floor_wc floor_cat duckdb polars project")
            .env("PROJECT_CMD", &project)
            .env("DATA", data),
    )
    .context("the batch timing harness failed")
}

/// The release app and CLI, and `tests/e2e/bench-app.mjs` driving the real window over WebDriver
/// under Xvfb, in a private keyring session like the end-to-end tests.
fn app(root: &Path) -> Result<()> {
    deps::system_packages(deps::TEST_PACKAGES)?;
    let tauri_driver = deps::tauri_driver()?;
    ui::install(root)?;
    // Before the app's build, which embeds ui/dist as it is.
    ui::run_script(root, "build")?;
    let release =
        release_build(root, &["spearmint-desktop", "spearmint-cli"]).context("the release app does not build")?;
    let session = KeyringSession::new()?;
    let data_dir = session.scratch_dir("data")?;
    let wrapper = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24"];
    let mut cmd = session.command(&wrapper, &["node", "tests/e2e/bench-app.mjs"])?;
    cmd.current_dir(root)
        .env("SPEARMINT_APP", release.join("spearmint-desktop"))
        .env("SPEARMINT_CLI", release.join("spearmint"))
        .env("SPEARMINT_DATA_DIR", &data_dir)
        .env("TAURI_DRIVER", &tauri_driver)
        // GTK would pick a Wayland compositor over Xvfb.
        .env_remove("WAYLAND_DISPLAY");
    command::run(&mut cmd).context("the app benchmark failed: its output is above")
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

/// Builds `packages` in release mode; returns the directory their binaries are in.
fn release_build(root: &Path, packages: &[&str]) -> Result<std::path::PathBuf> {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(root).args(["build", "--release"]);
    for package in packages {
        cmd.args(["-p", package]);
    }
    command::run(&mut cmd)?;
    Ok(workspace::target_dir(root)?.join("release"))
}
