//! Sync's own bookkeeping in the vault, written beside the rows in the same transaction: the
//! clock of each cell, row insert and deletion last applied (`sync_clocks`), and the other
//! devices' changes that wait for their row or for the clocks to agree (`sync_waiting`).
//! These tables never sync themselves and are not logged as changes.

use rusqlite::params;

use super::Writer;
use crate::error::Result;

/// A change that waits: its clock, table, row, column (`*` a row, `''` a deletion), JSON value.
pub(crate) type Waiting = (String, String, String, String, Option<String>);

impl Writer<'_> {
    /// Checks foreign keys at the commit: a parent may come later in the same batch.
    pub(crate) fn defer_foreign_keys(&self) -> Result<()> {
        self.tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
        Ok(())
    }

    pub(crate) fn sync_clock(&self, table: &str, row: &str, column: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension as _;
        Ok(self
            .tx
            .prepare_cached("SELECT hlc FROM sync_clocks WHERE table_name = ?1 AND row_id = ?2 AND column_name = ?3")?
            .query_row([table, row, column], |r| r.get(0))
            .optional()?)
    }

    /// Keeps `hlc` as the clock of the cell (or row event), unless it has a later one.
    pub(crate) fn keep_sync_clock(&self, table: &str, row: &str, column: &str, hlc: &str) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO sync_clocks (table_name, row_id, column_name, hlc) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (table_name, row_id, column_name) DO UPDATE SET hlc = max(hlc, excluded.hlc)",
            )?
            .execute([table, row, column, hlc])?;
        Ok(())
    }

    pub(crate) fn forget_sync_clock(&self, table: &str, row: &str, column: &str) -> Result<()> {
        self.tx
            .prepare_cached("DELETE FROM sync_clocks WHERE table_name = ?1 AND row_id = ?2 AND column_name = ?3")?
            .execute([table, row, column])?;
        Ok(())
    }

    /// The row's cells (not its insert or deletion) whose clocks are later than `hlc`.
    pub(crate) fn sync_cells_after(&self, table: &str, row: &str, hlc: &str) -> Result<Vec<(String, String)>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT column_name, hlc FROM sync_clocks
             WHERE table_name = ?1 AND row_id = ?2 AND column_name NOT IN ('*', '') AND hlc > ?3",
        )?;
        let rows = stmt.query_map([table, row, hlc], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Puts a change aside until its row comes (`row`) or the clocks agree (`clock`).
    pub(crate) fn park_sync_change(&self, change: &Waiting, reason: &str) -> Result<()> {
        let (hlc, table, row, column, value) = change;
        self.tx
            .prepare_cached(
                "INSERT INTO sync_waiting (hlc, table_name, row_id, column_name, value, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO UPDATE SET reason = excluded.reason",
            )?
            .execute(params![hlc, table, row, column, value, reason])?;
        Ok(())
    }

    /// Every waiting change, in clock order, taken out of the table (what still cannot apply
    /// is parked again).
    pub(crate) fn take_parked_sync_changes(&self) -> Result<Vec<Waiting>> {
        let parked: Vec<Waiting> = {
            let mut stmt = self
                .tx
                .prepare_cached("SELECT hlc, table_name, row_id, column_name, value FROM sync_waiting ORDER BY hlc")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        self.tx.execute("DELETE FROM sync_waiting", [])?;
        Ok(parked)
    }

    /// Forgets the changes waiting for a row that were made before it was deleted at `hlc`.
    pub(crate) fn drop_parked_before(&self, table: &str, row: &str, hlc: &str) -> Result<()> {
        self.tx
            .prepare_cached("DELETE FROM sync_waiting WHERE table_name = ?1 AND row_id = ?2 AND hlc < ?3")?
            .execute([table, row, hlc])?;
        Ok(())
    }
}

/// This vault's place in sync: the server, the account, the shared vault id, the key epoch
/// records are sealed in, this device's head, and how far the change log is sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyncAccount {
    pub server_url: String,
    pub user_name: String,
    pub vault_id: String,
    pub epoch: u32,
    pub device_seq: i64,
    pub device_head: Option<String>,
    pub sealed_through: i64,
    pub last_sync_at: Option<String>,
    pub last_error: Option<String>,
}

impl SyncAccount {
    /// A vault starting to sync: nothing sealed, nothing synced yet.
    pub(crate) fn starting(server_url: &str, user_name: &str, vault_id: String, epoch: u32) -> SyncAccount {
        SyncAccount {
            server_url: server_url.to_owned(),
            user_name: user_name.to_owned(),
            vault_id,
            epoch,
            device_seq: 0,
            device_head: None,
            sealed_through: 0,
            last_sync_at: None,
            last_error: None,
        }
    }
}

/// What this device has not sent yet: change log entries not sealed, and sealed records the
/// server does not hold.
pub(crate) fn sync_pending(r: super::Reader<'_>, sealed_through: i64) -> Result<(i64, i64)> {
    let changes = r.query_row("SELECT count(*) FROM changes WHERE seq > ?1", [sealed_through], |r| r.get(0))?;
    let records = r.query_row("SELECT count(*) FROM sync_outbox", [], |r| r.get(0))?;
    Ok((changes, records))
}

/// The sync account, if this vault was set up or joined.
pub(crate) fn sync_account(r: super::Reader<'_>) -> Result<Option<SyncAccount>> {
    use rusqlite::OptionalExtension as _;
    Ok(r.query_row(
        "SELECT server_url, user_name, vault_id, epoch, device_seq, device_head, sealed_through, last_sync_at,
                last_error FROM sync_account WHERE id = 1",
        [],
        |r| {
            Ok(SyncAccount {
                server_url: r.get(0)?,
                user_name: r.get(1)?,
                vault_id: r.get(2)?,
                epoch: r.get(3)?,
                device_seq: r.get(4)?,
                device_head: r.get(5)?,
                sealed_through: r.get(6)?,
                last_sync_at: r.get(7)?,
                last_error: r.get(8)?,
            })
        },
    )
    .optional()?)
}

/// Where this device's snapshots stand (see migration 20): the manifest it is uploading and
/// the one it is starting from (JSON) and the next chunk of that to apply, the latest snapshot
/// it knows of, the record bytes sent or applied since, and that snapshot's size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SnapshotBook {
    pub uploading: Option<String>,
    pub starting_from: Option<String>,
    pub next_chunk: i64,
    pub seen: Option<String>,
    pub bytes_since: i64,
    pub snapshot_bytes: i64,
}

pub(crate) fn snapshot_book(r: super::Reader<'_>) -> Result<SnapshotBook> {
    use rusqlite::OptionalExtension as _;
    Ok(r.query_row(
        "SELECT snapshot_out, snapshot_in, snapshot_in_next, snapshot_seen, bytes_since_snapshot, snapshot_bytes
         FROM sync_account WHERE id = 1",
        [],
        |r| {
            Ok(SnapshotBook {
                uploading: r.get(0)?,
                starting_from: r.get(1)?,
                next_chunk: r.get(2)?,
                seen: r.get(3)?,
                bytes_since: r.get(4)?,
                snapshot_bytes: r.get(5)?,
            })
        },
    )
    .optional()?
    .unwrap_or_default())
}

/// Sealed chunk `index` of the snapshot this device is uploading (JSON), if kept.
pub(crate) fn snapshot_out_chunk(r: super::Reader<'_>, index: u32) -> Result<Option<String>> {
    use rusqlite::OptionalExtension as _;
    Ok(r.prepare_cached("SELECT chunk FROM sync_snapshot_out WHERE idx = ?1")?
        .query_row([index], |r| r.get(0))
        .optional()?)
}

/// The data key of each epoch this device holds.
pub(crate) fn sync_keys(r: super::Reader<'_>) -> Result<Vec<(u32, zeroize::Zeroizing<Vec<u8>>)>> {
    let mut stmt = r.prepare_cached("SELECT epoch, key FROM sync_keys ORDER BY epoch")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, zeroize::Zeroizing::new(r.get::<_, Vec<u8>>(1)?))))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What this device holds to change the budget's keys or follow another device's change:
/// which phrase it knows the key of, that key and this device's X25519 secret (absent in a
/// vault set up before key changes existed), and the key bundle's revision last read.
pub(crate) struct HeldKeys {
    pub phrase: u32,
    pub phrase_key: Option<zeroize::Zeroizing<Vec<u8>>>,
    pub device_secret: Option<zeroize::Zeroizing<Vec<u8>>>,
    pub revision: i64,
}

impl std::fmt::Debug for HeldKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HeldKeys {{ phrase: {}, revision: {}, [keys redacted] }}", self.phrase, self.revision)
    }
}

pub(crate) fn held_keys(r: super::Reader<'_>) -> Result<Option<HeldKeys>> {
    use rusqlite::OptionalExtension as _;
    Ok(r.query_row("SELECT phrase, phrase_key, device_secret, keys_revision FROM sync_account WHERE id = 1", [], |r| {
        Ok(HeldKeys {
            phrase: r.get(0)?,
            phrase_key: r.get::<_, Option<Vec<u8>>>(1)?.map(zeroize::Zeroizing::new),
            device_secret: r.get::<_, Option<Vec<u8>>>(2)?.map(zeroize::Zeroizing::new),
            revision: r.get(3)?,
        })
    })
    .optional()?)
}

/// Sealed records waiting for the server, in seq order, at most `limit`.
pub(crate) fn sync_outbox(r: super::Reader<'_>, limit: u32) -> Result<Vec<(i64, String)>> {
    let mut stmt = r.prepare_cached("SELECT seq, envelope FROM sync_outbox ORDER BY seq LIMIT ?1")?;
    let rows = stmt.query_map([limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every other device's last record applied here, and its hash.
pub(crate) fn sync_cursors(r: super::Reader<'_>) -> Result<Vec<(String, i64, String)>> {
    let mut stmt = r.prepare_cached("SELECT device, seq, head FROM sync_cursors ORDER BY device")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Writer<'_> {
    /// Starts syncing this vault (set up or joined): its account, the data keys it holds and
    /// the keys it changes them with, all in one write.
    pub(crate) fn begin_sync(
        &self,
        account: &SyncAccount,
        data_keys: &[(u32, &[u8; 32])],
        held: &HeldKeys,
    ) -> Result<()> {
        self.tx.execute_batch(
            "DELETE FROM sync_account; DELETE FROM sync_keys; DELETE FROM sync_outbox; DELETE FROM sync_cursors;
             DELETE FROM sync_snapshot_out;",
        )?;
        self.tx.execute(
            "INSERT INTO sync_account (id, server_url, user_name, vault_id, epoch, device_seq, device_head, sealed_through)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                account.server_url,
                account.user_name,
                account.vault_id,
                account.epoch,
                account.device_seq,
                account.device_head,
                account.sealed_through
            ],
        )?;
        self.keep_keys(data_keys, held, account.epoch)
    }

    /// Keeps what a key change brought: data keys of new epochs (those held stay), the phrase
    /// key and device secret held, the bundle revision read, and the epoch to seal in from now.
    pub(crate) fn keep_keys(&self, data_keys: &[(u32, &[u8; 32])], held: &HeldKeys, epoch: u32) -> Result<()> {
        let mut insert = self.tx.prepare_cached("INSERT OR IGNORE INTO sync_keys (epoch, key) VALUES (?1, ?2)")?;
        for (e, key) in data_keys {
            insert.execute(params![e, key.as_slice()])?;
        }
        self.tx.execute(
            "UPDATE sync_account SET phrase = ?1, phrase_key = ?2, device_secret = ?3, keys_revision = ?4, epoch = ?5
             WHERE id = 1",
            params![held.phrase, held.phrase_key.as_deref(), held.device_secret.as_deref(), held.revision, epoch],
        )?;
        Ok(())
    }

    /// Forgets this vault's sync (the data stays): its account, keys, outbox and cursors.
    pub(crate) fn end_sync(&self) -> Result<()> {
        self.tx.execute_batch(
            "DELETE FROM sync_account; DELETE FROM sync_keys; DELETE FROM sync_outbox; DELETE FROM sync_cursors;
             DELETE FROM sync_waiting; DELETE FROM sync_snapshot_out;",
        )?;
        Ok(())
    }

    /// Queues a sealed record and moves this device's head (and the sealed part of the log).
    pub(crate) fn queue_sealed(&self, seq: i64, envelope: &str, head: &str, sealed_through: i64) -> Result<()> {
        self.tx
            .prepare_cached("INSERT INTO sync_outbox (seq, envelope) VALUES (?1, ?2)")?
            .execute(params![seq, envelope])?;
        self.tx
            .prepare_cached(
                "UPDATE sync_account SET device_seq = ?1, device_head = ?2, sealed_through = ?3 WHERE id = 1",
            )?
            .execute(params![seq, head, sealed_through])?;
        Ok(())
    }

    /// Marks the log sealed through `seq` (changes that carried nothing to send).
    pub(crate) fn mark_sealed(&self, sealed_through: i64) -> Result<()> {
        self.tx
            .prepare_cached("UPDATE sync_account SET sealed_through = ?1 WHERE id = 1")?
            .execute([sealed_through])?;
        Ok(())
    }

    /// The server holds these records now.
    pub(crate) fn unqueue_sealed(&self, seqs: &[i64]) -> Result<()> {
        let mut stmt = self.tx.prepare_cached("DELETE FROM sync_outbox WHERE seq = ?1")?;
        for seq in seqs {
            stmt.execute([seq])?;
        }
        Ok(())
    }

    pub(crate) fn set_sync_cursor(&self, device: &str, seq: i64, head: &str) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO sync_cursors (device, seq, head) VALUES (?1, ?2, ?3)
                 ON CONFLICT (device) DO UPDATE SET seq = excluded.seq, head = excluded.head",
            )?
            .execute(params![device, seq, head])?;
        Ok(())
    }

    /// Keeps a sealed chunk of the snapshot being made.
    pub(crate) fn keep_snapshot_chunk(&self, index: u32, chunk: &str) -> Result<()> {
        self.tx
            .prepare_cached("INSERT OR REPLACE INTO sync_snapshot_out (idx, chunk) VALUES (?1, ?2)")?
            .execute(params![index, chunk])?;
        Ok(())
    }

    /// The snapshot this device uploads from now on (its chunks kept), or none: its chunks go.
    pub(crate) fn set_snapshot_out(&self, manifest: Option<&str>) -> Result<()> {
        if manifest.is_none() {
            self.tx.execute("DELETE FROM sync_snapshot_out", [])?;
        }
        self.tx.execute("UPDATE sync_account SET snapshot_out = ?1 WHERE id = 1", [manifest])?;
        Ok(())
    }

    /// The snapshot this device is starting from and the next of its chunks to apply, or none.
    pub(crate) fn set_snapshot_in(&self, manifest: Option<&str>, next_chunk: i64) -> Result<()> {
        self.tx.execute(
            "UPDATE sync_account SET snapshot_in = ?1, snapshot_in_next = ?2 WHERE id = 1",
            params![manifest, next_chunk],
        )?;
        Ok(())
    }

    /// The latest snapshot this device knows of, and its size: the count of record bytes since
    /// starts again.
    pub(crate) fn note_snapshot_seen(&self, id: &str, bytes: i64) -> Result<()> {
        self.tx.execute(
            "UPDATE sync_account SET snapshot_seen = ?1, snapshot_bytes = ?2, bytes_since_snapshot = 0 WHERE id = 1",
            params![id, bytes],
        )?;
        Ok(())
    }

    /// Counts record bytes sent or applied, towards the next snapshot.
    pub(crate) fn add_record_bytes(&self, bytes: i64) -> Result<()> {
        self.tx.execute(
            "UPDATE sync_account SET bytes_since_snapshot = bytes_since_snapshot + ?1 WHERE id = 1",
            [bytes],
        )?;
        Ok(())
    }

    /// How the last sync went: when, and the error in words if it failed.
    pub(crate) fn note_sync(&self, at: &str, error: Option<&str>) -> Result<()> {
        match error {
            Some(error) => self.tx.execute("UPDATE sync_account SET last_error = ?1 WHERE id = 1", [error])?,
            None => {
                self.tx.execute("UPDATE sync_account SET last_sync_at = ?1, last_error = NULL WHERE id = 1", [at])?
            }
        };
        Ok(())
    }
}

/// The crowd: what this user categorized by hand, one category per seller (the latest), as
/// the votes a sharing device sends.
pub(crate) fn crowd_votes_to_share(r: super::Reader<'_>) -> Result<Vec<(String, String)>> {
    let mut stmt = r.prepare_cached(
        "SELECT seller_normalized, category_id FROM transactions INDEXED BY transactions_user_categorized
         WHERE category_source = 'user' AND seller_normalized IS NOT NULL AND category_id IS NOT NULL
         ORDER BY updated_at, id",
    )?;
    let rows = stmt.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
    let mut latest = std::collections::BTreeMap::new();
    for row in rows {
        let (seller, category) = row?;
        latest.insert(seller, category);
    }
    Ok(latest.into_iter().collect())
}

/// The sellers this vault holds, to ask the crowd about (at most `limit`, most recent first).
pub(crate) fn crowd_sellers(r: super::Reader<'_>, limit: u32) -> Result<Vec<String>> {
    let mut stmt = r.prepare_cached(
        "SELECT seller_normalized FROM transactions WHERE seller_normalized IS NOT NULL AND seller_normalized <> ''
         GROUP BY seller_normalized ORDER BY max(posted_on) DESC, seller_normalized LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |row| row.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Writer<'_> {
    /// Keeps the crowd's answers (seller, category, accounts that chose it) in `crowd_votes`,
    /// replacing what it said of each seller before, and gives the category to the seller's
    /// transactions the categorizer would now give it to: not the user's, and decided by
    /// nothing the categorizer ranks above the crowd (rules, the dictionary, what the user's
    /// corrections teach). So rows left Uncategorized, or decided only by the seller's words,
    /// the bank's code, the model or an earlier crowd answer, take it. A channel's decision
    /// stays: for a payment to a person the bank did not name, the crowd does not count.
    /// Answers naming a category this vault does not have are left out.
    pub(crate) fn keep_crowd(&mut self, answers: &[(String, String, u32)], now: &str) -> Result<usize> {
        let mut kept = 0;
        for (seller, category, accounts) in answers {
            let known = self.read().prepare_cached("SELECT 1 FROM categories WHERE id = ?1")?.exists([category])?;
            if !known || *accounts == 0 {
                continue;
            }
            let row = vec![
                rusqlite::types::Value::Text(category.clone()),
                rusqlite::types::Value::Integer(i64::from(*accounts)),
                rusqlite::types::Value::Text(now.to_owned()),
            ];
            self.replace_children(
                super::Table::CROWD_VOTES,
                "seller",
                seller,
                &["category_id", "votes", "updated_at"],
                &[row],
            )?;
            // Rows that already say what the crowd says are left alone: rewriting them would
            // sync a change at every sync.
            let waiting: Vec<String> = self
                .read()
                .prepare_cached(
                    "SELECT id FROM transactions WHERE seller_normalized = ?1 AND category_locked = 0
                     AND (category_id IS NULL OR category_id = 'UNCATEGORIZED'
                          OR category_source IN ('lexicon', 'provider', 'model', 'crowd'))
                     AND NOT (category_id IS ?2 AND category_source IS 'crowd')",
                )?
                .query_map([seller, category], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for id in waiting {
                self.update(
                    super::Table::TRANSACTIONS,
                    &id,
                    &[
                        ("category_id", rusqlite::types::Value::Text(category.clone())),
                        ("category_source", rusqlite::types::Value::Text("crowd".to_owned())),
                        ("category_reason", rusqlite::types::Value::Null),
                    ],
                )?;
            }
            kept += 1;
        }
        Ok(kept)
    }
}
