//! Snapshots and compaction, on SQLite; what both backends share (the rules) is at the top.
//!
//! A vault holds at most one latest snapshot: a complete one (every chunk held) that covers all
//! the previous latest did. A snapshot still uploading waits beside it, resumable chunk by
//! chunk; an author's new snapshot replaces its own unfinished one. Once a snapshot is the
//! latest, the records it covers are deleted as soon as (1) every active device of the account
//! (not revoked, seen within the retention window) has read past them, as its downloads' cursors
//! say, and (2) they are older than the retention window. A device's log is only ever cut from
//! its start, so what is left of it stays contiguous, and a cursor before the cut is answered
//! [`StoreError::Compacted`]: that device starts again from the snapshot.

use rusqlite::{OptionalExtension, params};
use spearmint_sync_proto::{
    Cursor, DeviceId, MAX_CHUNK_BYTES, Seq, SnapshotChunk, SnapshotId, SnapshotManifest, SnapshotState, VaultId,
};

use crate::store::{SqliteStore, StoreError, device_of, seq_of, seq_sql};

type Result<T> = std::result::Result<T, StoreError>;

pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS snapshots (
    vault      BLOB NOT NULL,
    id         BLOB NOT NULL,
    author     BLOB NOT NULL,
    manifest   TEXT NOT NULL,
    chunks     INTEGER NOT NULL,
    latest     INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    -- What its chunks held take: they count towards the author's quota until it is dropped.
    bytes      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (vault, id)
) STRICT;
CREATE TABLE IF NOT EXISTS snapshot_chunks (
    vault      BLOB NOT NULL,
    id         BLOB NOT NULL,
    idx        INTEGER NOT NULL,
    nonce      BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    PRIMARY KEY (vault, id, idx)
) STRICT, WITHOUT ROWID;
-- How far each device has read each other device's log, from its download cursors: a record
-- is compacted only once every active device read past it.
CREATE TABLE IF NOT EXISTS reads (
    vault  BLOB NOT NULL,
    reader BLOB NOT NULL,
    device BLOB NOT NULL,
    seq    INTEGER NOT NULL,
    PRIMARY KEY (vault, reader, device)
) STRICT, WITHOUT ROWID;
";

/// Bytes a record takes beyond its ciphertext, as [`spearmint_sync_proto::Envelope::stored_len`]
/// counts them: what compaction gives back to the device's quota.
pub(crate) const RECORD_OVERHEAD: i64 = 24 + 32 + 2 + 16 + 16 + 8 + 4;

/// Checks a chunk before it is kept: its place in the snapshot and its size.
pub(crate) fn check_chunk(manifest: &SnapshotManifest, chunk: &SnapshotChunk) -> Result<()> {
    if chunk.index >= manifest.chunks {
        return Err(StoreError::ChunkOutOfRange { index: chunk.index, chunks: manifest.chunks });
    }
    if chunk.ciphertext.len() > MAX_CHUNK_BYTES || chunk.ciphertext.len() < 16 {
        return Err(StoreError::ChunkSize { len: chunk.ciphertext.len() });
    }
    Ok(())
}

/// The chunks of `0..chunks` not in `held`.
pub(crate) fn missing(chunks: u32, held: &[u32]) -> Vec<u32> {
    (0..chunks).filter(|i| !held.contains(i)).collect()
}

/// How far `device`'s log may be cut: through what the latest snapshot covers of it, what every
/// active reader read of it (`None`: one has not read it at all) and the record before the first
/// one younger than the retention window, never past what is held contiguously. Returns
/// `compacted` itself when nothing more may go.
pub(crate) fn cut_through(
    covered: Seq,
    compacted: Seq,
    contiguous: Seq,
    reads: &[Option<Seq>],
    first_young: Option<Seq>,
) -> Seq {
    let mut through = covered.min(contiguous);
    for read in reads {
        through = through.min(read.unwrap_or(Seq::NONE));
    }
    if let Some(young) = first_young {
        through = through.min(Seq(young.0.saturating_sub(1)));
    }
    through.max(compacted)
}

pub(crate) fn manifest_of(json: &str) -> Result<SnapshotManifest> {
    serde_json::from_str(json).map_err(|_| StoreError::Corrupt)
}

pub(crate) fn manifest_json(manifest: &SnapshotManifest) -> String {
    // A manifest is ids, numbers and hex: it always serializes.
    serde_json::to_string(manifest).unwrap_or_default()
}

impl SqliteStore {
    /// Keeps a snapshot's manifest, to which its chunks are then uploaded. Repeating it changes
    /// nothing; a snapshot that does not cover all the latest does is refused.
    pub fn put_snapshot(&mut self, vault: VaultId, manifest: &SnapshotManifest, now: i64) -> Result<SnapshotState> {
        manifest.check().map_err(StoreError::Manifest)?;
        let tx = self.db.transaction()?;
        let held: Option<String> = tx
            .query_row(
                "SELECT manifest FROM snapshots WHERE vault = ?1 AND id = ?2",
                params![vault.0.as_bytes(), manifest.id.0.as_bytes()],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(held) = held {
            if manifest_of(&held)? != *manifest {
                return Err(StoreError::SnapshotMismatch);
            }
            drop(tx);
            return self.snapshot_state(vault, manifest.id);
        }
        if let Some(latest) = latest_of(&tx, vault)?
            && !manifest.covers_all_of(&latest)
        {
            return Err(StoreError::SnapshotSuperseded);
        }
        // The author's unfinished snapshot, if any, is replaced by this one.
        let unfinished: Vec<Vec<u8>> = {
            let mut stmt =
                tx.prepare_cached("SELECT id FROM snapshots WHERE vault = ?1 AND author = ?2 AND latest = 0")?;
            stmt.query_map(params![vault.0.as_bytes(), manifest.author.0.as_bytes()], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        for id in unfinished {
            drop_snapshot(&tx, vault, &id)?;
        }
        tx.execute(
            "INSERT INTO snapshots (vault, id, author, manifest, chunks, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                vault.0.as_bytes(),
                manifest.id.0.as_bytes(),
                manifest.author.0.as_bytes(),
                manifest_json(manifest),
                manifest.chunks,
                now
            ],
        )?;
        tx.commit()?;
        Ok(SnapshotState { missing: (0..manifest.chunks).collect(), latest: false })
    }

    /// Keeps one chunk of `author`'s snapshot `id`; the last one makes it the vault's latest (if
    /// it still covers all the latest does) and retires the snapshots it covers.
    pub fn put_snapshot_chunk(
        &mut self,
        vault: VaultId,
        author: DeviceId,
        id: SnapshotId,
        chunk: &SnapshotChunk,
    ) -> Result<SnapshotState> {
        let tx = self.db.transaction()?;
        let (manifest, latest) = snapshot_row(&tx, vault, id)?.ok_or(StoreError::NoSuchSnapshot)?;
        if manifest.author != author {
            return Err(StoreError::NotTheAuthor);
        }
        check_chunk(&manifest, chunk)?;
        let held: Option<(Vec<u8>, Vec<u8>)> = tx
            .query_row(
                "SELECT nonce, ciphertext FROM snapshot_chunks WHERE vault = ?1 AND id = ?2 AND idx = ?3",
                params![vault.0.as_bytes(), id.0.as_bytes(), chunk.index],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match held {
            Some((nonce, ciphertext)) if nonce != chunk.nonce || ciphertext != chunk.ciphertext => {
                return Err(StoreError::SnapshotMismatch);
            }
            Some(_) => {}
            None => {
                let len = chunk.ciphertext.len() as u64;
                self.limits.check_room(&tx, vault, author, len)?;
                tx.execute(
                    "INSERT INTO snapshot_chunks (vault, id, idx, nonce, ciphertext) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![vault.0.as_bytes(), id.0.as_bytes(), chunk.index, chunk.nonce.to_vec(), chunk.ciphertext],
                )?;
                tx.execute(
                    "UPDATE snapshots SET bytes = bytes + ?3 WHERE vault = ?1 AND id = ?2",
                    params![vault.0.as_bytes(), id.0.as_bytes(), i64::try_from(len).map_err(|_| StoreError::Corrupt)?],
                )?;
            }
        }
        let missing = missing(manifest.chunks, &held_chunks(&tx, vault, id)?);
        if latest || !missing.is_empty() {
            tx.commit()?;
            return Ok(SnapshotState { missing, latest });
        }
        if let Some(current) = latest_of(&tx, vault)?
            && !manifest.covers_all_of(&current)
        {
            drop_snapshot(&tx, vault, id.0.as_bytes())?;
            tx.commit()?;
            return Err(StoreError::SnapshotSuperseded);
        }
        let others: Vec<(Vec<u8>, String)> = {
            let mut stmt = tx.prepare_cached("SELECT id, manifest FROM snapshots WHERE vault = ?1 AND id <> ?2")?;
            stmt.query_map(params![vault.0.as_bytes(), id.0.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        for (other, json) in others {
            if manifest.covers_all_of(&manifest_of(&json)?) {
                drop_snapshot(&tx, vault, &other)?;
            }
        }
        tx.execute("UPDATE snapshots SET latest = 0 WHERE vault = ?1", [vault.0.as_bytes()])?;
        tx.execute(
            "UPDATE snapshots SET latest = 1 WHERE vault = ?1 AND id = ?2",
            params![vault.0.as_bytes(), id.0.as_bytes()],
        )?;
        tx.commit()?;
        Ok(SnapshotState { missing, latest: true })
    }

    /// The chunks the server lacks of snapshot `id`, and whether it is the latest.
    pub fn snapshot_state(&self, vault: VaultId, id: SnapshotId) -> Result<SnapshotState> {
        let (manifest, latest) = snapshot_row(&self.db, vault, id)?.ok_or(StoreError::NoSuchSnapshot)?;
        Ok(SnapshotState { missing: missing(manifest.chunks, &held_chunks(&self.db, vault, id)?), latest })
    }

    /// The vault's latest complete snapshot, if it has one.
    pub fn latest_snapshot(&self, vault: VaultId) -> Result<Option<SnapshotManifest>> {
        latest_of(&self.db, vault)
    }

    /// Chunk `index` of snapshot `id`, if held.
    pub fn snapshot_chunk(&self, vault: VaultId, id: SnapshotId, index: u32) -> Result<Option<SnapshotChunk>> {
        let row: Option<(Vec<u8>, Vec<u8>)> = self
            .db
            .query_row(
                "SELECT nonce, ciphertext FROM snapshot_chunks WHERE vault = ?1 AND id = ?2 AND idx = ?3",
                params![vault.0.as_bytes(), id.0.as_bytes(), index],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(nonce, ciphertext)| {
            Ok(SnapshotChunk { index, nonce: nonce.try_into().map_err(|_| StoreError::Corrupt)?, ciphertext })
        })
        .transpose()
    }

    /// Notes how far `reader` has read each other device's log (its download's cursors). Kept
    /// only once the vault has a snapshot: before, nothing is compacted.
    pub fn note_reads(&mut self, vault: VaultId, reader: DeviceId, cursors: &[Cursor]) -> Result<()> {
        let has_snapshot = self
            .db
            .prepare_cached("SELECT 1 FROM snapshots WHERE vault = ?1 AND latest = 1")?
            .exists([vault.0.as_bytes()])?;
        if !has_snapshot {
            return Ok(());
        }
        let tx = self.db.transaction()?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO reads (vault, reader, device, seq) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (vault, reader, device) DO UPDATE SET seq = max(seq, excluded.seq)",
            )?;
            for c in cursors.iter().filter(|c| c.device != reader) {
                let seq = i64::try_from(c.after.0).unwrap_or(i64::MAX);
                upsert.execute(params![vault.0.as_bytes(), reader.0.as_bytes(), c.device.0.as_bytes(), seq])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes the records the latest snapshot stands for that every active device has read
    /// and that are older than `retention_secs`; returns how many went.
    pub fn compact(&mut self, vault: VaultId, now: i64, retention_secs: i64) -> Result<u64> {
        let tx = self.db.transaction()?;
        let Some(latest) = latest_of(&tx, vault)? else { return Ok(0) };
        let heads: Vec<(Vec<u8>, i64, i64)> = {
            let mut stmt = tx.prepare_cached("SELECT device, contiguous, compacted FROM heads WHERE vault = ?1")?;
            stmt.query_map([vault.0.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        let since = now.saturating_sub(retention_secs);
        let mut deleted = 0u64;
        for (device_bytes, contiguous, compacted) in heads {
            let device = device_of(&device_bytes)?;
            let (contiguous, compacted) = (seq_of(contiguous)?, seq_of(compacted)?);
            let covered = latest.covered(device);
            if covered <= compacted {
                continue;
            }
            let reads: Vec<Option<Seq>> = {
                let mut stmt = tx.prepare_cached(
                    "SELECT r.seq FROM devices d JOIN vaults v ON v.account = d.account
                     LEFT JOIN reads r ON r.vault = v.vault AND r.reader = d.device AND r.device = ?2
                     WHERE v.vault = ?1 AND d.device <> ?2 AND d.revoked = 0 AND d.last_seen_at >= ?3",
                )?;
                stmt.query_map(params![vault.0.as_bytes(), device_bytes, since], |r| r.get::<_, Option<i64>>(0))?
                    .map(|r| r.map_err(StoreError::from).and_then(|s| s.map(seq_of).transpose()))
                    .collect::<Result<_>>()?
            };
            let first_young: Option<i64> = tx.query_row(
                "SELECT MIN(seq) FROM records WHERE vault = ?1 AND device = ?2 AND seq > ?3 AND stored_at > ?4",
                params![vault.0.as_bytes(), device_bytes, seq_sql(compacted)?, since],
                |r| r.get(0),
            )?;
            let first_young = first_young.map(seq_of).transpose()?;
            let through = cut_through(covered, compacted, contiguous, &reads, first_young);
            if through <= compacted {
                continue;
            }
            let range = params![vault.0.as_bytes(), device_bytes, seq_sql(compacted)?, seq_sql(through)?];
            let (count, bytes): (i64, i64) = tx.query_row(
                "SELECT COUNT(*), COALESCE(SUM(length(ciphertext)), 0) FROM records
                 WHERE vault = ?1 AND device = ?2 AND seq > ?3 AND seq <= ?4",
                range,
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let last: Vec<u8> = tx.query_row(
                "SELECT hash FROM records WHERE vault = ?1 AND device = ?2 AND seq = ?3",
                params![vault.0.as_bytes(), device_bytes, seq_sql(through)?],
                |r| r.get(0),
            )?;
            tx.execute("DELETE FROM records WHERE vault = ?1 AND device = ?2 AND seq > ?3 AND seq <= ?4", range)?;
            tx.execute(
                "UPDATE heads SET compacted = ?3, compacted_hash = ?5, bytes = max(0, bytes - ?4)
                 WHERE vault = ?1 AND device = ?2",
                params![vault.0.as_bytes(), device_bytes, seq_sql(through)?, bytes + count * RECORD_OVERHEAD, last],
            )?;
            deleted += u64::try_from(count).unwrap_or(0);
        }
        tx.commit()?;
        Ok(deleted)
    }
}

fn snapshot_row(db: &rusqlite::Connection, vault: VaultId, id: SnapshotId) -> Result<Option<(SnapshotManifest, bool)>> {
    let row: Option<(String, bool)> = db
        .query_row(
            "SELECT manifest, latest FROM snapshots WHERE vault = ?1 AND id = ?2",
            params![vault.0.as_bytes(), id.0.as_bytes()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(json, latest)| Ok((manifest_of(&json)?, latest))).transpose()
}

fn latest_of(db: &rusqlite::Connection, vault: VaultId) -> Result<Option<SnapshotManifest>> {
    let json: Option<String> = db
        .prepare_cached("SELECT manifest FROM snapshots WHERE vault = ?1 AND latest = 1")?
        .query_row([vault.0.as_bytes()], |r| r.get(0))
        .optional()?;
    json.as_deref().map(manifest_of).transpose()
}

fn held_chunks(db: &rusqlite::Connection, vault: VaultId, id: SnapshotId) -> Result<Vec<u32>> {
    let mut stmt = db.prepare_cached("SELECT idx FROM snapshot_chunks WHERE vault = ?1 AND id = ?2")?;
    Ok(stmt.query_map(params![vault.0.as_bytes(), id.0.as_bytes()], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
}

fn drop_snapshot(db: &rusqlite::Connection, vault: VaultId, id: &[u8]) -> Result<()> {
    db.execute("DELETE FROM snapshot_chunks WHERE vault = ?1 AND id = ?2", params![vault.0.as_bytes(), id])?;
    db.execute("DELETE FROM snapshots WHERE vault = ?1 AND id = ?2", params![vault.0.as_bytes(), id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_is_cut_no_further_than_the_snapshot_every_reader_and_the_retention_window_allow() {
        let s = Seq;
        assert_eq!(cut_through(s(10), s(0), s(12), &[Some(s(12)), Some(s(11))], None), s(10));
        assert_eq!(cut_through(s(10), s(0), s(12), &[Some(s(12)), Some(s(4))], None), s(4), "a reader is behind");
        assert_eq!(cut_through(s(10), s(0), s(12), &[Some(s(12)), None], None), s(0), "a reader read nothing");
        assert_eq!(cut_through(s(10), s(0), s(12), &[], Some(s(7))), s(6), "records 7.. are young");
        assert_eq!(cut_through(s(10), s(0), s(8), &[], None), s(8), "never past the contiguous head");
        assert_eq!(cut_through(s(10), s(9), s(12), &[Some(s(3))], None), s(9), "never back");
    }
}
