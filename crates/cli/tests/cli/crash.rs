//! Crash safety: the CLI is killed with SIGKILL at random points during a large import (and
//! after every kill the vault holds none or all of its rows, `doctor` finds nothing and SQLite's
//! integrity check passes; kills are aimed at the write and the commit and their landing is
//! checked) and during an extraction; after a restart and a re-run the vault holds exactly the
//! expected transactions, no more, no fewer. 20 kills each in the normal suite, 100 with
//! SPEARMINT_SLOW_TESTS (`cargo xtask test --slow`). And a disk that fills up during an import,
//! an extraction and a checkpoint: a clear error, nothing half-written, nothing committed lost.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{json, listed, ok, passphrase_vault, slow, sm};

fn kills() -> u32 {
    if slow() { 100 } else { 20 }
}

/// `spearmint` on the vault in `data_dir`, with nothing on its standard input.
fn spearmint(data_dir: &Path, args: &[&str]) -> Command {
    let mut cmd = sm(data_dir, args);
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

fn count(data_dir: &Path) -> usize {
    listed(data_dir, &[]).len()
}

/// A small deterministic generator, so a failing run can be repeated (the seed is printed).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

/// How long a clean run of `args` takes (in a scratch copy of the vault's state).
fn duration_of(dir: &Path, args: &[&str]) -> Duration {
    let start = std::time::Instant::now();
    ok(&mut spearmint(dir, args));
    start.elapsed()
}

/// Kills `args` at points spread uniformly over `span` (a clean run's duration and a bit), so
/// kills land in every phase: opening, fetching or parsing, writing, committing, and after.
fn kill_repeatedly(dir: &Path, args: &[&str], seed: u64, span: Duration) {
    let mut rng = Lcg(seed);
    let mut killed_before_end = 0;
    let span_ms = (span.as_millis() as u64 * 6 / 5).max(50);
    for _ in 0..kills() {
        let mut child = spearmint(dir, args).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(rng.below(span_ms)));
        if child.try_wait().unwrap().is_none() {
            killed_before_end += 1;
        }
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
    }
    eprintln!(
        "seed {seed}: {killed_before_end} of {} runs were killed before they finished (span {span_ms} ms)",
        kills()
    );
    assert!(killed_before_end > 0, "no kill landed before the end: the test would prove nothing");
}

/// Where a run was when it was killed, by the last `--progress-lines` line it printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Opening the vault or reading the file.
    Before,
    /// Rows going into the SQL transaction.
    Writing,
    /// Every row written: the transaction commits.
    Committing,
    /// The import had returned.
    After,
}

fn phase_of(stderr: &str) -> Phase {
    match stderr.lines().rfind(|l| l.starts_with("progress: ")) {
        Some(l) if l.starts_with("progress: storing") => Phase::Writing,
        Some("progress: writing") => Phase::Committing,
        Some("progress: done") => Phase::After,
        _ => Phase::Before,
    }
}

/// When a clean run of `args` enters its write and its commit phases, and when it ends.
fn phases_of(dir: &Path, args: &[&str]) -> (Duration, Duration, Duration) {
    use std::io::BufRead as _;
    let start = std::time::Instant::now();
    let mut child = spearmint(dir, args).spawn().unwrap();
    let (mut writing, mut committing) = (None, None);
    for line in std::io::BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        if writing.is_none() && line.starts_with("progress: storing") {
            writing = Some(start.elapsed());
        }
        if line == "progress: writing" {
            committing = Some(start.elapsed());
        }
    }
    assert!(child.wait().unwrap().success());
    let end = start.elapsed();
    (writing.expect("the run wrote rows"), committing.expect("the run committed"), end)
}

/// Runs `args` and kills it (SIGKILL) `delay` after it prints a line starting with `cue` (or
/// after its start); returns what it printed on standard error.
fn kill_after(dir: &Path, args: &[&str], cue: Option<&str>, delay: Duration) -> String {
    use std::io::BufRead as _;
    let mut child = spearmint(dir, args).spawn().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::io::BufReader::new(child.stderr.take().unwrap());
    let lines = std::thread::spawn(move || {
        let mut all = String::new();
        for line in reader.lines().map_while(Result::ok) {
            all.push_str(&line);
            all.push('\n');
            let _ = tx.send(line);
        }
        all
    });
    if let Some(cue) = cue {
        // Until the cue, or the run ends without it.
        while let Ok(line) = rx.recv() {
            if line.starts_with(cue) {
                break;
            }
        }
    }
    std::thread::sleep(delay);
    let _ = child.kill();
    let _ = child.wait();
    lines.join().unwrap()
}

/// A new passphrase vault with one empty account, and the import of `csv` into it.
fn fresh(csv: &str) -> (tempfile::TempDir, Vec<String>) {
    let dir = passphrase_vault();
    let out = ok(&mut spearmint(dir.path(), &["accounts", "add", "Big Checking", "--json"]));
    let account: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let account = account["id"].as_str().unwrap().to_owned();
    let args = ["import", csv, "--account", account.as_str(), "--progress-lines"].map(str::to_owned).to_vec();
    (dir, args)
}

/// The vault after a kill: its transactions (from the maintained count), and that `doctor`
/// finds every total equal to its recount and SQLite's integrity check passes.
fn checked(dir: &Path) -> u64 {
    let status = json(&ok(&mut spearmint(dir, &["status", "--json"])));
    let doctor = json(&ok(&mut spearmint(dir, &["doctor", "--json"])));
    for field in ["monthlySpendingDifferences", "accountCountDifferences", "integrity"] {
        assert_eq!(doctor[field].as_array().map(Vec::len), Some(0), "{field}: {doctor}");
    }
    let counts = status["counts"].as_array().unwrap();
    counts.iter().find(|c| c["table"] == "transactions").unwrap()["rows"].as_u64().unwrap()
}

#[test]
fn a_large_import_killed_at_random_points_never_half_imports_or_duplicates() {
    // More rows than the engine's bulk threshold (50,000 into a vault holding fewer): kills
    // land while the index of ids is dropped and being built again, all in the transaction.
    let rows = 60_000;
    let files = tempfile::tempdir().unwrap();
    let csv = files.path().join("big.csv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    spearmint_sandbox_bank::write_csv(&mut file, rows, 99).unwrap();
    drop(file);
    let csv = csv.to_str().unwrap().to_owned();

    // Calibrate on a scratch vault: when a clean import writes, commits and ends.
    let (scratch, args) = fresh(&csv);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (writing, committing, end) = phases_of(scratch.path(), &args);
    drop(scratch);

    // A third of the kills anywhere, a third while rows are written, a third while they commit.
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    let mut rng = Lcg(seed);
    let ms = |d: Duration| d.as_millis() as u64;
    let (mut dir, mut args) = fresh(&csv);
    let mut landed = std::collections::BTreeMap::<String, u32>::new();
    for kill in 0..kills() {
        // A third of the kills at a random time; a third a random while after the first rows
        // are written; a third a random while after the commit starts (it is short).
        let (cue, delay) = match kill % 3 {
            0 => (None, rng.below(ms(end) * 6 / 5)),
            1 => (Some("progress: storing"), rng.below(ms(committing).saturating_sub(ms(writing)).max(1))),
            _ => (Some("progress: writing"), rng.below(ms(end).saturating_sub(ms(committing)).max(2) * 2 / 3)),
        };
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let stderr = kill_after(dir.path(), &argv, cue, Duration::from_millis(delay));
        let phase = phase_of(&stderr);
        *landed.entry(format!("{phase:?}")).or_default() += 1;

        // After every kill, not once at the end: none or all of the rows, sound totals, a sound file.
        let n = checked(dir.path());
        assert!(n == 0 || n == rows as u64, "seed {seed}, kill {kill} ({phase:?}): {n} of {rows} rows");
        if n == rows as u64 {
            // Imported whole: the next kills need an import that still has rows to write.
            (dir, args) = fresh(&csv);
        }
    }
    eprintln!("seed {seed}: kills landed {landed:?} (write from {writing:?}, commit from {committing:?}, end {end:?})");
    for phase in ["Writing", "Committing"] {
        assert!(landed.get(phase).copied().unwrap_or(0) > 0, "seed {seed}: no kill landed while {phase}: {landed:?}");
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&mut spearmint(dir.path(), &argv));
    assert_eq!(count(dir.path()), rows);
    ok(&mut spearmint(dir.path(), &argv));
    assert_eq!(count(dir.path()), rows, "re-importing changes nothing");
}

#[test]
fn an_extraction_killed_at_random_points_resumes_to_exactly_the_right_rows() {
    // The expected result: one clean extraction of the demo bank in another vault.
    let clean = passphrase_vault();
    // About three years of a household's transactions: a large first extraction.
    let connect = ["connect", "demo", "--history-days", "1100"];
    let span = duration_of(clean.path(), &connect);
    let expected = count(clean.path());
    assert!(expected > 2000, "{expected}");

    let dir = passphrase_vault();
    // Kill `connect` (link + first extraction) at random points, then `refresh`.
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    kill_repeatedly(dir.path(), &connect, seed, span);
    kill_repeatedly(dir.path(), &["refresh"], seed.rotate_left(7), span);
    ok(&mut spearmint(dir.path(), &connect));
    ok(&mut spearmint(dir.path(), &["refresh"]));
    assert_eq!(count(dir.path()), expected, "no more, no fewer than a clean extraction");
}

/// Runs `spearmint --data-dir DIR ARGS` on a disk that fills up: the kernel refuses writes past
/// a file-size limit of `limit_kib` (`ulimit -f`, with SIGXFSZ ignored so the write fails
/// instead of killing the process), which SQLite sees as the disk refusing it.
fn on_full_disk(dir: &Path, args: &[String], limit_kib: u64) -> std::process::Output {
    on_full_disk_with(dir, args, limit_kib, &[])
}

/// [`on_full_disk`] with more of the environment set.
fn on_full_disk_with(dir: &Path, args: &[String], limit_kib: u64, env: &[(&str, &str)]) -> std::process::Output {
    let mut script = format!("trap '' XFSZ; ulimit -f {limit_kib}; exec \"$0\" --data-dir \"$1\"");
    for (i, _) in args.iter().enumerate() {
        script.push_str(&format!(" \"${}\"", i + 2));
    }
    Command::new("bash")
        .arg("-c")
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_spearmint"))
        .arg(dir)
        .args(args)
        .env("SPEARMINT_PASSPHRASE", crate::common::PASS)
        .env("SPEARMINT_ALLOW_LOOPBACK_HTTP", "1")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A run that the full disk stopped: exit code 8 and words saying so, no panic.
fn refused_for_disk(out: &std::process::Output, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(8), "{what}: {stderr}");
    assert!(stderr.contains("could not be written to disk") || stderr.contains("disk is full"), "{what}: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
}

fn vault_kib(dir: &Path) -> u64 {
    std::fs::metadata(dir.join("profiles/default/vault.db")).unwrap().len() / 1024
}

fn big_csv(files: &Path, name: &str, rows: usize, seed: u64) -> String {
    let csv = files.join(name);
    let mut file = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    spearmint_sandbox_bank::write_csv(&mut file, rows, seed).unwrap();
    drop(file);
    csv.to_str().unwrap().to_owned()
}

/// At every limit the import fails clearly or succeeds whole, the vault opens afterwards with
/// nothing half-written, and once there is room the same import completes.
#[test]
fn a_disk_that_fills_up_during_an_import_loses_nothing() {
    let rows = 20_000;
    let files = tempfile::tempdir().unwrap();
    let csv = big_csv(files.path(), "big.csv", rows, 7);
    let (dir, args) = fresh(&csv);
    let base_kib = vault_kib(dir.path());
    let mut refused = 0;
    for extra_kib in [64_u64, 512, 2048, 4096] {
        let limit = base_kib + extra_kib;
        let out = on_full_disk(dir.path(), &args, limit);
        if !out.status.success() {
            refused += 1;
            refused_for_disk(&out, &format!("limit {limit} KiB"));
        }
        let n = checked(dir.path());
        assert!(n == 0 || n == rows as u64, "limit {limit} KiB: {n} of {rows} rows");
        if n == rows as u64 {
            break;
        }
    }
    assert!(refused > 0, "no limit was small enough to refuse a write: the test would prove nothing");
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&mut spearmint(dir.path(), &argv));
    assert_eq!(checked(dir.path()), rows as u64);
}

/// An extraction (linking the demo bank with three years of history) on a disk that fills up:
/// each attempt fails clearly or completes, nothing is half-written, and once there is room a
/// refresh brings exactly what a clean extraction does.
#[test]
fn a_disk_that_fills_up_during_an_extraction_loses_nothing() {
    let connect: Vec<String> = ["connect", "demo", "--history-days", "1100"].map(str::to_owned).to_vec();
    let argv: Vec<&str> = connect.iter().map(String::as_str).collect();
    let clean = passphrase_vault();
    ok(&mut spearmint(clean.path(), &argv));
    let expected = count(clean.path());

    let dir = passphrase_vault();
    let base_kib = vault_kib(dir.path());
    let mut refused = 0;
    for extra_kib in [16_u64, 128, 512, 2048] {
        let limit = base_kib + extra_kib;
        let out = on_full_disk(dir.path(), &connect, limit);
        if !out.status.success() {
            refused += 1;
            refused_for_disk(&out, &format!("limit {limit} KiB"));
        }
        let n = checked(dir.path());
        assert!(n as usize <= expected, "limit {limit} KiB: {n} rows, more than the bank has");
        if n as usize == expected {
            break;
        }
    }
    assert!(refused > 0, "no limit was small enough to refuse a write: the test would prove nothing");
    ok(&mut spearmint(dir.path(), &argv));
    ok(&mut spearmint(dir.path(), &["refresh"]));
    assert_eq!(checked(dir.path()) as usize, expected, "no more, no fewer than a clean extraction");
    assert_eq!(count(dir.path()), expected);
}

/// The disk fills up after a commit, while the log is folded into the vault file: when the last
/// connection closes (silently: the pages stay in the log), and when a passphrase change folds
/// it first (clearly: the change is refused). What was committed is all there when the vault
/// opens again, still with its old passphrase, and the change succeeds once there is room.
#[test]
fn a_disk_that_fills_up_during_a_checkpoint_loses_nothing() {
    let files = tempfile::tempdir().unwrap();
    let (dir, args) = fresh(&big_csv(files.path(), "big.csv", 20_000, 7));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&mut spearmint(dir.path(), &argv));
    let wal = dir.path().join("profiles/default/vault.db-wal");
    let log_bytes = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(log_bytes(), 0, "closing folded the log in");
    let before = checked(dir.path());

    // A second account's statement: small enough for the log, too big for the vault file to
    // grow by within the limit.
    let small = big_csv(files.path(), "small.csv", 300, 11);
    let out = ok(&mut spearmint(dir.path(), &["accounts", "add", "Savings", "--json"]));
    let savings = json(&out)["id"].as_str().unwrap().to_owned();
    let import: Vec<String> = ["import", small.as_str(), "--account", savings.as_str()].map(str::to_owned).to_vec();
    let limit = vault_kib(dir.path()) + 4;
    let out = on_full_disk(dir.path(), &import, limit);
    assert!(out.status.success(), "the commit fits in the log: {}", String::from_utf8_lossy(&out.stderr));
    assert!(log_bytes() > 0, "the log could not be folded in: it holds the import");

    let change: Vec<String> = ["passphrase", "change"].map(str::to_owned).to_vec();
    let new_passphrase = "an entirely new passphrase";
    let out = on_full_disk_with(dir.path(), &change, limit, &[("SPEARMINT_NEW_PASSPHRASE", new_passphrase)]);
    refused_for_disk(&out, "passphrase change");
    assert!(log_bytes() > 0, "the failed fold kept the log");

    // With room again, everything committed is there under the old passphrase, and the change
    // folds the log in.
    assert_eq!(checked(dir.path()), before + 300);
    ok(spearmint(dir.path(), &["passphrase", "change"]).env("SPEARMINT_NEW_PASSPHRASE", new_passphrase));
    let status = json(&ok(spearmint(dir.path(), &["status", "--json"]).env("SPEARMINT_PASSPHRASE", new_passphrase)));
    let rows =
        status["counts"].as_array().unwrap().iter().find(|c| c["table"] == "transactions").unwrap()["rows"].clone();
    assert_eq!(rows.as_u64(), Some(before + 300), "{status}");
}
