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
    assert!(message.contains("spearmint init --passphrase"), "{message}");
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
    assert!(json(&out)["error"]["message"].as_str().unwrap().contains("spearmint init"));
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
    let out = run(spearmint(dir.path(), &["spending", "--json"]).env("SPEARMINT_PASSPHRASE", pass), "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let month = json(&out);
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
