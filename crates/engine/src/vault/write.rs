//! The one mutation path. Every write to the vault goes through a [`Writer`], inside one SQL
//! transaction, and every change to a synced table is also recorded, cell by cell, in
//! `changes` with a hybrid-logical-clock timestamp. Sync builds on that log without touching
//! the callers.
//!
//! The log holds four kinds of record, by `column_name`: a cell (its name, the value as JSON),
//! a whole new row (`*`, a JSON object of its non-null cells), a deletion (empty, no value),
//! and a bulk insert (`+`, a JSON array of the new rows' ids). A bulk insert is one record for
//! any number of rows: their cells are the values stored in those rows, read when the log is
//! expanded ([`expand`]). Reading them later can only show a value that a later record (an
//! edit, a deletion) also carries with a newer clock, so last-writer-wins merges the same.

use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Transaction, params_from_iter};
use spearmint_core::{Hlc, HlcClock};

use super::Reader;
use crate::error::{Error, ErrorKind, Result};

/// What `monthly_spending` sums, row by row: unsplit transactions as themselves, split ones
/// through their parts (in the transaction's month and currency).
pub(crate) const RECOUNT_ROWS: &str =
    "SELECT substr(posted_on, 1, 7) AS month, coalesce(category_id, 'UNCATEGORIZED') AS category_id,
            currency, amount_minor FROM transactions WHERE is_split = 0
     UNION ALL
     SELECT substr(t.posted_on, 1, 7), s.category_id, t.currency, s.amount_minor
            FROM splits s JOIN transactions t ON t.id = s.transaction_id WHERE t.is_split = 1";

/// What `account_counts` counts.
pub(crate) const ACCOUNT_RECOUNT: &str = "SELECT account_id, count(*) FROM transactions GROUP BY account_id";

/// Months a write touched: see [`Writer::take_touched`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    /// Months (`YYYY-MM`) whose spending changed.
    pub spending: Vec<String>,
    /// Months from which a changed budget applies.
    pub budgets_from: Vec<String>,
}

impl Touched {
    pub fn is_empty(&self) -> bool {
        self.spending.is_empty() && self.budgets_from.is_empty()
    }
}

/// Temporary triggers on this connection (nothing is stored in the file) that note each month
/// whose spending or budget a write changes, however it changed: the Writer's own totals, the
/// triggers of the migrations, a doctor's rebuild. Created after the migrations, on every open.
/// (No `INSERT OR IGNORE`: an outer statement's conflict clause would override it.)
pub(crate) fn watch_touched(conn: &rusqlite::Connection) -> Result<()> {
    let mut sql = String::from(
        "CREATE TEMP TABLE IF NOT EXISTS touched (what TEXT NOT NULL, month TEXT NOT NULL, PRIMARY KEY (what, month)) WITHOUT ROWID;",
    );
    for (table, what, month) in
        [("monthly_spending", "spending", "month"), ("budget_overrides", "budget", "effective_from")]
    {
        for (event, row) in [("INSERT", "NEW"), ("UPDATE", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")] {
            sql.push_str(&format!(
                "CREATE TEMP TRIGGER IF NOT EXISTS touched_{table}_{}_{} AFTER {event} ON main.{table}
                 BEGIN INSERT INTO temp.touched (what, month) SELECT '{what}', {row}.{month}
                   WHERE NOT EXISTS (SELECT 1 FROM temp.touched WHERE what = '{what}' AND month = {row}.{month}); END;",
                event.to_lowercase(),
                row.to_lowercase()
            ));
        }
    }
    conn.execute_batch(&sql)?;
    Ok(())
}

/// A table the writer may touch, and whether other devices see its changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    pub name: &'static str,
    pub key: &'static str,
    pub synced: bool,
    /// The unique index on `key`, when it is one (not the primary key): a large bulk insert
    /// builds it once afterwards.
    pub key_index: Option<&'static str>,
}

impl Table {
    pub const ACCOUNTS: Table = Table { name: "accounts", key: "id", synced: true, key_index: None };
    pub const TRANSACTIONS: Table =
        Table { name: "transactions", key: "id", synced: true, key_index: Some("transactions_id") };
    pub const CATEGORIES: Table = Table { name: "categories", key: "id", synced: true, key_index: None };
    pub const RULES: Table = Table { name: "rules", key: "id", synced: true, key_index: None };
    pub const SETTINGS: Table = Table { name: "settings", key: "key", synced: false, key_index: None };
    pub const ACTIVITY: Table = Table { name: "activity", key: "id", synced: false, key_index: None };
    pub const JOBS: Table = Table { name: "jobs", key: "id", synced: false, key_index: None };
    pub const NOTIFICATIONS: Table = Table { name: "notifications", key: "id", synced: false, key_index: None };
    pub const RAW_PAYLOADS: Table = Table { name: "raw_payloads", key: "id", synced: false, key_index: None };
    /// Keyed by (category_id, effective_from): written with `upsert_keyed`, logged as one row.
    pub const BUDGET_OVERRIDES: Table =
        Table { name: "budget_overrides", key: "category_id", synced: true, key_index: None };
    /// A transaction's parts, written with `replace_children` and logged as one row (its id,
    /// the list of parts).
    pub const SPLITS: Table = Table { name: "splits", key: "transaction_id", synced: true, key_index: None };
    pub const CONNECTIONS: Table = Table { name: "connections", key: "id", synced: false, key_index: None };
    /// Keyed by (seller, category_id). Not logged: the crowd's votes come from the sync server.
    pub const CROWD_VOTES: Table = Table { name: "crowd_votes", key: "seller", synced: false, key_index: None };

    const ALL: [Table; 13] = [
        Table::ACCOUNTS,
        Table::TRANSACTIONS,
        Table::CATEGORIES,
        Table::RULES,
        Table::SETTINGS,
        Table::ACTIVITY,
        Table::JOBS,
        Table::NOTIFICATIONS,
        Table::RAW_PAYLOADS,
        Table::BUDGET_OVERRIDES,
        Table::SPLITS,
        Table::CONNECTIONS,
        Table::CROWD_VOTES,
    ];

    pub fn by_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name == name)
    }
}

/// What new `transactions` rows add to the tables that sum them, counted once per insert
/// statement instead of by a trigger per row: to `monthly_spending`, as the trigger 0009
/// replaced counted them (in the month of the posted date, under the category, UNCATEGORIZED
/// when none, unless the row is split: its parts count instead); to `account_counts` (0010),
/// one per row in its account.
#[derive(Debug, Default)]
struct InsertTally {
    columns: Option<[usize; 6]>,
    /// Keyed by month, category and currency joined with NUL.
    sums: foldhash::HashMap<String, (i64, i64)>,
    key: String,
    /// Rows per account id.
    accounts: foldhash::HashMap<String, i64>,
}

impl InsertTally {
    /// For an insert into `table` with these columns (in the order its values will come).
    fn new(table: Table, columns: &[&str]) -> Result<InsertTally> {
        if table != Table::TRANSACTIONS {
            return Ok(InsertTally::default());
        }
        let at = |name: &str| columns.iter().position(|c| *c == name);
        let (Some(account), Some(posted), Some(amount), Some(currency)) =
            (at("account_id"), at("posted_on"), at("amount_minor"), at("currency"))
        else {
            return Err(Error::new(
                ErrorKind::Internal,
                "a transaction row needs its account, date, amount and currency",
            ));
        };
        // A missing category or split flag is NULL or the default (0): index past the end.
        let absent = columns.len();
        Ok(InsertTally {
            columns: Some([
                account,
                posted,
                amount,
                currency,
                at("category_id").unwrap_or(absent),
                at("is_split").unwrap_or(absent),
            ]),
            ..InsertTally::default()
        })
    }

    fn add(&mut self, values: &[Value]) {
        let Some([account, posted, amount, currency, category, split]) = self.columns else { return };
        let text = |i: usize| match values.get(i) {
            Some(Value::Text(t)) => t.as_str(),
            _ => "",
        };
        let int = |i: usize| match values.get(i) {
            Some(Value::Integer(n)) => *n,
            _ => 0,
        };
        match self.accounts.get_mut(text(account)) {
            Some(n) => *n += 1,
            None => {
                self.accounts.insert(text(account).to_owned(), 1);
            }
        }
        if int(split) != 0 {
            return;
        }
        let month = text(posted).get(..7).unwrap_or(text(posted));
        let category = match text(category) {
            "" => "UNCATEGORIZED",
            c => c,
        };
        // Look up by a reused buffer; allocate the key only for a new month and category.
        self.key.clear();
        for part in [month, "\0", category, "\0", text(currency)] {
            self.key.push_str(part);
        }
        match self.sums.get_mut(self.key.as_str()) {
            Some(sum) => *sum = (sum.0 + int(amount), sum.1 + 1),
            None => {
                self.sums.insert(self.key.clone(), (int(amount), 1));
            }
        }
    }
}

/// Rows from which a bulk insert into a table with a key index builds the index afterwards.
pub(super) const BULK_ROWS: usize = 50_000;

/// Rows a bulk insert stores per statement.
const BATCH: usize = 512;

/// SQLite's limit on the parameters of one statement (SQLITE_MAX_VARIABLE_NUMBER's default).
const MAX_PARAMETERS: usize = 32_766;

/// What a bulk insert stored.
struct Inserted {
    count: usize,
    /// Keys of the rows that were there already.
    existing: Vec<String>,
    tally: InsertTally,
    /// The new rows' keys, as a JSON array of strings (without its closing bracket).
    ids: String,
}

impl Inserted {
    fn new(table: Table, columns: &[&str]) -> Result<Inserted> {
        Ok(Inserted {
            count: 0,
            existing: Vec::new(),
            tally: InsertTally::new(table, columns)?,
            ids: String::from("["),
        })
    }

    /// Counts a row just stored.
    fn add(&mut self, table: Table, id: &str, values: &[Value]) {
        self.tally.add(values);
        if table.synced {
            if self.count > 0 {
                self.ids.push(',');
            }
            push_json_string(&mut self.ids, id);
        }
        self.count += 1;
    }
}

/// A set of keys: those that are UUIDs (every transaction's) as 16 bytes, the others as text.
#[derive(Debug, Default)]
struct KnownKeys {
    uuids: foldhash::HashSet<u128>,
    texts: foldhash::HashSet<String>,
}

impl KnownKeys {
    /// Adds `key`; false if it was known.
    fn insert(&mut self, key: &str) -> bool {
        match uuid::Uuid::try_parse(key) {
            // Only the hyphenated lower-case form: another spelling is another key to SQLite.
            Ok(uuid) if uuid.hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer()) == key => {
                self.uuids.insert(uuid.as_u128())
            }
            _ => self.texts.insert(key.to_owned()),
        }
    }
}

/// `column_name` of a bulk-insert record.
pub(crate) const INSERTED_ROWS: &str = "+";

/// Whether `name` can be a column name: a plain lower-case identifier.
pub(crate) fn is_ident(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
}

/// Column names come from code, never from input; this keeps them to plain identifiers.
fn check_ident(name: &str) -> Result<()> {
    if is_ident(name) { Ok(()) } else { Err(Error::new(ErrorKind::Internal, format!("`{name}` is not a column name"))) }
}

/// `INSERT INTO table (key, columns...) VALUES` with `rows` rows of parameters.
fn insert_sql(table: Table, columns: &[&str], rows: usize) -> String {
    let row = format!("({})", vec!["?"; columns.len() + 1].join(", "));
    format!(
        "INSERT INTO {} ({}, {}) VALUES {}",
        table.name,
        table.key,
        columns.join(", "),
        vec![row.as_str(); rows].join(", ")
    )
}

/// A row must have a cell for each column.
fn check_width(table: Table, columns: &[&str], values: &[Value]) -> Result<()> {
    if values.len() == columns.len() {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::Internal, format!("a row for {} has the wrong number of cells", table.name)))
    }
}

/// Binds a row's key and cells to the parameters from `at` on. `before`: the cells bound there
/// last (they stay bound between executions); then only the cells that differ are bound.
fn bind_row(
    insert: &mut rusqlite::Statement<'_>,
    at: usize,
    id: &str,
    values: &[Value],
    before: Option<&[Value]>,
) -> Result<()> {
    insert.raw_bind_parameter(at, id)?;
    for (i, value) in values.iter().enumerate() {
        if before.is_none_or(|before| before[i] != *value) {
            insert.raw_bind_parameter(at + 1 + i, value)?;
        }
    }
    Ok(())
}

pub struct Writer<'a> {
    pub(super) tx: Transaction<'a>,
    clock: &'a mut HlcClock,
    now_millis: u64,
    changes: usize,
    last: Option<Hlc>,
    /// Applying other devices' changes: nothing is recorded in `changes` (they are theirs).
    remote: bool,
}

impl std::fmt::Debug for Writer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("changes", &self.changes).finish_non_exhaustive()
    }
}

impl<'a> Writer<'a> {
    pub(crate) fn new(tx: Transaction<'a>, clock: &'a mut HlcClock, now_millis: u64) -> Writer<'a> {
        Writer { tx, clock, now_millis, changes: 0, last: None, remote: false }
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
        let mut tally = InsertTally::new(table, &names[1..])?;
        tally.add(&values[1..]);
        self.tx.prepare_cached(&sql)?.execute(params_from_iter(values.iter()))?;
        self.count_inserted(tally)?;
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

    /// Inserts many rows of one shape that may already be stored: the bulk form of
    /// [`Writer::insert`]. The statement is prepared once, each row is bound in place, and the
    /// change log gets one bulk-insert record for all of them (a million-row import spends its
    /// time here). A row whose key exists is left as it is, not counted and not logged.
    /// Returns how many rows were inserted and the keys of those that were already there.
    pub fn insert_many_new(
        &mut self,
        table: Table,
        columns: &[&str],
        rows: impl IntoIterator<Item = (String, Vec<Value>)>,
    ) -> Result<(usize, Vec<String>)> {
        self.insert_many_new_expecting(table, columns, rows, 0)
    }

    /// [`Writer::insert_many_new`] for about `expected` rows. When they are many, and more than
    /// the table holds, the index of the table's keys is built once after the rows are in, as
    /// a database restore does, instead of taking each random key in turn: a sort of all the
    /// keys costs a fraction of a million descents to random places. The keys stored before are
    /// read first, so a row already there is still told apart without the index; dropping and
    /// building the index happen in this transaction, so a failure or a crash leaves it as it
    /// was. The index is built again from its own definition.
    pub fn insert_many_new_expecting(
        &mut self,
        table: Table,
        columns: &[&str],
        rows: impl IntoIterator<Item = (String, Vec<Value>)>,
        expected: usize,
    ) -> Result<(usize, Vec<String>)> {
        for name in columns {
            check_ident(name)?;
        }
        let index = match table.key_index {
            Some(index) if expected >= BULK_ROWS => {
                let stored: i64 =
                    self.tx.query_row(&format!("SELECT count(*) FROM {}", table.name), [], |r| r.get(0))?;
                (usize::try_from(stored).unwrap_or(usize::MAX) <= expected).then_some(index)
            }
            _ => None,
        };
        let Some(index) = index else {
            let inserted = self.insert_rows(table, columns, rows)?;
            return self.log_inserted(table, inserted);
        };
        // Without the index, the keys stored (and those inserted since) tell the rows already
        // there from new ones.
        let mut keys = KnownKeys::default();
        {
            let mut stmt = self.tx.prepare(&format!("SELECT {} FROM {}", table.key, table.name))?;
            let mut stored = stmt.query([])?;
            while let Some(row) = stored.next()? {
                if let rusqlite::types::ValueRef::Text(key) = row.get_ref(0)? {
                    keys.insert(&String::from_utf8_lossy(key));
                }
            }
        }
        let definition = self.drop_key_index(table, index)?;
        let inserted = self.insert_batched(table, columns, rows, &mut keys);
        drop(keys);
        // Built again even after a failure, so that no caller can go on without it.
        self.tx.execute_batch(&definition)?;
        self.log_inserted(table, inserted?)
    }

    /// Inserts `rows`, one statement each; a row whose key is stored is left as it is.
    fn insert_rows(
        &self,
        table: Table,
        columns: &[&str],
        rows: impl IntoIterator<Item = (String, Vec<Value>)>,
    ) -> Result<Inserted> {
        let sql = format!("{} ON CONFLICT ({}) DO NOTHING", insert_sql(table, columns, 1), table.key);
        let mut inserted = Inserted::new(table, columns)?;
        let mut insert = self.tx.prepare_cached(&sql)?;
        // The cells bound for the row before: a bound value stays bound from one execution to
        // the next, and rows of one import share most of theirs (account, currency, dates of
        // the write, ...), so only the cells that differ are bound again. None: nothing bound.
        let mut bound: Option<Vec<Value>> = None;
        for (id, values) in rows {
            check_width(table, columns, &values)?;
            bind_row(&mut insert, 1, &id, &values, bound.as_deref())?;
            if insert.raw_execute()? == 0 {
                inserted.existing.push(id);
            } else {
                inserted.add(table, &id, &values);
            }
            bound = Some(values);
        }
        Ok(inserted)
    }

    /// [`Writer::insert_rows`] without the key index: the rows already stored are told apart
    /// by `keys`, so the statement cannot meet a conflict, and rows go BATCH at a time through
    /// one statement (fewer for a table too wide for SQLite to take that many parameters). Its
    /// cursors stay where its last row went, so rows in order reach each index at its end
    /// without descending from its root (SQLite's shortcut for appending); a statement per row
    /// closes its cursors when it ends. The last rows, fewer than a batch, go one by one.
    fn insert_batched(
        &self,
        table: Table,
        columns: &[&str],
        rows: impl IntoIterator<Item = (String, Vec<Value>)>,
        keys: &mut KnownKeys,
    ) -> Result<Inserted> {
        let per_statement = (MAX_PARAMETERS / (columns.len() + 1)).clamp(1, BATCH);
        let mut insert = self.tx.prepare_cached(&insert_sql(table, columns, per_statement))?;
        let mut single = self.tx.prepare_cached(&insert_sql(table, columns, 1))?;
        let mut inserted = Inserted::new(table, columns)?;
        let mut batch: Vec<(String, Vec<Value>)> = Vec::with_capacity(per_statement);
        // The cells the batch before bound, row by row: a bound value stays bound from one
        // execution to the next, so only the cells that differ are bound again.
        let mut bound: Vec<Vec<Value>> = Vec::new();
        let mut rows = rows.into_iter();
        loop {
            let next = rows.next();
            let done = next.is_none();
            if let Some((id, values)) = next {
                check_width(table, columns, &values)?;
                if !keys.insert(&id) {
                    inserted.existing.push(id);
                    continue;
                }
                batch.push((id, values));
                if batch.len() < per_statement {
                    continue;
                }
                for (r, (id, values)) in batch.iter().enumerate() {
                    bind_row(&mut insert, r * (columns.len() + 1) + 1, id, values, bound.get(r).map(Vec::as_slice))?;
                }
                let stored = insert.raw_execute()?;
                if stored != per_statement {
                    return Err(Error::new(
                        ErrorKind::Internal,
                        format!("{stored} of {per_statement} rows went into {}", table.name),
                    ));
                }
            } else {
                for (id, values) in &batch {
                    bind_row(&mut single, 1, id, values, None)?;
                    single.raw_execute()?;
                }
            }
            bound.clear();
            for (id, values) in batch.drain(..) {
                inserted.add(table, &id, &values);
                bound.push(values);
            }
            if done {
                return Ok(inserted);
            }
        }
    }

    /// Adds what `insert_rows` stored to the totals and the change log (one record for all).
    fn log_inserted(&mut self, table: Table, inserted: Inserted) -> Result<(usize, Vec<String>)> {
        let Inserted { count, existing, tally, mut ids } = inserted;
        self.count_inserted(tally)?;
        if table.synced && count > 0 {
            ids.push(']');
            self.record_json(table, "*", INSERTED_ROWS, Some(ids))?;
        }
        Ok((count, existing))
    }

    /// Drops `table`'s key index `index`; returns the statement that builds it again.
    fn drop_key_index(&mut self, table: Table, index: &str) -> Result<String> {
        let definition: Option<String> = self
            .tx
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?1 AND tbl_name = ?2",
                [index, table.name],
                |r| r.get(0),
            )
            .optional()?;
        let definition = definition.ok_or_else(|| {
            Error::new(ErrorKind::Corrupt, format!("the vault has lost its index {index}: restore it from a backup"))
        })?;
        check_ident(index)?;
        self.tx.execute_batch(&format!("DROP INDEX {index}"))?;
        Ok(definition)
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

    /// Read access inside the same transaction (for checks before a write): queries only.
    pub fn read(&self) -> Reader<'_> {
        Reader::new(&self.tx)
    }

    /// Replaces the rows of a child table that belong to one parent (`parent_column =
    /// parent_id`) with `rows` (values for `columns`, in order), and records them as one row of
    /// the change log named by the parent, so they sync together. No rows: the parent has none.
    pub fn replace_children(
        &mut self,
        table: Table,
        parent_column: &str,
        parent_id: &str,
        columns: &[&str],
        rows: &[Vec<Value>],
    ) -> Result<()> {
        check_ident(parent_column)?;
        for name in columns {
            check_ident(name)?;
        }
        self.tx
            .prepare_cached(&format!("DELETE FROM {} WHERE {parent_column} = ?1", table.name))?
            .execute([parent_id])?;
        let placeholders = vec!["?"; columns.len() + 1].join(", ");
        let sql =
            format!("INSERT INTO {} ({parent_column}, {}) VALUES ({placeholders})", table.name, columns.join(", "));
        let mut insert = self.tx.prepare_cached(&sql)?;
        let mut logged = Vec::with_capacity(rows.len());
        for row in rows {
            if row.len() != columns.len() {
                return Err(Error::new(ErrorKind::Internal, format!("a row of {} has the wrong width", table.name)));
            }
            let parent = Value::Text(parent_id.to_owned());
            insert.execute(params_from_iter(std::iter::once(&parent).chain(row)))?;
            let cells: serde_json::Map<String, serde_json::Value> =
                columns.iter().zip(row).map(|(c, v)| ((*c).to_owned(), value_to_json(v))).collect();
            logged.push(serde_json::Value::Object(cells));
        }
        drop(insert);
        self.record_row(table, parent_id, serde_json::Value::Array(logged))
    }

    /// Inserts a row of a table keyed by several columns (`key`), or updates its `cells` where
    /// the key exists; a synced table logs the whole row under `row_id`.
    pub fn upsert_keyed(
        &mut self,
        table: Table,
        row_id: &str,
        key: &[(&str, Value)],
        cells: &[(&str, Value)],
    ) -> Result<()> {
        let all: Vec<&(&str, Value)> = key.iter().chain(cells).collect();
        for (name, _) in &all {
            check_ident(name)?;
        }
        let names: Vec<&str> = all.iter().map(|(n, _)| *n).collect();
        let keys: Vec<&str> = key.iter().map(|(n, _)| *n).collect();
        let set: Vec<String> = cells.iter().map(|(n, _)| format!("{n} = excluded.{n}")).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}",
            table.name,
            names.join(", "),
            vec!["?"; names.len()].join(", "),
            keys.join(", "),
            set.join(", ")
        );
        self.tx.prepare_cached(&sql)?.execute(params_from_iter(all.iter().map(|(_, v)| v)))?;
        let row: serde_json::Map<String, serde_json::Value> =
            all.iter().map(|(n, v)| ((*n).to_owned(), value_to_json(v))).collect();
        self.record_row(table, row_id, serde_json::Value::Object(row))
    }

    /// While on, writes apply other devices' changes: they update the rows and everything
    /// derived from them (spending, counts, alerts) as a local write does, but are not
    /// recorded as this device's changes.
    pub(crate) fn set_remote(&mut self, on: bool) {
        self.remote = on;
    }

    /// Takes in another device's timestamp, so this device's next ones order after it (and
    /// the clock's position is kept with the commit). A timestamp far in the future is refused
    /// and the clock does not move.
    pub(crate) fn observe(&mut self, hlc: &Hlc) -> std::result::Result<(), spearmint_core::HlcError> {
        self.clock.observe(hlc, self.now_millis)?;
        self.last = Some(self.clock.last());
        Ok(())
    }

    /// The device this write's changes are recorded for.
    pub(crate) fn device_uuid(&self) -> uuid::Uuid {
        *self.clock.device().as_uuid()
    }

    /// The timestamp of this write's latest change (or of the latest one observed).
    pub(crate) fn last_hlc(&self) -> Option<Hlc> {
        self.last
    }

    /// Rebuilds `monthly_spending` from the rows it sums ([`RECOUNT_ROWS`]): the repair of
    /// `spearmint doctor`. Derived data, so nothing is logged: every device derives its own.
    pub fn rebuild_monthly_spending(&mut self) -> Result<()> {
        self.tx.execute_batch(&format!(
            "DELETE FROM monthly_spending;
             INSERT INTO monthly_spending (month, category_id, currency, amount_minor, txn_count)
             SELECT month, category_id, currency, sum(amount_minor), count(*) FROM ({RECOUNT_ROWS}) GROUP BY 1, 2, 3;"
        ))?;
        Ok(())
    }

    /// Rebuilds `account_counts` from the rows ([`ACCOUNT_RECOUNT`]), like
    /// [`Writer::rebuild_monthly_spending`].
    pub fn rebuild_account_counts(&mut self) -> Result<()> {
        self.tx.execute_batch(&format!(
            "DELETE FROM account_counts; INSERT INTO account_counts (account_id, txn_count) {ACCOUNT_RECOUNT};"
        ))?;
        Ok(())
    }

    /// The months whose spending this write changed, and the months from which a budget it
    /// changed applies, gathered by the temporary triggers of [`watch_touched`]; then forgotten.
    pub fn take_touched(&mut self) -> Result<Touched> {
        let mut touched = Touched::default();
        {
            let mut stmt = self.tx.prepare_cached("SELECT what, month FROM temp.touched ORDER BY 1, 2")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (what, month) = row?;
                if what == "budget" { touched.budgets_from.push(month) } else { touched.spending.push(month) }
            }
        }
        self.tx.execute("DELETE FROM temp.touched", [])?;
        Ok(touched)
    }

    fn record(&mut self, table: Table, id: &str, column: &str, value: Option<&Value>) -> Result<()> {
        if !table.synced {
            return Ok(());
        }
        self.record_json(table, id, column, value.map(|v| value_to_json(v).to_string()))
    }

    fn record_json(&mut self, table: Table, id: &str, column: &str, json: Option<String>) -> Result<()> {
        if self.remote {
            return Ok(());
        }
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

    /// Adds rows just inserted into `transactions` to `monthly_spending` (one upsert per month,
    /// category and currency) and to `account_counts` (one per account) rather than a trigger
    /// per row. The update and delete triggers (migrations 0004, 0007 and 0010) handle every
    /// later change; `spearmint doctor` recounts both tables from scratch.
    fn count_inserted(&self, tally: InsertTally) -> Result<()> {
        let mut upsert = self.tx.prepare_cached(
            "INSERT INTO monthly_spending (month, category_id, currency, amount_minor, txn_count)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (month, category_id, currency)
             DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor,
                           txn_count = txn_count + excluded.txn_count",
        )?;
        for (key, (amount, count)) in tally.sums {
            let mut parts = key.split('\0');
            let (month, category, currency) = (parts.next(), parts.next(), parts.next());
            upsert.execute(rusqlite::params![month, category, currency, amount, count])?;
        }
        let mut count = self.tx.prepare_cached(
            "INSERT INTO account_counts (account_id, txn_count) VALUES (?1, ?2)
             ON CONFLICT (account_id) DO UPDATE SET txn_count = txn_count + excluded.txn_count",
        )?;
        for (account, rows) in tally.accounts {
            count.execute(rusqlite::params![account, rows])?;
        }
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

/// Appends `text` as a JSON string; ids (UUIDs) need no escaping, so none is done for them.
fn push_json_string(json: &mut String, text: &str) {
    if text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        json.push('"');
        json.push_str(text);
        json.push('"');
    } else {
        json.push_str(&serde_json::Value::String(text.to_owned()).to_string());
    }
}

/// A stored value as the change log writes it (money stays integer minor units).
pub(crate) fn value_to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Integer(i) => serde_json::Value::from(*i),
        // Reals never hold money; they are kept as text to stay exact.
        Value::Real(r) => serde_json::Value::String(r.to_string()),
        Value::Text(t) => serde_json::Value::String(t.clone()),
        Value::Blob(b) => serde_json::json!({ "hex": hex::encode(b) }),
    }
}

/// One entry of the change log as sync sends it: a bulk insert is expanded into one whole-row
/// record (`*`) per row it inserted, each with the bulk record's `seq` and clock (distinct rows
/// never compete for a cell, so they may share a timestamp). A row deleted since has no record
/// here: its deletion, logged later, is what counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRecord {
    pub seq: i64,
    pub hlc: String,
    pub table: String,
    pub row_id: String,
    /// A cell's name, `*` for a whole new row, empty for a deletion.
    pub column: String,
    /// JSON text; `None` for a deletion.
    pub value: Option<String>,
}

/// The change log after `after_seq`, oldest first, `limit` log entries, expanded.
pub fn expand(conn: Reader<'_>, after_seq: i64, limit: u32) -> Result<Vec<ChangeRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, hlc, table_name, row_id, column_name, value FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let entries = stmt
        .query_map(rusqlite::params![after_seq, limit], |r| {
            Ok(ChangeRecord {
                seq: r.get(0)?,
                hlc: r.get(1)?,
                table: r.get(2)?,
                row_id: r.get(3)?,
                column: r.get(4)?,
                value: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        if entry.column != INSERTED_ROWS {
            out.push(entry);
            continue;
        }
        let corrupt = || {
            Error::new(
                ErrorKind::Corrupt,
                format!("change {} in the vault's history is damaged: restore the vault from a backup", entry.seq),
            )
        };
        let table = Table::by_name(&entry.table).ok_or_else(corrupt)?;
        let ids: Vec<String> = serde_json::from_str(entry.value.as_deref().unwrap_or("")).map_err(|_| corrupt())?;
        let mut row = conn.prepare_cached(&format!("SELECT * FROM {} WHERE {} = ?1", table.name, table.key))?;
        let names: Vec<String> = row.column_names().map(str::to_owned).collect();
        for id in ids {
            let cells = row
                .query_row([&id], |r| {
                    let mut cells = serde_json::Map::new();
                    for (i, name) in names.iter().enumerate() {
                        let value: Value = r.get(i)?;
                        if name != table.key && value != Value::Null {
                            cells.insert(name.clone(), value_to_json(&value));
                        }
                    }
                    Ok(cells)
                })
                .optional()?;
            if let Some(cells) = cells {
                out.push(ChangeRecord {
                    seq: entry.seq,
                    hlc: entry.hlc.clone(),
                    table: entry.table.clone(),
                    row_id: id,
                    column: "*".into(),
                    value: Some(serde_json::Value::Object(cells).to_string()),
                });
            }
        }
    }
    Ok(out)
}
