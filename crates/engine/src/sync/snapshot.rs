//! Snapshots, on the device: making one (the latest value of every cell, with its clock,
//! tombstones and waiting changes included, sealed in chunks of at most 1 MiB and kept in the
//! vault until the server holds them all, so an upload cut off resumes), and starting from one
//! (a new device, or one whose place in another device's log the server compacted away):
//! chunk by chunk, each applied through the merge as records are, the next chunk to apply kept
//! with each, and then the cursors moved to what the snapshot covers, so the records after it
//! are all that is downloaded.
//!
//! A device makes a snapshot once the records it sent and applied since the last one it knows
//! of outweigh that snapshot (at least 4 MiB), and only if no other device made one meanwhile:
//! snapshots cost at most as much as the records they stand for.

use reqwest::Method;
use spearmint_sync_proto::{
    Capabilities, CellChange, ChangeBatch, Cover, DeviceId, MAX_CHUNK_BYTES, Seq, SnapshotChunk, SnapshotId,
    SnapshotManifest, SnapshotState, VaultId,
};
use uuid::Uuid;

use super::client::{Server, head_hash, no_body, seal_pending, sync_error};
use super::merge::{Applied, apply_remote, snapshot_cells};
use super::seal::{DataKey, SealError, open_chunk, seal_chunk};
use crate::engine::Engine;
use crate::error::{ErrorKind, Result};
use crate::vault::Writer;
use crate::vault::sync_book;

/// Cell changes sealed into one chunk, at most (fewer if they would pass 1 MiB sealed).
const CHUNK_CELLS: usize = 4_000;
/// The fewest bytes of records after which a device makes a snapshot.
const MIN_SNAPSHOT_BYTES: i64 = 4 << 20;

/// The most bytes a sealed chunk may take: 1 MiB, or less if the server takes smaller uploads
/// (a chunk travels as base64 in JSON, a third larger).
pub(super) fn chunk_limit(caps: &Capabilities) -> usize {
    let upload = usize::try_from(caps.max_upload_bytes).unwrap_or(usize::MAX);
    MAX_CHUNK_BYTES.min(upload.saturating_sub(4096) / 4 * 3).max(4096)
}

/// Makes a snapshot of the vault as it is now and keeps it for upload; returns its manifest.
/// `None` when records of this device still wait for the server: a snapshot covers only what
/// the server holds of this device's log. Runs in one write, after [`seal_pending`].
pub(super) fn make(
    w: &Writer<'_>,
    keys: &[(u32, DataKey)],
    vault: VaultId,
    me: DeviceId,
    max_chunk: usize,
) -> Result<Option<SnapshotManifest>> {
    let account = sync_book::sync_account(w.read())?.ok_or_else(|| sync_error(ErrorKind::NotFound, "not synced"))?;
    let (_, waiting_records) = sync_book::sync_pending(w.read(), account.sealed_through)?;
    if waiting_records > 0 {
        return Ok(None);
    }
    let key = keys.iter().find(|(e, _)| *e == account.epoch).map(|(_, k)| k).ok_or_else(|| {
        sync_error(ErrorKind::KeyMissing, "this device lacks the budget's key: join the budget again")
    })?;
    let mut covers = Vec::new();
    if account.device_seq > 0
        && let Some(hash) = head_hash(account.device_head.as_deref())?
    {
        covers.push(Cover { device: me, seq: Seq(account.device_seq as u64), hash });
    }
    for (device, seq, head) in sync_book::sync_cursors(w.read())? {
        let device = Uuid::parse_str(&device).map(DeviceId).map_err(|_| damaged())?;
        if seq > 0
            && device != me
            && let Some(hash) = head_hash(Some(&head))?
        {
            covers.push(Cover { device, seq: Seq(seq as u64), hash });
        }
    }
    covers.sort_by_key(|c| c.device);
    let mut manifest = SnapshotManifest {
        id: SnapshotId(Uuid::now_v7()),
        author: me,
        epoch: spearmint_sync_proto::KeyEpoch(account.epoch),
        chunks: 0,
        covers,
    };
    w.set_snapshot_out(None)?;
    let mut sealer = Sealer { w, key, vault, manifest: &manifest, max_chunk, next: 0, bytes: 0 };
    // One full chunk held back, so that the last one is known to be last when it is sealed.
    let mut held: Option<Vec<CellChange>> = None;
    let mut filling: Vec<CellChange> = Vec::with_capacity(CHUNK_CELLS);
    snapshot_cells(w, &mut |cells| {
        for cell in cells {
            filling.push(cell);
            if filling.len() == CHUNK_CELLS
                && let Some(full) = held.replace(std::mem::take(&mut filling))
            {
                sealer.emit(full, false)?;
            }
        }
        Ok(())
    })?;
    match (held, filling.is_empty()) {
        (Some(full), true) => sealer.emit(full, true)?,
        (Some(full), false) => {
            sealer.emit(full, false)?;
            sealer.emit(filling, true)?;
        }
        (None, _) => sealer.emit(filling, true)?,
    }
    let (chunks, bytes) = (sealer.next, sealer.bytes);
    manifest.chunks = chunks;
    w.set_snapshot_out(Some(&manifest_json(&manifest)))?;
    w.note_snapshot_seen(&manifest.id.0.to_string(), bytes)?;
    Ok(Some(manifest))
}

/// Seals a snapshot's chunks in order into the vault's `sync_snapshot_out`.
struct Sealer<'a, 'w> {
    w: &'a Writer<'w>,
    key: &'a DataKey,
    vault: VaultId,
    manifest: &'a SnapshotManifest,
    max_chunk: usize,
    next: u32,
    bytes: i64,
}

impl Sealer<'_, '_> {
    /// Seals `changes` as the next chunk, or as several if one would pass the chunk limit.
    fn emit(&mut self, changes: Vec<CellChange>, last: bool) -> Result<()> {
        let batch = ChangeBatch { changes };
        let chunk = seal_chunk(self.key, self.vault, self.manifest, self.next, last, &batch);
        if chunk.ciphertext.len() > self.max_chunk {
            let mut first = batch.changes;
            if first.len() < 2 {
                return Err(sync_error(
                    ErrorKind::Invalid,
                    "one of the budget's values is larger than the sync server takes in one piece: shorten the longest note",
                ));
            }
            let second = first.split_off(first.len() / 2);
            self.emit(first, false)?;
            return self.emit(second, last);
        }
        if self.next >= spearmint_sync_proto::MAX_CHUNKS {
            return Err(sync_error(ErrorKind::Invalid, "the budget is larger than a snapshot takes (4 GiB)"));
        }
        let json = serde_json::to_string(&chunk).map_err(|_| sync_error(ErrorKind::Internal, "cannot keep a chunk"))?;
        self.w.keep_snapshot_chunk(self.next, &json)?;
        self.bytes += chunk.ciphertext.len() as i64;
        self.next += 1;
        Ok(())
    }
}

fn manifest_json(manifest: &SnapshotManifest) -> String {
    // Ids, numbers and hex: it always serializes.
    serde_json::to_string(manifest).unwrap_or_default()
}

fn damaged() -> crate::error::Error {
    sync_error(ErrorKind::Corrupt, "the vault's sync state is damaged: join the budget again")
}

/// Uploads the snapshot this device made, if any, resuming with the chunks the server lacks.
/// Returns whether it is now the budget's latest (a snapshot that covers more reached the
/// server first: this one is dropped, nothing is lost).
pub(super) async fn upload(engine: &Engine, server: &Server, vault: VaultId) -> Result<bool> {
    let book = engine.with_vault(|v| sync_book::snapshot_book(v.read()))?;
    let Some(json) = book.uploading else { return Ok(false) };
    let drop_it = || engine.with_vault(|v| v.write(|w| w.set_snapshot_out(None)));
    let Ok(manifest) = serde_json::from_str::<SnapshotManifest>(&json) else {
        drop_it()?;
        return Ok(false);
    };
    let path = format!("/v1/vaults/{}/snapshots/{}", vault.0, manifest.id.0);
    let mut state: SnapshotState = match server.call(Method::PUT, &path, Some(&manifest)).await {
        Err(e) if e.kind() == ErrorKind::Conflict => {
            drop_it()?;
            return Ok(false);
        }
        other => other?,
    };
    for index in state.missing.clone() {
        let kept = engine.with_vault(|v| sync_book::snapshot_out_chunk(v.read(), index))?;
        let Some(chunk) = kept.and_then(|c| serde_json::from_str::<SnapshotChunk>(&c).ok()) else {
            drop_it()?;
            return Ok(false);
        };
        state = match server.call(Method::PUT, &format!("{path}/chunks/{index}"), Some(&chunk)).await {
            // Superseded meanwhile, or replaced by a newer one of this device's.
            Err(e) if matches!(e.kind(), ErrorKind::Conflict | ErrorKind::NotFound) => {
                drop_it()?;
                return Ok(false);
            }
            other => other?,
        };
    }
    drop_it()?;
    Ok(state.latest)
}

/// The budget's latest snapshot on the server, if it has one.
pub(super) async fn latest(server: &Server, vault: VaultId) -> Result<Option<SnapshotManifest>> {
    match server.call(Method::GET, &format!("/v1/vaults/{}/snapshot", vault.0), no_body()).await {
        Ok(manifest) => Ok(Some(manifest)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Makes and uploads a snapshot when one is due (see the module's comment), or goes on with
/// the upload of one made before. Returns whether this device's snapshot became the latest.
pub(super) async fn maybe_make(
    engine: &Engine,
    server: &Server,
    vault: VaultId,
    keys: &[(u32, DataKey)],
    me: DeviceId,
    caps: &Capabilities,
) -> Result<bool> {
    let book = engine.with_vault(|v| sync_book::snapshot_book(v.read()))?;
    if book.uploading.is_some() {
        return upload(engine, server, vault).await;
    }
    if book.bytes_since < book.snapshot_bytes.max(MIN_SNAPSHOT_BYTES) {
        return Ok(false);
    }
    if let Some(theirs) = latest(server, vault).await?
        && Some(theirs.id.0.to_string()) != book.seen
    {
        // Another device made one since this device last counted: count from it.
        engine.with_vault(|v| v.write(|w| w.note_snapshot_seen(&theirs.id.0.to_string(), book.snapshot_bytes)))?;
        return Ok(false);
    }
    make_now(engine, server, vault, keys, me, caps).await
}

/// Makes a snapshot now and uploads it. Returns whether it became the latest; `false` also
/// when this device has records the server does not hold yet (sync first).
pub(super) async fn make_now(
    engine: &Engine,
    server: &Server,
    vault: VaultId,
    keys: &[(u32, DataKey)],
    me: DeviceId,
    caps: &Capabilities,
) -> Result<bool> {
    let made = engine.with_vault(|v| {
        v.write(|w| {
            seal_pending(w, keys)?;
            make(w, keys, vault, me, chunk_limit(caps))
        })
    })?;
    if made.is_none() {
        return Ok(false);
    }
    upload(engine, server, vault).await
}

/// Starts from `manifest`'s snapshot at chunk `first` (0, or where a start cut off stopped):
/// applies each chunk, then moves every cursor it covers further up to what it covers.
/// Returns what the merge did, or `None` when the server no longer holds the snapshot (a newer
/// one replaced it: start from that instead).
pub(super) async fn start_from(
    engine: &Engine,
    server: &Server,
    vault: VaultId,
    keys: &[(u32, DataKey)],
    me: DeviceId,
    manifest: &SnapshotManifest,
    first: u32,
) -> Result<Option<Applied>> {
    let json = manifest_json(manifest);
    engine.with_vault(|v| v.write(|w| w.set_snapshot_in(Some(&json), i64::from(first))))?;
    let lookup =
        |epoch: spearmint_sync_proto::KeyEpoch| keys.iter().find(|(e, _)| *e == epoch.0).map(|(_, k)| k.clone());
    let mut total = Applied::default();
    let mut bytes = 0i64;
    for index in first..manifest.chunks {
        let path = format!("/v1/vaults/{}/snapshots/{}/chunks/{index}", vault.0, manifest.id.0);
        let chunk: SnapshotChunk = match server.call(Method::GET, &path, no_body()).await {
            Err(e) if e.kind() == ErrorKind::NotFound => {
                engine.with_vault(|v| v.write(|w| w.set_snapshot_in(None, 0)))?;
                return Ok(None);
            }
            other => other?,
        };
        bytes += chunk.ciphertext.len() as i64;
        let batch = open_chunk(&lookup, vault, manifest, index, &chunk).map_err(|e| match e {
            SealError::SnapshotNoKey { .. } => sync_error(
                ErrorKind::KeyMissing,
                format!("{e}: join the budget again (Settings, Sync) with the recovery phrase"),
            ),
            e => sync_error(ErrorKind::Corrupt, format!("the budget's snapshot from the sync server was refused: {e}")),
        })?;
        let applied = engine.with_vault(|v| {
            v.write(|w| {
                seal_pending(w, keys)?;
                let applied = apply_remote(w, batch.changes)?;
                w.set_snapshot_in(Some(&json), i64::from(index) + 1)?;
                Ok(applied)
            })
        })?;
        total.applied += applied.applied;
        total.stale += applied.stale;
        total.waiting = applied.waiting;
        total.quarantined = applied.quarantined;
    }
    engine.with_vault(|v| {
        v.write(|w| {
            let cursors = sync_book::sync_cursors(w.read())?;
            for cover in manifest.covers.iter().filter(|c| c.device != me) {
                let name = cover.device.0.to_string();
                let held = cursors.iter().find(|(d, _, _)| *d == name).map_or(0, |(_, seq, _)| *seq);
                if (held as u64) < cover.seq.0 {
                    w.set_sync_cursor(&name, cover.seq.0 as i64, &cover.hash.to_string())?;
                }
            }
            w.set_snapshot_in(None, 0)?;
            w.note_snapshot_seen(&manifest.id.0.to_string(), bytes)
        })
    })?;
    Ok(Some(total))
}
