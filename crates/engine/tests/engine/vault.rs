//! The vault through the engine's public API, with real parts: SQLCipher files on disk and the
//! real Secret Service (gnome-keyring in a private D-Bus session, set up by `cargo xtask test`).

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use rusqlite::OpenFlags;
use spearmint_core::{Currency, Money};
use spearmint_engine::vault::{Migration, Migrations};
use spearmint_engine::{
    AccountKind, Engine, ErrorKind, KeySource, NewAccount, NewKey, NewTransaction, Passphrase, Unlock, VaultState,
};

use crate::common::{
    engine, engine_with, keychain_vault, passphrase, passphrase_vault, profile_json, require_secret_service,
};

const PAYEE: &str = "ZANZIBAR COFFEE ROASTERS 4471 OAKLAND CA";

fn add_coffee(engine: &Engine) {
    let account = engine
        .create_account(NewAccount {
            name: "Everyday Checking".into(),
            kind: AccountKind::Checking,
            currency: Currency::USD,
        })
        .unwrap();
    engine
        .add_transaction(NewTransaction {
            account,
            posted_on: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            amount: Money::parse("-4.75", Currency::USD).unwrap(),
            seller: PAYEE.into(),
            memo: Some("flat white".into()),
        })
        .unwrap();
}

/// A locked passphrase vault of today's schema in `dir`, holding the coffee if `coffee`;
/// returns that schema's version.
fn locked_vault(dir: &Path, coffee: bool) -> u32 {
    let e = engine(dir);
    e.create(NewKey::Passphrase(passphrase())).unwrap();
    if coffee {
        add_coffee(&e);
    }
    e.lock().unwrap();
    Migrations::default().latest()
}

fn files_of(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir.join("profiles/default")).unwrap().map(|e| e.unwrap().path()).collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn secret_tool_lookup(account: &str) -> Option<String> {
    let out =
        Command::new("secret-tool").args(["lookup", "service", "spearmint", "username", account]).output().unwrap();
    out.status.success().then(|| String::from_utf8(out.stdout).unwrap())
}

#[test]
fn the_vault_file_is_encrypted_and_holds_no_plaintext() {
    require_secret_service();
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path());
    let status = e.create(NewKey::Keychain).unwrap();
    assert!(status.encrypted);
    add_coffee(&e);
    // While unlocked too (the write-ahead log is encrypted as well), then after locking.
    for phase in ["unlocked", "locked"] {
        if phase == "locked" {
            e.lock().unwrap();
        }
        let files = files_of(dir.path());
        assert!(files.iter().any(|f| f.ends_with("vault.db")));
        for f in files.iter().filter(|f| !f.ends_with("profile.json")) {
            let bytes = std::fs::read(f).unwrap();
            assert!(!bytes.starts_with(b"SQLite format 3"), "{} ({phase}) has a plaintext SQLite header", f.display());
            assert!(!contains(&bytes, b"ZANZIBAR"), "{} ({phase}) holds the payee in plaintext", f.display());
            assert!(
                !contains(&bytes, b"Everyday Checking"),
                "{} ({phase}) holds the account name in plaintext",
                f.display()
            );
        }
    }
    // The row really was written: unlocking reads it back.
    e.unlock(Unlock::Keychain).unwrap();
    let txns = e.list_transactions(10).unwrap();
    assert_eq!(txns.len(), 1);
    assert_eq!(txns[0].seller, PAYEE);
    assert_eq!(txns[0].amount, Money::from_minor(-475, Currency::USD));
}

#[test]
fn the_key_lives_in_the_real_secret_service_and_opens_the_file() {
    require_secret_service();
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path());
    let status = e.create(NewKey::Keychain).unwrap();
    assert_eq!(status.key_source, Some(KeySource::Keychain));
    let account = profile_json(dir.path())["key"]["account"].as_str().unwrap().to_owned();
    assert!(status.key_location.unwrap().contains(&account));
    // The profile file names the entry but never holds the key.
    let hex_key = secret_tool_lookup(&account).expect("secret-tool finds the vault key in the Secret Service");
    assert_eq!(hex_key.trim().len(), 64);
    assert!(
        !std::fs::read_to_string(dir.path().join("profiles/default/profile.json")).unwrap().contains(hex_key.trim())
    );
    e.lock().unwrap();

    // Independently of the engine: SQLCipher opens the file with that key, the vault's 64 KiB
    // pages and HMAC-SHA256, and not without the key, nor with SQLCipher's defaults (4 KiB
    // pages, HMAC-SHA512), nor with either of those alone.
    let open = |pragmas: &str| {
        let conn = rusqlite::Connection::open_with_flags(
            dir.path().join("profiles/default/vault.db"),
            OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        conn.execute_batch(&format!("PRAGMA cipher_log_level = NONE; {pragmas}")).unwrap();
        conn
    };
    let key = format!("PRAGMA key = \"x'{}'\";", hex_key.trim());
    let readable = |conn: &rusqlite::Connection| {
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).is_ok()
    };
    assert!(!readable(&open("")));
    assert!(!readable(&open(&key)));
    assert!(!readable(&open(&format!("{key} PRAGMA cipher_page_size = 65536;"))));
    assert!(!readable(&open(&format!("{key} PRAGMA cipher_hmac_algorithm = HMAC_SHA256;"))));
    let settings = "PRAGMA cipher_page_size = 65536; PRAGMA cipher_hmac_algorithm = HMAC_SHA256;";
    assert_eq!(spearmint_engine::vault::cipher_pragmas(), settings);
    let conn = open(&format!("{key} {settings}"));
    let categories: i64 = conn.query_row("SELECT count(*) FROM categories", [], |r| r.get(0)).unwrap();
    assert!(categories > 20);
}

#[test]
fn a_wrong_passphrase_is_refused_with_its_own_kind() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path());
    e.create(NewKey::Passphrase(Passphrase::new("correct horse battery"))).unwrap();
    add_coffee(&e);
    e.lock().unwrap();
    let fresh = engine(dir.path());
    let err = fresh.unlock(Unlock::Passphrase(Passphrase::new("incorrect horse battery"))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongKey);
    assert!(err.message().contains("wrong passphrase"), "{}", err.message());
    assert_eq!(fresh.status().unwrap().state, VaultState::Locked);
    assert_eq!(fresh.list_transactions(1).unwrap_err().kind(), ErrorKind::VaultLocked);
    fresh.unlock(Unlock::Passphrase(Passphrase::new("correct horse battery"))).unwrap();
    assert_eq!(fresh.list_transactions(10).unwrap().len(), 1);
    // A passphrase vault does not open from the keychain.
    assert_eq!(engine(dir.path()).unlock(Unlock::Keychain).unwrap_err().kind(), ErrorKind::WrongKey);
}

#[test]
fn a_short_passphrase_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let err = engine(dir.path()).create(NewKey::Passphrase(Passphrase::new("short"))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert!(!dir.path().join("profiles/default/vault.db").exists());
}

#[test]
fn a_replaced_or_deleted_keychain_key_gives_a_clear_kind() {
    let (dir, e) = keychain_vault();
    e.lock().unwrap();
    let account = profile_json(dir.path())["key"]["account"].as_str().unwrap().to_owned();

    // Another key under the same entry: the file does not open with it.
    let entry = keyring::Entry::new("spearmint", &account).unwrap();
    entry.set_password(&"ab".repeat(32)).unwrap();
    let err = engine(dir.path()).unlock(Unlock::Keychain).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongKey);
    assert!(err.message().contains("keychain"), "{}", err.message());

    // No entry at all.
    entry.delete_credential().unwrap();
    let err = engine(dir.path()).unlock(Unlock::Keychain).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::KeyMissing);
    assert!(err.message().contains("restore"), "{}", err.message());
}

#[test]
fn files_that_are_not_vaults_are_named_as_such() {
    let (dir, e) = passphrase_vault();
    e.lock().unwrap();
    let vault = dir.path().join("profiles/default/vault.db");
    let unlock = || engine(dir.path()).unlock(Unlock::Passphrase(passphrase())).unwrap_err();

    // A plain SQLite database in its place.
    std::fs::remove_file(&vault).unwrap();
    rusqlite::Connection::open(&vault).unwrap().execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);").unwrap();
    let err = unlock();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(err.message().contains("unencrypted"), "{}", err.message());

    // A truncated file.
    std::fs::write(&vault, b"SQLi").unwrap();
    assert_eq!(unlock().kind(), ErrorKind::Corrupt);

    // A missing profile.json while the vault is there.
    std::fs::write(&vault, vec![7u8; 8192]).unwrap();
    std::fs::remove_file(dir.path().join("profiles/default/profile.json")).unwrap();
    let err = unlock();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(err.message().contains("profile.json"), "{}", err.message());

    // And no vault at all.
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(engine(empty.path()).unlock(Unlock::Keychain).unwrap_err().kind(), ErrorKind::NotFound);
}

#[test]
fn a_vault_of_schema_n_migrates_to_n_plus_one_and_older_builds_refuse_it() {
    let dir = tempfile::tempdir().unwrap();
    let n = locked_vault(dir.path(), true);

    let next = Migrations::default().with(Migration {
        version: n + 1,
        name: "test_add_column.sql",
        sql: "ALTER TABLE transactions ADD COLUMN test_extra TEXT NOT NULL DEFAULT 'migrated';",
    });
    let newer = engine_with(dir.path(), next);
    let status = newer.unlock(Unlock::Passphrase(passphrase())).unwrap();
    assert_eq!(status.schema_version, Some(n + 1));
    assert_eq!(newer.list_transactions(10).unwrap()[0].seller, PAYEE, "data survives the migration");
    newer.lock().unwrap();

    let err = engine(dir.path()).unlock(Unlock::Passphrase(passphrase())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::VaultTooNew);
    assert!(err.message().contains("update Spearmint"), "{}", err.message());
}

#[test]
fn a_failing_migration_leaves_the_vault_at_its_old_version() {
    let dir = tempfile::tempdir().unwrap();
    let n = locked_vault(dir.path(), false);
    let broken = Migrations::default()
        .with(Migration { version: n + 1, name: "ok.sql", sql: "CREATE TABLE extra (x INTEGER);" })
        .with(Migration { version: n + 2, name: "broken.sql", sql: "ALTER TABLE no_such_table ADD COLUMN y;" });
    assert_eq!(
        engine_with(dir.path(), broken).unlock(Unlock::Passphrase(passphrase())).unwrap_err().kind(),
        ErrorKind::Internal
    );
    let status = engine(dir.path()).unlock(Unlock::Passphrase(passphrase())).unwrap();
    assert_eq!(status.schema_version, Some(n), "all or nothing: neither migration applied");
}

/// Migrations run with foreign keys unenforced (so one can rebuild a table others refer to):
/// one that would leave a row referring to nothing is refused before it commits.
#[test]
fn a_migration_that_would_break_a_reference_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let n = locked_vault(dir.path(), true);
    let orphaning =
        Migrations::default().with(Migration { version: n + 1, name: "orphan.sql", sql: "DELETE FROM accounts;" });
    let err = engine_with(dir.path(), orphaning).unlock(Unlock::Passphrase(passphrase())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(err.message().contains("referring to a missing row of accounts"), "{}", err.message());
    assert!(err.message().contains("left as it was"), "{}", err.message());

    let e = engine(dir.path());
    let status = e.unlock(Unlock::Passphrase(passphrase())).unwrap();
    assert_eq!(status.schema_version, Some(n));
    assert_eq!(e.accounts().unwrap().len(), 1, "the account is still there");
    assert_eq!(e.list_transactions(10).unwrap()[0].seller, PAYEE);
}

#[test]
fn switching_to_a_passphrase_and_rekeying_move_the_key_safely() {
    let (dir, e) = keychain_vault();
    add_coffee(&e);
    let account = profile_json(dir.path())["key"]["account"].as_str().unwrap().to_owned();

    // Keychain -> passphrase: the keychain entry goes, the passphrase opens the vault.
    let status = e.set_passphrase(Passphrase::new("first passphrase")).unwrap();
    assert_eq!(status.key_source, Some(KeySource::Passphrase));
    assert!(secret_tool_lookup(&account).is_none(), "the old keychain entry is removed");
    e.lock().unwrap();
    assert_eq!(engine(dir.path()).unlock(Unlock::Keychain).unwrap_err().kind(), ErrorKind::WrongKey);
    e.unlock(Unlock::Passphrase(Passphrase::new("first passphrase"))).unwrap();

    // Change the passphrase: the old one stops working.
    e.set_passphrase(Passphrase::new("second passphrase")).unwrap();
    e.lock().unwrap();
    assert_eq!(
        e.unlock(Unlock::Passphrase(Passphrase::new("first passphrase"))).unwrap_err().kind(),
        ErrorKind::WrongKey
    );
    e.unlock(Unlock::Passphrase(Passphrase::new("second passphrase"))).unwrap();

    // Rekey: a fresh random key in the keychain again; the passphrase no longer opens it.
    let status = e.rekey().unwrap();
    assert_eq!(status.key_source, Some(KeySource::Keychain));
    let first_key = secret_tool_lookup(&account).expect("rekey puts the key in the keychain");
    e.rekey().unwrap();
    let second_key = secret_tool_lookup(&account).unwrap();
    assert_ne!(first_key, second_key, "a rekey makes a new key");
    assert!(profile_json(dir.path()).get("pending").is_none());
    e.lock().unwrap();
    assert_eq!(
        e.unlock(Unlock::Passphrase(Passphrase::new("second passphrase"))).unwrap_err().kind(),
        ErrorKind::Invalid
    );
    e.unlock(Unlock::Keychain).unwrap();
    assert_eq!(e.list_transactions(10).unwrap()[0].seller, PAYEE);
}

#[test]
fn an_interrupted_rekey_still_opens_with_the_pending_key() {
    let (dir, e) = keychain_vault();
    add_coffee(&e);
    e.lock().unwrap();
    let profile = profile_json(dir.path());
    let vault_id = profile["vault_id"].as_str().unwrap().to_owned();
    let main = format!("vault-key:{vault_id}");
    let next = format!("vault-key-next:{vault_id}");

    // Reproduce the state a crash leaves between re-encrypting the file and promoting the new
    // key: the file is encrypted with the "next" key and profile.json names it as pending.
    let old_key = secret_tool_lookup(&main).unwrap();
    let new_key = "cd".repeat(32);
    let conn = rusqlite::Connection::open(dir.path().join("profiles/default/vault.db")).unwrap();
    conn.pragma_update(None, "key", format!("x'{}'", old_key.trim())).unwrap();
    conn.execute_batch(&spearmint_engine::vault::cipher_pragmas()).unwrap();
    conn.execute_batch("PRAGMA journal_mode = DELETE;").unwrap();
    conn.pragma_update(None, "rekey", format!("x'{new_key}'")).unwrap();
    drop(conn);
    keyring::Entry::new("spearmint", &next).unwrap().set_password(&new_key).unwrap();
    let mut staged = profile.clone();
    staged["pending"] = serde_json::json!({ "source": "keychain", "service": "spearmint", "account": next });
    std::fs::write(dir.path().join("profiles/default/profile.json"), staged.to_string()).unwrap();

    let e = engine(dir.path());
    e.unlock(Unlock::Keychain).unwrap();
    assert_eq!(e.list_transactions(10).unwrap()[0].seller, PAYEE);
    assert_eq!(secret_tool_lookup(&main).unwrap().trim(), new_key, "the new key is promoted");
    assert!(secret_tool_lookup(&next).is_none(), "the staging entry is removed");
    assert!(profile_json(dir.path()).get("pending").is_none());
}

#[test]
fn every_write_records_its_cells_for_sync_with_increasing_clocks() {
    let (_dir, e) = passphrase_vault();
    assert_eq!(e.change_count().unwrap(), 0, "local tables (settings, activity) are not synced");
    add_coffee(&e);
    // One record per inserted row (column "*"), holding its non-null cells.
    assert_eq!(e.change_count().unwrap(), 2);
    let first = e.changes_since(0, 100).unwrap();
    let txn = first.iter().find(|c| c.table == "transactions").unwrap();
    assert_eq!(txn.column, "*");
    let cells: serde_json::Value = serde_json::from_str(txn.value.as_deref().unwrap()).unwrap();
    assert_eq!(cells["seller"], PAYEE);
    assert_eq!(cells["amount_minor"], -475);
    assert_eq!(cells["posted_on"], "2026-11-03");
    assert!(cells.get("memo").is_some() && cells.get("category_id").is_none(), "null cells are left out");

    // The clock resumes after a restart: later changes still sort after earlier ones.
    e.lock().unwrap();
    e.unlock(Unlock::Passphrase(passphrase())).unwrap();
    add_coffee(&e);
    let all = e.changes_since(0, 100).unwrap();
    assert_eq!(all.len(), 2 * 2);
    assert!(all.windows(2).all(|w| w[0].hlc < w[1].hlc), "HLC timestamps strictly increase in log order");
}

/// A passphrase vault's file carries its passphrase's salt (as its SQLCipher salt): restored
/// alone from a backup, without profile.json, it opens with its passphrase, and profile.json is
/// written again. Also after a change of passphrase, which re-encrypts with a new salt.
#[test]
fn a_passphrase_vault_restored_without_its_profile_opens_with_its_passphrase() {
    let (dir, e) = passphrase_vault();
    add_coffee(&e);
    e.lock().unwrap();
    let profile = dir.path().join("profiles/default/profile.json");
    let before = std::fs::read_to_string(&profile).unwrap();
    std::fs::remove_file(&profile).unwrap();

    let err = engine(dir.path()).unlock(Unlock::Passphrase(Passphrase::new("not the passphrase"))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(err.message().contains("does not open the vault file"), "{}", err.message());
    assert!(!profile.exists(), "nothing is written for a wrong passphrase");

    let e = engine(dir.path());
    e.unlock(Unlock::Passphrase(passphrase())).unwrap();
    assert_eq!(e.transactions(&Default::default()).unwrap().len(), 1);
    assert_eq!(
        std::fs::read_to_string(&profile).unwrap().replace(char::is_whitespace, ""),
        before.replace(char::is_whitespace, "")
    );

    // A new passphrase re-encrypts under a new salt, which the file carries too.
    e.set_passphrase(Passphrase::new("a second passphrase")).unwrap();
    e.lock().unwrap();
    std::fs::remove_file(&profile).unwrap();
    let e = engine(dir.path());
    e.unlock(Unlock::Passphrase(Passphrase::new("a second passphrase"))).unwrap();
    assert_eq!(e.transactions(&Default::default()).unwrap().len(), 1);
}
