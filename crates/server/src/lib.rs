//! The self-hosted sync server's storage: each vault's device logs of sealed records, which it
//! stores once and never opens (it holds no key; a record is ciphertext and the identity its
//! associated data binds). Must not depend on the engine or on anything that opens a record.
//!
//! Built so far: the device log behind one [`Store`] trait, on SQLite ([`SqliteStore`], the
//! default) or PostgreSQL ([`PgStore`], for many servers over one database): idempotent appends (a replay is a
//! no-op, a different record at a held place a conflict, never dropped), per-device status
//! (the contiguous prefix and what is held beyond a gap), bounded pages of downloads by
//! `(device, seq)` cursors and quotas; accounts, devices and token hashes; the HTTP API
//! ([`Server`]), over HTTPS of its own ([`load_tls`]) or behind a TLS proxy; `migrate` from
//! SQLite to PostgreSQL; the crowd's opt-in votes; snapshots (sealed by a device, in chunks)
//! and the compaction of the records they cover ([`Store::compact`]).

mod accounts;
mod http;
mod migrate;
mod pg_connect;
mod postgres;
mod snapshots;
mod store;
mod tls;

pub use accounts::{AccountId, Caller, TokenKind};
pub use http::{Config, Server, hash_password};
pub use migrate::{MigrateError, MigrateReport, sqlite_to_postgres};
pub use postgres::PgStore;
pub use store::{Limits, QuotaScope, SqliteStore, Store, StoreError};
pub use tls::load as load_tls;
