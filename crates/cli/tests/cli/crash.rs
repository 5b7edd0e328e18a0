//! Crash safety: the CLI is killed with SIGKILL at random points during a large import and
//! during an extraction; after a restart and a re-run the vault holds exactly the expected
//! transactions, no more, no fewer. 20 kills each in the normal suite, 100 with
//! SPEARMINT_SLOW_TESTS (`cargo xtask test --slow`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{listed, ok, passphrase_vault, slow, sm};

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

#[test]
fn a_large_import_killed_at_random_points_never_half_imports_or_duplicates() {
    let dir = passphrase_vault();
    let out = ok(&mut spearmint(dir.path(), &["accounts", "add", "Big Checking", "--json"]));
    let account: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let account = account["id"].as_str().unwrap().to_owned();
    // More rows than the engine's bulk threshold (50,000 into a vault holding fewer): kills
    // land while the index of ids is dropped and being built again, all in the transaction.
    let rows = 60_000;
    let csv = dir.path().join("big.csv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    spearmint_sandbox_bank::write_csv(&mut file, rows, 99).unwrap();
    drop(file);
    let csv = csv.to_str().unwrap().to_owned();
    let args = ["import", csv.as_str(), "--account", account.as_str()];

    // Calibrate on a scratch vault: one clean import.
    let scratch = passphrase_vault();
    let out = ok(&mut spearmint(scratch.path(), &["accounts", "add", "Scratch", "--json"]));
    let scratch_account: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let span =
        duration_of(scratch.path(), &["import", csv.as_str(), "--account", scratch_account["id"].as_str().unwrap()]);

    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    kill_repeatedly(dir.path(), &args, seed, span);
    let n = count(dir.path());
    assert!(n == 0 || n == rows, "an import is all or nothing: found {n} of {rows} rows");
    ok(&mut spearmint(dir.path(), &args));
    assert_eq!(count(dir.path()), rows);
    ok(&mut spearmint(dir.path(), &args));
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
