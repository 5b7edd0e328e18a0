//! The OS keychain, through `keyring`: the Secret Service on Linux (persistent), the macOS
//! Keychain, the Windows Credential Manager. On Linux the kernel session keyring (keyutils)
//! also caches a passphrase-derived key for the rest of a login session, so the CLI does not
//! ask for the passphrase on every command; it is gone at logout or reboot.

use crate::error::{Error, ErrorKind, Hint, Result};
use crate::secret::VaultKey;

/// The service name of every Spearmint keychain entry.
pub const SERVICE: &str = "spearmint";

/// Where a vault key lives in the keychain. Never holds the key itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeychainEntry {
    pub service: String,
    pub account: String,
}

impl KeychainEntry {
    pub fn new(account: impl Into<String>) -> KeychainEntry {
        KeychainEntry { service: SERVICE.to_owned(), account: account.into() }
    }

    /// A short description for status output.
    pub fn describe(&self) -> String {
        format!("{} (service \"{}\", account \"{}\")", store_name(), self.service, self.account)
    }

    fn entry(&self) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, &self.account).map_err(|e| map_keyring_error(e, self))
    }

    pub fn load(&self) -> Result<VaultKey> {
        let text = zeroize::Zeroizing::new(self.entry()?.get_password().map_err(|e| map_keyring_error(e, self))?);
        VaultKey::from_hex(&text)
    }

    /// `Ok(None)` when the keychain works but holds no such entry.
    pub fn try_load(&self) -> Result<Option<VaultKey>> {
        match self.load() {
            Ok(key) => Ok(Some(key)),
            Err(e) if e.kind() == ErrorKind::KeyMissing => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn store(&self, key: &VaultKey) -> Result<()> {
        let entry = self.entry()?;
        entry.set_password(&key.to_hex()).map_err(|e| map_keyring_error(e, self))?;
        // Read it back: a store that silently forgets (keyring's mock) must never hold a key.
        let back = entry.get_password().map(zeroize::Zeroizing::new);
        match back {
            Ok(back) if back.as_str() == key.to_hex().as_str() => Ok(()),
            _ => Err(Error::new(
                ErrorKind::KeychainUnavailable,
                "the keychain did not keep the vault key: protect the vault with a passphrase instead",
            )
            .with_hint(Hint::UsePassphrase)),
        }
    }

    /// Stores any secret text (a connection's credentials), read back to be sure it was kept.
    pub fn store_secret(&self, secret: &str) -> Result<()> {
        let entry = self.entry()?;
        entry.set_password(secret).map_err(|e| map_keyring_error(e, self))?;
        match entry.get_password().map(zeroize::Zeroizing::new) {
            Ok(back) if back.as_str() == secret => Ok(()),
            _ => Err(Error::new(
                ErrorKind::KeychainUnavailable,
                "the keychain did not keep the credentials: check that it is unlocked",
            )),
        }
    }

    pub fn load_secret(&self) -> Result<zeroize::Zeroizing<String>> {
        self.entry()?.get_password().map(zeroize::Zeroizing::new).map_err(|e| map_keyring_error(e, self))
    }

    pub fn delete(&self) -> Result<()> {
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring_error(e, self)),
        }
    }
}

fn store_name() -> &'static str {
    if cfg!(target_os = "linux") {
        "Secret Service"
    } else if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(target_os = "windows") {
        "Windows Credential Manager"
    } else {
        "OS keychain"
    }
}

fn map_keyring_error(e: keyring::Error, entry: &KeychainEntry) -> Error {
    match e {
        keyring::Error::NoEntry => Error::new(
            ErrorKind::KeyMissing,
            format!(
                "the vault key is not in the {} (account \"{}\"): it was deleted, or this vault belongs to another user or machine; restore the keychain entry from a backup",
                store_name(),
                entry.account
            ),
        ),
        keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_) => Error::new(
            ErrorKind::KeychainUnavailable,
            format!(
                "no keychain is reachable ({}: {e}): start and unlock your keychain (on Linux a Secret Service such as gnome-keyring or KWallet, in a desktop session with D-Bus), or protect the vault with a passphrase instead",
                store_name()
            ),
        )
        .with_hint(Hint::UsePassphrase)
        .with_source(e),
        other => Error::internal("the keychain failed", other),
    }
}

/// The kernel session keyring (Linux keyutils): a per-login-session cache for a key derived
/// from a passphrase. The key is linked into this login session's keyring only (never the
/// user's persistent keyring, which survives logout), readable by its possessors only, and the
/// kernel destroys it after [`SessionCache::TIMEOUT_HOURS`] or at logout, whichever is first.
/// Nothing is cached on other systems.
#[derive(Debug, Clone)]
pub struct SessionCache {
    // Read only by the kernel keyring, which exists on Linux alone.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    description: String,
}

impl SessionCache {
    /// How long a cached key lives, at most.
    pub const TIMEOUT_HOURS: usize = 12;

    pub fn new(vault_id: &str) -> SessionCache {
        SessionCache { description: format!("{SERVICE}:session-key:{vault_id}") }
    }

    #[cfg(target_os = "linux")]
    fn session() -> Option<linux_keyutils::KeyRing> {
        linux_keyutils::KeyRing::from_special_id(linux_keyutils::KeyRingIdentifier::Session, false).ok()
    }

    #[cfg(target_os = "linux")]
    pub fn get(&self) -> Option<VaultKey> {
        let key = Self::session()?.search(&self.description).ok()?;
        let bytes = zeroize::Zeroizing::new(key.read_to_vec().ok()?);
        VaultKey::from_hex(std::str::from_utf8(&bytes).ok()?).ok()
    }

    /// Returns whether the key is now cached.
    #[cfg(target_os = "linux")]
    pub fn put(&self, key: &VaultKey) -> bool {
        use linux_keyutils::{KeyPermissionsBuilder, Permission};
        let Some(session) = Self::session() else { return false };
        let Ok(cached) = session.add_key(&self.description, key.to_hex().as_bytes()) else { return false };
        // Only a process holding this session keyring reaches it; not the user's other sessions.
        let perms = KeyPermissionsBuilder::builder().posessor(Permission::ALL).build();
        let sealed = cached.set_perms(perms).and_then(|()| cached.set_timeout(Self::TIMEOUT_HOURS * 3600));
        if sealed.is_err() {
            let _ = cached.invalidate();
            return false;
        }
        true
    }

    #[cfg(target_os = "linux")]
    pub fn clear(&self) {
        if let Some(key) = Self::session().and_then(|s| s.search(&self.description).ok()) {
            let _ = key.invalidate();
        }
    }

    #[cfg(not(target_os = "linux"))]
    pub fn get(&self) -> Option<VaultKey> {
        None
    }

    #[cfg(not(target_os = "linux"))]
    pub fn put(&self, _key: &VaultKey) -> bool {
        false
    }

    #[cfg(not(target_os = "linux"))]
    pub fn clear(&self) {}
}
