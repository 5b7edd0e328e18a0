//! The CLI's own next step after an engine error: the engine's message says it in words the
//! desktop app can show too, and the CLI adds the command (`hint: ...` on standard error, a
//! `hint` field in `--json`), chosen by the error's hint or kind, never by its text.

use std::process::Command;

use serde_json::Value;

use crate::common::{run, spearmint};

const PASSPHRASE: &str = "tide pool at dawn";

/// A passphrase vault (no keychain needed), locked: `init` does not cache the key.
fn passphrase_vault() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out =
        run(&mut spearmint(dir.path(), &["init", "--passphrase", "--passphrase-stdin"]), &format!("{PASSPHRASE}\n"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    dir
}

/// Runs a command expected to fail with `code`; returns standard error's `spearmint:` line
/// (the engine's message) and its `hint:` line.
fn failure(cmd: &mut Command, code: i32) -> (String, String) {
    let out = run(cmd, "");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    let line = |prefix: &str| {
        let found = stderr.lines().find_map(|l| l.strip_prefix(prefix));
        found.unwrap_or_else(|| panic!("no `{prefix}` line in: {stderr}")).to_owned()
    };
    (line("spearmint: "), line("hint: "))
}

fn json_error(cmd: &mut Command) -> Value {
    let out = run(cmd.arg("--json"), "");
    let body: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    body["error"].clone()
}

#[test]
fn no_vault_is_said_in_words_and_the_hint_gives_init() {
    let dir = tempfile::tempdir().unwrap();
    let (message, hint) = failure(&mut spearmint(dir.path(), &["rekey"]), 3);
    assert!(message.contains("there is no vault") && message.contains("create one"), "{message}");
    assert!(!message.contains("spearmint init"), "the message is the desktop app's too: {message}");
    assert!(hint.contains("spearmint init"), "{hint}");

    let error = json_error(&mut spearmint(dir.path(), &["rekey"]));
    assert_eq!(error["kind"], "NotFound");
    assert_eq!(error["message"].as_str(), Some(message.as_str()));
    assert_eq!(error["hint"].as_str(), Some(hint.as_str()));
}

#[test]
fn a_locked_vault_gets_the_unlock_hint() {
    let dir = passphrase_vault();
    let (message, hint) = failure(&mut spearmint(dir.path(), &["accounts"]), 4);
    assert!(message.contains("the vault is locked"), "{message}");
    assert!(!message.contains("spearmint unlock"), "{message}");
    assert!(hint.contains("spearmint unlock") && hint.contains("--passphrase-stdin"), "{hint}");
    assert_eq!(json_error(&mut spearmint(dir.path(), &["accounts"]))["kind"], "VaultLocked");
}

#[test]
fn an_unknown_rule_or_account_gets_the_command_that_lists_them() {
    let dir = passphrase_vault();
    let unlocked = |args: &[&str]| {
        let mut cmd = spearmint(dir.path(), args);
        cmd.env("SPEARMINT_PASSPHRASE", PASSPHRASE);
        cmd
    };
    let rule = spearmint_core::RuleId::new().to_string();
    let (message, hint) = failure(&mut unlocked(&["rules", "delete", &rule]), 3);
    assert!(message.contains(&format!("there is no rule {rule}")), "{message}");
    assert!(!message.contains("spearmint"), "{message}");
    assert!(hint.contains("spearmint rules list"), "{hint}");

    let missing = spearmint_core::AccountId::new().to_string();
    let (message, hint) = failure(&mut unlocked(&["refresh", "--account", &missing]), 3);
    assert!(message.contains(&format!("there is no account {missing}")), "{message}");
    assert!(!message.contains("spearmint"), "{message}");
    assert!(hint.contains("spearmint accounts"), "{hint}");
}

#[test]
fn an_error_with_nothing_to_run_prints_no_hint() {
    let dir = passphrase_vault();
    let out = run(
        spearmint(dir.path(), &["budget", "set", "FOOD_GROCERIES", "not-money"])
            .env("SPEARMINT_PASSPHRASE", PASSPHRASE),
        "",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(9), "{stderr}");
    assert!(!stderr.contains("hint:"), "{stderr}");
    let error = json_error(
        spearmint(dir.path(), &["budget", "set", "FOOD_GROCERIES", "not-money"])
            .env("SPEARMINT_PASSPHRASE", PASSPHRASE),
    );
    assert_eq!(error["kind"], "Invalid");
    assert!(error.get("hint").is_none(), "{error}");
}
