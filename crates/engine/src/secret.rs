//! Secrets in memory: redacted `Debug`, zeroized on drop, never `Display` or `Serialize`.

use std::fmt;

use rand::RngCore;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Error, ErrorKind, Result};

/// The 256-bit key that SQLCipher encrypts the vault with, and, for a key derived from a
/// passphrase, the derivation's salt: a new or re-encrypted file is written with it as its
/// SQLCipher salt (its first 16 bytes, in the clear), so the file alone says how to derive
/// its key again.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct VaultKey([u8; 32], Option<[u8; 16]>);

impl VaultKey {
    pub fn random() -> VaultKey {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        VaultKey(key, None)
    }

    pub(crate) fn from_bytes(bytes: [u8; 32]) -> VaultKey {
        VaultKey(bytes, None)
    }

    /// The key, to be written with `salt` as the file's SQLCipher salt.
    pub(crate) fn with_file_salt(mut self, salt: [u8; 16]) -> VaultKey {
        self.1 = Some(salt);
        self
    }

    /// The `PRAGMA key` (or `rekey`) value that writes a new file, or re-encrypts one, with
    /// this key's salt; without one, SQLCipher picks a random salt.
    pub(crate) fn sqlcipher_pragma_for_writing(&self) -> Zeroizing<String> {
        match &self.1 {
            Some(salt) => Zeroizing::new(format!("x'{}{}'", hex::encode(self.0), hex::encode(salt))),
            None => self.sqlcipher_pragma(),
        }
    }

    /// Hex form, as stored in the keychain.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0))
    }

    pub fn from_hex(text: &str) -> Result<VaultKey> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), bytes.as_mut()).map_err(|_| {
            Error::new(
                ErrorKind::Corrupt,
                "the vault key in the keychain is malformed: restore the keychain entry from a backup",
            )
        })?;
        Ok(VaultKey(*bytes, None))
    }

    /// The `PRAGMA key` value for a raw key, which skips SQLCipher's own key derivation.
    pub(crate) fn sqlcipher_pragma(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(self.0)))
    }
}

impl fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VaultKey(<redacted>)")
    }
}

/// A passphrase typed by the user.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Passphrase(String);

impl Passphrase {
    pub const MIN_CHARS: usize = 8;

    pub fn new(text: impl Into<String>) -> Passphrase {
        Passphrase(text.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Refuses passphrases too short to resist guessing.
    pub fn validate_new(&self) -> Result<()> {
        if self.0.chars().count() < Self::MIN_CHARS {
            return Err(Error::new(
                ErrorKind::Invalid,
                format!("the passphrase is too short: use at least {} characters", Self::MIN_CHARS),
            ));
        }
        Ok(())
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug_output() {
        let key = VaultKey::random();
        let hex = key.to_hex();
        assert!(!format!("{key:?}").contains(&hex[..8]));
        let p = Passphrase::new("correct horse battery staple");
        assert_eq!(format!("{p:?}"), "Passphrase(<redacted>)");
    }
}
