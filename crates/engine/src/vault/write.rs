//! The one mutation path. Every write to the vault goes through a [`Writer`], inside one SQL
//! transaction, and every change to a synced table is also recorded, cell by cell, in
//! `changes` with a hybrid-logical-clock timestamp. Sync builds on that log without touching
//! the callers.

use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Transaction, params_from_iter};
use spearmint_core::{Hlc, HlcClock};

use crate::error::{Error, ErrorKind, Result};

/// A table the writer may touch, and whether other devices see its changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    pub name: &'static str,
    pub key: &'static str,
    pub synced: bool,
}

impl Table {
    pub const ACCOUNTS: Table = Table { name: "accounts", key: "id", synced: true };
    pub const TRANSACTIONS: Table = Table { name: "transactions", key: "id", synced: true };
    pub const CATEGORIES: Table = Table { name: "categories", key: "id", synced: true };
    pub const RULES: Table = Table { name: "rules", key: "id", synced: true };
    pub const SETTINGS: Table = Table { name: "settings", key: "key", synced: false };
    pub const ACTIVITY: Table = Table { name: "activity", key: "id", synced: false };
    pub const JOBS: Table = Table { name: "jobs", key: "id", synced: false };
    pub const NOTIFICATIONS: Table = Table { name: "notifications", key: "id", synced: false };
    pub const RAW_PAYLOADS: Table = Table { name: "raw_payloads", key: "id", synced: false };
    /// Keyed by (category_id, effective_from): written with SQL, recorded with `record_row`.
    pub const BUDGET_OVERRIDES: Table = Table { name: "budget_overrides", key: "category_id", synced: true };
    /// A transaction's parts, recorded as one row (its id, the list of parts) with `record_row`.
    pub const SPLITS: Table = Table { name: "splits", key: "transaction_id", synced: true };
    pub const CONNECTIONS: Table = Table { name: "connections", key: "id", synced: false };
}

/// Column names come from code, never from input; this keeps them to plain identifiers.
fn check_ident(name: &str) -> Result<()> {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::Internal, format!("`{name}` is not a column name")))
    }
}

pub struct Writer<'a> {
    tx: Transaction<'a>,
    clock: &'a mut HlcClock,
    now_millis: u64,
    changes: usize,
    last: Option<Hlc>,
}

impl std::fmt::Debug for Writer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("changes", &self.changes).finish_non_exhaustive()
    }
}

impl<'a> Writer<'a> {
    pub(crate) fn new(tx: Transaction<'a>, clock: &'a mut HlcClock, now_millis: u64) -> Writer<'a> {
        Writer { tx, clock, now_millis, changes: 0, last: None }
    }

    /// Inserts a row; for a synced table every non-null cell becomes a change.
    pub fn insert(&mut self, table: Table, id: &str, cells: &[(&str, Value)]) -> Result<()> {
        let mut names = vec![table.key];
        let mut values = vec![Value::Text(id.to_owned())];
        for (name, value) in cells {
            check_ident(name)?;
            names.push(name);
            values.push(value.clone());
        }
        let placeholders = vec!["?"; names.len()].join(", ");
        let sql = format!("INSERT INTO {} ({}) VALUES ({placeholders})", table.name, names.join(", "));
        self.tx.prepare_cached(&sql)?.execute(params_from_iter(values.iter()))?;
        if table.synced {
            // One record for the whole new row (column "*", value a JSON object of its
            // non-null cells): a bulk import of a million rows must not write ten million.
            let mut row = serde_json::Map::new();
            for (name, value) in cells.iter().filter(|(_, v)| *v != Value::Null) {
                row.insert((*name).to_owned(), value_to_json(value));
            }
            self.record_json(table, id, "*", Some(serde_json::Value::Object(row).to_string()))?;
        }
        Ok(())
    }

    /// Inserts many rows of one shape: the bulk form of [`Writer::insert`], with the same change
    /// records, preparing each statement once (a million-row import spends its time here).
    pub fn insert_many(
        &mut self,
        table: Table,
        columns: &[&str],
        rows: impl IntoIterator<Item = (String, Vec<Value>)>,
    ) -> Result<usize> {
        for name in columns {
            check_ident(name)?;
        }
        let placeholders = vec!["?"; columns.len() + 1].join(", ");
        let sql = format!("INSERT INTO {} ({}, {}) VALUES ({placeholders})", table.name, table.key, columns.join(", "));
        let mut insert = self.tx.prepare_cached(&sql)?;
        let mut change = self.tx.prepare_cached(
            "INSERT INTO changes (hlc, device_id, table_name, row_id, column_name, value) VALUES (?1, ?2, ?3, ?4, '*', ?5)",
        )?;
        let device = self.clock.device().to_string();
        let mut n = 0;
        for (id, values) in rows {
            if values.len() != columns.len() {
                return Err(Error::new(
                    ErrorKind::Internal,
                    format!("a row for {} has the wrong number of cells", table.name),
                ));
            }
            insert.execute(params_from_iter(std::iter::once(&Value::Text(id.clone())).chain(values.iter())))?;
            if table.synced {
                let mut row = String::with_capacity(256);
                row.push('{');
                for (name, value) in columns.iter().zip(&values).filter(|(_, v)| **v != Value::Null) {
                    if row.len() > 1 {
                        row.push(',');
                    }
                    row.push('"');
                    row.push_str(name);
                    row.push_str("\":");
                    row.push_str(&value_to_json(value).to_string());
                }
                row.push('}');
                let hlc = self.clock.tick(self.now_millis);
                change.execute(rusqlite::params![hlc.to_string(), device, table.name, id, row])?;
                self.changes += 1;
                self.last = Some(hlc);
            }
            n += 1;
        }
        Ok(n)
    }

    /// Inserts into a local table with an integer key chosen by SQLite; returns the key.
    pub fn insert_local(&mut self, table: Table, cells: &[(&str, Value)]) -> Result<i64> {
        if table.synced {
            return Err(Error::new(ErrorKind::Internal, format!("{} is synced: rows need an id", table.name)));
        }
        let mut names = Vec::new();
        let mut values = Vec::new();
        for (name, value) in cells {
            check_ident(name)?;
            names.push(*name);
            values.push(value.clone());
        }
        let placeholders = vec!["?"; names.len()].join(", ");
        let sql = format!("INSERT INTO {} ({}) VALUES ({placeholders})", table.name, names.join(", "));
        self.tx.prepare_cached(&sql)?.execute(params_from_iter(values.iter()))?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Updates cells of one row; returns whether the row exists.
    pub fn update(&mut self, table: Table, id: &str, cells: &[(&str, Value)]) -> Result<bool> {
        if cells.is_empty() {
            return Ok(true);
        }
        for (name, _) in cells {
            check_ident(name)?;
        }
        // Only cells whose value really changes are written and recorded: writing a value that
        // is already there must leave the change log (and so every other device) untouched.
        let names: Vec<&str> = cells.iter().map(|(n, _)| *n).collect();
        let select = format!("SELECT {} FROM {} WHERE {} = ?", names.join(", "), table.name, table.key);
        let current: Option<Vec<Value>> = self
            .tx
            .prepare_cached(&select)?
            .query_row([id], |r| (0..cells.len()).map(|i| r.get::<_, Value>(i)).collect())
            .optional()?;
        let Some(current) = current else { return Ok(false) };
        let changed: Vec<&(&str, Value)> =
            cells.iter().zip(current).filter(|((_, new), old)| new != old).map(|(c, _)| c).collect();
        if changed.is_empty() {
            return Ok(true);
        }
        let sets: Vec<String> = changed.iter().map(|(name, _)| format!("{name} = ?")).collect();
        let mut values: Vec<Value> = changed.iter().map(|(_, v)| v.clone()).collect();
        values.push(Value::Text(id.to_owned()));
        let sql = format!("UPDATE {} SET {} WHERE {} = ?", table.name, sets.join(", "), table.key);
        self.tx.prepare_cached(&sql)?.execute(params_from_iter(values.iter()))?;
        for (name, value) in changed {
            self.record(table, id, name, Some(value))?;
        }
        Ok(true)
    }

    /// Inserts or replaces a key/value row in a local table (settings).
    pub fn upsert(&mut self, table: Table, id: &str, cells: &[(&str, Value)]) -> Result<()> {
        if !self.update(table, id, cells)? {
            self.insert(table, id, cells)?;
        }
        Ok(())
    }

    pub fn delete(&mut self, table: Table, id: &str) -> Result<bool> {
        let sql = format!("DELETE FROM {} WHERE {} = ?", table.name, table.key);
        let n = self.tx.execute(&sql, [id])?;
        if n > 0 {
            self.record(table, id, "", None)?;
        }
        Ok(n > 0)
    }

    /// Records a whole row written with SQL (a table with a composite key), so it syncs like
    /// any other: `row_id` names the row, `cells` are its values.
    pub fn record_row(&mut self, table: Table, row_id: &str, cells: serde_json::Value) -> Result<()> {
        if table.synced { self.record_json(table, row_id, "*", Some(cells.to_string())) } else { Ok(()) }
    }

    /// Read access inside the same transaction (for checks before a write).
    pub fn sql(&self) -> &rusqlite::Connection {
        &self.tx
    }

    fn record(&mut self, table: Table, id: &str, column: &str, value: Option<&Value>) -> Result<()> {
        if !table.synced {
            return Ok(());
        }
        self.record_json(table, id, column, value.map(|v| value_to_json(v).to_string()))
    }

    fn record_json(&mut self, table: Table, id: &str, column: &str, json: Option<String>) -> Result<()> {
        let hlc = self.clock.tick(self.now_millis);
        self.tx.prepare_cached(
            "INSERT INTO changes (hlc, device_id, table_name, row_id, column_name, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(
            rusqlite::params![hlc.to_string(), hlc.device.to_string(), table.name, id, column, json],
        )?;
        self.changes += 1;
        self.last = Some(hlc);
        Ok(())
    }

    /// Commits the rows, their change records and the clock's position together, so a
    /// restarted device never issues a timestamp it already used.
    pub(crate) fn commit(self) -> Result<usize> {
        if let Some(last) = self.last {
            self.tx.execute(
                "INSERT INTO settings (key, value) VALUES ('hlc_last', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [last.to_string()],
            )?;
        }
        self.tx.commit()?;
        Ok(self.changes)
    }
}

fn value_to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Integer(i) => serde_json::Value::from(*i),
        // Reals never hold money; they are kept as text to stay exact.
        Value::Real(r) => serde_json::Value::String(r.to_string()),
        Value::Text(t) => serde_json::Value::String(t.clone()),
        Value::Blob(b) => serde_json::json!({ "hex": hex::encode(b) }),
    }
}
