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
    ChangeBatch, ContentHash, DeviceId, DeviceKey, Envelope, Grant, KeyEpoch, NONCE_LEN, PROTOCOL_VERSION, Seq,
    SnapshotChunk, SnapshotManifest, VaultId, WrappedKey, pad, unpad,
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
    #[error(
        "this recovery phrase does not open this budget's key: check the words, in order (after a change of phrase, only the new one does)"
    )]
    WrongPhrase,
    #[error(
        "the budget's new recovery phrase was not shared with this device: join the budget again with the new phrase"
    )]
    BadGrant,
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
    #[error("chunk {index} of the budget's snapshot was altered, moved or cut short: it does not open")]
    SnapshotTampered { index: u32 },
    #[error("the budget's snapshot needs key epoch {}, which this device does not hold", epoch.0)]
    SnapshotNoKey { epoch: KeyEpoch },
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

    /// The phrase's key, which wraps the vault's data keys and vouches for its devices' public
    /// keys: Argon2id of the phrase, salted by the vault id (each budget's keys are derived
    /// apart), 64 MiB and 3 passes.
    pub(crate) fn key(&self, vault: VaultId) -> DataKey {
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
const DEVICE_KEY_DOMAIN: &[u8] = b"SMSYNCDK device key v1\0";
const GRANT_DOMAIN: &[u8] = b"SMSYNCGR phrase key grant v1\0";

fn wrap_ad(vault: VaultId, epoch: KeyEpoch) -> Vec<u8> {
    let mut ad = WRAP_DOMAIN.to_vec();
    ad.extend_from_slice(vault.0.as_bytes());
    ad.extend_from_slice(&epoch.0.to_be_bytes());
    ad
}

fn random_nonce() -> [u8; NONCE_LEN] {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    nonce
}

/// Wraps `key` of `epoch` with the phrase's key, for the server to keep.
pub(crate) fn wrap(phrase_key: &DataKey, vault: VaultId, epoch: KeyEpoch, key: &DataKey) -> WrappedKey {
    let nonce = random_nonce();
    let ciphertext = phrase_key
        .cipher()
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: key.as_bytes(), aad: &wrap_ad(vault, epoch) })
        .unwrap_or_default();
    WrappedKey { epoch, nonce, ciphertext }
}

/// Unwraps a data key; a wrong phrase (or a key of another vault) is refused here, before
/// anything is written.
pub(crate) fn unwrap(phrase_key: &DataKey, vault: VaultId, wrapped: &WrappedKey) -> Result<DataKey, SealError> {
    let mut plain = phrase_key
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

/// This device's X25519 secret: other devices seal a new phrase's key to its public half.
/// Never printed; wiped when dropped.
pub(crate) struct DeviceSecret(x25519_dalek::StaticSecret);

impl fmt::Debug for DeviceSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceSecret([redacted])")
    }
}

impl DeviceSecret {
    pub(crate) fn random() -> DeviceSecret {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(bytes.as_mut());
        DeviceSecret(x25519_dalek::StaticSecret::from(*bytes))
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<DeviceSecret> {
        let bytes: Zeroizing<[u8; 32]> = Zeroizing::new(bytes.try_into().ok()?);
        Some(DeviceSecret(x25519_dalek::StaticSecret::from(*bytes)))
    }

    pub(crate) fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    pub(crate) fn public(&self) -> [u8; 32] {
        x25519_dalek::PublicKey::from(&self.0).to_bytes()
    }
}

fn device_key_tag(phrase_key: &DataKey, vault: VaultId, device: DeviceId, public: &[u8; 32]) -> [u8; 32] {
    use hmac::Mac as _;
    // HMAC takes a key of any length.
    let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(phrase_key.as_bytes())
        .unwrap_or_else(|_| unreachable!());
    mac.update(DEVICE_KEY_DOMAIN);
    mac.update(vault.0.as_bytes());
    mac.update(device.0.as_bytes());
    mac.update(public);
    mac.finalize().into_bytes().into()
}

/// `device`'s public key, vouched for with the phrase's key.
pub(crate) fn vouch(phrase_key: &DataKey, vault: VaultId, device: DeviceId, public: [u8; 32]) -> DeviceKey {
    DeviceKey { device, public, tag: device_key_tag(phrase_key, vault, device, &public) }
}

/// Whether a device of this budget (a holder of the phrase's key) added `key`, not the server.
pub(crate) fn vouched(phrase_key: &DataKey, vault: VaultId, key: &DeviceKey) -> bool {
    use subtle::ConstantTimeEq as _;
    device_key_tag(phrase_key, vault, key.device, &key.public).ct_eq(&key.tag).into()
}

fn grant_ad(vault: VaultId, device: DeviceId, phrase: u32) -> Vec<u8> {
    let mut ad = GRANT_DOMAIN.to_vec();
    ad.extend_from_slice(vault.0.as_bytes());
    ad.extend_from_slice(device.0.as_bytes());
    ad.extend_from_slice(&phrase.to_be_bytes());
    ad
}

/// The key both ends of a grant derive: SHA-256 over the X25519 shared secret and both
/// public keys.
fn grant_key(shared: &x25519_dalek::SharedSecret, ephemeral: &[u8; 32], recipient: &[u8; 32]) -> DataKey {
    use sha2::Digest as _;
    let mut hash = sha2::Sha256::new();
    hash.update(GRANT_DOMAIN);
    hash.update(shared.as_bytes());
    hash.update(ephemeral);
    hash.update(recipient);
    DataKey(Zeroizing::new(hash.finalize().into()))
}

/// Seals phrase number `phrase`'s key for the device of `to`, with a one-time key pair.
pub(crate) fn grant(phrase_key: &DataKey, phrase: u32, vault: VaultId, to: &DeviceKey) -> Grant {
    let one_time = DeviceSecret::random();
    let ephemeral = one_time.public();
    let shared = one_time.0.diffie_hellman(&x25519_dalek::PublicKey::from(to.public));
    let key = grant_key(&shared, &ephemeral, &to.public);
    let nonce = random_nonce();
    let ciphertext = key
        .cipher()
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload { msg: phrase_key.as_bytes(), aad: &grant_ad(vault, to.device, phrase) },
        )
        .unwrap_or_default();
    Grant { device: to.device, phrase, ephemeral, nonce, ciphertext }
}

/// Opens a grant sealed for this device: the phrase's key it carries.
pub(crate) fn open_grant(
    secret: &DeviceSecret,
    vault: VaultId,
    me: DeviceId,
    grant: &Grant,
) -> Result<DataKey, SealError> {
    let shared = secret.0.diffie_hellman(&x25519_dalek::PublicKey::from(grant.ephemeral));
    let key = grant_key(&shared, &grant.ephemeral, &secret.public());
    let mut plain = key
        .cipher()
        .decrypt(
            XNonce::from_slice(&grant.nonce),
            Payload { msg: &grant.ciphertext, aad: &grant_ad(vault, me, grant.phrase) },
        )
        .map_err(|_| SealError::BadGrant)?;
    let phrase_key = DataKey::from_bytes(&plain).ok_or(SealError::BadGrant);
    plain.zeroize();
    phrase_key
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

/// Seals `batch` as chunk `index` of the snapshot `manifest` describes (its `chunks` is not
/// bound: `last` says where the snapshot ends).
pub(crate) fn seal_chunk(
    key: &DataKey,
    vault: VaultId,
    manifest: &SnapshotManifest,
    index: u32,
    last: bool,
    batch: &ChangeBatch,
) -> SnapshotChunk {
    let nonce = random_nonce();
    let plain = Zeroizing::new(pad(&batch.to_bytes()));
    let aad = manifest.associated_data(vault, index, last);
    let ciphertext = key
        .cipher()
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain.as_slice(), aad: &aad })
        .unwrap_or_default();
    SnapshotChunk { index, nonce, ciphertext }
}

/// Opens chunk `index` of the snapshot `manifest` describes: refused unless it is exactly that
/// chunk, sealed by a device of the budget, and the last one only if `index` is the last.
pub(crate) fn open_chunk(
    keys: &dyn Fn(KeyEpoch) -> Option<DataKey>,
    vault: VaultId,
    manifest: &SnapshotManifest,
    index: u32,
    chunk: &SnapshotChunk,
) -> Result<ChangeBatch, SealError> {
    let tampered = SealError::SnapshotTampered { index };
    if chunk.index != index || index >= manifest.chunks {
        return Err(tampered);
    }
    let key = keys(manifest.epoch).ok_or(SealError::SnapshotNoKey { epoch: manifest.epoch })?;
    let aad = manifest.associated_data(vault, index, index + 1 == manifest.chunks);
    let plain = Zeroizing::new(
        key.cipher()
            .decrypt(XNonce::from_slice(&chunk.nonce), Payload { msg: &chunk.ciphertext, aad: &aad })
            .map_err(|_| tampered.clone())?,
    );
    let bytes = unpad(&plain).map_err(|_| tampered.clone())?;
    ChangeBatch::from_bytes(bytes).map_err(|_| tampered)
}
