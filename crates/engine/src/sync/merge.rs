//! Merging: this device's changes out as cell changes, other devices' changes in, last writer
//! wins per cell by HLC (ties by device, inside the HLC's text), a deletion a tombstone.
//!
//! Every change that leaves or enters the vault leaves its clock in `sync_clocks`: a cell's own
//! (`column`), a row's insert (`*`, which covers every column it carries) or its deletion
//! (`''`). A remote change applies only if its clock is later than what the cell (or row) has.
//! A row insert always carries every synced column (missing ones as their defaults), so two
//! devices that inserted the same row (deterministic ids) end with the later one's cells.
//!
//! Remote changes apply in clock order, so a row comes before its edits and a parent (an
//! account, a category) before what refers to it. A change that still finds no row (its
//! insert is on another device's page not downloaded yet) waits in `sync_waiting`, as does one
//! whose clock is far ahead of this device's (quarantined, so the local clock does not jump);
//! both are tried again after every batch.

use rusqlite::types::Value;
use serde_json::Value as Json;
use spearmint_core::{DeviceId, Hlc, HlcError};
use spearmint_sync_proto::{CellChange, ChangeOp};

use crate::error::{Error, ErrorKind, Result};
use crate::vault::write::{ChangeRecord, expand, value_to_json};
use crate::vault::{Table, Writer};

/// Columns that never leave the device: a reference to a payload kept only here, the name of a
/// keychain entry and the connection an account is extracted through (bank credentials never
/// sync: extraction runs on the devices that hold them), and the state of that connection.
const LOCAL_COLUMNS: &[(&str, &str)] = &[
    ("transactions", "raw_payload_id"),
    ("accounts", "credential_ref"),
    ("accounts", "connection_id"),
    ("accounts", "status"),
    ("accounts", "status_reason"),
];

/// `column_name` of a row's insert, and of its deletion.
const ROW: &str = "*";
const DELETED: &str = "";

fn local(table: &str, column: &str) -> bool {
    LOCAL_COLUMNS.iter().any(|(t, c)| *t == table && *c == column)
}

/// This device's changes after `after` (a `changes.seq`), at most `limit` log entries, as cell
/// changes for other devices, and the seq they go up to. Their clocks are kept, so that a
/// remote change older than one of them never overwrites it.
pub(crate) fn take_local(w: &mut Writer<'_>, after: i64, limit: u32) -> Result<(Vec<CellChange>, i64)> {
    let records = expand(w.read(), after, limit)?;
    let through = records.iter().map(|r| r.seq).max().unwrap_or(after);
    let mut columns = ColumnCache::default();
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        let Some(change) = outgoing(w, &mut columns, record)? else { continue };
        let column = match &change.op {
            ChangeOp::Delete => DELETED,
            ChangeOp::Set { column, .. } => column.as_str(),
        };
        w.keep_sync_clock(&change.table, &change.row, column, &change.hlc)?;
        out.push(change);
    }
    Ok((out, through))
}

fn outgoing(w: &Writer<'_>, columns: &mut ColumnCache, r: ChangeRecord) -> Result<Option<CellChange>> {
    let corrupt = || {
        Error::new(ErrorKind::Corrupt, format!("change {} in the vault's history is damaged: restore a backup", r.seq))
    };
    let op = match (r.column.as_str(), r.value) {
        (DELETED, _) => ChangeOp::Delete,
        (ROW, Some(value)) => {
            let value: Json = serde_json::from_str(&value).map_err(|_| corrupt())?;
            let value = match value {
                Json::Object(cells) if !keyed_by_row(&r.table) => Json::Object(columns.full_row(w, &r.table, cells)?),
                other => other,
            };
            ChangeOp::Set { column: ROW.to_owned(), value }
        }
        (column, _) if local(&r.table, column) => return Ok(None),
        (column, value) => {
            let value = match value {
                Some(v) => serde_json::from_str(&v).map_err(|_| corrupt())?,
                None => Json::Null,
            };
            ChangeOp::Set { column: column.to_owned(), value }
        }
    };
    Ok(Some(CellChange { hlc: r.hlc, table: r.table, row: r.row_id, op }))
}

/// Tables whose rows sync whole, as one value (`*` only): a transaction's parts, a budget.
fn keyed_by_row(table: &str) -> bool {
    table == Table::SPLITS.name || table == Table::BUDGET_OVERRIDES.name
}

/// Each synced table's columns (not its key, not local ones) and their defaults.
#[derive(Default)]
struct ColumnCache {
    tables: Vec<(String, Vec<(String, Json)>)>,
}

impl ColumnCache {
    fn columns(&mut self, w: &Writer<'_>, table: &str) -> Result<&[(String, Json)]> {
        if let Some(at) = self.tables.iter().position(|(t, _)| t == table) {
            return Ok(&self.tables[at].1);
        }
        let key = Table::by_name(table).map_or("id", |t| t.key);
        let r = w.read();
        let mut stmt = r.prepare("SELECT name, dflt_value FROM pragma_table_info(?1)")?;
        let rows = stmt.query_map([table], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))?;
        let mut columns = Vec::new();
        for row in rows {
            let (name, default) = row?;
            if name != key && !local(table, &name) {
                columns.push((name, default.as_deref().map_or(Json::Null, default_json)));
            }
        }
        self.tables.push((table.to_owned(), columns));
        Ok(&self.tables[self.tables.len() - 1].1)
    }

    /// A row insert's cells, completed with every other synced column's default.
    fn full_row(
        &mut self,
        w: &Writer<'_>,
        table: &str,
        mut cells: serde_json::Map<String, Json>,
    ) -> Result<serde_json::Map<String, Json>> {
        let mut row = serde_json::Map::new();
        for (name, default) in self.columns(w, table)? {
            row.insert(name.clone(), cells.remove(name).unwrap_or_else(|| default.clone()));
        }
        Ok(row)
    }
}

/// A column's SQL default (`0`, `'ok'`, `NULL`) as the change log writes values.
fn default_json(sql: &str) -> Json {
    if let Ok(n) = sql.parse::<i64>() {
        return Json::from(n);
    }
    match sql.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        Some(text) => Json::String(text.replace("''", "'")),
        None => Json::Null,
    }
}

/// What became of other devices' changes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Changes that took effect.
    pub applied: usize,
    /// Changes older than what the cell already had, or repeated: nothing to do.
    pub stale: usize,
    /// Changes still waiting for their row.
    pub waiting: usize,
    /// Devices whose clocks are too far ahead: their changes wait until the clocks agree.
    pub quarantined: Vec<DeviceId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Applied,
    Stale,
    Waiting,
}

/// Applies other devices' `changes` (in any order, repeated or not: the result is the same)
/// through the Writer without recording them as this device's, then retries what waits.
/// Call [`take_local`] first in the same write, so this device's own changes have clocks.
pub(crate) fn apply_remote(w: &mut Writer<'_>, mut changes: Vec<CellChange>) -> Result<Applied> {
    // A parent may come in a later change of this batch than a row that names it.
    w.defer_foreign_keys()?;
    changes.sort_by(|a, b| a.hlc.cmp(&b.hlc));
    let mut report = Applied::default();
    w.set_remote(true);
    let result = (|| {
        for change in &changes {
            match apply_one(w, change)? {
                Outcome::Applied => report.applied += 1,
                Outcome::Stale => report.stale += 1,
                Outcome::Waiting => {}
            }
        }
        retry_waiting(w, &mut report)
    })();
    w.set_remote(false);
    result?;
    let mut stmt = w.read().prepare_cached("SELECT reason, hlc FROM sync_waiting")?;
    let waiting = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in waiting {
        let (reason, hlc) = row?;
        report.waiting += 1;
        if reason == "clock"
            && let Ok(hlc) = hlc.parse::<Hlc>()
            && !report.quarantined.contains(&hlc.device)
        {
            report.quarantined.push(hlc.device);
        }
    }
    Ok(report)
}

/// Tries every waiting change again, in clock order, until none more applies.
fn retry_waiting(w: &mut Writer<'_>, report: &mut Applied) -> Result<()> {
    loop {
        let waiting: Vec<CellChange> = w
            .take_parked_sync_changes()?
            .into_iter()
            .map(|(hlc, table, row, column, value)| {
                let op = match (column.as_str(), value) {
                    (DELETED, _) => ChangeOp::Delete,
                    (_, value) => ChangeOp::Set {
                        column,
                        value: value.and_then(|v| serde_json::from_str(&v).ok()).unwrap_or(Json::Null),
                    },
                };
                CellChange { hlc, table, row, op }
            })
            .collect();
        if waiting.is_empty() {
            return Ok(());
        }
        let mut progress = false;
        for change in &waiting {
            match apply_one(w, change)? {
                Outcome::Applied => {
                    report.applied += 1;
                    progress = true;
                }
                Outcome::Stale => {
                    report.stale += 1;
                    progress = true;
                }
                Outcome::Waiting => {}
            }
        }
        if !progress {
            return Ok(());
        }
    }
}

fn wait(w: &Writer<'_>, change: &CellChange, reason: &str) -> Result<Outcome> {
    let (column, value) = match &change.op {
        ChangeOp::Delete => (DELETED.to_owned(), None),
        ChangeOp::Set { column, value } => (column.clone(), Some(value.to_string())),
    };
    w.park_sync_change(&(change.hlc.clone(), change.table.clone(), change.row.clone(), column, value), reason)?;
    Ok(Outcome::Waiting)
}

fn exists(w: &Writer<'_>, table: Table, id: &str) -> Result<bool> {
    Ok(w.read().prepare_cached(&format!("SELECT 1 FROM {} WHERE {} = ?1", table.name, table.key))?.exists([id])?)
}

/// Whether what `cells` refer to is here (an account, a category, a parent category).
fn parents_present(w: &Writer<'_>, table: Table, cells: &serde_json::Map<String, Json>) -> Result<bool> {
    let refs: &[(&str, Table)] = match table.name {
        "transactions" => &[("account_id", Table::ACCOUNTS), ("category_id", Table::CATEGORIES)],
        "categories" => &[("parent_id", Table::CATEGORIES)],
        "budget_overrides" | "splits" => &[("category_id", Table::CATEGORIES)],
        _ => &[],
    };
    for (column, parent) in refs {
        if let Some(Json::String(id)) = cells.get(*column)
            && !exists(w, *parent, id)?
        {
            return Ok(false);
        }
    }
    Ok(true)
}

fn later(hlc: &str, than: Option<&str>) -> bool {
    than.is_none_or(|than| hlc > than)
}

fn apply_one(w: &mut Writer<'_>, change: &CellChange) -> Result<Outcome> {
    let hlc: Hlc = change
        .hlc
        .parse()
        .map_err(|_| Error::new(ErrorKind::Corrupt, "another device sent a change with a malformed clock"))?;
    match w.observe(&hlc) {
        Ok(()) => {}
        Err(HlcError::Drift { .. }) => return wait(w, change, "clock"),
        Err(HlcError::Syntax(_)) => return Ok(Outcome::Stale),
    }
    // A table this version does not sync (a newer version's): nothing to do with it.
    let Some(table) = Table::by_name(&change.table).filter(|t| t.synced) else { return Ok(Outcome::Stale) };
    let (t, row, h) = (table.name, change.row.as_str(), change.hlc.as_str());
    let tombstone = w.sync_clock(t, row, DELETED)?;
    let inserted = w.sync_clock(t, row, ROW)?;
    match &change.op {
        ChangeOp::Delete => {
            w.keep_sync_clock(t, row, DELETED, h)?;
            w.drop_parked_before(t, row, h)?;
            if !later(h, inserted.as_deref()) || !exists(w, table, row)? {
                return Ok(Outcome::Stale);
            }
            keep_newer(w, table, row, h)?;
            delete_row(w, table, row)?;
            Ok(Outcome::Applied)
        }
        ChangeOp::Set { column, value } if keyed_by_row(t) => {
            if column != ROW || !later(h, inserted.as_deref()) || !later(h, tombstone.as_deref()) {
                return Ok(Outcome::Stale);
            }
            apply_whole(w, change, table, value)
        }
        ChangeOp::Set { column, value } if column == ROW => {
            let Json::Object(cells) = value else { return Ok(Outcome::Stale) };
            if !later(h, tombstone.as_deref()) {
                return Ok(Outcome::Stale);
            }
            if exists(w, table, row)? {
                let mut applied = false;
                for (name, value) in cells {
                    if local(t, name) || name == table.key {
                        continue;
                    }
                    let own = w.sync_clock(t, row, name)?;
                    if later(h, own.as_deref()) && later(h, inserted.as_deref()) {
                        applied |= update_cell(w, table, row, name, value)?;
                    }
                }
                w.keep_sync_clock(t, row, ROW, h)?;
                return Ok(if applied { Outcome::Applied } else { Outcome::Stale });
            }
            if !parents_present(w, table, cells)? {
                return wait(w, change, "row");
            }
            let values: Vec<(&str, Value)> = cells
                .iter()
                .filter(|(name, _)| !local(t, name) && *name != table.key)
                .map(|(name, value)| (name.as_str(), json_value(value)))
                .collect();
            w.insert(table, row, &values)?;
            w.keep_sync_clock(t, row, ROW, h)?;
            Ok(Outcome::Applied)
        }
        ChangeOp::Set { column, value } => {
            if local(t, column) || !crate::vault::write::is_ident(column) {
                return Ok(Outcome::Stale);
            }
            if !exists(w, table, row)? {
                return if later(h, tombstone.as_deref()) { wait(w, change, "row") } else { Ok(Outcome::Stale) };
            }
            let own = w.sync_clock(t, row, column)?;
            if !later(h, own.as_deref()) || !later(h, inserted.as_deref()) {
                return Ok(Outcome::Stale);
            }
            let mut cells = serde_json::Map::new();
            cells.insert(column.clone(), value.clone());
            if !parents_present(w, table, &cells)? {
                return wait(w, change, "row");
            }
            update_cell(w, table, row, column, value)?;
            w.keep_sync_clock(t, row, column, h)?;
            Ok(Outcome::Applied)
        }
    }
}

/// Before a row goes, keeps its cells changed later than the deletion (`h`) as changes that
/// wait for the row: if a later insert brings it back, they apply to it, as they do on the
/// devices that saw the deletion, the insert and then the edit.
fn keep_newer(w: &mut Writer<'_>, table: Table, row: &str, h: &str) -> Result<()> {
    let newer = w.sync_cells_after(table.name, row, h)?;
    for (column, hlc) in newer {
        if !crate::vault::write::is_ident(&column) {
            continue;
        }
        let value: Value = w.read().query_row(
            &format!("SELECT {column} FROM {} WHERE {} = ?1", table.name, table.key),
            [row],
            |r| r.get(0),
        )?;
        let change = CellChange {
            hlc,
            table: table.name.to_owned(),
            row: row.to_owned(),
            op: ChangeOp::Set { column: column.clone(), value: value_to_json(&value) },
        };
        wait(w, &change, "row")?;
        w.forget_sync_clock(table.name, row, &column)?;
    }
    if table == Table::TRANSACTIONS
        && let Some(parts_clock) = w.sync_clock(Table::SPLITS.name, row, ROW)?
        && parts_clock.as_str() > h
    {
        let parts = parts_of(w, row)?;
        let change = CellChange {
            hlc: parts_clock,
            table: Table::SPLITS.name.to_owned(),
            row: row.to_owned(),
            op: ChangeOp::Set { column: ROW.to_owned(), value: Json::Array(parts) },
        };
        wait(w, &change, "row")?;
        w.forget_sync_clock(Table::SPLITS.name, row, ROW)?;
    }
    Ok(())
}

/// A transaction's parts as they sync: one value, the list of parts in order.
fn parts_of(w: &Writer<'_>, transaction: &str) -> Result<Vec<Json>> {
    let r = w.read();
    let mut stmt = r.prepare_cached(
        "SELECT position, category_id, amount_minor, memo FROM splits WHERE transaction_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([transaction], |r| {
        let mut part = serde_json::Map::new();
        for (i, name) in ["position", "category_id", "amount_minor", "memo"].iter().enumerate() {
            part.insert((*name).to_owned(), value_to_json(&r.get::<_, Value>(i)?));
        }
        Ok(Json::Object(part))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The synced tables in the order a snapshot holds them: parents before what refers to them,
/// so a device starting from it parks as few changes as it can.
const SNAPSHOT_TABLES: [Table; 6] =
    [Table::ACCOUNTS, Table::CATEGORIES, Table::RULES, Table::TRANSACTIONS, Table::SPLITS, Table::BUDGET_OVERRIDES];

/// Clocks read from `sync_clocks` at a time while a snapshot is made.
const SNAPSHOT_CLOCKS_PER_READ: i64 = 2_000;

/// The vault as a snapshot holds it, handed to `sink` a page at a time: for every cell, row
/// insert and deletion with a clock, the change that sets it to what it holds now, with that
/// clock (a row that is gone is left to its tombstone), then every change still waiting. A
/// device that applies them all, in any order, ends with the cells and clocks this one has.
/// Call [`take_local`] first in the same write, so that every local change has its clock.
pub(crate) fn snapshot_cells(w: &Writer<'_>, sink: &mut dyn FnMut(Vec<CellChange>) -> Result<()>) -> Result<()> {
    let mut columns = ColumnCache::default();
    for table in SNAPSHOT_TABLES {
        let (mut after_row, mut after_column) = (String::new(), String::new());
        let mut first = true;
        loop {
            let clocks: Vec<(String, String, String)> = {
                let r = w.read();
                let mut stmt = r.prepare_cached(
                    "SELECT row_id, column_name, hlc FROM sync_clocks
                     WHERE table_name = ?1 AND (?2 OR (row_id, column_name) > (?3, ?4))
                     ORDER BY row_id, column_name LIMIT ?5",
                )?;
                let rows = stmt.query_map(
                    rusqlite::params![table.name, first, after_row, after_column, SNAPSHOT_CLOCKS_PER_READ],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let Some((last_row, last_column, _)) = clocks.last().cloned() else { break };
            let mut out = Vec::with_capacity(clocks.len());
            for (row, column, hlc) in clocks {
                if let Some(op) = snapshot_op(w, &mut columns, table, &row, &column)? {
                    out.push(CellChange { hlc, table: table.name.to_owned(), row, op });
                }
            }
            sink(out)?;
            (after_row, after_column, first) = (last_row, last_column, false);
        }
    }
    let waiting: Vec<CellChange> = {
        let r = w.read();
        let mut stmt =
            r.prepare_cached("SELECT hlc, table_name, row_id, column_name, value FROM sync_waiting ORDER BY hlc")?;
        let rows = stmt.query_map([], |r| {
            let (hlc, table, row, column, value): (String, String, String, String, Option<String>) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            let op = match (column.as_str(), value) {
                (DELETED, _) => ChangeOp::Delete,
                (_, value) => ChangeOp::Set {
                    column,
                    value: value.and_then(|v| serde_json::from_str(&v).ok()).unwrap_or(Json::Null),
                },
            };
            Ok(CellChange { hlc, table, row, op })
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    if !waiting.is_empty() {
        sink(waiting)?;
    }
    Ok(())
}

/// What a snapshot holds for one clock of `row`: its deletion, its insert with every synced
/// cell as it is now, or one cell as it is now; `None` when the row is gone (its tombstone
/// speaks for it) or the column is not synced.
fn snapshot_op(
    w: &Writer<'_>,
    columns: &mut ColumnCache,
    table: Table,
    row: &str,
    column: &str,
) -> Result<Option<ChangeOp>> {
    if column == DELETED {
        return Ok(Some(ChangeOp::Delete));
    }
    if table == Table::SPLITS {
        if column != ROW || !exists(w, Table::TRANSACTIONS, row)? {
            return Ok(None);
        }
        return Ok(Some(ChangeOp::Set { column: ROW.to_owned(), value: Json::Array(parts_of(w, row)?) }));
    }
    if table == Table::BUDGET_OVERRIDES {
        let Some((category, from)) = row.split_once('|') else { return Ok(None) };
        if column != ROW {
            return Ok(None);
        }
        let r = w.read();
        let mut stmt = r.prepare_cached(
            "SELECT category_id, effective_from, currency, amount_minor, rollover, updated_at FROM budget_overrides
             WHERE category_id = ?1 AND effective_from = ?2",
        )?;
        let names = ["category_id", "effective_from", "currency", "amount_minor", "rollover", "updated_at"];
        let found = stmt
            .query_map([category, from], |r| {
                let mut cells = serde_json::Map::new();
                for (i, name) in names.iter().enumerate() {
                    cells.insert((*name).to_owned(), value_to_json(&r.get::<_, Value>(i)?));
                }
                Ok(Json::Object(cells))
            })?
            .next()
            .transpose()?;
        return Ok(found.map(|value| ChangeOp::Set { column: ROW.to_owned(), value }));
    }
    if column != ROW && (local(table.name, column) || !crate::vault::write::is_ident(column)) {
        return Ok(None);
    }
    let wanted: Vec<String> = if column == ROW {
        columns.columns(w, table.name)?.iter().map(|(name, _)| name.clone()).collect()
    } else {
        vec![column.to_owned()]
    };
    let r = w.read();
    let mut stmt =
        r.prepare_cached(&format!("SELECT {} FROM {} WHERE {} = ?1", wanted.join(", "), table.name, table.key))?;
    let found = stmt
        .query_map([row], |r| {
            let mut cells = serde_json::Map::new();
            for (i, name) in wanted.iter().enumerate() {
                cells.insert(name.clone(), value_to_json(&r.get::<_, Value>(i)?));
            }
            Ok(cells)
        })?
        .next()
        .transpose()?;
    Ok(found.map(|mut cells| {
        if column == ROW {
            ChangeOp::Set { column: ROW.to_owned(), value: Json::Object(cells) }
        } else {
            ChangeOp::Set { column: column.to_owned(), value: cells.remove(column).unwrap_or(Json::Null) }
        }
    }))
}

fn update_cell(w: &mut Writer<'_>, table: Table, row: &str, column: &str, value: &Json) -> Result<bool> {
    w.update(table, row, &[(column, json_value(value))])
}

/// A row that syncs whole: a transaction's parts, a budget.
fn apply_whole(w: &mut Writer<'_>, change: &CellChange, table: Table, value: &Json) -> Result<Outcome> {
    let row = change.row.as_str();
    if table == Table::SPLITS {
        let Json::Array(parts) = value else { return Ok(Outcome::Stale) };
        if !exists(w, Table::TRANSACTIONS, row)? {
            return wait(w, change, "row");
        }
        let mut columns: Vec<String> = Vec::new();
        let mut rows = Vec::with_capacity(parts.len());
        for part in parts {
            let Json::Object(cells) = part else { return Ok(Outcome::Stale) };
            if !parents_present(w, table, cells)? {
                return wait(w, change, "row");
            }
            if columns.is_empty() {
                columns = cells.keys().filter(|k| crate::vault::write::is_ident(k)).cloned().collect();
            }
            rows.push(columns.iter().map(|c| cells.get(c).map_or(Value::Null, json_value)).collect::<Vec<_>>());
        }
        if columns.is_empty() {
            columns.push("position".to_owned());
        }
        let names: Vec<&str> = columns.iter().map(String::as_str).collect();
        w.replace_children(table, "transaction_id", row, &names, &rows)?;
    } else {
        let Json::Object(cells) = value else { return Ok(Outcome::Stale) };
        if !parents_present(w, table, cells)? {
            return wait(w, change, "row");
        }
        let key_columns = ["category_id", "effective_from"];
        let key: Vec<(&str, Value)> =
            key_columns.iter().map(|k| (*k, cells.get(*k).map_or(Value::Null, json_value))).collect();
        let rest: Vec<(&str, Value)> = cells
            .iter()
            .filter(|(k, _)| !key_columns.contains(&k.as_str()) && crate::vault::write::is_ident(k))
            .map(|(k, v)| (k.as_str(), json_value(v)))
            .collect();
        w.upsert_keyed(table, row, &key, &rest)?;
    }
    w.keep_sync_clock(table.name, row, ROW, &change.hlc)?;
    Ok(Outcome::Applied)
}

/// Deletes a row another device deleted, and what hangs off it here: a transaction's parts
/// (silently: they went with it there too), an account's transactions (as this device's own
/// deletions, since the other device may never have seen some of them).
fn delete_row(w: &mut Writer<'_>, table: Table, row: &str) -> Result<()> {
    if table == Table::TRANSACTIONS {
        w.replace_children(Table::SPLITS, "transaction_id", row, &["position"], &[])?;
    }
    if table == Table::ACCOUNTS {
        let orphans: Vec<String> = {
            let r = w.read();
            let mut stmt = r.prepare_cached("SELECT id FROM transactions WHERE account_id = ?1")?;
            stmt.query_map([row], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
        };
        w.set_remote(false);
        let result = (|| {
            for id in &orphans {
                w.replace_children(Table::SPLITS, "transaction_id", id, &["position"], &[])?;
                w.delete(Table::TRANSACTIONS, id)?;
                // Its tombstone now, not when it is next sent: a remote change to the row later
                // in this batch must find it.
                if let Some(hlc) = w.last_hlc() {
                    w.keep_sync_clock(Table::TRANSACTIONS.name, id, DELETED, &hlc.to_string())?;
                }
            }
            Ok::<_, Error>(())
        })();
        w.set_remote(true);
        result?;
        // What the account's own deletion does here: counts, payloads, jobs, then the row.
        return crate::provider::connection::delete_accounts(w, &[row.to_owned()], &[]);
    }
    w.delete(table, row)?;
    Ok(())
}

/// A change log value (JSON) as the vault stores it.
fn json_value(value: &Json) -> Value {
    match value {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Integer(i64::from(*b)),
        Json::Number(n) => n.as_i64().map_or_else(|| Value::Text(n.to_string()), Value::Integer),
        Json::String(s) => Value::Text(s.clone()),
        Json::Object(o) => match o.get("hex").and_then(Json::as_str).and_then(|h| hex::decode(h).ok()) {
            Some(bytes) => Value::Blob(bytes),
            None => Value::Text(value.to_string()),
        },
        Json::Array(_) => Value::Text(value.to_string()),
    }
}
