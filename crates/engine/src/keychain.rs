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
/// from a passphrase. Nothing is cached on other systems.
#[derive(Debug, Clone)]
pub struct SessionCache {
    // Read only by the kernel keyring, which exists on Linux alone.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    account: String,
}

impl SessionCache {
    pub fn new(vault_id: &str) -> SessionCache {
        SessionCache { account: format!("session-key:{vault_id}") }
    }

    #[cfg(target_os = "linux")]
    fn entry(&self) -> Option<keyring::Entry> {
        let cred = keyring::keyutils::KeyutilsCredential::new_with_target(None, SERVICE, &self.account).ok()?;
        Some(keyring::Entry::new_with_credential(Box::new(cred)))
    }

    #[cfg(not(target_os = "linux"))]
    fn entry(&self) -> Option<keyring::Entry> {
        None
    }

    pub fn get(&self) -> Option<VaultKey> {
        let text = zeroize::Zeroizing::new(self.entry()?.get_password().ok()?);
        VaultKey::from_hex(&text).ok()
    }

    /// Returns whether the key is now cached.
    pub fn put(&self, key: &VaultKey) -> bool {
        self.entry().is_some_and(|e| e.set_password(&key.to_hex()).is_ok())
    }

    pub fn clear(&self) {
        if let Some(e) = self.entry() {
            let _ = e.delete_credential();
        }
    }
}
