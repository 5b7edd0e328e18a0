//! What the CLI's tests share: the `spearmint` binary run as a process on a data folder, vaults
//! to run it on, the JSON it prints, what a bank shows against what the vault lists, and the
//! slow-test switch.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// Whether the slow tests run in full (`SPEARMINT_SLOW_TESTS`, set by `cargo xtask test --slow`).
/// The only place the switch is read.
pub fn slow() -> bool {
    std::env::var_os("SPEARMINT_SLOW_TESTS").is_some()
}

/// Tests that keep keys or credentials in the OS keychain need the real Secret Service, which
/// `cargo xtask test` provides. Failing loudly is better than skipping.
pub fn require_secret_service() {
    assert!(
        std::env::var_os("SPEARMINT_TEST_SECRET_SERVICE").is_some(),
        "this test uses the real Secret Service: run it with `cargo xtask test`"
    );
}

/// The `spearmint` binary on the data folder `data_dir`, with no passphrase or data folder taken
/// from the caller's environment.
pub fn spearmint(data_dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spearmint"));
    cmd.arg("--data-dir").arg(data_dir).args(args);
    cmd.env_remove("SPEARMINT_PASSPHRASE").env_remove("SPEARMINT_NEW_PASSPHRASE").env_remove("SPEARMINT_DATA_DIR");
    // The sandbox bank serves plain http on loopback.
    cmd.env("SPEARMINT_ALLOW_LOOPBACK_HTTP", "1");
    cmd
}

/// Runs `cmd` with `stdin` as its standard input, and what it printed.
pub fn run(cmd: &mut Command, stdin: &str) -> Output {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// What a `--json` command printed on standard output.
pub fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The passphrase of the vaults the tests create.
pub const PASS: &str = "a long enough passphrase";

/// `spearmint` with the vault passphrase in the environment (ignored by a keychain vault).
pub fn sm(data_dir: &Path, args: &[&str]) -> Command {
    let mut cmd = spearmint(data_dir, args);
    cmd.env("SPEARMINT_PASSPHRASE", PASS).env_remove("SPEARMINT_OFX_PASSWORD");
    cmd
}

/// Runs `cmd`, which must succeed.
pub fn ok(cmd: &mut Command) -> Output {
    let out = run(cmd, "");
    assert!(
        out.status.success(),
        "{cmd:?} failed ({:?}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The JSON of a command that must succeed, run with `--json`.
pub fn ok_json(data_dir: &Path, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    json(&ok(&mut sm(data_dir, &args)))
}

/// The error a failing `--json` command printed, after checking its exit code.
pub fn fails(out: &Output, code: i32, kind: &str) -> String {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let err = json(out);
    assert_eq!(err["error"]["kind"], kind, "{err}");
    err["error"]["message"].as_str().unwrap().to_owned()
}

/// A fresh data dir with a passphrase vault: no keychain needed (the demo keeps no credentials).
pub fn passphrase_vault() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&mut spearmint(dir.path(), &["init", "--passphrase", "--passphrase-stdin"]), &format!("{PASS}\n"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    dir
}

/// A passphrase vault linked to the demo bank (linking runs the first extraction).
pub fn demo_vault() -> tempfile::TempDir {
    let dir = passphrase_vault();
    ok(&mut sm(dir.path(), &["connect", "demo"]));
    dir
}

/// `transactions --json` with `filters`.
pub fn listed(data_dir: &Path, filters: &[&str]) -> Vec<Value> {
    let mut args = vec!["transactions"];
    args.extend_from_slice(filters);
    ok_json(data_dir, &args).as_array().unwrap().clone()
}

/// The ids of listed transactions, in order.
pub fn ids(list: &[Value]) -> Vec<String> {
    list.iter().map(|t| t["id"].as_str().unwrap().to_owned()).collect()
}

/// A string field, or nothing.
pub fn text(v: &Value, field: &str) -> String {
    v[field].as_str().unwrap_or_default().to_owned()
}

/// The posted date of a listed transaction.
pub fn date(v: &Value) -> chrono::NaiveDate {
    v["postedOn"].as_str().unwrap().parse().unwrap()
}

/// An amount as the JSON output writes it.
pub fn money(v: &Value) -> spearmint_core::Money {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v} is not money: {e}"))
}

/// Money on the wire is a decimal string with the currency's digits, never a JSON number.
pub fn assert_money_is_decimal_strings(value: &Value) {
    match value {
        Value::Number(n) => assert!(!n.is_f64(), "a float in the output: {n}"),
        Value::Array(items) => items.iter().for_each(assert_money_is_decimal_strings),
        Value::Object(fields) => {
            if let (Some(Value::String(amount)), Some(Value::String(_))) =
                (fields.get("amount"), fields.get("currency"))
            {
                let (units, cents) = amount.trim_start_matches('-').split_once('.').unwrap_or(("", ""));
                assert!(
                    !units.is_empty()
                        && units.bytes().all(|b| b.is_ascii_digit())
                        && cents.len() == 2
                        && cents.bytes().all(|b| b.is_ascii_digit()),
                    "not a decimal string with two digits: {amount}"
                );
            }
            fields.values().for_each(assert_money_is_decimal_strings);
        }
        _ => {}
    }
}

/// A runtime for the sandbox bank the tests start.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// What a bank shows, as (pending, date, amount, descriptor), sorted.
pub type Shape = Vec<(bool, String, String, String)>;

/// What a sandbox bank shows (its posted rows only, with `posted_only`).
pub fn shape_of_truth(accounts: &[spearmint_sandbox_bank::TruthAccount], posted_only: bool) -> Shape {
    let mut shape: Shape = accounts
        .iter()
        .flat_map(|a| &a.transactions)
        .filter(|t| !(posted_only && t.pending))
        // Stored as printed, runs of spaces aside (`LYFT   *RIDE` is kept as `LYFT *RIDE`).
        .map(|t| {
            let descriptor = t.description.split_whitespace().collect::<Vec<_>>().join(" ");
            (t.pending, t.posted_on.to_string(), t.amount.to_plain_string(), descriptor)
        })
        .collect();
    shape.sort();
    shape
}

/// The rows only one side has, so a failure shows the difference and not two long lists.
pub fn assert_same_shape(vault: Shape, bank: Shape, what: &str) {
    let only_in = |a: &Shape, b: &Shape| {
        let mut rest = b.clone();
        a.iter()
            .filter(|row| match rest.iter().position(|r| r == *row) {
                Some(i) => {
                    rest.remove(i);
                    false
                }
                None => true,
            })
            .cloned()
            .collect::<Shape>()
    };
    let (extra, missing) = (only_in(&vault, &bank), only_in(&bank, &vault));
    assert!(
        extra.is_empty() && missing.is_empty(),
        "{what}: {} rows in the vault, {} at the bank\nonly in the vault: {extra:?}\nonly at the bank: {missing:?}",
        vault.len(),
        bank.len()
    );
}

/// What a transaction list holds.
pub fn shape_of_list(list: &[Value]) -> Shape {
    shape_with(list, |t| text(t, "seller"))
}

/// OFX 1.x cuts `NAME` at 32 characters; the bank sends the whole descriptor in `MEMO`.
pub fn shape_of_ofx_list(list: &[Value]) -> Shape {
    shape_with(list, |t| if t["memo"].is_string() { text(t, "memo") } else { text(t, "seller") })
}

/// What a transaction list holds, with the descriptor read by `descriptor`.
pub fn shape_with(list: &[Value], descriptor: impl Fn(&Value) -> String) -> Shape {
    let mut shape: Shape = list
        .iter()
        .map(|t| {
            (t["pending"].as_bool().unwrap(), text(t, "postedOn"), money(&t["amount"]).to_plain_string(), descriptor(t))
        })
        .collect();
    shape.sort();
    shape
}

/// `v`, sorted.
pub fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

/// The connections a refresh report names, in order.
pub fn outcome_names(report: &Value) -> Vec<String> {
    report["outcomes"].as_array().unwrap().iter().map(|o| text(o, "connection")).collect()
}

/// A new manual account called `name`; its id.
pub fn new_account(dir: &Path, name: &str) -> String {
    text(&ok_json(dir, &["accounts", "add", name]), "id")
}

/// The row count of each table, as `status` shows them.
pub fn counts(dir: &Path) -> Value {
    ok_json(dir, &["status"])["counts"].clone()
}

/// The project's shared folder (the OFX directory's source), beside the repository.
pub fn shared_dir() -> PathBuf {
    let dir = manifest_dir().join("../../../shared");
    assert!(dir.is_dir(), "{} is missing: the shared fixtures live beside the repository", dir.display());
    dir
}

/// This crate's directory, read at run time first: the target directory is shared by every
/// clone on the machine, so a path baked in at compile time could name another one.
pub fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from)
}
