//! Device logs in one SQLite file (WAL): a row per record, unique on `(vault, device, seq)`.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use spearmint_sync_proto::{
    ContentHash, Cursor, DeviceId, DeviceInfo, DeviceStatus, DownloadPage, DownloadRequest, Envelope, EnvelopeError,
    ErrorKind, KeyBundle, KeyEpoch, Seq, SnapshotChunk, SnapshotId, SnapshotManifest, SnapshotState, StatusResponse,
    UploadOutcome, UploadResponse, VaultId,
};

use crate::accounts::{AccountId, Caller, TokenKind};
use uuid::Uuid;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS records (
    vault      BLOB NOT NULL,
    device     BLOB NOT NULL,
    seq        INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    epoch      INTEGER NOT NULL,
    prev       BLOB,
    nonce      BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    hash       BLOB NOT NULL,
    -- When the server stored it (seconds since the Unix epoch): compaction keeps young ones.
    stored_at  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (vault, device, seq)
) STRICT, WITHOUT ROWID;
-- Each device's highest seq up to which every record is held, kept by `append`, so that neither
-- status nor a download page reads a whole log to find it.
-- `bytes` is what the device's records take, for its quota; `compacted` the last seq deleted
-- because the latest snapshot stands for it (the log is held from there on), and
-- `compacted_hash` that record's content hash, so the next one must still chain to it.
CREATE TABLE IF NOT EXISTS heads (
    vault      BLOB NOT NULL,
    device     BLOB NOT NULL,
    contiguous INTEGER NOT NULL,
    bytes      INTEGER NOT NULL DEFAULT 0,
    compacted  INTEGER NOT NULL DEFAULT 0,
    compacted_hash BLOB,
    PRIMARY KEY (vault, device)
) STRICT, WITHOUT ROWID;
";

/// How much one download page may hold, and how much a device and an account may store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_page_bytes: u64,
    pub max_page_records: u32,
    /// Bytes one device may store: its records and the chunks of its snapshots still held.
    pub max_device_bytes: u64,
    /// Bytes all of one account's devices may store together, records and snapshots.
    pub max_account_bytes: u64,
}

impl Default for Limits {
    /// 1 MiB or 1,000 records a page, whichever comes first; 1 GiB a device, 4 GiB an account.
    fn default() -> Limits {
        Limits {
            max_page_bytes: 1 << 20,
            max_page_records: 1_000,
            max_device_bytes: 1 << 30,
            max_account_bytes: 4 << 30,
        }
    }
}

/// Which storage quota an upload would exceed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotaScope {
    Device,
    Account,
}

/// Why the store refused or failed, with the kind the HTTP layer answers with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("record {seq} is not one of this device's: it names vault {vault} and device {device}")]
    WrongPlace { seq: Seq, vault: VaultId, device: DeviceId },
    #[error("record {seq}: {source}")]
    Envelope { seq: Seq, source: EnvelopeError },
    #[error("record {seq} is beyond the largest seq this server stores")]
    SeqOutOfRange { seq: Seq },
    #[error("record {seq} does not follow the record {prev} held before it: the device's log forked")]
    Fork { seq: Seq, prev: Seq },
    #[error("this upload would store more than the {scope:?} may: {limit} bytes")]
    Quota { scope: QuotaScope, limit: u64 },
    #[error("the user name is taken")]
    UserTaken,
    #[error("the budget's keys changed meanwhile (revision {held} is held, {sent} was sent): fetch them and try again")]
    KeysChanged { held: u64, sent: u64 },
    #[error("this device belongs to another account")]
    DeviceOfAnotherAccount,
    #[error("this device was removed from the account")]
    DeviceRevoked,
    #[error("this vault belongs to another account")]
    VaultOfAnotherAccount,
    #[error("the snapshot is not one the server takes: {0}")]
    Manifest(spearmint_sync_proto::ManifestError),
    #[error("a snapshot covering more is held: this one is not needed")]
    SnapshotSuperseded,
    #[error("another snapshot, or another chunk, is held under this id")]
    SnapshotMismatch,
    #[error("there is no such snapshot: upload its manifest first")]
    NoSuchSnapshot,
    #[error("only the device that made a snapshot uploads its chunks")]
    NotTheAuthor,
    #[error("chunk {index} is past the snapshot's {chunks} chunks")]
    ChunkOutOfRange { index: u32, chunks: u32 },
    #[error("a snapshot chunk is {len} bytes: at least 16 and at most 1 MiB are taken")]
    ChunkSize { len: usize },
    #[error(
        "the records of device {device} through {through} were compacted into the budget's latest snapshot: download the snapshot, then the records after it"
    )]
    Compacted { device: DeviceId, through: Seq },
    #[error("the server's database failed: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("the server's PostgreSQL database failed: {0}")]
    Postgres(#[from] postgres::Error),
    #[error("the server's database holds a malformed record: restore it from a backup")]
    Corrupt,
    /// A database URI's setting the server cannot use; the text says which and what to give.
    #[error("{0}")]
    Setup(String),
    #[error(
        "the PostgreSQL server's certificate is not trusted ({0}): name its CA with sslrootcert=FILE in the database URI, and check the URI names the host the certificate is for"
    )]
    DatabaseCertificate(String),
}

impl StoreError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::WrongPlace { .. } => ErrorKind::Forbidden,
            StoreError::Envelope { source: EnvelopeError::Version { .. }, .. } => ErrorKind::UnsupportedVersion,
            StoreError::Envelope { .. } | StoreError::SeqOutOfRange { .. } => ErrorKind::BadRequest,
            StoreError::Fork { .. } | StoreError::UserTaken | StoreError::KeysChanged { .. } => ErrorKind::Conflict,
            StoreError::Quota { .. } => ErrorKind::QuotaExceeded,
            StoreError::Manifest(_) | StoreError::ChunkOutOfRange { .. } => ErrorKind::BadRequest,
            StoreError::ChunkSize { .. } => ErrorKind::TooLarge,
            StoreError::SnapshotSuperseded | StoreError::SnapshotMismatch => ErrorKind::Conflict,
            StoreError::NoSuchSnapshot => ErrorKind::NotFound,
            StoreError::NotTheAuthor => ErrorKind::Forbidden,
            StoreError::Compacted { .. } => ErrorKind::Compacted,
            StoreError::DeviceOfAnotherAccount | StoreError::DeviceRevoked | StoreError::VaultOfAnotherAccount => {
                ErrorKind::Forbidden
            }
            StoreError::Database(_)
            | StoreError::Postgres(_)
            | StoreError::Corrupt
            | StoreError::Setup(_)
            | StoreError::DatabaseCertificate(_) => ErrorKind::Unavailable,
        }
    }
}

type Result<T> = std::result::Result<T, StoreError>;

/// What a backend keeps: the device logs of every vault, and the accounts, devices, token
/// hashes, vault owners and wrapped key bundles. SQLite ([`SqliteStore`]) and PostgreSQL
/// ([`crate::PgStore`]) answer alike; `tests/store.rs` holds both to the same suite.
pub trait Store: Send {
    /// Appends `records` to `device`'s log in `vault`, all or nothing: each is stored, or found
    /// already held with the same content (a replay: nothing changes), or found held with other
    /// content (a conflict: the held one stays and is named).
    fn append(&mut self, vault: VaultId, device: DeviceId, records: &[Envelope]) -> Result<UploadResponse>;
    /// Every device of `vault`: what is held contiguously from 1, and beyond a gap.
    fn status(&mut self, vault: VaultId) -> Result<StatusResponse>;
    /// The records after each cursor, device by device, never past a device's contiguous seq
    /// (so a client's cursor never jumps a record it has not seen), at most one page's worth.
    /// Devices the request names no cursor for are read from the start.
    fn download(&mut self, vault: VaultId, request: &DownloadRequest) -> Result<DownloadPage>;
    /// Creates an account; the name must be free.
    fn create_account(&mut self, name: &str, password_hash: &str, now: i64) -> Result<AccountId>;
    /// The account called `name` and its password hash, if there is one.
    fn password_hash(&mut self, name: &str) -> Result<Option<(AccountId, String)>>;
    /// Registers `device` with `account` on its first login, or checks it is the account's and
    /// not revoked on a later one.
    fn register_device(&mut self, account: AccountId, device: DeviceId, name: &str, now: i64) -> Result<()>;
    /// Stores a token's hash for `device`, good until `expires_at`, issued for the refresh token
    /// `parent` (none for a login); forgets expired ones.
    fn store_token(
        &mut self,
        hash: &[u8; 32],
        kind: TokenKind,
        device: DeviceId,
        expires_at: i64,
        now: i64,
        parent: Option<&[u8; 32]>,
    ) -> Result<()>;
    /// Who the token with `hash` speaks for, if it is of `kind`, unexpired and its device not
    /// revoked. Redeeming a refresh token retires the one it was issued for (the device has
    /// shown it got this one) and the tokens an earlier redemption of it issued (their answer
    /// never reached the device); it stays good itself until its successor is used, so a
    /// refresh whose answer is lost (a dropped connection, a server that died) does not sign
    /// the device out.
    fn redeem_token(&mut self, hash: &[u8; 32], kind: TokenKind, now: i64) -> Result<Option<Caller>>;
    /// The account's devices, oldest first.
    fn devices(&mut self, account: AccountId) -> Result<Vec<DeviceInfo>>;
    /// Revokes one of the account's devices: its tokens stop working at once and it can never
    /// log in again (it joins again as a new device). Returns whether the account had it.
    fn revoke_device(&mut self, account: AccountId, device: DeviceId) -> Result<bool>;
    /// Makes `vault` the account's if no account has it yet; refuses another account's vault.
    fn claim_vault(&mut self, account: AccountId, vault: VaultId) -> Result<()>;
    /// The account's vaults.
    fn vaults(&mut self, account: AccountId) -> Result<Vec<VaultId>>;
    /// Keeps the vault's wrapped keys (the account's own vault, claimed if new).
    fn put_keys(&mut self, account: AccountId, vault: VaultId, bundle: &KeyBundle) -> Result<()>;
    /// The vault's wrapped keys, if any device put them.
    fn keys(&mut self, account: AccountId, vault: VaultId) -> Result<Option<KeyBundle>>;
    /// Refuses `vault` if another account has it (a vault no one has is empty, and readable).
    fn check_vault(&mut self, account: AccountId, vault: VaultId) -> Result<()>;
    /// Keeps the account's crowd votes (seller key, category id), each replacing its earlier
    /// vote for the same seller.
    fn put_votes(&mut self, account: AccountId, votes: &[([u8; 32], String)], now: i64) -> Result<()>;
    /// For each of `sellers`, the category most distinct accounts chose (ties: the smaller id)
    /// and how many, where at least `min_accounts` did; the others are left out.
    fn crowd(&mut self, sellers: &[[u8; 32]], min_accounts: u32) -> Result<Vec<([u8; 32], String, u32)>>;
    /// Keeps a snapshot's manifest, to which its author then uploads the chunks. Repeating it
    /// changes nothing; a snapshot that does not cover all the latest one does is refused, and
    /// the author's unfinished snapshot, if any, is dropped for this one.
    fn put_snapshot(&mut self, vault: VaultId, manifest: &SnapshotManifest, now: i64) -> Result<SnapshotState>;
    /// Keeps one chunk of `author`'s snapshot `id` (a repeat changes nothing); the last one makes
    /// the snapshot the vault's latest, if it still covers all the latest does, and drops the
    /// snapshots it covers.
    fn put_snapshot_chunk(
        &mut self,
        vault: VaultId,
        author: DeviceId,
        id: SnapshotId,
        chunk: &SnapshotChunk,
    ) -> Result<SnapshotState>;
    /// The chunks the server lacks of snapshot `id`, and whether it is the latest.
    fn snapshot_state(&mut self, vault: VaultId, id: SnapshotId) -> Result<SnapshotState>;
    /// The vault's latest complete snapshot, if it has one.
    fn latest_snapshot(&mut self, vault: VaultId) -> Result<Option<SnapshotManifest>>;
    /// Chunk `index` of snapshot `id`, if held.
    fn snapshot_chunk(&mut self, vault: VaultId, id: SnapshotId, index: u32) -> Result<Option<SnapshotChunk>>;
    /// Notes how far `reader` read each other device's log (a download's cursors), once the vault
    /// has a snapshot.
    fn note_reads(&mut self, vault: VaultId, reader: DeviceId, cursors: &[Cursor]) -> Result<()>;
    /// Deletes the records the latest snapshot stands for that every active device (not revoked,
    /// seen within `retention_secs`) has read and that are older than `retention_secs`, each log
    /// from its start; returns how many went. A download from before the cut is then refused
    /// with [`StoreError::Compacted`].
    fn compact(&mut self, vault: VaultId, now: i64, retention_secs: i64) -> Result<u64>;
}

/// A vault's keys change only from the bundle held to its successor: the first bundle is
/// revision 0 and each next one the held revision plus one, so of two devices that change
/// keys at once the second is told, and loses nothing.
pub(crate) fn check_successor(held: Option<&KeyBundle>, sent: &KeyBundle) -> Result<()> {
    let expected = held.map_or(0, |h| h.revision + 1);
    if sent.revision == expected {
        Ok(())
    } else {
        Err(StoreError::KeysChanged { held: held.map_or(0, |h| h.revision), sent: sent.revision })
    }
}

/// Refuses an upload any of whose records is misplaced or malformed, before anything is read.
pub(crate) fn check_records(vault: VaultId, device: DeviceId, records: &[Envelope]) -> Result<()> {
    for r in records {
        if r.vault != vault || r.device != device {
            return Err(StoreError::WrongPlace { seq: r.seq, vault: r.vault, device: r.device });
        }
        r.check().map_err(|source| StoreError::Envelope { seq: r.seq, source })?;
    }
    Ok(())
}

/// The device logs of every vault, in one SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    pub(crate) db: Connection,
    pub(crate) limits: Limits,
}

impl SqliteStore {
    /// Opens (creating it if need be) the store at `path`.
    pub fn open(path: &Path, limits: Limits) -> Result<SqliteStore> {
        let db = Connection::open(path)?;
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "NORMAL")?;
        db.busy_timeout(std::time::Duration::from_secs(5))?;
        db.execute_batch(SCHEMA)?;
        // A file from before compaction: its records count as old, nothing is compacted yet.
        add_column(&db, "records", "stored_at", "INTEGER NOT NULL DEFAULT 0")?;
        add_column(&db, "heads", "compacted", "INTEGER NOT NULL DEFAULT 0")?;
        add_column(&db, "heads", "compacted_hash", "BLOB")?;
        db.execute_batch(crate::accounts::SCHEMA)?;
        db.execute_batch(crate::snapshots::SCHEMA)?;
        add_column(&db, "snapshots", "bytes", "INTEGER NOT NULL DEFAULT 0")?;
        Ok(SqliteStore { db, limits })
    }

    /// Appends `records` to `device`'s log in `vault`, all or nothing: each is stored, or found
    /// already held with the same content (a replay: nothing changes), or found held with other
    /// content (a conflict: the held one stays and is named).
    pub fn append(&mut self, vault: VaultId, device: DeviceId, records: &[Envelope]) -> Result<UploadResponse> {
        check_records(vault, device, records)?;
        let tx = self.db.transaction()?;
        let mut outcomes = Vec::with_capacity(records.len());
        let mut added = 0u64;
        let (compacted, compacted_hash): (i64, Option<Vec<u8>>) = tx
            .prepare_cached("SELECT compacted, compacted_hash FROM heads WHERE vault = ?1 AND device = ?2")?
            .query_row(params![vault.0.as_bytes(), device.0.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((0, None));
        let compacted_hash = compacted_hash.as_deref().map(hash_of).transpose()?;
        {
            let mut held =
                tx.prepare_cached("SELECT hash FROM records WHERE vault = ?1 AND device = ?2 AND seq = ?3")?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO records (vault, device, seq, version, epoch, prev, nonce, ciphertext, hash, stored_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, unixepoch())",
            )?;
            for r in records {
                let hash = r.content_hash();
                let seq = seq_sql(r.seq)?;
                // Compacted away: it was held (a snapshot covers it).
                if seq <= compacted {
                    outcomes.push(compacted_outcome(r.seq, hash, seq_of(compacted)?, compacted_hash));
                    continue;
                }
                let found: Option<Vec<u8>> = held
                    .query_row(params![vault.0.as_bytes(), device.0.as_bytes(), seq], |row| row.get(0))
                    .optional()?;
                if let Some(found) = found {
                    let found = hash_of(&found)?;
                    outcomes.push(if found == hash {
                        UploadOutcome::Duplicate { seq: r.seq }
                    } else {
                        UploadOutcome::Conflict { seq: r.seq, held: found }
                    });
                    continue;
                }
                // A record must follow the one held before it: the server cannot open records,
                // but it can refuse a fork of the chain their associated data binds.
                if let (Some(prev), Some(before)) = (r.prev, r.seq.0.checked_sub(1).filter(|s| *s > 0)) {
                    let before_hash: Option<Vec<u8>> = held
                        .query_row(params![vault.0.as_bytes(), device.0.as_bytes(), seq_sql(Seq(before))?], |row| {
                            row.get(0)
                        })
                        .optional()?;
                    // The record before it compacted away: its hash was kept.
                    let before_hash = match before_hash {
                        Some(bytes) => Some(hash_of(&bytes)?),
                        None if before == compacted as u64 => compacted_hash,
                        None => None,
                    };
                    if let Some(before_hash) = before_hash
                        && before_hash != prev
                    {
                        return Err(StoreError::Fork { seq: r.seq, prev: Seq(before) });
                    }
                }
                insert.execute(params![
                    vault.0.as_bytes(),
                    device.0.as_bytes(),
                    seq,
                    r.version,
                    r.epoch.0,
                    r.prev.map(|p| p.0.to_vec()),
                    r.nonce.to_vec(),
                    r.ciphertext,
                    hash.0.to_vec(),
                ])?;
                added += r.stored_len() as u64;
                outcomes.push(UploadOutcome::Stored { seq: r.seq });
            }
        }
        let contiguous = advance_head(&tx, vault, device)?;
        if added > 0 {
            self.limits.charge(&tx, vault, device, added)?;
        }
        tx.commit()?;
        Ok(UploadResponse { outcomes, contiguous })
    }

    /// Every device of `vault`: what is held contiguously from 1, and beyond a gap.
    pub fn status(&self, vault: VaultId) -> Result<StatusResponse> {
        let mut later = self
            .db
            .prepare_cached("SELECT seq FROM records WHERE vault = ?1 AND device = ?2 AND seq > ?3 ORDER BY seq")?;
        let mut devices = Vec::new();
        for (device, contiguous) in self.heads(vault)? {
            let rows = later
                .query_map(params![vault.0.as_bytes(), device.0.as_bytes(), seq_sql(contiguous)?], |row| {
                    row.get::<_, i64>(0)
                })?;
            let mut seqs = Vec::new();
            for seq in rows {
                seqs.push(seq_of(seq?)?);
            }
            // All of them lie beyond a gap: the ranges alone, under the head kept by `append`.
            devices.push(DeviceStatus { contiguous, ..DeviceStatus::from_seqs(device, seqs) });
        }
        Ok(StatusResponse { devices })
    }

    /// Each device of `vault` with its contiguous seq, in device order.
    fn heads(&self, vault: VaultId) -> Result<Vec<(DeviceId, Seq)>> {
        Ok(self.heads_and_cuts(vault)?.into_iter().map(|(device, contiguous, _)| (device, contiguous)).collect())
    }

    /// Each device of `vault` with its contiguous seq and the last seq compacted away.
    fn heads_and_cuts(&self, vault: VaultId) -> Result<Vec<(DeviceId, Seq, Seq)>> {
        let mut stmt = self
            .db
            .prepare_cached("SELECT device, contiguous, compacted FROM heads WHERE vault = ?1 ORDER BY device")?;
        let rows = stmt.query_map([vault.0.as_bytes()], |row| {
            Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
        })?;
        let mut heads = Vec::new();
        for row in rows {
            let (device, contiguous, compacted) = row?;
            heads.push((device_of(&device)?, seq_of(contiguous)?, seq_of(compacted)?));
        }
        Ok(heads)
    }

    /// The records after each cursor, device by device, never past a device's contiguous seq
    /// (so a client's cursor never jumps a record it has not seen), at most one page's worth.
    /// Devices the request names no cursor for are read from the start.
    pub fn download(&self, vault: VaultId, request: &DownloadRequest) -> Result<DownloadPage> {
        let heads = self.heads_and_cuts(vault)?;
        let mut stmt = self.db.prepare_cached(
            "SELECT seq, version, epoch, prev, nonce, ciphertext FROM records
             WHERE vault = ?1 AND device = ?2 AND seq > ?3 AND seq <= ?4 ORDER BY seq",
        )?;
        page(heads, request, &self.limits, |device, after, upto, _room, take| {
            // Streamed: the page stops reading as soon as it is full.
            let mut rows =
                stmt.query(params![vault.0.as_bytes(), device.0.as_bytes(), seq_sql(after)?, seq_sql(upto)?])?;
            while let Some(row) = rows.next()? {
                let prev: Option<Vec<u8>> = row.get(3)?;
                let nonce: Vec<u8> = row.get(4)?;
                let record = Envelope {
                    version: row.get(1)?,
                    vault,
                    device,
                    seq: seq_of(row.get(0)?)?,
                    epoch: KeyEpoch(row.get(2)?),
                    prev: prev.as_deref().map(hash_of).transpose()?,
                    nonce: nonce.try_into().map_err(|_| StoreError::Corrupt)?,
                    ciphertext: row.get(5)?,
                };
                if !take(record) {
                    break;
                }
            }
            Ok(())
        })
    }
}

/// One download page, as both backends answer it: for each device in order, from the request's
/// cursor (none: from the start) up to its contiguous seq, never from before what was compacted
/// away, at most the page's bytes and records (and at least one record, however large).
/// `read(device, after, upto, room, take)` hands the device's records after `after` through
/// `upto` to `take`, in seq order, at most `room` of them, and stops when `take` says the page
/// is full.
pub(crate) fn page(
    heads: Vec<(DeviceId, Seq, Seq)>,
    request: &DownloadRequest,
    limits: &Limits,
    mut read: impl FnMut(DeviceId, Seq, Seq, usize, &mut dyn FnMut(Envelope) -> bool) -> Result<()>,
) -> Result<DownloadPage> {
    let max_bytes = request.max_bytes.map_or(limits.max_page_bytes, |b| b.min(limits.max_page_bytes));
    let max_records = limits.max_page_records as usize;
    let after =
        |device: DeviceId| request.cursors.iter().find(|c| c.device == device).map_or(Seq::NONE, |c: &Cursor| c.after);
    let heads = check_cuts(heads, after)?;
    let (mut records, mut next, mut bytes, mut more) = (Vec::new(), Vec::new(), 0u64, false);
    for (device, contiguous) in heads {
        let mut cursor = after(device);
        if more || cursor >= contiguous {
            next.push(Cursor { device, after: cursor });
            more |= cursor < contiguous;
            continue;
        }
        let room = max_records.saturating_sub(records.len()).max(1);
        read(device, cursor, contiguous, room, &mut |record: Envelope| {
            let len = record.stored_len() as u64;
            if !records.is_empty() && (bytes + len > max_bytes || records.len() >= max_records) {
                more = true;
                return false;
            }
            bytes += len;
            cursor = record.seq;
            records.push(record);
            true
        })?;
        next.push(Cursor { device, after: cursor });
        more |= cursor < contiguous;
    }
    Ok(DownloadPage { records, next, more })
}

/// What an upload of a record at or before the cut gets: the last record compacted is known by
/// its hash (a replay of it is a duplicate, another record there a conflict); one before it was
/// held once and is answered as a replay (its content is gone with it).
pub(crate) fn compacted_outcome(
    seq: Seq,
    hash: ContentHash,
    compacted: Seq,
    compacted_hash: Option<ContentHash>,
) -> UploadOutcome {
    match compacted_hash {
        Some(held) if seq == compacted && held != hash => UploadOutcome::Conflict { seq, held },
        _ => UploadOutcome::Duplicate { seq },
    }
}

/// Each device's contiguous seq, or [`StoreError::Compacted`] for the first whose cursor lies
/// before records compacted away (the reader must start again from the snapshot).
pub(crate) fn check_cuts(
    heads: Vec<(DeviceId, Seq, Seq)>,
    after: impl Fn(DeviceId) -> Seq,
) -> Result<Vec<(DeviceId, Seq)>> {
    heads
        .into_iter()
        .map(|(device, contiguous, compacted)| {
            if after(device) < compacted {
                Err(StoreError::Compacted { device, through: compacted })
            } else {
                Ok((device, contiguous))
            }
        })
        .collect()
}

/// Adds `column` to `table` of a file made before it existed.
fn add_column(db: &Connection, table: &str, column: &str, declaration: &str) -> Result<()> {
    let has = db.prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2")?.exists([table, column])?;
    if !has {
        db.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {declaration}"))?;
    }
    Ok(())
}

impl Limits {
    /// Adds `added` bytes to `device`'s usage, refusing (so the caller's transaction rolls
    /// back) if that passes the device's or its account's quota.
    fn charge(&self, tx: &rusqlite::Transaction<'_>, vault: VaultId, device: DeviceId, added: u64) -> Result<()> {
        self.check_room(tx, vault, device, added)?;
        tx.execute(
            "UPDATE heads SET bytes = bytes + ?3 WHERE vault = ?1 AND device = ?2",
            params![vault.0.as_bytes(), device.0.as_bytes(), i64::try_from(added).map_err(|_| StoreError::Corrupt)?],
        )?;
        Ok(())
    }

    /// Refuses `added` more bytes for `device` if that passes its quota or its account's: what a
    /// device stores is its records and the chunks of its snapshots still held.
    pub(crate) fn check_room(
        &self,
        tx: &rusqlite::Transaction<'_>,
        vault: VaultId,
        device: DeviceId,
        added: u64,
    ) -> Result<()> {
        let used: i64 = tx
            .prepare_cached(
                "SELECT COALESCE((SELECT bytes FROM heads WHERE vault = ?1 AND device = ?2), 0)
                      + COALESCE((SELECT SUM(bytes) FROM snapshots WHERE vault = ?1 AND author = ?2), 0)",
            )?
            .query_row(params![vault.0.as_bytes(), device.0.as_bytes()], |r| r.get(0))?;
        let used = u64::try_from(used).map_err(|_| StoreError::Corrupt)?;
        if used + added > self.max_device_bytes {
            return Err(StoreError::Quota { scope: QuotaScope::Device, limit: self.max_device_bytes });
        }
        let account: i64 = tx
            .prepare_cached(
                "SELECT COALESCE((SELECT SUM(h.bytes) FROM heads h JOIN vaults v ON v.vault = h.vault
                                  WHERE v.account = (SELECT account FROM vaults WHERE vault = ?1)), 0)
                      + COALESCE((SELECT SUM(s.bytes) FROM snapshots s JOIN vaults v ON v.vault = s.vault
                                  WHERE v.account = (SELECT account FROM vaults WHERE vault = ?1)), 0)",
            )?
            .query_row([vault.0.as_bytes()], |r| r.get(0))?;
        let account = u64::try_from(account).map_err(|_| StoreError::Corrupt)?;
        if account + added > self.max_account_bytes {
            return Err(StoreError::Quota { scope: QuotaScope::Account, limit: self.max_account_bytes });
        }
        Ok(())
    }
}

/// Moves `device`'s head past every record now held right after it (a late record fills a gap
/// and the head jumps over what was held beyond it); returns the new head.
fn advance_head(tx: &rusqlite::Transaction<'_>, vault: VaultId, device: DeviceId) -> Result<Seq> {
    let key = params![vault.0.as_bytes(), device.0.as_bytes()];
    let head: Option<i64> = tx
        .query_row("SELECT contiguous FROM heads WHERE vault = ?1 AND device = ?2", key, |row| row.get(0))
        .optional()?;
    let Some(head) = head else {
        // A device with no head had no records; if this upload stored none either, it has none.
        let any = tx.prepare_cached("SELECT 1 FROM records WHERE vault = ?1 AND device = ?2 LIMIT 1")?.exists(key)?;
        return if any { store_head(tx, vault, device, Seq::NONE) } else { Ok(Seq::NONE) };
    };
    store_head(tx, vault, device, seq_of(head)?)
}

/// Advances `device`'s head from `head` and stores it.
fn store_head(tx: &rusqlite::Transaction<'_>, vault: VaultId, device: DeviceId, mut head: Seq) -> Result<Seq> {
    let mut held = tx.prepare_cached("SELECT 1 FROM records WHERE vault = ?1 AND device = ?2 AND seq = ?3")?;
    while let Some(next) = head.next()
        && held.exists(params![vault.0.as_bytes(), device.0.as_bytes(), seq_sql(next)?])?
    {
        head = next;
    }
    tx.execute(
        "INSERT INTO heads (vault, device, contiguous) VALUES (?1, ?2, ?3)
         ON CONFLICT (vault, device) DO UPDATE SET contiguous = excluded.contiguous",
        params![vault.0.as_bytes(), device.0.as_bytes(), seq_sql(head)?],
    )?;
    Ok(head)
}

pub(crate) fn seq_of(seq: i64) -> Result<Seq> {
    u64::try_from(seq).map(Seq).map_err(|_| StoreError::Corrupt)
}

pub(crate) fn seq_sql(seq: Seq) -> Result<i64> {
    i64::try_from(seq.0).map_err(|_| StoreError::SeqOutOfRange { seq })
}

pub(crate) fn hash_of(bytes: &[u8]) -> Result<ContentHash> {
    Ok(ContentHash(bytes.try_into().map_err(|_| StoreError::Corrupt)?))
}

pub(crate) fn device_of(bytes: &[u8]) -> Result<DeviceId> {
    Ok(DeviceId(Uuid::from_slice(bytes).map_err(|_| StoreError::Corrupt)?))
}

/// SQLite's inherent methods are the trait's, for callers that hold the concrete store.
impl Store for SqliteStore {
    fn append(&mut self, vault: VaultId, device: DeviceId, records: &[Envelope]) -> Result<UploadResponse> {
        SqliteStore::append(self, vault, device, records)
    }
    fn status(&mut self, vault: VaultId) -> Result<StatusResponse> {
        SqliteStore::status(self, vault)
    }
    fn download(&mut self, vault: VaultId, request: &DownloadRequest) -> Result<DownloadPage> {
        SqliteStore::download(self, vault, request)
    }
    fn create_account(&mut self, name: &str, password_hash: &str, now: i64) -> Result<AccountId> {
        SqliteStore::create_account(self, name, password_hash, now)
    }
    fn password_hash(&mut self, name: &str) -> Result<Option<(AccountId, String)>> {
        SqliteStore::password_hash(self, name)
    }
    fn register_device(&mut self, account: AccountId, device: DeviceId, name: &str, now: i64) -> Result<()> {
        SqliteStore::register_device(self, account, device, name, now)
    }
    fn store_token(
        &mut self,
        hash: &[u8; 32],
        kind: TokenKind,
        device: DeviceId,
        expires_at: i64,
        now: i64,
        parent: Option<&[u8; 32]>,
    ) -> Result<()> {
        SqliteStore::store_token(self, hash, kind, device, expires_at, now, parent)
    }
    fn redeem_token(&mut self, hash: &[u8; 32], kind: TokenKind, now: i64) -> Result<Option<Caller>> {
        SqliteStore::redeem_token(self, hash, kind, now)
    }
    fn devices(&mut self, account: AccountId) -> Result<Vec<DeviceInfo>> {
        SqliteStore::devices(self, account)
    }
    fn revoke_device(&mut self, account: AccountId, device: DeviceId) -> Result<bool> {
        SqliteStore::revoke_device(self, account, device)
    }
    fn claim_vault(&mut self, account: AccountId, vault: VaultId) -> Result<()> {
        SqliteStore::claim_vault(self, account, vault)
    }
    fn vaults(&mut self, account: AccountId) -> Result<Vec<VaultId>> {
        SqliteStore::vaults(self, account)
    }
    fn put_keys(&mut self, account: AccountId, vault: VaultId, bundle: &KeyBundle) -> Result<()> {
        SqliteStore::put_keys(self, account, vault, bundle)
    }
    fn keys(&mut self, account: AccountId, vault: VaultId) -> Result<Option<KeyBundle>> {
        SqliteStore::keys(self, account, vault)
    }
    fn check_vault(&mut self, account: AccountId, vault: VaultId) -> Result<()> {
        SqliteStore::check_vault(self, account, vault)
    }
    fn put_votes(&mut self, account: AccountId, votes: &[([u8; 32], String)], now: i64) -> Result<()> {
        SqliteStore::put_votes(self, account, votes, now)
    }
    fn crowd(&mut self, sellers: &[[u8; 32]], min_accounts: u32) -> Result<Vec<([u8; 32], String, u32)>> {
        SqliteStore::crowd(self, sellers, min_accounts)
    }
    fn put_snapshot(&mut self, vault: VaultId, manifest: &SnapshotManifest, now: i64) -> Result<SnapshotState> {
        SqliteStore::put_snapshot(self, vault, manifest, now)
    }
    fn put_snapshot_chunk(
        &mut self,
        vault: VaultId,
        author: DeviceId,
        id: SnapshotId,
        chunk: &SnapshotChunk,
    ) -> Result<SnapshotState> {
        SqliteStore::put_snapshot_chunk(self, vault, author, id, chunk)
    }
    fn snapshot_state(&mut self, vault: VaultId, id: SnapshotId) -> Result<SnapshotState> {
        SqliteStore::snapshot_state(self, vault, id)
    }
    fn latest_snapshot(&mut self, vault: VaultId) -> Result<Option<SnapshotManifest>> {
        SqliteStore::latest_snapshot(self, vault)
    }
    fn snapshot_chunk(&mut self, vault: VaultId, id: SnapshotId, index: u32) -> Result<Option<SnapshotChunk>> {
        SqliteStore::snapshot_chunk(self, vault, id, index)
    }
    fn note_reads(&mut self, vault: VaultId, reader: DeviceId, cursors: &[Cursor]) -> Result<()> {
        SqliteStore::note_reads(self, vault, reader, cursors)
    }
    fn compact(&mut self, vault: VaultId, now: i64, retention_secs: i64) -> Result<u64> {
        SqliteStore::compact(self, vault, now, retention_secs)
    }
}
