//! [`Engine`]: its lifecycle (create, unlock, lock, change keys, status) and the access to its
//! vault that the layers below the API use. Cheap to clone; "locked" is one of its states.
//! Everything else it can do is in `crate::api`.

use std::fs;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use spearmint_core::VaultId;

use crate::alerts;
use crate::error::{Error, ErrorKind, Hint, Result};
use crate::keychain::{KeychainEntry, SessionCache};
use crate::secret::{Passphrase, VaultKey};
use crate::status::{KeySource, TableCount, VaultState, VaultStatus};
use crate::vault::profile::{KeySpec, Profile};
use crate::vault::{FileLook, Migrations, ProfilePaths, Vault, look_at, settings};

/// The environment variable that overrides the data directory.
pub const DATA_DIR_ENV: &str = "SPEARMINT_DATA_DIR";

/// Where profiles live: `$SPEARMINT_DATA_DIR`, else the platform's data directory
/// (`$XDG_DATA_HOME/spearmint`, usually `~/.local/share/spearmint`, on Linux).
pub fn default_data_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "spearmint").map(|d| d.data_dir().to_path_buf()).ok_or_else(|| {
        Error::new(
            ErrorKind::Invalid,
            format!("no home directory: set {DATA_DIR_ENV} to the folder to keep Spearmint's data in"),
        )
        .with_hint(Hint::ChooseDataDir)
    })
}

#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub data_dir: PathBuf,
    pub profile: String,
    /// The schema migrations; [`Migrations::default`] outside tests.
    pub migrations: Migrations,
    /// The seller dictionary new transactions are categorized with: the built-in one, unless
    /// another is given (an updated dictionary; tests).
    pub dictionary: &'static spearmint_core::Dictionary,
    /// Whether a bank may be reached over plain http on this machine (a test bank, a bank's
    /// server under development). Off by default: every address a bank, a SimpleFIN claim or
    /// the desktop window supplies must be https. The built-in demo bank needs no such leave.
    pub allow_loopback_http: bool,
}

impl EngineOptions {
    pub fn new(data_dir: PathBuf) -> EngineOptions {
        EngineOptions {
            data_dir,
            profile: "default".into(),
            migrations: Migrations::default(),
            dictionary: spearmint_core::Dictionary::builtin(),
            allow_loopback_http: false,
        }
    }
}

/// How a new vault's key is kept.
#[derive(Debug)]
pub enum NewKey {
    /// A random key in the OS keychain (the default).
    Keychain,
    /// A key derived from a passphrase with Argon2id, for machines without a keychain.
    Passphrase(Passphrase),
}

/// How to unlock.
#[derive(Debug)]
pub enum Unlock {
    Keychain,
    Passphrase(Passphrase),
    /// The key cached in the kernel session keyring by an earlier passphrase unlock (CLI).
    SessionCache,
}

#[derive(Clone, Debug)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    paths: ProfilePaths,
    migrations: Migrations,
    dictionary: &'static spearmint_core::Dictionary,
    allow_loopback_http: bool,
    state: Mutex<State>,
    notifier: std::sync::RwLock<SharedNotifier>,
}

/// The notifier the background task and [`Engine::deliver_pending`] use.
#[derive(Clone)]
struct SharedNotifier(Arc<dyn crate::alerts::Notifier>);

impl std::fmt::Debug for SharedNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedNotifier")
    }
}

#[derive(Debug)]
enum State {
    Locked,
    Unlocked { vault: Box<Vault>, key: VaultKey },
}

const COUNTED_TABLES: &[&str] = &[
    "accounts",
    "transactions",
    "categories",
    "rules",
    "budget_overrides",
    "monthly_spending",
    "jobs",
    "notifications",
    "raw_payloads",
    "changes",
];

impl Engine {
    /// An engine for one profile. Touches nothing on disk until asked.
    pub fn new(options: EngineOptions) -> Result<Engine> {
        let paths = ProfilePaths::new(&options.data_dir, &options.profile)?;
        Ok(Engine {
            inner: Arc::new(Inner {
                paths,
                migrations: options.migrations,
                dictionary: options.dictionary,
                allow_loopback_http: options.allow_loopback_http,
                state: Mutex::new(State::Locked),
                notifier: std::sync::RwLock::new(SharedNotifier(Arc::new(crate::alerts::DesktopNotifier))),
            }),
        })
    }

    /// An unlocked engine over a plain, unencrypted SQLite file: only for the import
    /// benchmark's baseline (SQLCipher's overhead is measured against it). Never for data.
    #[doc(hidden)]
    pub fn new_plain_for_benchmarks(options: EngineOptions) -> Result<Engine> {
        let engine = Engine::new(options)?;
        create_private_dir(&engine.inner.paths.dir)?;
        let vault = Vault::create_plain_for_benchmarks(&engine.inner.paths, &engine.inner.migrations)?;
        *engine.state() = State::Unlocked { vault: watched(vault), key: VaultKey::random() };
        Ok(engine)
    }

    /// How alerts reach the user from now on: the native [`crate::DesktopNotifier`] unless a
    /// client sets its own (the desktop app's opens the window where an alert points).
    pub fn set_notifier(&self, notifier: Arc<dyn crate::alerts::Notifier>) {
        *self.inner.notifier.write().unwrap_or_else(std::sync::PoisonError::into_inner) = SharedNotifier(notifier);
    }

    /// The notifier set with [`Engine::set_notifier`].
    pub(crate) fn notifier(&self) -> Arc<dyn crate::alerts::Notifier> {
        self.inner.notifier.read().unwrap_or_else(std::sync::PoisonError::into_inner).0.clone()
    }

    /// Whether banks may be reached over plain http on this machine ([`EngineOptions`]).
    pub(crate) fn allows_loopback_http(&self) -> bool {
        self.inner.allow_loopback_http
    }

    /// The seller dictionary this engine categorizes with.
    pub fn dictionary(&self) -> &'static spearmint_core::Dictionary {
        self.inner.dictionary
    }

    pub(crate) fn paths(&self) -> &ProfilePaths {
        &self.inner.paths
    }

    pub fn vault_path(&self) -> PathBuf {
        self.inner.paths.vault()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the state as it was: keep going.
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn profile(&self) -> Result<Option<Profile>> {
        Profile::read(&self.inner.paths.profile_json())
    }

    fn require_profile(&self) -> Result<Profile> {
        match (self.profile()?, look_at(&self.inner.paths.vault())?) {
            (Some(p), _) => Ok(p),
            (None, FileLook::Missing) => Err(Error::new(
                ErrorKind::NotFound,
                format!("there is no vault in {} yet: create one", self.inner.paths.dir.display()),
            )
            .with_hint(Hint::CreateVault)),
            (None, _) => Err(Error::new(
                ErrorKind::Corrupt,
                format!(
                    "{} is missing: a vault protected by a passphrase opens with its passphrase alone; for one \
                     whose key is in the keychain, restore profile.json from a backup",
                    self.inner.paths.profile_json().display()
                ),
            )),
        }
    }

    /// Creates the vault. With [`NewKey::Keychain`] the key goes to the keychain first, so a
    /// keychain that cannot be reached fails before anything is written.
    pub fn create(&self, new_key: NewKey) -> Result<VaultStatus> {
        let paths = &self.inner.paths;
        // profile.json is the only copy of a passphrase vault's salt: a vault is there when
        // either file is, and neither is ever written over.
        for file in [paths.vault(), paths.profile_json()] {
            if look_at(&file)? != FileLook::Missing {
                return Err(Error::new(
                    ErrorKind::AlreadyExists,
                    format!(
                        "this profile already has a vault ({} is there): open it, or set it aside and start a new one",
                        file.display()
                    ),
                )
                .with_hint(Hint::ReplaceVault));
            }
        }
        create_private_dir(&paths.dir)?;
        let vault_id = VaultId::new().to_string();
        let (key, spec) = match new_key {
            NewKey::Keychain => {
                let spec = KeySpec::keychain(format!("vault-key:{vault_id}"));
                let key = VaultKey::random();
                spec.keychain_entry().expect("keychain spec").store(&key)?;
                (key, spec)
            }
            NewKey::Passphrase(p) => {
                p.validate_new()?;
                let spec = KeySpec::new_passphrase();
                (spec.derive(&p)?, spec)
            }
        };
        let profile =
            Profile { format: crate::vault::profile::FORMAT, vault_id: vault_id.clone(), key: spec, pending: None };
        if let Err(e) = profile.write_new(&paths.profile_json()) {
            // Another process made this profile's vault first: its key entry is not ours.
            if let Some(entry) = profile.key.keychain_entry() {
                let _ = entry.delete();
            }
            return Err(e);
        }
        let vault = Vault::create(paths, &key, &vault_id, &self.inner.migrations)?;
        *self.state() = State::Unlocked { vault: watched(vault), key };
        self.mark_used()?;
        self.status()
    }

    /// Sets the profile's vault aside (its files move, unchanged, to a `replaced-<time>` folder
    /// in the profile, which is returned) and creates a new one. Nothing is deleted: the old
    /// vault opens again from there with its own key.
    pub fn create_replacing(&self, new_key: NewKey) -> Result<(VaultStatus, std::path::PathBuf)> {
        self.lock()?;
        let paths = &self.inner.paths;
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
        let backup = paths.dir.join(format!("replaced-{stamp}"));
        create_private_dir(&backup)?;
        let names = ["profile.json", "vault.db", "vault.db-wal", "vault.db-shm"];
        for name in names {
            let from = paths.dir.join(name);
            if look_at(&from)? != FileLook::Missing {
                std::fs::rename(&from, backup.join(name))
                    .map_err(|e| Error::io(&format!("cannot set {name} aside in {}", backup.display()), e))?;
            }
        }
        Ok((self.create(new_key)?, backup))
    }

    /// First-run friendly open for the desktop: creates the vault with a keychain key if there
    /// is none, unlocks it from the keychain if it uses one; a passphrase vault stays locked.
    pub fn open_or_create(&self) -> Result<VaultStatus> {
        if matches!(*self.state(), State::Unlocked { .. }) {
            return self.status();
        }
        match self.profile()? {
            None if look_at(&self.inner.paths.vault())? == FileLook::Missing => self.create(NewKey::Keychain),
            Some(p) if matches!(p.key, KeySpec::Keychain { .. }) => {
                self.unlock(Unlock::Keychain)?;
                self.mark_used()?;
                self.status()
            }
            _ => self.status(),
        }
    }

    pub fn unlock(&self, how: Unlock) -> Result<VaultStatus> {
        let profile = match (self.require_profile(), &how) {
            (Ok(profile), _) => profile,
            // A vault restored without its profile.json: a passphrase vault's file says how
            // its key is derived.
            (Err(e), Unlock::Passphrase(p)) if e.kind() == ErrorKind::Corrupt => self.restore_profile(p, e)?,
            (Err(e), _) => return Err(e),
        };
        let (vault, key) = self.open_with(&profile, how)?;
        *self.state() = State::Unlocked { vault: watched(vault), key };
        self.status()
    }

    /// The profile of a passphrase vault whose profile.json is lost, from the vault file alone
    /// (its SQLCipher salt is the passphrase's salt): written back once the passphrase opens
    /// the file. `missing` is the error to give when it does not.
    fn restore_profile(&self, passphrase: &Passphrase, missing: Error) -> Result<Profile> {
        let paths = &self.inner.paths;
        let mut salt = [0u8; 16];
        let read = std::fs::File::open(paths.vault()).and_then(|mut f| {
            use std::io::Read as _;
            f.read_exact(&mut salt)
        });
        if read.is_err() || salt.starts_with(b"SQLite format") {
            return Err(missing);
        }
        let spec = KeySpec::from_file_salt(salt);
        let key = spec.derive(passphrase)?;
        let vault = match Vault::open(paths, &key, &self.inner.migrations) {
            Ok(vault) => vault,
            Err(e) if e.kind() == ErrorKind::WrongKey || e.kind() == ErrorKind::Corrupt => {
                return Err(Error::new(
                    ErrorKind::Corrupt,
                    format!(
                        "{} is missing, and this passphrase does not open the vault file: enter the vault's own \
                         passphrase, or restore profile.json from a backup",
                        paths.profile_json().display()
                    ),
                ));
            }
            Err(e) => return Err(e),
        };
        let vault_id = crate::vault::settings::vault_id(vault.read())?
            .ok_or_else(|| Error::new(ErrorKind::Corrupt, "the vault file does not say which vault it is"))?;
        drop(vault);
        let profile = Profile { format: crate::vault::profile::FORMAT, vault_id, key: spec, pending: None };
        profile.write_new(&paths.profile_json())?;
        Ok(profile)
    }

    fn open_with(&self, profile: &Profile, how: Unlock) -> Result<(Vault, VaultKey)> {
        let paths = &self.inner.paths;
        let migrations = &self.inner.migrations;
        let key_for = |spec: &KeySpec, how: &Unlock| -> Result<Option<VaultKey>> {
            match (spec, how) {
                (KeySpec::Keychain { .. }, Unlock::Keychain) => {
                    // A missing main entry is an error of its own (KeyMissing), not "try another key".
                    spec.keychain_entry().expect("keychain").load().map(Some)
                }
                (KeySpec::Passphrase { .. }, Unlock::Passphrase(p)) => spec.derive(p).map(Some),
                _ => Ok(None),
            }
        };
        if let Unlock::SessionCache = how {
            let key = SessionCache::new(&profile.vault_id).get().ok_or_else(|| {
                Error::new(ErrorKind::VaultLocked, "the vault is locked: unlock it with its passphrase")
            })?;
            return Vault::open(paths, &key, migrations).map(|v| (v, key)).inspect_err(|e| {
                if e.kind() == ErrorKind::WrongKey {
                    SessionCache::new(&profile.vault_id).clear();
                }
            });
        }
        let wrong_kind = |spec: &KeySpec| match spec {
            KeySpec::Keychain { .. } => Error::new(
                ErrorKind::Invalid,
                "this vault's key is in the keychain, not derived from a passphrase: unlock without a passphrase",
            ),
            KeySpec::Passphrase { .. } => {
                Error::new(ErrorKind::WrongKey, "this vault is protected by a passphrase: enter it to unlock")
            }
        };
        let first = match key_for(&profile.key, &how)? {
            Some(key) => match Vault::open(paths, &key, migrations) {
                Ok(v) => return Ok((v, key)),
                Err(e) if e.kind() == ErrorKind::WrongKey => Err(e),
                Err(e) => return Err(e),
            },
            None => Err(wrong_kind(&profile.key)),
        };
        // A key change may have been interrupted after re-encrypting: try the pending key.
        if let Some(pending) = &profile.pending
            && let Some(key) = key_for(pending, &how)?
            && let Ok(vault) = Vault::open(paths, &key, migrations)
        {
            self.finish_key_change(profile, pending.clone(), &key)?;
            return Ok((vault, key));
        }
        Err(match (first, &profile.key) {
            (Err(e), KeySpec::Passphrase { .. })
                if e.kind() == ErrorKind::WrongKey && matches!(how, Unlock::Passphrase(_)) =>
            {
                Error::new(ErrorKind::WrongKey, "wrong passphrase: the vault stays locked; try again")
            }
            (Err(e), KeySpec::Keychain { .. }) if e.kind() == ErrorKind::WrongKey => Error::new(
                ErrorKind::WrongKey,
                "the key in the keychain does not open this vault (it was replaced, or the vault was copied from elsewhere): restore the keychain entry or the vault from a backup",
            ),
            (Err(e), _) => e,
            (Ok(()), _) => unreachable!("handled above"),
        })
    }

    /// Completes an interrupted or finished key change: `pending` becomes the key.
    fn finish_key_change(&self, profile: &Profile, pending: KeySpec, key: &VaultKey) -> Result<()> {
        if let Some(old) = profile.key.keychain_entry()
            && let Some(next) = pending.keychain_entry()
        {
            // Keychain rekey: the new key moves from the "next" entry to the main one.
            old.store(key)?;
            let updated = Profile { key: profile.key.clone(), pending: None, ..profile.clone() };
            updated.write(&self.inner.paths.profile_json())?;
            next.delete()?;
            return Ok(());
        }
        let updated = Profile { key: pending, pending: None, ..profile.clone() };
        updated.write(&self.inner.paths.profile_json())?;
        if let Some(old) = profile.key.keychain_entry() {
            old.delete()?;
        }
        Ok(())
    }

    /// Forgets the key and closes the file (after folding the log into it).
    pub fn lock(&self) -> Result<VaultStatus> {
        let previous = std::mem::replace(&mut *self.state(), State::Locked);
        if let State::Unlocked { mut vault, .. } = previous {
            // Incomplete only while another process reads the log: its pages stay there, safe.
            let _complete = vault.checkpoint()?;
        }
        if let Ok(Some(p)) = self.profile() {
            SessionCache::new(&p.vault_id).clear();
        }
        self.status()
    }

    /// Keeps the key in the kernel session keyring for later CLI commands (Linux only);
    /// returns whether it is cached.
    pub fn cache_in_session(&self) -> Result<bool> {
        let profile = self.require_profile()?;
        match &*self.state() {
            State::Unlocked { key, .. } => Ok(SessionCache::new(&profile.vault_id).put(key)),
            State::Locked => Err(locked()),
        }
    }

    /// Protects the vault with a passphrase instead of its current key (keychain or an older
    /// passphrase). Crash-safe: the new key is recorded as pending before the file is
    /// re-encrypted, and becomes current after.
    pub fn set_passphrase(&self, new: Passphrase) -> Result<VaultStatus> {
        new.validate_new()?;
        let profile = self.require_profile()?;
        let spec = KeySpec::new_passphrase();
        let key = spec.derive(&new)?;
        self.change_key(&profile, spec, key)?;
        self.status()
    }

    /// Re-encrypts the vault with a fresh random key kept in the keychain. From a passphrase
    /// vault this moves the key to the keychain.
    pub fn rekey(&self) -> Result<VaultStatus> {
        let profile = self.require_profile()?;
        let key = VaultKey::random();
        let spec = match &profile.key {
            KeySpec::Keychain { .. } => KeySpec::keychain(format!("vault-key-next:{}", profile.vault_id)),
            KeySpec::Passphrase { .. } => KeySpec::keychain(format!("vault-key:{}", profile.vault_id)),
        };
        spec.keychain_entry().expect("keychain").store(&key)?;
        self.change_key(&profile, spec, key)?;
        self.status()
    }

    fn change_key(&self, profile: &Profile, spec: KeySpec, key: VaultKey) -> Result<()> {
        let mut state = self.state();
        let State::Unlocked { vault, key: current } = &mut *state else {
            return Err(locked());
        };
        let staged = Profile { pending: Some(spec.clone()), ..profile.clone() };
        staged.write(&self.inner.paths.profile_json())?;
        vault.rekey(&key)?;
        *current = key.clone();
        drop(state);
        SessionCache::new(&profile.vault_id).clear();
        self.finish_key_change(profile, spec, &key)
    }

    pub(crate) fn with_vault<T>(&self, f: impl FnOnce(&mut Vault) -> Result<T>) -> Result<T> {
        match &mut *self.state() {
            State::Unlocked { vault, .. } => f(vault),
            State::Locked => Err(locked()),
        }
    }

    /// Records that a person used this profile now. The daily extraction runs only for
    /// profiles used in the last 30 days; the daemon itself never calls this.
    pub fn mark_used(&self) -> Result<()> {
        self.with_vault(|v| v.write(|w| settings::mark_used(w, chrono::Utc::now())))
    }

    pub fn status(&self) -> Result<VaultStatus> {
        let paths = &self.inner.paths;
        let look = look_at(&paths.vault())?;
        let profile = self.profile()?;
        let (key_source, key_location) = match profile.as_ref().map(|p| &p.key) {
            Some(spec @ KeySpec::Keychain { .. }) => {
                (Some(KeySource::Keychain), spec.keychain_entry().map(|e: KeychainEntry| e.describe()))
            }
            Some(KeySpec::Passphrase { .. }) => (
                Some(KeySource::Passphrase),
                Some("derived from your passphrase (Argon2id); not stored anywhere".into()),
            ),
            None => (None, None),
        };
        let mut status = VaultStatus {
            profile: paths.name.clone(),
            path: paths.vault().display().to_string(),
            state: if look == FileLook::Missing { VaultState::Missing } else { VaultState::Locked },
            encrypted: look == FileLook::Opaque,
            key_source,
            key_location,
            schema_version: None,
            latest_schema_version: self.inner.migrations.latest(),
            counts: Vec::new(),
        };
        if let State::Unlocked { vault, .. } = &*self.state() {
            status.state = VaultState::Unlocked;
            status.schema_version = Some(vault.schema_version()?);
            for table in COUNTED_TABLES {
                let rows: u32 = vault.read().query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
                status.counts.push(TableCount { table: (*table).to_owned(), rows });
            }
        }
        Ok(status)
    }

    /// Runs vault work on a blocking thread (from async code).
    pub(crate) async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let engine = self.clone();
        Engine::blocking(move || engine.with_vault(f)).await
    }

    /// Runs blocking work (the keychain, SQLite) on a blocking thread.
    pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
        tokio::task::spawn_blocking(f).await.map_err(|e| Error::internal("a background task failed", e))?
    }
}

/// An opened vault with the budget check at the end of every write ([`alerts::after_write`]).
fn watched(mut vault: Vault) -> Box<Vault> {
    vault.set_commit_hook(alerts::after_write);
    Box::new(vault)
}

fn locked() -> Error {
    Error::new(ErrorKind::VaultLocked, "the vault is locked: unlock it first")
}

fn create_private_dir(dir: &std::path::Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| Error::io(&format!("cannot create {}", dir.display()), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io("cannot protect the profile directory", e))?;
    }
    Ok(())
}
