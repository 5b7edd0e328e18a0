//! `spearmint-server migrate`: moves a deployment from its SQLite file into an empty PostgreSQL
//! database, in one transaction (all or nothing), keeping every id, token hash and record as
//! it is, so devices carry on with the same tokens and cursors.

use std::path::Path;

use postgres::types::ToSql;
use rusqlite::types::ValueRef;

use crate::postgres::{PgStore, TABLES};
use crate::store::{Limits, SqliteStore, StoreError};

/// How many rows of each table moved.
pub type MigrateReport = Vec<(&'static str, u64)>;

/// One SQLite value, as PostgreSQL takes it: the only nullable columns are hashes (`bytea`).
enum Value {
    Int(i64),
    Text(String),
    Bytes(Option<Vec<u8>>),
}

impl Value {
    fn of(value: ValueRef<'_>) -> Result<Value, StoreError> {
        Ok(match value {
            ValueRef::Integer(i) => Value::Int(i),
            ValueRef::Text(t) => Value::Text(String::from_utf8(t.to_vec()).map_err(|_| StoreError::Corrupt)?),
            ValueRef::Blob(b) => Value::Bytes(Some(b.to_vec())),
            ValueRef::Null => Value::Bytes(None),
            ValueRef::Real(_) => return Err(StoreError::Corrupt),
        })
    }

    fn sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Value::Int(i) => i,
            Value::Text(t) => t,
            Value::Bytes(b) => b,
        }
    }
}

/// Copies everything in the SQLite store at `from` into `to`, which must hold nothing yet.
pub fn sqlite_to_postgres(from: &Path, to: &mut PgStore) -> Result<MigrateReport, MigrateError> {
    if !from.exists() {
        return Err(MigrateError::NoSource);
    }
    // Opening creates any table an older file lacks, so every table below can be read.
    let source = SqliteStore::open(from, Limits::default())?;
    if !to.is_empty()? {
        return Err(MigrateError::TargetNotEmpty);
    }
    let mut report = Vec::new();
    let mut tx = to.transaction()?;
    for (table, columns) in TABLES {
        let list = columns.join(", ");
        let marks = (1..=columns.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let insert = tx.prepare(&format!("INSERT INTO {table} ({list}) VALUES ({marks})"))?;
        let mut select = source.db.prepare(&format!("SELECT {list} FROM {table}"))?;
        let mut rows = select.query([])?;
        let mut count = 0u64;
        while let Some(row) = rows.next()? {
            let values = (0..columns.len()).map(|i| Value::of(row.get_ref(i)?)).collect::<Result<Vec<_>, _>>()?;
            let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(Value::sql).collect();
            tx.execute(&insert, &params)?;
            count += 1;
        }
        report.push((*table, count));
    }
    // New accounts take ids after the copied ones.
    tx.execute(
        "SELECT setval(pg_get_serial_sequence('accounts', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM accounts",
        &[],
    )?;
    tx.commit()?;
    Ok(report)
}

/// Why a migration stopped (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("there is no SQLite database at the --from path")]
    NoSource,
    #[error("the PostgreSQL database already holds accounts or records: migrate into an empty database")]
    TargetNotEmpty,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> MigrateError {
        MigrateError::Store(StoreError::Database(e))
    }
}

impl From<postgres::Error> for MigrateError {
    fn from(e: postgres::Error) -> MigrateError {
        MigrateError::Store(StoreError::Postgres(e))
    }
}
