//! Sealing and opening records: XChaCha20-Poly1305 under the data key of the record's epoch,
//! with the envelope's associated data (version, vault, device, seq, epoch, the previous
//! record's hash), so that a record the server moved, replayed, dropped from the middle or
//! rolled back does not open, or opens as what it is and is refused. The data key is wrapped
//! for the server by a key derived with Argon2id from the recovery phrase, which never leaves
//! the devices.

use std::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore as _;
use spearmint_sync_proto::{
    ChangeBatch, ContentHash, DeviceId, Envelope, KeyEpoch, NONCE_LEN, PROTOCOL_VERSION, Seq, VaultId, WrappedKey, pad,
    unpad,
};
use zeroize::{Zeroize, Zeroizing};

/// A record's key: 32 random bytes per epoch. Never printed; wiped when dropped.
#[derive(Clone)]
pub(crate) struct DataKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey([redacted])")
    }
}

impl DataKey {
    pub(crate) fn random() -> DataKey {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(key.as_mut());
        DataKey(key)
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<DataKey> {
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(bytes.get(..32).filter(|_| bytes.len() == 32)?);
        Some(DataKey(key))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.as_ref().into())
    }
}

/// The recovery phrase: 24 BIP39 words for 256 bits, shown once at setup. Never printed.
pub(crate) struct RecoveryPhrase(Zeroizing<String>);

impl fmt::Debug for RecoveryPhrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryPhrase([redacted])")
    }
}

/// Why a record or a key does not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SealError {
    #[error("the recovery phrase is not 24 words from the list: check each word")]
    Phrase,
    #[error("this recovery phrase does not open this budget's key: check the words, in order")]
    WrongPhrase,
    #[error("record {seq} of device {device} is not where it was sealed: the server moved it")]
    Moved { device: DeviceId, seq: Seq },
    #[error("device {device} sent record {found} where {expected} comes next: the server dropped or replayed records")]
    OutOfOrder { device: DeviceId, expected: Seq, found: Seq },
    #[error("record {seq} of device {device} does not follow the one before it: the server changed the device's log")]
    Broken { device: DeviceId, seq: Seq },
    #[error("record {seq} of device {device} was altered: it does not open")]
    Tampered { device: DeviceId, seq: Seq },
    #[error("record {seq} of device {device} needs key epoch {}, which this device does not hold", epoch.0)]
    NoKey { device: DeviceId, seq: Seq, epoch: KeyEpoch },
    #[error("record {seq} of device {device} opens but holds no change batch this version reads")]
    Unreadable { device: DeviceId, seq: Seq },
}

impl RecoveryPhrase {
    /// A new phrase from 256 random bits.
    pub(crate) fn generate() -> RecoveryPhrase {
        let mut entropy = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(entropy.as_mut());
        // 32 bytes are always a valid BIP39 entropy length.
        let mnemonic = bip39::Mnemonic::from_entropy(entropy.as_ref()).unwrap_or_else(|_| unreachable!());
        RecoveryPhrase(Zeroizing::new(mnemonic.to_string()))
    }

    /// Reads a phrase the user typed: words separated by any spaces, any case, checksum checked.
    pub(crate) fn parse(text: &str) -> Result<RecoveryPhrase, SealError> {
        let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
        if words.len() != 24 {
            return Err(SealError::Phrase);
        }
        let joined = Zeroizing::new(words.join(" "));
        let mnemonic = bip39::Mnemonic::parse_normalized(&joined).map_err(|_| SealError::Phrase)?;
        Ok(RecoveryPhrase(Zeroizing::new(mnemonic.to_string())))
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// The key that wraps the vault's data keys: Argon2id of the phrase, salted by the vault
    /// id (each budget's keys are derived apart), 64 MiB and 3 passes.
    fn wrapping_key(&self, vault: VaultId) -> DataKey {
        let params = Params::new(64 * 1024, 3, 1, Some(32)).unwrap_or_default();
        let mut out = Zeroizing::new([0u8; 32]);
        // The salt (16 bytes) and output length are within Argon2's limits.
        let _ = Argon2::new(Algorithm::Argon2id, Version::V0x13, params).hash_password_into(
            self.0.as_bytes(),
            vault.0.as_bytes(),
            out.as_mut(),
        );
        DataKey(out)
    }
}

const WRAP_DOMAIN: &[u8] = b"SMSYNCKW data key v1\0";

fn wrap_ad(vault: VaultId, epoch: KeyEpoch) -> Vec<u8> {
    let mut ad = WRAP_DOMAIN.to_vec();
    ad.extend_from_slice(vault.0.as_bytes());
    ad.extend_from_slice(&epoch.0.to_be_bytes());
    ad
}

/// Wraps `key` of `epoch` for the server to keep: only the phrase unwraps it.
pub(crate) fn wrap(phrase: &RecoveryPhrase, vault: VaultId, epoch: KeyEpoch, key: &DataKey) -> WrappedKey {
    let kek = phrase.wrapping_key(vault);
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    let ciphertext = kek
        .cipher()
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: key.as_bytes(), aad: &wrap_ad(vault, epoch) })
        .unwrap_or_default();
    WrappedKey { epoch, nonce, ciphertext }
}

/// Unwraps a data key; a wrong phrase (or a key of another vault) is refused here, before
/// anything is written.
pub(crate) fn unwrap(phrase: &RecoveryPhrase, vault: VaultId, wrapped: &WrappedKey) -> Result<DataKey, SealError> {
    let kek = phrase.wrapping_key(vault);
    let mut plain = kek
        .cipher()
        .decrypt(
            XNonce::from_slice(&wrapped.nonce),
            Payload { msg: &wrapped.ciphertext, aad: &wrap_ad(vault, wrapped.epoch) },
        )
        .map_err(|_| SealError::WrongPhrase)?;
    let key = DataKey::from_bytes(&plain).ok_or(SealError::WrongPhrase);
    plain.zeroize();
    key
}

/// Where a device's next record must be: its seq and the hash of the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Head {
    pub seq: Seq,
    pub hash: Option<ContentHash>,
}

impl Head {
    pub(crate) const START: Head = Head { seq: Seq(0), hash: None };
}

/// Seals `batch` as the record after `head` in `device`'s log.
pub(crate) fn seal(
    key: &DataKey,
    epoch: KeyEpoch,
    vault: VaultId,
    device: DeviceId,
    head: Head,
    batch: &ChangeBatch,
) -> Envelope {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    let mut envelope = Envelope {
        version: PROTOCOL_VERSION,
        vault,
        device,
        seq: Seq(head.seq.0 + 1),
        epoch,
        prev: head.hash,
        nonce,
        ciphertext: Vec::new(),
    };
    let plain = Zeroizing::new(pad(&batch.to_bytes()));
    let aad = envelope.associated_data();
    envelope.ciphertext = key
        .cipher()
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain.as_slice(), aad: &aad })
        .unwrap_or_default();
    envelope
}

/// Opens `record` as the next of `device`'s log after `head` in `vault`, with the key of its
/// epoch: refused if it is not exactly that record.
pub(crate) fn open(
    keys: &dyn Fn(KeyEpoch) -> Option<DataKey>,
    vault: VaultId,
    device: DeviceId,
    head: Head,
    record: &Envelope,
) -> Result<ChangeBatch, SealError> {
    let seq = record.seq;
    if record.vault != vault || record.device != device || record.check().is_err() {
        return Err(SealError::Moved { device, seq });
    }
    let expected = Seq(head.seq.0 + 1);
    if seq != expected {
        return Err(SealError::OutOfOrder { device, expected, found: seq });
    }
    if record.prev != head.hash {
        return Err(SealError::Broken { device, seq });
    }
    let key = keys(record.epoch).ok_or(SealError::NoKey { device, seq, epoch: record.epoch })?;
    let plain = Zeroizing::new(
        key.cipher()
            .decrypt(
                XNonce::from_slice(&record.nonce),
                Payload { msg: &record.ciphertext, aad: &record.associated_data() },
            )
            .map_err(|_| SealError::Tampered { device, seq })?,
    );
    let bytes = unpad(&plain).map_err(|_| SealError::Unreadable { device, seq })?;
    ChangeBatch::from_bytes(bytes).map_err(|_| SealError::Unreadable { device, seq })
}
