//! `profile.json`, the plaintext sidecar next to the vault: which vault this is and how its key
//! is found (keychain entry name, or the Argon2id salt and cost). It holds no secret.

use std::fs;
use std::io::Write;
use std::path::Path;

use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Result};
use crate::keychain::KeychainEntry;
use crate::secret::{Passphrase, VaultKey};

pub(crate) const FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Profile {
    pub format: u32,
    pub vault_id: String,
    /// How the key is found now.
    pub key: KeySpec,
    /// A key change in progress (rekey, passphrase change): if the process died between
    /// re-encrypting the file and updating `key`, the vault opens with this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<KeySpec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub(crate) enum KeySpec {
    Keychain { service: String, account: String },
    Passphrase { kdf: String, m_cost_kib: u32, t_cost: u32, p_cost: u32, salt: String },
}

impl KeySpec {
    pub fn keychain(account: String) -> KeySpec {
        let e = KeychainEntry::new(account);
        KeySpec::Keychain { service: e.service, account: e.account }
    }

    pub fn keychain_entry(&self) -> Option<KeychainEntry> {
        match self {
            KeySpec::Keychain { service, account } => {
                Some(KeychainEntry { service: service.clone(), account: account.clone() })
            }
            KeySpec::Passphrase { .. } => None,
        }
    }

    /// Argon2id with OWASP's first recommended setting (19 MiB would do; we take 64 MiB,
    /// 3 passes), and a fresh 16-byte salt.
    pub fn new_passphrase() -> KeySpec {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        KeySpec::Passphrase {
            kdf: "argon2id".into(),
            m_cost_kib: 64 * 1024,
            t_cost: 3,
            p_cost: 1,
            salt: hex::encode(salt),
        }
    }

    pub fn derive(&self, passphrase: &Passphrase) -> Result<VaultKey> {
        let KeySpec::Passphrase { kdf, m_cost_kib, t_cost, p_cost, salt } = self else {
            return Err(Error::new(ErrorKind::Internal, "derive called on a keychain key"));
        };
        let corrupt = || {
            Error::new(ErrorKind::Corrupt, "profile.json has a malformed passphrase section: restore it from a backup")
        };
        if kdf != "argon2id" {
            return Err(corrupt());
        }
        let salt = hex::decode(salt).map_err(|_| corrupt())?;
        let params = Params::new(*m_cost_kib, *t_cost, *p_cost, Some(32)).map_err(|_| corrupt())?;
        let mut out = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(passphrase.expose().as_bytes(), &salt, out.as_mut())
            .map_err(|e| Error::internal("the key could not be derived from the passphrase", e))?;
        let key = VaultKey::from_bytes(*out);
        Ok(match <[u8; 16]>::try_from(salt.as_slice()) {
            Ok(salt) => key.with_file_salt(salt),
            Err(_) => key,
        })
    }

    /// The passphrase spec a vault file implies by itself: the format's Argon2id cost and the
    /// salt the file begins with. What opens a vault whose profile.json is lost.
    pub fn from_file_salt(salt: [u8; 16]) -> KeySpec {
        match KeySpec::new_passphrase() {
            KeySpec::Passphrase { kdf, m_cost_kib, t_cost, p_cost, .. } => {
                KeySpec::Passphrase { kdf, m_cost_kib, t_cost, p_cost, salt: hex::encode(salt) }
            }
            keychain => keychain,
        }
    }
}

impl Profile {
    pub fn read(path: &Path) -> Result<Option<Profile>> {
        let text = match fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("cannot read profile.json", e)),
        };
        let profile: Profile = serde_json::from_str(&text).map_err(|e| {
            Error::new(ErrorKind::Corrupt, format!("{} is damaged ({e}): restore it from a backup", path.display()))
        })?;
        if profile.format > FORMAT {
            return Err(Error::new(
                ErrorKind::VaultTooNew,
                "this profile was written by a newer version of Spearmint: update Spearmint to open it",
            ));
        }
        Ok(Some(profile))
    }

    /// Replaces the file atomically (write, fsync, rename, fsync the directory), so a crash
    /// leaves either the old or the new profile, never half of one.
    /// Replaces `path` atomically (a unique temporary file, then a rename).
    pub fn write(&self, path: &Path) -> Result<()> {
        let tmp = self.write_temp(path)?;
        fs::rename(&tmp, path).map_err(|e| {
            let _ = fs::remove_file(&tmp);
            Error::io("cannot write profile.json", e)
        })?;
        sync_dir(path);
        Ok(())
    }

    /// Writes `path` only if there is none: of two processes creating the same profile at
    /// once, one writes it and the other gets `AlreadyExists`, never a mix of both.
    pub fn write_new(&self, path: &Path) -> Result<()> {
        let tmp = self.write_temp(path)?;
        let linked = fs::hard_link(&tmp, path);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => {
                sync_dir(path);
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Error::new(
                ErrorKind::AlreadyExists,
                "this profile already has a vault (its profile.json is there): open it instead of creating one",
            )),
            Err(e) => Err(Error::io("cannot write profile.json", e)),
        }
    }

    /// The profile, written and synced to a temporary file beside `path` named for this process
    /// and moment, so two writers never share one.
    fn write_temp(&self, path: &Path) -> Result<std::path::PathBuf> {
        let text = serde_json::to_string_pretty(self).map_err(|e| Error::internal("cannot encode profile.json", e))?;
        let unique = format!("json.{}.{}.tmp", std::process::id(), rand::random::<u64>());
        let tmp = path.with_extension(unique);
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| Error::io("cannot write profile.json", e))?;
        if let Err(e) = f.write_all(text.as_bytes()).and_then(|()| f.sync_all()) {
            let _ = fs::remove_file(&tmp);
            return Err(Error::io("cannot write profile.json", e));
        }
        Ok(tmp)
    }
}

fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent()
        && let Ok(d) = fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
}
