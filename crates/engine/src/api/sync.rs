//! The change log, as sync reads it.

use crate::engine::Engine;
use crate::error::Result;
use crate::vault::write::{self, ChangeRecord};

impl Engine {
    /// The number of entries in the change log (a bulk insert is one entry).
    pub fn change_count(&self) -> Result<i64> {
        self.with_vault(|v| Ok(v.read().query_row("SELECT count(*) FROM changes", [], |r| r.get(0))?))
    }

    /// The change log after `after_seq`, oldest first, `limit` entries, with each bulk insert
    /// expanded into one record per row: what sync will upload.
    pub fn changes_since(&self, after_seq: i64, limit: u32) -> Result<Vec<ChangeRecord>> {
        self.with_vault(|v| write::expand(v.read(), after_seq, limit))
    }
}
