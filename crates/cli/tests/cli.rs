//! The `spearmint` binary as a user or a script drives it: real processes, a real vault on
//! disk, the real Secret Service and kernel keyring (`cargo xtask test` provides both).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn require_secret_service() {
    assert!(
        std::env::var_os("SPEARMINT_TEST_SECRET_SERVICE").is_some(),
        "this test uses the real Secret Service: run it with `cargo xtask test`"
    );
}

fn spearmint(data_dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spearmint"));
    cmd.arg("--data-dir").arg(data_dir).args(args);
    cmd.env_remove("SPEARMINT_PASSPHRASE").env_remove("SPEARMINT_NEW_PASSPHRASE").env_remove("SPEARMINT_DATA_DIR");
    cmd
}

fn run(cmd: &mut Command, stdin: &str) -> Output {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn init_then_status_reports_an_encrypted_vault_with_its_schema() {
    require_secret_service();
    let dir = tempfile::tempdir().unwrap();
    let out = run(&mut spearmint(dir.path(), &["init"]), "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("encrypted (SQLCipher, AES-256)"));

    let out = run(&mut spearmint(dir.path(), &["status", "--json"]), "");
    assert!(out.status.success());
    let status = json(&out);
    let expected_path = dir.path().join("profiles/default/vault.db");
    assert_eq!(status["path"], expected_path.display().to_string());
    assert_eq!(status["encrypted"], true);
    assert_eq!(status["state"], "unlocked");
    assert_eq!(status["keySource"], "keychain");
    assert!(status["keyLocation"].as_str().unwrap().contains("Secret Service"));
    assert!(status["schemaVersion"].as_u64().unwrap() >= 1);
    assert_eq!(status["schemaVersion"], status["latestSchemaVersion"]);
    let categories = status["counts"].as_array().unwrap().iter().find(|c| c["table"] == "categories").unwrap();
    assert!(categories["rows"].as_u64().unwrap() > 20);
    assert!(!std::fs::read(&expected_path).unwrap().starts_with(b"SQLite format 3"));

    // A second init refuses and keeps the vault.
    let out = run(&mut spearmint(dir.path(), &["init", "--json"]), "");
    assert_eq!(out.status.code(), Some(10));
    assert_eq!(json(&out)["error"]["kind"], "AlreadyExists");
}

#[test]
fn with_no_secret_service_init_says_what_to_do_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        spearmint(dir.path(), &["init", "--json"])
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/spearmint-test-bus"),
        "",
    );
    assert_eq!(out.status.code(), Some(5), "{}", String::from_utf8_lossy(&out.stdout));
    let err = json(&out);
    assert_eq!(err["error"]["kind"], "KeychainUnavailable");
    let message = err["error"]["message"].as_str().unwrap();
    let hint = err["error"]["hint"].as_str().unwrap();
    assert!(hint.contains("spearmint init --passphrase"), "{hint}");
    assert!(message.contains("gnome-keyring"), "{message}");
    assert!(!dir.path().join("profiles/default/vault.db").exists());

    // And the passphrase route works on that same machine.
    let out = run(
        spearmint(dir.path(), &["init", "--passphrase", "--passphrase-stdin"])
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/spearmint-test-bus"),
        "a long enough passphrase\n",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_passphrase_vault_unlocks_per_session_and_refuses_a_wrong_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &mut spearmint(dir.path(), &["init", "--passphrase", "--passphrase-stdin", "--json"]),
        "tide pool at dawn\n",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&out)["keySource"], "passphrase");

    // Without a passphrase, status reports a locked vault rather than failing.
    let out = run(&mut spearmint(dir.path(), &["status", "--json"]), "");
    assert!(out.status.success());
    assert_eq!(json(&out)["state"], "locked");
    assert_eq!(json(&out)["encrypted"], true);

    let out = run(&mut spearmint(dir.path(), &["unlock", "--passphrase-stdin", "--json"]), "tide pool at noon\n");
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(json(&out)["error"]["kind"], "WrongKey");

    // The right passphrase, cached in the kernel session keyring for later commands.
    let out = run(&mut spearmint(dir.path(), &["unlock", "--passphrase-stdin"]), "tide pool at dawn\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("kernel keyring"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run(&mut spearmint(dir.path(), &["status", "--json"]), "");
    assert_eq!(json(&out)["state"], "unlocked");

    let out = run(&mut spearmint(dir.path(), &["lock"]), "");
    assert!(out.status.success());
    let out = run(&mut spearmint(dir.path(), &["status", "--json"]), "");
    assert_eq!(json(&out)["state"], "locked");

    // Change the passphrase: current on the first line, new on the second.
    let out = run(
        &mut spearmint(dir.path(), &["passphrase", "change", "--passphrase-stdin"]),
        "tide pool at dawn\nsea glass at dusk\n",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(spearmint(dir.path(), &["status", "--json"]).env("SPEARMINT_PASSPHRASE", "sea glass at dusk"), "");
    assert_eq!(json(&out)["state"], "unlocked");
    let out = run(spearmint(dir.path(), &["status", "--json"]).env("SPEARMINT_PASSPHRASE", "tide pool at dawn"), "");
    assert_eq!(out.status.code(), Some(4));
}

#[test]
fn status_without_a_vault_says_so_and_other_commands_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&mut spearmint(dir.path(), &["status", "--json"]), "");
    assert!(out.status.success());
    assert_eq!(json(&out)["state"], "missing");
    let out = run(&mut spearmint(dir.path(), &["rekey", "--json"]), "");
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(json(&out)["error"]["kind"], "NotFound");
    assert!(json(&out)["error"]["hint"].as_str().unwrap().contains("spearmint init"));
}

#[test]
fn a_plain_sqlite_file_is_reported_as_not_a_vault() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&mut spearmint(dir.path(), &["init", "--passphrase", "--passphrase-stdin"]), "tide pool at dawn\n");
    assert!(out.status.success());
    let vault = dir.path().join("profiles/default/vault.db");
    std::fs::write(&vault, b"SQLite format 3\0 and then some bytes that are not a database at all").unwrap();
    let out = run(spearmint(dir.path(), &["status", "--json"]).env("SPEARMINT_PASSPHRASE", "tide pool at dawn"), "");
    assert_eq!(out.status.code(), Some(6));
    assert_eq!(json(&out)["error"]["kind"], "Corrupt");
}

#[test]
fn completions_are_generated_for_common_shells() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&mut spearmint(dir.path(), &["completions", shell]), "");
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("rekey") && text.contains("passphrase"), "{shell}: {text}");
    }
}

/// The month before `today`'s, as `YYYY-MM`.
fn last_complete_month(today: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    (today.with_day(1).unwrap() - chrono::Duration::days(1)).format("%Y-%m").to_string()
}

#[test]
fn last_complete_month_steps_back_across_a_year() {
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    assert_eq!(last_complete_month(day(2026, 12, 1)), "2026-11");
    assert_eq!(last_complete_month(day(2027, 1, 31)), "2026-12");
    assert_eq!(last_complete_month(day(2028, 3, 1)), "2028-02");
}

#[test]
fn init_connect_demo_refresh_and_spending_show_realistic_categories() {
    let dir = tempfile::tempdir().unwrap();
    let pass = "a long enough passphrase";
    let out = run(&mut spearmint(dir.path(), &["init", "--passphrase", "--passphrase-stdin"]), &format!("{pass}\n"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for args in [&["connect", "demo"][..], &["refresh"][..]] {
        let out = run(spearmint(dir.path(), args).env("SPEARMINT_PASSPHRASE", pass), "");
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    // Last month, not the default (this month): the demo's 90 days always cover all of it,
    // while this month has only a few days of transactions in its first days.
    let last_month = last_complete_month(chrono::Utc::now().date_naive());
    let out = run(
        spearmint(dir.path(), &["spending", "--month", &last_month, "--json"]).env("SPEARMINT_PASSPHRASE", pass),
        "",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let month = json(&out);
    assert_eq!(month["month"], last_month.as_str(), "{month}");
    let categories = month["categories"].as_array().unwrap();
    let count = |c: &Value| c["transactions"].as_u64().unwrap();
    let total: u64 = categories.iter().map(count).sum();
    let uncategorized: u64 = categories.iter().filter(|c| c["category"] == "UNCATEGORIZED").map(count).sum();
    assert!(total > 20, "{month}");
    assert!(uncategorized * 20 < total, "{uncategorized} of {total} uncategorized");
    assert!(categories.iter().filter(|c| c["kind"] == "expense").count() >= 5, "realistic spread: {month}");
    let decimal = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-');
    assert!(categories.iter().all(|c| decimal(c["amount"]["amount"].as_str().unwrap())), "amounts are decimal strings");
    assert!(month["spent"][0]["amount"].as_str().unwrap() != "0.00", "non-zero spending");
}

// ---------------------------------------------------------------------------------------------
// Accounts and transactions at the CLI boundary: the demo bank, the sandbox bank over SimpleFIN
// and OFX, files, filters, the daemon. Expected values come from the data itself (the sandbox
// bank's `truth()`, the full list filtered by hand, the files the tests write).

const PASS: &str = "a long enough passphrase";

/// `spearmint` with the vault passphrase in the environment (ignored by a keychain vault).
fn sm(data_dir: &Path, args: &[&str]) -> Command {
    let mut cmd = spearmint(data_dir, args);
    cmd.env("SPEARMINT_PASSPHRASE", PASS).env_remove("SPEARMINT_OFX_PASSWORD");
    cmd
}

fn ok(cmd: &mut Command) -> Output {
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

fn ok_json(data_dir: &Path, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    json(&ok(&mut sm(data_dir, &args)))
}

/// The error a failing `--json` command printed, after checking its exit code.
fn fails(out: &Output, code: i32, kind: &str) -> String {
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
fn passphrase_vault() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&mut spearmint(dir.path(), &["init", "--passphrase", "--passphrase-stdin"]), &format!("{PASS}\n"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    dir
}

fn demo_vault() -> tempfile::TempDir {
    let dir = passphrase_vault();
    ok(&mut sm(dir.path(), &["connect", "demo"]));
    dir
}

/// `transactions --json` with `filters`.
fn listed(data_dir: &Path, filters: &[&str]) -> Vec<Value> {
    let mut args = vec!["transactions"];
    args.extend_from_slice(filters);
    ok_json(data_dir, &args).as_array().unwrap().clone()
}

fn ids(list: &[Value]) -> Vec<String> {
    list.iter().map(|t| t["id"].as_str().unwrap().to_owned()).collect()
}

fn text(v: &Value, field: &str) -> String {
    v[field].as_str().unwrap_or_default().to_owned()
}

fn date(v: &Value) -> chrono::NaiveDate {
    v["postedOn"].as_str().unwrap().parse().unwrap()
}

fn money(v: &Value) -> spearmint_core::Money {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v} is not money: {e}"))
}

/// Money on the wire is a decimal string with the currency's digits, never a JSON number.
fn assert_money_is_decimal_strings(value: &Value) {
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

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// What a bank shows, as (pending, date, amount, descriptor), sorted.
type Shape = Vec<(bool, String, String, String)>;

fn shape_of_truth(accounts: &[spearmint_sandbox_bank::TruthAccount], posted_only: bool) -> Shape {
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
fn assert_same_shape(vault: Shape, bank: Shape, what: &str) {
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

fn shape_of_list(list: &[Value]) -> Shape {
    shape_with(list, |t| text(t, "seller"))
}

/// OFX 1.x cuts `NAME` at 32 characters; the bank sends the whole descriptor in `MEMO`.
fn shape_of_ofx_list(list: &[Value]) -> Shape {
    shape_with(list, |t| if t["memo"].is_string() { text(t, "memo") } else { text(t, "seller") })
}

fn shape_with(list: &[Value], descriptor: impl Fn(&Value) -> String) -> Shape {
    let mut shape: Shape = list
        .iter()
        .map(|t| {
            (t["pending"].as_bool().unwrap(), text(t, "postedOn"), money(&t["amount"]).to_plain_string(), descriptor(t))
        })
        .collect();
    shape.sort();
    shape
}

/// The demo bank's books for `today`: the same generator, seed and history as `connect demo`.
fn demo_truth(today: chrono::NaiveDate) -> Vec<spearmint_sandbox_bank::TruthAccount> {
    let rt = runtime();
    rt.block_on(async {
        let config = spearmint_sandbox_bank::BankConfig { seed: 42, today, history_days: 90, tls: false };
        let bank = spearmint_sandbox_bank::SandboxBank::start(config).await.unwrap();
        let truth = bank.truth();
        bank.shutdown().await;
        truth
    })
}

#[test]
fn done_when_init_connect_demo_refresh_lists_realistic_transactions_and_a_second_refresh_adds_none() {
    require_secret_service();
    // The demo bank's books end today (UTC): a run that straddles midnight is started again.
    for _ in 0..2 {
        let day = chrono::Utc::now().date_naive();
        let dir = tempfile::tempdir().unwrap();
        for args in [&["init"][..], &["connect", "demo"], &["refresh"]] {
            ok(&mut spearmint(dir.path(), args));
        }
        let out = ok(&mut spearmint(dir.path(), &["transactions", "--json"]));
        let first = json(&out);
        let report = json(&ok(&mut spearmint(dir.path(), &["refresh", "--json"])));
        let second = json(&ok(&mut spearmint(dir.path(), &["transactions", "--json"])));
        if chrono::Utc::now().date_naive() != day {
            continue;
        }

        let list = first.as_array().unwrap();
        assert!(list.len() > 100, "90 days of a household's transactions: {}", list.len());
        assert_money_is_decimal_strings(&first);
        // Exactly what the demo bank shows: every posted and pending row, once, as it prints them.
        let truth = demo_truth(day);
        assert_same_shape(shape_of_list(list), shape_of_truth(&truth, false), "the demo bank");
        // Several accounts, each the list's.
        let accounts = ok_json(dir.path(), &["accounts"]);
        let account_ids: std::collections::BTreeSet<String> =
            accounts.as_array().unwrap().iter().map(|a| text(a, "id")).collect();
        let used: std::collections::BTreeSet<String> = list.iter().map(|t| text(t, "accountId")).collect();
        assert_eq!(used, account_ids);
        assert_eq!(used.len(), truth.len());
        assert!(used.len() >= 3, "checking, savings and a card");
        // Realistic descriptors: many sellers, printed the way card networks print them.
        let sellers: std::collections::BTreeSet<String> = list.iter().map(|t| text(t, "seller")).collect();
        assert!(sellers.len() >= 20, "{sellers:?}");
        assert!(sellers.iter().any(|s| s.contains('*')) && sellers.iter().any(|s| s.contains('#')), "{sellers:?}");
        assert!(list.iter().any(|t| t["pending"] == true) && list.iter().any(|t| money(&t["amount"]).minor() > 0));

        // The second refresh adds, changes and removes nothing.
        let outcomes = report["outcomes"].as_array().unwrap();
        assert_eq!(outcomes.len(), 1, "{report}");
        let s = &outcomes[0]["summary"];
        assert_eq!(
            (s["added"].as_u64(), s["updated"].as_u64(), s["posted"].as_u64(), s["removed"].as_u64()),
            (Some(0), Some(0), Some(0), Some(0)),
            "{report}"
        );
        // It re-read the last two weeks: those rows are there, unchanged.
        let recent = list.iter().filter(|t| date(t) >= day - chrono::Duration::days(14)).count() as u64;
        assert!(s["unchanged"].as_u64().is_some_and(|n| n >= recent && n > 0), "{recent} recent rows: {report}");
        assert_eq!(ids(second.as_array().unwrap()), ids(list), "the same rows, in the same order");
        return;
    }
    panic!("midnight twice in one test");
}

#[test]
fn transactions_filters_match_the_full_list_filtered_by_hand() {
    let dir = demo_vault();
    let all = listed(dir.path(), &[]);
    assert!(all.len() > 100);
    let check = |filters: &[&str], keep: &dyn Fn(&Value) -> bool| {
        let expected: Vec<Value> = all.iter().filter(|t| keep(t)).cloned().collect();
        let got = listed(dir.path(), filters);
        assert_eq!(ids(&got), ids(&expected), "{filters:?}");
        expected.len()
    };
    let narrower =
        |n: usize, what: &str| assert!(n > 0 && n < all.len(), "{what} keeps {n} of {}: test nothing", all.len());

    // Newest first, by date.
    assert!(all.windows(2).all(|w| date(&w[0]) >= date(&w[1])));

    // Dates a third and two thirds into the data.
    let mut dates: Vec<chrono::NaiveDate> = all.iter().map(date).collect();
    dates.sort();
    dates.dedup();
    let (since, until) = (dates[dates.len() / 3], dates[dates.len() * 2 / 3]);
    let (since_s, until_s) = (since.to_string(), until.to_string());
    narrower(check(&["--since", &since_s], &|t| date(t) >= since), "--since");
    narrower(check(&["--until", &until_s], &|t| date(t) <= until), "--until");
    narrower(check(&["--since", &since_s, "--until", &until_s], &|t| date(t) >= since && date(t) <= until), "both");
    check(&["--since", &until_s, "--until", &since_s], &|_| false);

    for account in all.iter().map(|t| text(t, "accountId")).collect::<std::collections::BTreeSet<_>>() {
        narrower(check(&["--account", &account], &|t| text(t, "accountId") == account), "--account");
    }

    // A word of the most common seller, searched in any case.
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for t in &all {
        *counts.entry(text(t, "seller")).or_default() += 1;
    }
    let seller = counts.iter().max_by_key(|(_, n)| **n).unwrap().0.clone();
    let word = seller.split(|c: char| !c.is_ascii_alphabetic()).find(|w| w.len() >= 4).unwrap().to_owned();
    let matches = |t: &Value, word: &str| {
        let word = word.to_ascii_lowercase();
        ["seller", "payee", "memo"].iter().any(|f| text(t, f).to_ascii_lowercase().contains(&word))
    };
    for query in [word.to_ascii_lowercase(), word.to_ascii_uppercase()] {
        narrower(check(&["--search", &query], &|t| matches(t, &query)), "--search");
    }
    check(&["--search", "no seller is called this"], &|_| false);

    // All at once, and a limit.
    let account = text(all.iter().find(|t| matches(t, &word)).unwrap(), "accountId");
    let n = check(&["--account", &account, "--search", &word, "--since", &dates[0].to_string()], &|t| {
        text(t, "accountId") == account && matches(t, &word)
    });
    assert!(n > 0);
    assert_eq!(ids(&listed(dir.path(), &["--limit", "7"])), ids(&all[..7]));
}

#[test]
fn accounts_show_counts_that_match_each_accounts_transactions() {
    let dir = demo_vault();
    let accounts = ok_json(dir.path(), &["accounts"]);
    let accounts = accounts.as_array().unwrap();
    assert_eq!(accounts.len(), 3, "{accounts:?}");
    let kinds: std::collections::BTreeSet<String> = accounts.iter().map(|a| text(a, "kind")).collect();
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["checking", "credit_card", "savings"]);
    let plain = String::from_utf8(ok(&mut sm(dir.path(), &["accounts"])).stdout).unwrap();
    let mut total = 0;
    for a in accounts {
        let id = text(a, "id");
        let count = listed(dir.path(), &["--account", &id]).len();
        assert!(count > 0);
        assert_eq!(a["transactions"].as_u64(), Some(count as u64), "{a}");
        assert_eq!(a["status"], "ok");
        assert_eq!(a["provider"], "demo");
        let line = plain.lines().find(|l| l.starts_with(&id)).unwrap_or_else(|| panic!("{id} not listed: {plain}"));
        assert!(line.contains(&text(a, "name")) && line.contains(&format!(" {count} transactions")), "{line}");
        total += count;
    }
    assert_eq!(total, listed(dir.path(), &[]).len());
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    let dir = passphrase_vault();
    // More than a year of rows: far more than a pipe holds, so the writer is still writing when
    // the reader goes away.
    ok(&mut sm(dir.path(), &["connect", "demo", "--history-days", "400"]));
    let mut child =
        sm(dir.path(), &["transactions", "--json"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut head = [0u8; 16];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut head).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !stderr.contains("panicked"), "{:?}: {stderr}", out.status);
}

const PLAIN_CSV: &str = "Date,Description,Amount\n\
    2026-10-01,PAYROLL ACME CORP DIR DEP,2450.00\n\
    2026-10-02,SAFEWAY #1234 OAKLAND CA,-84.17\n\
    2026-10-05,NETFLIX.COM 866-579-7172 CA,-15.49\n\
    2026-10-09,SHELL OIL 57442 OAKLAND CA,-48.20\n";

/// An Indian bank's export: day-month-year run together, which no sniffer can tell from a number.
const COMPACT_DATES_1: &str = "Value Date,Particulars,Amount\n\
    03112026,NEFT CR ACME PAYROLL,5200.00\n\
    05112026,UPI SWIGGY ORDER 4411,-41.25\n\
    12112026,ATM WDL CONNAUGHT PLACE,-200.00\n";
const COMPACT_DATES_2: &str = "Value Date,Particulars,Amount\n\
    19112026,UPI ZOMATO ORDER 8812,-23.10\n\
    28112026,NEFT CR ACME PAYROLL,5200.00\n";
const COMPACT_MAPPING: &str = r#"{"delimiter":44,"has_header":true,"skip_rows":0,"date_column":0,"date_format":"%d%m%Y",
    "amount":{"kind":"signed","column":2,"negate":false},"payee_column":1,"memo_column":null,"id_column":null,
    "decimal_mark":"point","currency":"USD"}"#;

/// (date, payee, amount) rows of a CSV test file, read by hand; `date` turns its date cell into
/// ISO form.
fn csv_rows(csv: &str, date: impl Fn(&str) -> String) -> Vec<(String, String, String)> {
    csv.lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.trim().split(',').collect();
            (date(cells[0]), cells[1].to_owned(), cells[2].to_owned())
        })
        .collect()
}

fn compact_date(cell: &str) -> String {
    format!("{}-{}-{}", &cell[4..8], &cell[2..4], &cell[0..2])
}

fn rows_of(list: &[Value]) -> Vec<(String, String, String)> {
    let mut rows: Vec<_> =
        list.iter().map(|t| (text(t, "postedOn"), text(t, "seller"), text(&t["amount"], "amount"))).collect();
    rows.sort();
    rows
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

fn new_account(dir: &Path, name: &str) -> String {
    text(&ok_json(dir, &["accounts", "add", name]), "id")
}

fn counts(dir: &Path) -> Value {
    ok_json(dir, &["status"])["counts"].clone()
}

#[test]
fn import_dry_run_previews_without_changing_the_vault() {
    let dir = passphrase_vault();
    let account = new_account(dir.path(), "Joint Checking");
    let file = dir.path().join("checking-october.csv");
    std::fs::write(&file, PLAIN_CSV).unwrap();
    let file = file.to_str().unwrap();
    let expected = csv_rows(PLAIN_CSV, str::to_owned);
    let before = counts(dir.path());

    let report = ok_json(dir.path(), &["import", file, "--account", &account, "--dry-run"]);
    assert_eq!(report["dryRun"], true);
    assert_eq!(report["format"], "csv");
    assert_eq!(report["transactions"].as_u64(), Some(expected.len() as u64));
    assert_eq!(report["summary"]["added"].as_u64(), Some(expected.len() as u64), "{report}");
    let preview: Vec<_> = report["preview"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (text(r, "postedOn"), text(r, "payee"), text(&r["amount"], "amount")))
        .collect();
    assert_eq!(sorted(preview), sorted(expected.clone()));
    // The same preview for a person.
    let plain =
        String::from_utf8(ok(&mut sm(dir.path(), &["import", file, "--account", &account, "--dry-run"])).stdout)
            .unwrap();
    assert!(plain.contains("dry run") && plain.contains("nothing was changed"), "{plain}");
    for (date, payee, amount) in &expected {
        assert!(plain.lines().any(|l| l.contains(date) && l.contains(payee) && l.contains(amount)), "{payee}: {plain}");
    }
    assert_eq!(counts(dir.path()), before, "a dry run writes nothing: no rows, no raw file, no change log");
    assert!(listed(dir.path(), &[]).is_empty());

    let report = ok_json(dir.path(), &["import", file, "--account", &account]);
    assert_eq!(report["summary"]["added"].as_u64(), Some(expected.len() as u64));
    assert_eq!(rows_of(&listed(dir.path(), &["--account", &account])), sorted(expected.clone()));
    let report = ok_json(dir.path(), &["import", file, "--account", &account]);
    assert_eq!(report["summary"]["added"].as_u64(), Some(0), "importing again adds nothing");
    assert_eq!(listed(dir.path(), &[]).len(), expected.len());
}

#[test]
fn import_with_a_mapping_reads_what_the_sniffer_cannot_and_the_account_remembers_it() {
    let dir = passphrase_vault();
    let account = new_account(dir.path(), "Savings at Indus");
    let write = |name: &str, body: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let (first, second) = (write("statement-1.csv", COMPACT_DATES_1), write("statement-2.csv", COMPACT_DATES_2));
    let mapping_file = format!("@{}", write("mapping.json", COMPACT_MAPPING));

    // Alone, the file cannot be read: nothing in it looks like a date. (Its bytes are kept, as
    // every file's are, and no transaction.)
    let out = run(&mut sm(dir.path(), &["import", &first, "--account", &account, "--json"]), "");
    let message = fails(&out, 9, "Invalid");
    assert!(message.contains("statement-1.csv") && message.contains("no column of dates"), "{message}");
    assert!(listed(dir.path(), &[]).is_empty());
    let before = counts(dir.path());
    // A dry run with the mapping shows the rows, and saves nothing (not even the mapping).
    let report =
        ok_json(dir.path(), &["import", &first, "--account", &account, "--mapping", COMPACT_MAPPING, "--dry-run"]);
    assert_eq!(report["summary"]["added"].as_u64(), Some(3));
    assert_eq!(counts(dir.path()), before);
    let out = run(&mut sm(dir.path(), &["import", &first, "--account", &account, "--json"]), "");
    fails(&out, 9, "Invalid");

    // With the mapping (from a file), it imports, dates read day first.
    let report = ok_json(dir.path(), &["import", &first, "--account", &account, "--mapping", &mapping_file]);
    assert_eq!(report["summary"]["added"].as_u64(), Some(3), "{report}");
    assert_eq!(report["mapping"]["date_format"], "%d%m%Y");
    let expected_first = csv_rows(COMPACT_DATES_1, compact_date);
    assert_eq!(rows_of(&listed(dir.path(), &["--account", &account])), sorted(expected_first.clone()));

    // The next statement for that account needs no mapping: the saved one is used.
    let report = ok_json(dir.path(), &["import", &second, "--account", &account]);
    assert_eq!(report["summary"]["added"].as_u64(), Some(2), "{report}");
    let mut expected = expected_first;
    expected.extend(csv_rows(COMPACT_DATES_2, compact_date));
    assert_eq!(rows_of(&listed(dir.path(), &["--account", &account])), sorted(expected));
    // Another account has no mapping saved: the same file fails there.
    let other = new_account(dir.path(), "Another Account");
    let out = run(&mut sm(dir.path(), &["import", &second, "--account", &other, "--json"]), "");
    fails(&out, 9, "Invalid");
    // A mapping that is not JSON is refused before anything is read.
    let out =
        run(&mut sm(dir.path(), &["import", &second, "--account", &other, "--mapping", "{date: 0}", "--json"]), "");
    assert!(fails(&out, 9, "Invalid").contains("mapping"));
}

#[test]
fn refresh_of_an_account_says_which_connection_and_refuses_accounts_without_one() {
    let dir = demo_vault();
    let demo_account = text(&ok_json(dir.path(), &["accounts"])[0], "id");
    let report = ok_json(dir.path(), &["refresh", "--account", &demo_account]);
    let outcomes = report["outcomes"].as_array().unwrap();
    assert_eq!(outcomes.len(), 1, "{report}");
    assert_eq!(
        (outcomes[0]["connection"].as_str(), outcomes[0]["provider"].as_str()),
        (Some("Demo Bank"), Some("demo"))
    );

    let manual = new_account(dir.path(), "Cash");
    let out = run(&mut sm(dir.path(), &["refresh", "--account", &manual, "--json"]), "");
    assert!(fails(&out, 9, "Invalid").contains("not linked to a provider"));
    let missing = spearmint_core::AccountId::new().to_string();
    let out = run(&mut sm(dir.path(), &["refresh", "--account", &missing, "--json"]), "");
    fails(&out, 3, "NotFound");
    assert!(json(&out)["error"]["hint"].as_str().unwrap().contains("spearmint accounts"));
    let out = run(&mut sm(dir.path(), &["refresh", "--account", "checking", "--json"]), "");
    assert!(fails(&out, 9, "Invalid").contains("not an account id"));
}

/// The sandbox bank, on its own runtime, for as long as the test holds it.
struct Bank {
    bank: spearmint_sandbox_bank::SandboxBank,
    _rt: tokio::runtime::Runtime,
}

fn sandbox_bank(seed: u64) -> Bank {
    sandbox_bank_with(seed, false)
}

/// With `tls`, the bank serves HTTPS under a test CA minted for it.
fn sandbox_bank_with(seed: u64, tls: bool) -> Bank {
    let rt = runtime();
    let today = chrono::Utc::now().date_naive();
    let config = spearmint_sandbox_bank::BankConfig { seed, today, history_days: 60, tls };
    let bank = rt.block_on(spearmint_sandbox_bank::SandboxBank::start(config)).unwrap();
    Bank { bank, _rt: rt }
}

/// Over HTTPS, as every real bank: with the bank's CA trusted (SSL_CERT_FILE, which the
/// platform verifier reads on Linux), the SimpleFIN claim and fetch work; with a certificate the
/// machine does not trust, connecting fails, says why, and links nothing.
#[test]
fn a_bank_over_https_is_trusted_only_through_its_certificate_authority() {
    require_secret_service();
    let Bank { bank, _rt } = sandbox_bank_with(31, true);
    assert!(bank.base_url().starts_with("https://"), "{}", bank.base_url());
    let ca = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca.path(), bank.ca_certificate_pem().expect("a test CA")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    ok(&mut sm(dir.path(), &["init"]));

    // Not trusted: the machine's own authorities do not know the test CA.
    let untrusted = tempfile::NamedTempFile::new().unwrap();
    let out = run(
        sm(dir.path(), &["connect", "simplefin", &bank.simplefin_setup_token(), "--json"])
            .env("SSL_CERT_FILE", untrusted.path()),
        "",
    );
    assert!(!out.status.success(), "an untrusted certificate must not be accepted");
    let err = json(&out);
    let message = err["error"]["message"].as_str().unwrap_or_default().to_lowercase();
    assert!(message.contains("certificate") && message.contains("does not trust"), "the reason is named: {err}");
    assert_eq!(err["error"]["kind"], "Provider", "not a network outage: {err}");
    assert!(ok_json(dir.path(), &["accounts"]).as_array().unwrap().is_empty(), "nothing is linked");

    let token = bank.simplefin_setup_token();
    let report = ok_json_with(dir.path(), &["connect", "simplefin", &token], ca.path());
    assert_eq!(outcome_names(&report), ["SimpleFIN Bridge"], "{report}");
    let truth = bank.truth();
    let accounts = ok_json(dir.path(), &["accounts"]);
    assert_eq!(accounts.as_array().unwrap().len(), truth.len());
    assert_same_shape(shape_of_list(&listed(dir.path(), &[])), shape_of_truth(&truth, false), "fetched over HTTPS");
    let again = ok_json_with(dir.path(), &["refresh"], ca.path());
    assert_eq!(again["outcomes"][0]["summary"]["added"], 0, "{again}");
}

/// `ok_json` with `ca` as the only certificate authority trusted.
fn ok_json_with(data_dir: &Path, args: &[&str], ca: &Path) -> Value {
    let mut cmd = sm(data_dir, args);
    cmd.arg("--json").env("SSL_CERT_FILE", ca);
    json(&ok(&mut cmd))
}

fn outcome_names(report: &Value) -> Vec<String> {
    report["outcomes"].as_array().unwrap().iter().map(|o| text(o, "connection")).collect()
}

#[test]
fn connect_simplefin_claims_a_setup_token_once_and_refreshes_only_the_account_asked() {
    require_secret_service();
    let Bank { bank, _rt } = sandbox_bank(7);
    let dir = demo_vault();
    let token = bank.simplefin_setup_token();

    let report = ok_json(dir.path(), &["connect", "simplefin", &token]);
    assert_eq!(outcome_names(&report), ["SimpleFIN Bridge"], "linking extracts at once: {report}");
    let truth = bank.truth();
    let all = ok_json(dir.path(), &["accounts"]);
    let accounts: Vec<String> =
        all.as_array().unwrap().iter().filter(|a| a["provider"] == "simplefin").map(|a| text(a, "id")).collect();
    assert_eq!(accounts.len(), truth.len());
    let list: Vec<Value> = accounts.iter().flat_map(|a| listed(dir.path(), &["--account", a])).collect();
    assert_same_shape(shape_of_list(&list), shape_of_truth(&truth, false), "exactly what the bank shows");
    let plain =
        String::from_utf8(ok(&mut sm(dir.path(), &["transactions", "--account", &accounts[0]])).stdout).unwrap();
    assert_eq!(plain.lines().count(), listed(dir.path(), &["--account", &accounts[0]]).len());

    // The token was claimed: a second claim is refused, clearly, and links nothing.
    let out = run(&mut sm(dir.path(), &["connect", "simplefin", &token, "--json"]), "");
    let message = fails(&out, 11, "ProviderAuth");
    assert!(message.contains("already used") && message.contains("setup token"), "{message}");
    assert_eq!(ok_json(dir.path(), &["accounts"]).as_array().unwrap().len(), all.as_array().unwrap().len());

    // --account refreshes that account's connection and no other.
    let fetches = bank.requests_to("/simplefin/accounts");
    let report = ok_json(dir.path(), &["refresh", "--account", &accounts[1]]);
    assert_eq!(outcome_names(&report), ["SimpleFIN Bridge"], "{report}");
    assert_eq!(bank.requests_to("/simplefin/accounts"), fetches + 1);
    let demo = all.as_array().unwrap().iter().find(|a| a["provider"] == "demo").map(|a| text(a, "id")).unwrap();
    let report = ok_json(dir.path(), &["refresh", "--account", &demo]);
    assert_eq!(outcome_names(&report), ["Demo Bank"], "{report}");
    assert_eq!(bank.requests_to("/simplefin/accounts"), fetches + 1, "the SimpleFIN Bridge was not asked");
    let report = ok_json(dir.path(), &["refresh"]);
    assert_eq!(sorted(outcome_names(&report)), ["Demo Bank", "SimpleFIN Bridge"]);
    let list: Vec<Value> = accounts.iter().flat_map(|a| listed(dir.path(), &["--account", a])).collect();
    assert_same_shape(shape_of_list(&list), shape_of_truth(&truth, false), "refreshes add nothing");
}

#[test]
fn connect_ofx_refuses_a_wrong_password_clearly_then_downloads_the_statements() {
    require_secret_service();
    let Bank { bank, _rt } = sandbox_bank(23);
    let dir = tempfile::tempdir().unwrap();
    ok(&mut spearmint(dir.path(), &["init"]));
    let login = bank.ofx_login();
    let url = bank.ofx_url();
    let connect = ["connect", "ofx", "--url", &url, "--org", &login.org, "--fid", &login.fid, "--user", &login.user];

    let wrong = "hunter2-but-wrong";
    let out =
        run(spearmint(dir.path(), &[&connect[..], &["--json"]].concat()).env("SPEARMINT_OFX_PASSWORD", wrong), "");
    let message = fails(&out, 11, "ProviderAuth");
    assert!(message.contains("refused the sign-on") && message.contains("15500"), "{message}");
    assert!(message.contains("user name and password"), "says which credentials were refused: {message}");
    let all_output = [out.stdout, out.stderr].concat();
    assert!(!String::from_utf8_lossy(&all_output).contains(wrong), "the password is never printed");
    assert!(ok_json(dir.path(), &["accounts"]).as_array().unwrap().is_empty(), "nothing linked");

    // The right password, on standard input (a keychain vault asks no passphrase first).
    let out = run(
        &mut spearmint(dir.path(), &[&connect[..], &["--passphrase-stdin", "--json"]].concat()),
        &format!("{}\n", login.password),
    );
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let report = json(&out);
    assert_eq!(report["outcomes"][0]["provider"], "ofx", "{report}");
    assert_eq!(report["outcomes"][0]["summary"]["accounts"].as_u64(), Some(3), "{report}");
    let accounts = ok_json(dir.path(), &["accounts"]);
    assert_eq!(accounts.as_array().unwrap().len(), 3);
    assert!(accounts.as_array().unwrap().iter().all(|a| a["provider"] == "ofx" && a["status"] == "ok"), "{accounts}");
    // OFX statements carry posted transactions only: those, exactly.
    let list = listed(dir.path(), &[]);
    assert_same_shape(shape_of_ofx_list(&list), shape_of_truth(&bank.truth(), true), "posted rows by OFX");
    assert!(list.iter().all(|t| text(t, "seller").len() <= 32), "NAME is at most 32 characters");
    let report = ok_json(dir.path(), &["refresh"]);
    assert_eq!(report["outcomes"][0]["summary"]["added"].as_u64(), Some(0), "{report}");
}

#[test]
fn the_vault_passphrase_is_never_sent_to_a_bank_as_its_password() {
    let Bank { bank, _rt } = sandbox_bank(29);
    let dir = passphrase_vault();
    let login = bank.ofx_login();
    let url = bank.ofx_url();
    // $SPEARMINT_PASSPHRASE unlocks the vault; no bank password is given, and there is no terminal.
    let out = run(
        &mut sm(
            dir.path(),
            &[
                "connect",
                "ofx",
                "--url",
                &url,
                "--org",
                &login.org,
                "--fid",
                &login.fid,
                "--user",
                &login.user,
                "--json",
            ],
        ),
        "",
    );
    let message = fails(&out, 9, "Invalid");
    assert!(message.contains("bank password is needed") && message.contains("SPEARMINT_OFX_PASSWORD"), "{message}");
    assert_eq!(bank.requests_to("/ofx"), 0, "nothing was sent to the bank");
}

/// This crate's directory, read at run time first: the target directory is shared by every
/// clone on the machine, so a path baked in at compile time could name another one.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), std::path::PathBuf::from)
}

/// The banks of the shipped directory's source: (name, url, org, fid) of each complete entry.
fn directory_source() -> Vec<(String, String, String, String)> {
    let cfg = manifest_dir().join("../../../shared/data/institutions/ofx-institutions.cfg");
    let cfg = std::fs::read_to_string(&cfg).unwrap_or_else(|e| panic!("{}: {e}", cfg.display()));
    let mut banks = Vec::new();
    let mut current: Option<(String, std::collections::BTreeMap<String, String>)> = None;
    for line in cfg.lines().chain(["[end]"]).map(str::trim).filter(|l| !l.starts_with('#')) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            if let Some((bank, fields)) = current.take() {
                if let (Some(url), Some(org), Some(fid)) = (fields.get("url"), fields.get("org"), fields.get("fid")) {
                    banks.push((bank, url.clone(), org.clone(), fid.clone()));
                }
            }
            current = Some((name.to_owned(), Default::default()));
        } else if let (Some((_, fields)), Some((key, value))) = (current.as_mut(), line.split_once('=')) {
            fields.insert(key.trim().to_owned(), value.trim().to_owned());
        }
    }
    banks
}

#[test]
fn banks_come_from_the_shipped_directory_and_an_unknown_name_is_refused_clearly() {
    let dir = passphrase_vault();
    let source = directory_source();
    assert!(source.len() > 100, "{}", source.len());
    let known: Vec<_> =
        source.iter().filter(|(name, ..)| ["amex", "schwab", "usaa"].contains(&name.as_str())).collect();
    assert_eq!(known.len(), 3, "{known:?}");
    for (name, url, org, fid) in known {
        let found = ok_json(dir.path(), &["banks", name]);
        let first = &found[0];
        assert_eq!(
            (text(first, "name"), text(first, "url"), text(first, "org"), text(first, "fid")),
            (name.clone(), url.clone(), org.clone(), fid.clone()),
            "{found}"
        );
    }
    let connect = |bank: &str| {
        let mut cmd = sm(dir.path(), &["connect", "ofx", "--bank", bank, "--user", "me", "--json"]);
        cmd.env("SPEARMINT_OFX_PASSWORD", "pw");
        run(&mut cmd, "")
    };
    let message = fails(&connect("First Bank of Nowhere"), 3, "NotFound");
    assert!(message.contains("First Bank of Nowhere") && message.contains("spearmint banks"), "{message}");
    assert!(fails(&connect("  "), 9, "Invalid").contains("spearmint banks"));
    assert!(ok_json(dir.path(), &["banks", "First Bank of Nowhere"]).as_array().unwrap().is_empty());
}

/// Waits for a child, killing it after `limit`.
fn wait_for(child: &mut std::process::Child, limit: std::time::Duration) -> std::process::ExitStatus {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("the daemon did not stop within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Starts `spearmint daemon`, waits until it says it runs, sends `signal`, waits for its exit.
fn daemon_until(dir: &Path, args: &[&str], signal: &str) -> (std::process::ExitStatus, String, String) {
    use std::io::{BufRead, Read};
    let mut child = sm(dir, &[&["daemon"][..], args].concat())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut banner = String::new();
    stderr.read_line(&mut banner).unwrap();
    assert!(banner.starts_with("spearmint daemon: daily extraction at"), "{banner}");
    let kill = Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let status = wait_for(&mut child, std::time::Duration::from_secs(60));
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let mut stdout = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    (status, stdout, banner + &rest)
}

#[test]
fn the_daemon_runs_the_due_extraction_and_stops_cleanly_on_sigterm_and_sigint() {
    let dir = demo_vault();
    let before = listed(dir.path(), &[]);

    // Linking ran the first extraction but no daily run yet: on start the daemon runs it. A
    // SIGTERM sent meanwhile lets that round finish, then it exits 0.
    let (status, stdout, stderr) = daemon_until(dir.path(), &["--json"], "-TERM");
    assert!(status.success(), "{status:?}: {stderr}");
    let reports: Vec<Value> = serde_json::Deserializer::from_str(&stdout).into_iter().map(Result::unwrap).collect();
    assert_eq!(reports.len(), 1, "one round: {stdout}");
    assert_eq!(outcome_names(&reports[0]), ["Demo Bank"], "the due daily extraction: {stdout}");
    let summary = &reports[0]["outcomes"][0]["summary"];
    assert!(reports[0]["outcomes"][0]["error"].is_null(), "{stdout}");

    // The vault is intact: it opens, what the round added is there, and its totals add up.
    let after = listed(dir.path(), &[]);
    assert_eq!(after.len() as u64, before.len() as u64 + summary["added"].as_u64().unwrap(), "{summary}");
    assert_eq!(ok_json(dir.path(), &["status"])["state"], "unlocked");
    let doctor = ok_json(dir.path(), &["doctor"]);
    assert!(doctor["monthlySpendingDifferences"].as_array().unwrap().is_empty(), "{doctor}");
    assert!(doctor["accountCountDifferences"].as_array().unwrap().is_empty(), "{doctor}");

    // Started again, with today's run done and the next slot hours away: nothing to do, and
    // Ctrl-C (SIGINT) stops it.
    let at = (chrono::Local::now() + chrono::Duration::hours(12)).format("%H:%M").to_string();
    let (status, stdout, stderr) = daemon_until(dir.path(), &["--at", &at], "-INT");
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(stdout.is_empty(), "no round was due: {stdout}");
    assert!(stderr.contains(&format!("daily extraction at {at} local time")), "{stderr}");
    assert!(stderr.trim_end().ends_with("spearmint daemon: stopped"), "{stderr}");
    assert_eq!(ids(&listed(dir.path(), &[])), ids(&after));
}
