//! The self-hosted sync server's storage: each vault's device logs of sealed records, which it
//! stores once and never opens (it holds no key; a record is ciphertext and the identity its
//! associated data binds). Must not depend on the engine or on anything that opens a record.
//!
//! Built so far: the device log on SQLite ([`SqliteStore`]): idempotent appends (a replay is a
//! no-op, a different record at a held place a conflict, never dropped), per-device status
//! (the contiguous prefix and what is held beyond a gap) and bounded pages of downloads by
//! `(device, seq)` cursors. Not built yet: the HTTP server, accounts and tokens, PostgreSQL,
//! snapshots and compaction (see the sync issue).

mod store;

pub use store::{Limits, SqliteStore, StoreError};
