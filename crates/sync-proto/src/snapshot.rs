//! Snapshots: the latest value of every cell of a vault (tombstones and changes still waiting
//! included), sealed by one of its devices in chunks, tagged with what it covers: for each
//! device's log, the last record whose changes it holds and that record's content hash.
//!
//! A new device (or one offline past the server's retention window) downloads the latest
//! snapshot and then only the records after what it covers; the hash lets it check that the
//! next record of each log follows on. Once a snapshot covers records, and every active device
//! has read past them, the server may delete them (compaction): the snapshot stands for them.
//!
//! The manifest travels in the clear (the server needs the seqs to compact) but every chunk's
//! associated data binds it whole, with the chunk's place, so the server can neither alter what
//! a snapshot claims to cover nor drop, reorder or mix chunks without the opening device
//! noticing.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::PROTOCOL_VERSION;
use crate::envelope::{ContentHash, NONCE_LEN, base64_bytes, bytes24};
use crate::ids::{DeviceId, KeyEpoch, Seq, VaultId};

/// A chunk's sealed bytes, at most (its plaintext is smaller by the tag).
pub const MAX_CHUNK_BYTES: usize = 1 << 20;

/// The most chunks a snapshot may have: 4 GiB of sealed cells.
pub const MAX_CHUNKS: u32 = 4_096;

/// What a chunk's associated data starts with.
const AD_MAGIC: &[u8; 8] = b"SMSNAPAD";

/// One snapshot of a vault.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SnapshotId(pub Uuid);

/// The last record of one device's log a snapshot holds the changes of.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cover {
    pub device: DeviceId,
    pub seq: Seq,
    /// That record's content hash: the next record of the log names it as `prev`.
    pub hash: ContentHash,
}

/// `PUT /v1/vaults/{vault}/snapshots/{id}`, and `GET /v1/vaults/{vault}/snapshot` (the latest
/// complete one): a snapshot's identity and what it covers.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotManifest {
    pub id: SnapshotId,
    /// The device that sealed it.
    pub author: DeviceId,
    /// The data key's epoch its chunks are sealed with.
    pub epoch: KeyEpoch,
    /// How many chunks it has, indexed from 0.
    pub chunks: u32,
    /// In device order, one per device, every seq at least 1. A device absent is covered by
    /// nothing: its log is read from the start.
    pub covers: Vec<Cover>,
}

/// `PUT` and `GET /v1/vaults/{vault}/snapshots/{id}/chunks/{index}`: one sealed chunk, a padded
/// [`crate::ChangeBatch`] as a record's plaintext is.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotChunk {
    pub index: u32,
    #[serde(with = "bytes24")]
    pub nonce: [u8; NONCE_LEN],
    #[serde(with = "base64_bytes")]
    pub ciphertext: Vec<u8>,
}

/// The answer to a manifest's or a chunk's upload: the chunks the server still lacks (an
/// interrupted upload resumes with them), and whether the snapshot is now the vault's latest.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotState {
    pub missing: Vec<u32>,
    pub latest: bool,
}

/// Why a manifest cannot be a snapshot's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("a snapshot has 1 to {MAX_CHUNKS} chunks, not {0}")]
    Chunks(u32),
    #[error("a snapshot's covers are one per device, in device order")]
    Order,
    #[error("a snapshot covers a device's log from record 1")]
    ZeroSeq,
}

impl SnapshotManifest {
    /// Checks what the server can check: the chunk count and the covers' shape.
    pub fn check(&self) -> Result<(), ManifestError> {
        if self.chunks == 0 || self.chunks > MAX_CHUNKS {
            return Err(ManifestError::Chunks(self.chunks));
        }
        if self.covers.windows(2).any(|w| w[0].device >= w[1].device) {
            return Err(ManifestError::Order);
        }
        if self.covers.iter().any(|c| c.seq == Seq::NONE) {
            return Err(ManifestError::ZeroSeq);
        }
        Ok(())
    }

    /// The seq this snapshot covers `device`'s log through (`Seq::NONE`: none of it).
    pub fn covered(&self, device: DeviceId) -> Seq {
        self.covers.iter().find(|c| c.device == device).map_or(Seq::NONE, |c| c.seq)
    }

    /// Whether this snapshot covers every record `other` does: only such a snapshot may take
    /// the place of the latest, so a record compacted away is never missing from it.
    pub fn covers_all_of(&self, other: &SnapshotManifest) -> bool {
        other.covers.iter().all(|c| self.covered(c.device) >= c.seq)
    }

    /// The bytes chunk `index` is sealed with as associated data: magic, version, vault, the
    /// snapshot's id, author and epoch, the index, whether it is the last chunk, and a hash of
    /// the covers. (The chunks are sealed as the vault is read, before their count is known:
    /// the last one says it is, so a snapshot cut short or padded out does not open.)
    pub fn associated_data(&self, vault: VaultId, index: u32, last: bool) -> Vec<u8> {
        let mut covers = Sha256::new_with_prefix(b"spearmint snapshot covers v1\0");
        for c in &self.covers {
            covers.update(c.device.0.as_bytes());
            covers.update(c.seq.0.to_be_bytes());
            covers.update(c.hash.0);
        }
        let mut ad = Vec::with_capacity(AD_MAGIC.len() + 2 + 16 * 3 + 4 * 2 + 1 + 32);
        ad.extend_from_slice(AD_MAGIC);
        ad.extend_from_slice(&PROTOCOL_VERSION.to_be_bytes());
        ad.extend_from_slice(vault.0.as_bytes());
        ad.extend_from_slice(self.id.0.as_bytes());
        ad.extend_from_slice(self.author.0.as_bytes());
        ad.extend_from_slice(&self.epoch.0.to_be_bytes());
        ad.extend_from_slice(&index.to_be_bytes());
        ad.push(u8::from(last));
        ad.extend_from_slice(&covers.finalize());
        ad
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(covers: &[(u128, u64)]) -> SnapshotManifest {
        SnapshotManifest {
            id: SnapshotId(Uuid::from_u128(9)),
            author: DeviceId(Uuid::from_u128(1)),
            epoch: KeyEpoch(0),
            chunks: 2,
            covers: covers
                .iter()
                .map(|&(d, s)| Cover { device: DeviceId(Uuid::from_u128(d)), seq: Seq(s), hash: ContentHash([7; 32]) })
                .collect(),
        }
    }

    #[test]
    fn a_snapshot_takes_the_latest_s_place_only_if_it_covers_all_of_it() {
        let latest = manifest(&[(1, 5), (2, 3)]);
        assert!(manifest(&[(1, 5), (2, 4)]).covers_all_of(&latest));
        assert!(manifest(&[(1, 6), (2, 3), (3, 1)]).covers_all_of(&latest));
        assert!(!manifest(&[(1, 9)]).covers_all_of(&latest), "device 2's records 1..=3 would be lost");
        assert!(!manifest(&[(1, 4), (2, 9)]).covers_all_of(&latest));
    }

    #[test]
    fn the_associated_data_binds_every_field_and_the_chunk_s_place() {
        let vault = VaultId(Uuid::from_u128(42));
        let base = manifest(&[(1, 5), (2, 3)]);
        let ad = base.associated_data(vault, 0, false);
        assert_ne!(ad, base.associated_data(vault, 1, false));
        assert_ne!(ad, base.associated_data(vault, 0, true));
        assert_ne!(ad, base.associated_data(VaultId(Uuid::from_u128(43)), 0, false));
        let mut changed = vec![];
        let mut m = base.clone();
        m.epoch = KeyEpoch(1);
        changed.push(m);
        let mut m = base.clone();
        m.author = DeviceId(Uuid::from_u128(2));
        changed.push(m);
        let mut m = base.clone();
        m.id = SnapshotId(Uuid::from_u128(10));
        changed.push(m);
        let mut m = base.clone();
        m.covers[1].seq = Seq(2);
        changed.push(m);
        let mut m = base.clone();
        m.covers[0].hash = ContentHash([8; 32]);
        changed.push(m);
        for m in changed {
            assert_ne!(ad, m.associated_data(vault, 0, false), "{m:?}");
        }
    }

    #[test]
    fn malformed_manifests_are_named() {
        assert_eq!(manifest(&[(1, 5), (2, 3)]).check(), Ok(()));
        assert_eq!(manifest(&[(2, 5), (1, 3)]).check(), Err(ManifestError::Order));
        assert_eq!(manifest(&[(1, 5), (1, 6)]).check(), Err(ManifestError::Order));
        assert_eq!(manifest(&[(1, 0)]).check(), Err(ManifestError::ZeroSeq));
        let mut m = manifest(&[]);
        m.chunks = 0;
        assert_eq!(m.check(), Err(ManifestError::Chunks(0)));
        m.chunks = MAX_CHUNKS + 1;
        assert_eq!(m.check(), Err(ManifestError::Chunks(MAX_CHUNKS + 1)));
    }
}
