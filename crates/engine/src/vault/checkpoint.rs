//! Folding the write-ahead log into the vault file on a thread of its own.
//!
//! In WAL mode a commit appends its pages to the log; a checkpoint later copies them into the
//! main file. SQLite's default does that checkpoint inside the commit that takes the log past
//! 1000 pages, so the caller waits for both: a million-row import spent 0.7 s of its 1.3 s
//! commit copying 440 MB it had just written. Here the commit only says that the log is long,
//! and a second connection, on its own thread, copies it (a passive checkpoint, which never
//! waits for the writer or the readers, so it cannot stall them either). What is committed is
//! committed either way: the log is part of the database until it is folded in.
//!
//! Should that thread be gone or fall far behind, the commit folds the log itself, as SQLite
//! would: the log never grows without bound.

use std::os::raw::c_int;
use std::path::Path;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

use rusqlite::{Connection, OpenFlags};

use super::{CipherFormat, connect};
use crate::error::{Error, Result};
use crate::secret::VaultKey;

/// Log size after which a commit asks for a checkpoint (SQLite's own threshold is 1000 pages).
const CHECKPOINT_BYTES: u32 = 16 << 20;
/// Log size after which the commit folds the log itself: the thread is gone, or cannot keep up.
const FALLBACK_BYTES: u64 = 4 << 30;

/// `bytes` of the log in pages of `format`.
fn pages(bytes: u64, format: CipherFormat) -> c_int {
    c_int::try_from(bytes / u64::from(format.page_size.max(1))).unwrap_or(c_int::MAX)
}

/// What the thread is asked to do.
#[derive(Debug, Clone, Copy)]
enum Request {
    Checkpoint,
    Stop,
}

/// The checkpoint thread of one open vault; stopping it (dropping it) waits for a checkpoint
/// under way to end.
#[derive(Debug)]
pub(super) struct Checkpointer {
    requests: SyncSender<Request>,
    worker: Option<JoinHandle<()>>,
    /// `CHECKPOINT_BYTES` in the vault's pages.
    checkpoint_pages: c_int,
}

impl Checkpointer {
    /// Opens the second connection and starts the thread, then hands `conn`'s commits to it.
    pub(super) fn start(
        conn: &mut Connection,
        path: &Path,
        key: Option<&VaultKey>,
        format: CipherFormat,
    ) -> Result<Checkpointer> {
        let folder = connect(path, key, OpenFlags::SQLITE_OPEN_READ_WRITE, format)?;
        folder.busy_timeout(std::time::Duration::from_secs(5))?;
        // The key opens the file for this connection too (it reads the schema).
        folder.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
        // One pending request is enough: a checkpoint copies all the log holds when it runs.
        let (requests, received) = sync_channel::<Request>(1);
        let worker = std::thread::Builder::new()
            .name("vault-checkpoint".into())
            .spawn(move || {
                while let Ok(Request::Checkpoint) = received.recv() {
                    // A failure (the disk is full, a reader holds the log) leaves the pages in
                    // the log, where they are safe; the next request tries again.
                    let _ = folder.execute_batch("PRAGMA wal_checkpoint(PASSIVE);");
                }
            })
            .map_err(|e| Error::io("cannot start the vault's checkpoint thread", e))?;
        let sender = requests.clone();
        let (checkpoint_pages, fallback_pages) =
            (pages(u64::from(CHECKPOINT_BYTES), format), pages(FALLBACK_BYTES, format));
        // Registering a hook replaces SQLite's checkpoint-on-commit.
        conn.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages: c_int| {
            if pages < checkpoint_pages {
                return Ok(());
            }
            match sender.try_send(Request::Checkpoint) {
                Ok(()) | Err(TrySendError::Full(_)) if pages < fallback_pages => Ok(()),
                _ => wal.checkpoint(),
            }
        }))?;
        Ok(Checkpointer { requests, worker: Some(worker), checkpoint_pages })
    }

    /// Stops the thread and gives `conn` back SQLite's checkpoint-on-commit.
    pub(super) fn stop(mut self, conn: &mut Connection) -> Result<()> {
        conn.wal_hook(None::<fn(&mut rusqlite::hooks::Wal, c_int) -> rusqlite::Result<()>>)?;
        conn.pragma_update(None, "wal_autocheckpoint", self.checkpoint_pages)?;
        self.join();
        Ok(())
    }

    fn join(&mut self) {
        if let Some(worker) = self.worker.take() {
            // Queued after any pending checkpoint; fails only if the thread is gone already.
            let _ = self.requests.send(Request::Stop);
            let _ = worker.join();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAL-mode file (plain SQLite: the thread's work is the same with a key) and its
    /// writer, with the checkpoint thread started.
    fn open(dir: &Path) -> (Connection, Checkpointer) {
        let path = dir.join("v.db");
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE;
        let mut conn = connect(&path, None, flags, super::super::FORMAT).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (b BLOB);").unwrap();
        let checkpointer = Checkpointer::start(&mut conn, &path, None, super::super::FORMAT).unwrap();
        (conn, checkpointer)
    }

    /// Commits more than `CHECKPOINT_BYTES` of pages: 2000 rows of 16 KiB.
    fn write_a_long_log(conn: &Connection) {
        conn.execute_batch("BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO t SELECT randomblob(16384) FROM n; COMMIT;").unwrap();
    }

    fn file_len(dir: &Path) -> u64 {
        std::fs::metadata(dir.join("v.db")).unwrap().len()
    }

    #[test]
    fn the_thread_folds_a_long_log_into_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let (conn, _checkpointer) = open(dir.path());
        let on_commit: i64 = conn.pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0)).unwrap();
        assert_eq!(on_commit, 0, "SQLite's own checkpoint on commit is off");
        write_a_long_log(&conn);
        // The commit only asked; the thread copies (32 MB: well within a minute on any disk).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while file_len(dir.path()) < 2000 * 16_384 {
            assert!(std::time::Instant::now() < deadline, "the log was never folded into the file");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    #[test]
    fn without_the_thread_the_commit_folds_the_log_itself() {
        let dir = tempfile::tempdir().unwrap();
        let (conn, mut checkpointer) = open(dir.path());
        // The thread ends (as if it had failed) while the hook stays.
        checkpointer.join();
        write_a_long_log(&conn);
        assert!(file_len(dir.path()) >= 2000 * 16_384, "the commit checkpointed before returning");
    }

    #[test]
    fn stopping_gives_the_connection_sqlites_checkpoint_on_commit_back() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, checkpointer) = open(dir.path());
        checkpointer.stop(&mut conn).unwrap();
        let pages: i64 = conn.pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0)).unwrap();
        assert_eq!(pages, i64::from(CHECKPOINT_BYTES / super::super::FORMAT.page_size));
        write_a_long_log(&conn);
        assert!(file_len(dir.path()) >= 2000 * 16_384, "SQLite checkpointed on commit");
    }
}
