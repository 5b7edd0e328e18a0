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
