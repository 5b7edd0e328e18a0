//! What the engine's tests share: an engine on a temporary data folder (with a passphrase vault,
//! a keychain vault, or the demo bank in it), the real parts some tests need, the slow-test
//! switch, and where the project's files are.

use std::path::{Path, PathBuf};

use spearmint_core::{AccountId, AccountKind, Currency};
use spearmint_engine::vault::Migrations;
use spearmint_engine::{
    Engine, EngineOptions, ImportReport, ImportRequest, NewAccount, NewKey, Passphrase, Transaction, TransactionQuery,
};
use tempfile::TempDir;

/// The passphrase of the vaults the tests create, when it plays no part in the test.
pub const PASSPHRASE: &str = "correct horse battery";

pub fn passphrase() -> Passphrase {
    Passphrase::new(PASSPHRASE)
}

/// Whether the slow tests run in full (`SPEARMINT_SLOW_TESTS`, set by `cargo xtask test --slow`).
/// The only place the switch is read.
pub fn slow() -> bool {
    std::env::var_os("SPEARMINT_SLOW_TESTS").is_some()
}

/// Tests that keep keys or credentials in the OS keychain need the real Secret Service, which
/// `cargo xtask test` provides. Failing loudly is better than skipping: a skipped keychain test
/// proves nothing.
pub fn require_secret_service() {
    assert!(
        std::env::var_os("SPEARMINT_TEST_SECRET_SERVICE").is_some(),
        "this test uses the real Secret Service: run it with `cargo xtask test` (private D-Bus session with gnome-keyring)"
    );
}

/// Tests that talk to the desktop over D-Bus need the private session bus of `cargo xtask test`.
pub fn require_session_bus() {
    assert!(
        std::env::var_os("SPEARMINT_TEST_SECRET_SERVICE").is_some()
            && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "this test needs the private D-Bus session of `cargo xtask test`"
    );
}

/// An engine on `dir` that may reach the sandbox bank, which serves plain http on loopback.
pub fn test_options(dir: &Path) -> EngineOptions {
    EngineOptions { allow_loopback_http: true, ..EngineOptions::new(dir.to_path_buf()) }
}

/// An engine on the data folder `dir`, with no vault created or opened yet.
pub fn engine(dir: &Path) -> Engine {
    Engine::new(test_options(dir)).unwrap()
}

/// An engine on `dir` that knows only these migrations.
pub fn engine_with(dir: &Path, migrations: Migrations) -> Engine {
    Engine::new(EngineOptions { migrations, ..test_options(dir) }).unwrap()
}

/// A new vault protected by [`PASSPHRASE`], unlocked, in a temporary folder kept as long as the
/// returned `TempDir`.
pub fn passphrase_vault() -> (TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    engine.create(NewKey::Passphrase(passphrase())).unwrap();
    (dir, engine)
}

/// A new vault whose key is in the real Secret Service, unlocked, in a temporary folder.
pub fn keychain_vault() -> (TempDir, Engine) {
    require_secret_service();
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    engine.create(NewKey::Keychain).unwrap();
    (dir, engine)
}

/// A passphrase vault linked to the demo bank (which keeps no credentials) and refreshed once.
pub async fn demo_vault() -> (TempDir, Engine) {
    let (dir, engine) = passphrase_vault();
    engine.connect_demo().await.unwrap();
    engine.refresh(None, |_| {}).await.unwrap();
    (dir, engine)
}

/// A new US checking account.
pub fn checking(engine: &Engine) -> AccountId {
    engine
        .create_account(NewAccount { name: "Checking".into(), kind: AccountKind::Checking, currency: Currency::USD })
        .unwrap()
}

/// Every stored transaction, newest first.
pub fn all(engine: &Engine) -> Vec<Transaction> {
    engine.transactions(&TransactionQuery::default()).unwrap()
}

/// Imports `bytes` as a file named `file_name`, into the accounts it names.
pub fn import(engine: &Engine, file_name: &str, bytes: Vec<u8>) -> ImportReport {
    engine
        .import_file(ImportRequest {
            bytes,
            file_name: Some(file_name.into()),
            account: None,
            mapping: None,
            currency: None,
            dry_run: false,
            log_user: None,
        })
        .unwrap()
}

/// The `profile.json` of the default profile in the data folder `dir`: where its key is.
pub fn profile_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("profiles/default/profile.json")).unwrap()).unwrap()
}

/// The project's shared folder (bank fixtures, the OFX directory's source), beside the repository.
pub fn shared_dir() -> PathBuf {
    let dir = manifest_dir().join("../../../shared");
    assert!(dir.is_dir(), "{} is missing: the shared fixtures live beside the repository", dir.display());
    dir
}

/// This crate's directory, read at run time first: the target directory is shared by every
/// clone on the machine, so a path baked in at compile time could name another (or a deleted) one.
pub fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from)
}
