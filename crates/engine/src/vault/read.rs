//! Read access to the vault. A [`Reader`] prepares only statements that SQLite itself says do
//! not write (`sqlite3_stmt_readonly`) and that are queries (`SELECT` or `WITH`), so the one
//! mutation path, the [`super::Writer`], is the only way to change a row: it holds in the
//! types, not by convention.

use rusqlite::{CachedStatement, Connection, Params, Row, Statement};

/// Queries on the vault's connection, inside the current transaction when there is one.
#[derive(Clone, Copy)]
pub struct Reader<'c> {
    conn: &'c Connection,
}

impl std::fmt::Debug for Reader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader").finish_non_exhaustive()
    }
}

impl<'c> Reader<'c> {
    pub(crate) fn new(conn: &'c Connection) -> Reader<'c> {
        Reader { conn }
    }

    /// Prepares a query; a statement that could write is refused.
    pub fn prepare(&self, sql: &str) -> rusqlite::Result<Statement<'c>> {
        let stmt = self.conn.prepare(sql)?;
        refuse_writes(sql, stmt.readonly())?;
        Ok(stmt)
    }

    /// [`Reader::prepare`] through the connection's statement cache.
    pub fn prepare_cached(&self, sql: &str) -> rusqlite::Result<CachedStatement<'c>> {
        let stmt = self.conn.prepare_cached(sql)?;
        refuse_writes(sql, stmt.readonly())?;
        Ok(stmt)
    }

    /// The first row of a query, mapped by `f`.
    pub fn query_row<T, P: Params, F: FnOnce(&Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

fn refuse_writes(sql: &str, readonly: bool) -> rusqlite::Result<()> {
    let head = sql.trim_start().get(..6).unwrap_or_default().to_ascii_uppercase();
    if readonly && (head == "SELECT" || head.starts_with("WITH")) {
        return Ok(());
    }
    Err(rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
        Some("a write outside the vault's Writer".into()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);").unwrap();
        conn
    }

    #[test]
    fn a_reader_runs_queries_and_refuses_every_statement_that_could_write() {
        let conn = conn();
        let r = Reader::new(&conn);
        assert_eq!(r.query_row("SELECT x FROM t", [], |row| row.get::<_, i64>(0)).unwrap(), 1);
        assert_eq!(
            r.query_row("  with y AS (SELECT x FROM t) SELECT x FROM y", [], |row| row.get::<_, i64>(0)).unwrap(),
            1
        );
        for sql in [
            "INSERT INTO t VALUES (2)",
            "UPDATE t SET x = 3",
            "DELETE FROM t",
            "WITH y AS (SELECT 1) DELETE FROM t",
            "DROP TABLE t",
            "CREATE TABLE u (y)",
            "PRAGMA user_version = 7",
            "BEGIN",
            "COMMIT",
            "ATTACH ':memory:' AS other",
        ] {
            let refused = r.prepare(sql).map(|_| ()).unwrap_err();
            assert_eq!(refused.sqlite_error_code(), Some(rusqlite::ErrorCode::ReadOnly), "{sql}: {refused}");
            assert!(r.prepare_cached(sql).is_err(), "{sql}");
        }
        let count: i64 = conn.query_row("SELECT count(*) FROM t WHERE x = 1", [], |row| row.get(0)).unwrap();
        assert_eq!(count, 1, "nothing was written");
    }
}
