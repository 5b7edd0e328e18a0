//! The vault from the command line: `init` with the keychain or a passphrase, `status`, `unlock`
//! and `lock` for a session, a passphrase change, and what is not a vault.

use crate::common::{json, ok, ok_json, passphrase_vault, require_secret_service, run, spearmint, text};

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

/// `init` never writes over a vault: not when only its profile.json is left (the only copy of a
/// passphrase vault's salt), and with `--force` the old vault is set aside whole and still opens.
#[test]
fn init_never_destroys_a_vault_and_force_keeps_the_old_one_openable() {
    let dir = passphrase_vault();
    let profile = dir.path().join("profiles/default");
    let salt_file = std::fs::read(profile.join("profile.json")).unwrap();
    let account = text(&ok_json(dir.path(), &["accounts", "add", "Old Checking"]), "id");

    // The vault file moved away (to a backup disk, say): its profile.json stays as it was.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::rename(profile.join("vault.db"), elsewhere.path().join("vault.db")).unwrap();
    let out = run(
        &mut spearmint(dir.path(), &["init", "--passphrase", "--passphrase-stdin", "--json"]),
        "another passphrase here\n",
    );
    assert_eq!(out.status.code(), Some(10), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&out)["error"]["kind"], "AlreadyExists");
    assert!(json(&out)["error"]["hint"].as_str().unwrap().contains("init --force"));
    assert_eq!(std::fs::read(profile.join("profile.json")).unwrap(), salt_file, "profile.json untouched");
    std::fs::rename(elsewhere.path().join("vault.db"), profile.join("vault.db")).unwrap();
    assert_eq!(ok_json(dir.path(), &["accounts"]).as_array().unwrap().len(), 1, "the vault opens again");

    // --force: a new vault, and the old one kept in a folder of its own, whole.
    let out = run(
        &mut spearmint(dir.path(), &["init", "--force", "--passphrase", "--passphrase-stdin"]),
        "a brand new passphrase\n",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let kept: Vec<_> = std::fs::read_dir(&profile)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("replaced-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains(&kept[0].display().to_string()));
    assert_eq!(std::fs::read(kept[0].join("profile.json")).unwrap(), salt_file);
    let fresh = |args: &[&str]| {
        let mut cmd = spearmint(dir.path(), args);
        cmd.env("SPEARMINT_PASSPHRASE", "a brand new passphrase");
        json(&ok(&mut cmd))
    };
    assert_eq!(fresh(&["accounts", "--json"]).as_array().unwrap().len(), 0, "the new vault is empty");

    // The old vault, put back in a profile of its own, opens with its own passphrase.
    let restored = tempfile::tempdir().unwrap();
    let into = restored.path().join("profiles/default");
    std::fs::create_dir_all(into.parent().unwrap()).unwrap();
    std::fs::rename(&kept[0], &into).unwrap();
    let listed = ok_json(restored.path(), &["accounts"]);
    assert_eq!(listed[0]["id"], account.as_str());
}

/// `keyctl` with `args`, its standard output.
fn keyctl(args: &[&str]) -> String {
    let out = std::process::Command::new("keyctl").args(args).output().expect("keyctl (Debian's keyutils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The key `spearmint unlock` caches is in this login session's keyring only: not in the
/// user's persistent keyring (which outlives logout), readable by its possessor alone, and with
/// a timeout, as /proc/keys shows them.
#[test]
fn the_cached_key_lives_in_the_session_keyring_only_and_expires() {
    let dir = passphrase_vault();
    let profile: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("profiles/default/profile.json")).unwrap()).unwrap();
    let vault_id = profile["vault_id"].as_str().unwrap().to_owned();
    let out = run(&mut spearmint(dir.path(), &["unlock", "--passphrase-stdin"]), &format!("{}\n", crate::common::PASS));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("12 hours"), "{}", String::from_utf8_lossy(&out.stdout));

    let keys = std::fs::read_to_string("/proc/keys").unwrap();
    let ours: Vec<&str> = keys.lines().filter(|l| l.contains(&vault_id)).collect();
    assert_eq!(ours.len(), 1, "one cached key for this vault: {ours:?}");
    let fields: Vec<&str> = ours[0].split_whitespace().collect();
    // id flags usage timeout perm uid gid type description
    assert_ne!(fields[3], "perm", "the key has a timeout: {}", ours[0]);
    assert!(fields[3].ends_with('h') || fields[3].ends_with('m'), "{}", ours[0]);
    assert_eq!(fields[4], "3f000000", "possessor only: {}", ours[0]);
    let id = fields[0];
    let session = keyctl(&["rdescribe", "@s"]);
    assert!(!session.is_empty(), "a session keyring exists");
    let persistent = keyctl(&["get_persistent", "@s"]);
    let persistent = persistent.trim();
    assert!(!persistent.is_empty(), "the persistent keyring is reachable");
    let linked = keyctl(&["rlist", persistent]);
    assert!(
        !linked.split_whitespace().any(|k| k.parse::<u64>().ok() == u64::from_str_radix(id, 16).ok()),
        "the key is not in @persistent ({linked})"
    );

    // `lock` destroys it.
    ok(&mut spearmint(dir.path(), &["lock"]));
    let keys = std::fs::read_to_string("/proc/keys").unwrap();
    // An invalidated key may linger in /proc/keys, flagged `i`, until the kernel collects it.
    let alive = |l: &&str| l.split_whitespace().nth(1).is_some_and(|flags| !flags.contains(['i', 'R', 'D']));
    assert!(!keys.lines().filter(alive).any(|l| l.contains(&vault_id)), "gone after lock: {keys}");
}
