//! The sealed record: what a device uploads and the server stores, once, unopened.
//!
//! The client seals a padded [`crate::ChangeBatch`] with XChaCha20-Poly1305 under the key of
//! `epoch`, with [`Envelope::associated_data`] as the associated data. Those bytes bind the
//! record to its identity and to the record before it in the device's log, so the server (which
//! sees all of this but the plaintext) cannot move a record to another vault, device or seq,
//! replay an old one, drop one from the middle or serve an older head without the opening
//! client noticing.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::PROTOCOL_VERSION;
use crate::ids::{DeviceId, KeyEpoch, Seq, VaultId};

/// XChaCha20-Poly1305's nonce: 24 random bytes, safe to draw at random for every record.
pub const NONCE_LEN: usize = 24;

/// Poly1305's tag: every ciphertext is at least this long.
const TAG_LEN: usize = 16;

/// What the associated data starts with: the bytes are never mistaken for another format's.
const AD_MAGIC: &[u8; 8] = b"SMSYNCAD";

/// What a content hash starts with, for the same reason.
const HASH_DOMAIN: &[u8] = b"spearmint sync record v1\0";

/// SHA-256 of a whole record (associated data, nonce, ciphertext): equal hashes mean the same
/// record, so a replay is a no-op and a different record at the same place is a conflict.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentHash(pub [u8; 32]);

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentHash({})", hex::encode(self.0))
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl Serialize for ContentHash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for ContentHash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(&text, &mut bytes)
            .map_err(|_| serde::de::Error::custom("a content hash is 64 hexadecimal digits"))?;
        Ok(ContentHash(bytes))
    }
}

/// One sealed record of a device's log.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// The format the record was sealed in ([`PROTOCOL_VERSION`]).
    pub version: u16,
    pub vault: VaultId,
    pub device: DeviceId,
    pub seq: Seq,
    pub epoch: KeyEpoch,
    /// The content hash of this device's record `seq - 1`; `None` only for seq 1.
    pub prev: Option<ContentHash>,
    #[serde(with = "bytes24")]
    pub nonce: [u8; NONCE_LEN],
    /// The padded change batch, sealed, with its tag.
    #[serde(with = "base64_bytes")]
    pub ciphertext: Vec<u8>,
}

/// Why an envelope cannot be a record of this protocol (before anyone opens it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("the record is in sync format {found}, this side speaks {PROTOCOL_VERSION}: update Spearmint")]
    Version { found: u16 },
    #[error("a record's seq starts at 1")]
    ZeroSeq,
    #[error("record {seq} does not name the record before it")]
    MissingPrev { seq: Seq },
    #[error("record 1 names a record before it, but a log starts at 1")]
    PrevOnFirst,
    #[error("the record's ciphertext is {len} bytes, shorter than its authentication tag")]
    TooShort { len: usize },
}

impl Envelope {
    /// The bytes sealed as associated data: magic, version, vault, device, seq, epoch and the
    /// previous record's hash (zeros for seq 1), fixed width and big-endian.
    pub fn associated_data(&self) -> Vec<u8> {
        let mut ad = Vec::with_capacity(AD_MAGIC.len() + 2 + 16 + 16 + 8 + 4 + 32);
        ad.extend_from_slice(AD_MAGIC);
        ad.extend_from_slice(&self.version.to_be_bytes());
        ad.extend_from_slice(self.vault.0.as_bytes());
        ad.extend_from_slice(self.device.0.as_bytes());
        ad.extend_from_slice(&self.seq.0.to_be_bytes());
        ad.extend_from_slice(&self.epoch.0.to_be_bytes());
        ad.extend_from_slice(&self.prev.map_or([0u8; 32], |h| h.0));
        ad
    }

    /// The record's content hash: what the next record's `prev` names.
    pub fn content_hash(&self) -> ContentHash {
        let mut hasher = Sha256::new();
        hasher.update(HASH_DOMAIN);
        hasher.update(self.associated_data());
        hasher.update(self.nonce);
        hasher.update((self.ciphertext.len() as u64).to_be_bytes());
        hasher.update(&self.ciphertext);
        ContentHash(hasher.finalize().into())
    }

    /// Checks what can be checked without the key: the version, the seq and its link.
    pub fn check(&self) -> Result<(), EnvelopeError> {
        if self.version != PROTOCOL_VERSION {
            return Err(EnvelopeError::Version { found: self.version });
        }
        match (self.seq, self.prev) {
            (Seq(0), _) => return Err(EnvelopeError::ZeroSeq),
            (Seq(1), Some(_)) => return Err(EnvelopeError::PrevOnFirst),
            (seq, None) if seq.0 > 1 => return Err(EnvelopeError::MissingPrev { seq }),
            _ => {}
        }
        if self.ciphertext.len() < TAG_LEN {
            return Err(EnvelopeError::TooShort { len: self.ciphertext.len() });
        }
        Ok(())
    }

    /// Bytes the record takes on the wire and on the server's disk, near enough for quotas.
    pub fn stored_len(&self) -> usize {
        self.ciphertext.len() + NONCE_LEN + 32 + 2 + 16 + 16 + 8 + 4
    }
}

pub(crate) mod base64_bytes {
    use super::*;

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text.as_bytes()).map_err(|_| serde::de::Error::custom("bytes are base64 (RFC 4648, padded)"))
    }
}

pub(crate) mod bytes24 {
    use super::*;

    pub fn serialize<S: Serializer>(bytes: &[u8; NONCE_LEN], s: S) -> Result<S::Ok, S::Error> {
        base64_bytes::serialize(bytes, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; NONCE_LEN], D::Error> {
        let bytes = base64_bytes::deserialize(d)?;
        bytes.try_into().map_err(|_| serde::de::Error::custom("a nonce is 24 bytes"))
    }
}

/// A 32-byte value (a public key, a tag) as base64.
pub(crate) mod bytes32 {
    use super::*;

    pub fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        base64_bytes::serialize(bytes, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let bytes = base64_bytes::deserialize(d)?;
        bytes.try_into().map_err(|_| serde::de::Error::custom("a key or tag is 32 bytes"))
    }
}
