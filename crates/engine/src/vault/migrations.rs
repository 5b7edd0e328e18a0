//! Schema migrations: numbered SQL files in `migrations/`, embedded in the binary, applied in
//! one transaction when the vault opens. `PRAGMA user_version` is the schema version.

use rusqlite::{Connection, OptionalExtension as _};

use crate::error::{Error, ErrorKind, Result};

#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration, in order. Append-only: released entries never change (a tidy test holds
/// their checksums).
pub const EMBEDDED: &[Migration] = &[
    Migration { version: 1, name: "0001_initial.sql", sql: include_str!("../../../../migrations/0001_initial.sql") },
    Migration {
        version: 2,
        name: "0002_connections.sql",
        sql: include_str!("../../../../migrations/0002_connections.sql"),
    },
    Migration {
        version: 3,
        name: "0003_lean_indexes.sql",
        sql: include_str!("../../../../migrations/0003_lean_indexes.sql"),
    },
    Migration {
        version: 4,
        name: "0004_monthly_spending.sql",
        sql: include_str!("../../../../migrations/0004_monthly_spending.sql"),
    },
    Migration {
        version: 5,
        name: "0005_transfer_lookup.sql",
        sql: include_str!("../../../../migrations/0005_transfer_lookup.sql"),
    },
    Migration {
        version: 6,
        name: "0006_crowd_votes.sql",
        sql: include_str!("../../../../migrations/0006_crowd_votes.sql"),
    },
    Migration { version: 7, name: "0007_splits.sql", sql: include_str!("../../../../migrations/0007_splits.sql") },
    Migration {
        version: 8,
        name: "0008_payee_display.sql",
        sql: include_str!("../../../../migrations/0008_payee_display.sql"),
    },
    Migration {
        version: 9,
        name: "0009_bulk_spending.sql",
        sql: include_str!("../../../../migrations/0009_bulk_spending.sql"),
    },
    Migration {
        version: 10,
        name: "0010_account_counts.sql",
        sql: include_str!("../../../../migrations/0010_account_counts.sql"),
    },
    Migration {
        version: 11,
        name: "0011_search_index.sql",
        sql: include_str!("../../../../migrations/0011_search_index.sql"),
    },
    Migration {
        version: 12,
        name: "0012_bulk_friendly_transactions.sql",
        sql: include_str!("../../../../migrations/0012_bulk_friendly_transactions.sql"),
    },
    Migration {
        version: 13,
        name: "0013_splits_reference_by_trigger.sql",
        sql: include_str!("../../../../migrations/0013_splits_reference_by_trigger.sql"),
    },
    Migration {
        version: 14,
        name: "0014_category_reasons.sql",
        sql: include_str!("../../../../migrations/0014_category_reasons.sql"),
    },
    Migration {
        version: 15,
        name: "0015_notification_reads.sql",
        sql: include_str!("../../../../migrations/0015_notification_reads.sql"),
    },
    Migration {
        version: 16,
        name: "0016_transaction_notes.sql",
        sql: include_str!("../../../../migrations/0016_transaction_notes.sql"),
    },
    Migration {
        version: 17,
        name: "0017_sync_merge.sql",
        sql: include_str!("../../../../migrations/0017_sync_merge.sql"),
    },
    Migration {
        version: 18,
        name: "0018_split_totals_follow_the_flag.sql",
        sql: include_str!("../../../../migrations/0018_split_totals_follow_the_flag.sql"),
    },
    Migration {
        version: 19,
        name: "0019_sync_key_changes.sql",
        sql: include_str!("../../../../migrations/0019_sync_key_changes.sql"),
    },
    Migration {
        version: 20,
        name: "0020_sync_snapshots.sql",
        sql: include_str!("../../../../migrations/0020_sync_snapshots.sql"),
    },
];

/// The list a vault is opened with: normally [`EMBEDDED`]; tests append one to prove that a
/// vault of version N migrates to N+1.
#[derive(Debug, Clone)]
pub struct Migrations {
    list: Vec<Migration>,
}

impl Default for Migrations {
    fn default() -> Self {
        Migrations { list: EMBEDDED.to_vec() }
    }
}

impl Migrations {
    pub fn with(mut self, extra: Migration) -> Migrations {
        self.list.push(extra);
        self
    }

    pub fn up_to(mut self, version: u32) -> Migrations {
        self.list.retain(|m| m.version <= version);
        self
    }

    pub fn latest(&self) -> u32 {
        self.list.last().map_or(0, |m| m.version)
    }

    /// Applies the missing migrations in one transaction; refuses a vault from the future.
    ///
    /// Foreign keys are not enforced while they run, so that a migration can rebuild a table
    /// others refer to (SQLite's documented way to change a constraint); every foreign key is
    /// checked before the migrations commit, and enforcement is back on afterwards either way.
    pub(crate) fn apply(&self, conn: &mut Connection) -> Result<u32> {
        let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if current > self.latest() {
            return Err(Error::new(
                ErrorKind::VaultTooNew,
                format!(
                    "this vault has schema version {current}, written by a newer Spearmint; this one knows up to {}: update Spearmint to open it",
                    self.latest()
                ),
            ));
        }
        let pending: Vec<&Migration> = self.list.iter().filter(|m| m.version > current).collect();
        if pending.is_empty() {
            return Ok(current);
        }
        conn.pragma_update(None, "foreign_keys", false)?;
        let applied = Self::apply_all(conn, &pending);
        conn.pragma_update(None, "foreign_keys", true)?;
        applied?;
        Ok(self.latest())
    }

    fn apply_all(conn: &mut Connection, pending: &[&Migration]) -> Result<()> {
        // IMMEDIATE, and the version read again inside: of two processes opening the vault after
        // an upgrade, one migrates and the other finds it done.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let now: u32 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        for m in pending.iter().filter(|m| m.version > now) {
            tx.execute_batch(m.sql).map_err(|e| Error::internal(&format!("migration {} failed", m.name), e))?;
            tx.pragma_update(None, "user_version", m.version)?;
        }
        let broken: Option<(String, String)> = tx
            .query_row("SELECT \"table\", parent FROM pragma_foreign_key_check LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        if let Some((table, parent)) = broken {
            return Err(Error::new(
                ErrorKind::Corrupt,
                format!(
                    "updating the vault's schema would leave a row of {table} referring to a missing row of {parent}; \
                     the vault is left as it was: restore it from a backup"
                ),
            ));
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enforced(conn: &Connection) -> bool {
        conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).unwrap()
    }

    #[test]
    fn foreign_keys_are_enforced_again_after_migrations_that_succeed_or_fail() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        let first = Migrations { list: vec![Migration { version: 1, name: "a.sql", sql: "CREATE TABLE a (x);" }] };
        assert_eq!(first.apply(&mut conn).unwrap(), 1);
        assert!(enforced(&conn));
        let failing = first.with(Migration { version: 2, name: "b.sql", sql: "ALTER TABLE nothing ADD COLUMN y;" });
        assert!(failing.apply(&mut conn).is_err());
        assert!(enforced(&conn));
    }
}
