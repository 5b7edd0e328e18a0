//! The vault: one SQLCipher file per profile, encrypted with a random 256-bit key (or one
//! derived from a passphrase with Argon2id). Nothing sensitive is ever written outside it.

mod checkpoint;
pub(crate) mod lock;
pub mod migrations;
pub(crate) mod profile;
mod read;
pub(crate) mod settings;
pub(crate) mod sync_book;
pub mod write;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use spearmint_core::{DeviceId, Hlc, HlcClock};

use crate::error::{Error, ErrorKind, Hint, Result};
use crate::secret::VaultKey;
use checkpoint::Checkpointer;
pub use migrations::{Migration, Migrations};
pub use read::Reader;
pub use write::{Table, Writer};

/// What runs at the end of every write, inside its SQL transaction, just before the commit:
/// the engine installs the budget check here, so no write path can miss it.
pub(crate) type CommitHook = fn(&mut Writer<'_>) -> Result<()>;

/// `PRAGMA application_id` of every Spearmint vault: "SPMT".
const APPLICATION_ID: i32 = 0x5350_4d54;
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// The files of one profile.
#[derive(Debug, Clone)]
pub struct ProfilePaths {
    pub name: String,
    pub dir: PathBuf,
}

impl ProfilePaths {
    pub fn new(data_dir: &Path, name: &str) -> Result<ProfilePaths> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(Error::new(
                ErrorKind::Invalid,
                format!("`{name}` is not a profile name: use letters, digits, - and _"),
            ));
        }
        Ok(ProfilePaths { name: name.to_owned(), dir: data_dir.join("profiles").join(name) })
    }

    /// The data directory the profile lives in (`<data dir>/profiles/<name>`).
    pub fn data_dir(&self) -> &Path {
        self.dir.parent().and_then(Path::parent).unwrap_or(&self.dir)
    }

    pub fn vault(&self) -> PathBuf {
        self.dir.join("vault.db")
    }

    pub fn profile_json(&self) -> PathBuf {
        self.dir.join("profile.json")
    }

    fn creating(&self) -> PathBuf {
        self.dir.join("vault.db.creating")
    }
}

/// What the first bytes of a file say about it, without any key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileLook {
    Missing,
    /// A plain, unencrypted SQLite database.
    PlainSqlite,
    /// No recognisable header: what an encrypted SQLCipher file looks like.
    Opaque,
    /// Too short or empty to be a database.
    Truncated,
}

pub fn look_at(path: &Path) -> Result<FileLook> {
    let mut f = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileLook::Missing),
        Err(e) => return Err(Error::io("cannot read the vault", e)),
    };
    let mut head = [0u8; 16];
    match f.read_exact(&mut head) {
        Ok(()) if &head == SQLITE_HEADER => Ok(FileLook::PlainSqlite),
        Ok(()) => Ok(FileLook::Opaque),
        Err(_) => Ok(FileLook::Truncated),
    }
}

/// An open, unlocked vault.
pub struct Vault {
    conn: Connection,
    clock: HlcClock,
    path: PathBuf,
    format: CipherFormat,
    /// Folds the log into the file off the writer's path; None if it could not start (then
    /// SQLite checkpoints on commit, as by default).
    checkpointer: Option<Checkpointer>,
    on_commit: Option<CommitHook>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("path", &self.path).finish_non_exhaustive()
    }
}

pub(crate) fn now_millis() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// How a vault's pages are laid out and authenticated. SQLCipher keeps both inside the
/// encrypted file, where they cannot be read without them, so they are given with the key on
/// every open. The cipher itself (AES-256 in CBC mode, a random IV per page write) and the key
/// are the same in every format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CipherFormat {
    pub(crate) page_size: u32,
    /// `PRAGMA cipher_hmac_algorithm`: what authenticates each page, so that a page changed
    /// on disk is refused instead of read.
    pub(crate) hmac: &'static str,
}

impl CipherFormat {
    fn pragmas(self) -> String {
        format!("PRAGMA cipher_page_size = {}; PRAGMA cipher_hmac_algorithm = {};", self.page_size, self.hmac)
    }
}

/// The format of a new vault.
/// - 64 KiB pages, SQLite's largest. A million-row import writes about half a gigabyte of
///   pages, and each page costs B-tree balancing, a cipher set-up, a fresh IV, an HMAC and a
///   write of its own, whatever its size. The import bench measured +18% from 4 KiB to 16 KiB
///   and +8% more from 16 KiB to 64 KiB; lists and searches are as fast. The price is paid
///   by small writes, whose touched pages go to the log whole: setting a category takes 1.0 ms
///   instead of 0.6 ms at 16 KiB (the bench's small-write line, run at each size).
/// - HMAC-SHA256 authenticates each page. SQLCipher's default, HMAC-SHA512, computes twice as
///   slowly on CPUs with SHA instructions (`openssl speed` here: 1.1 GB/s against 2.0 GB/s),
///   and every page written or read from disk goes through it: the import bench measured +6%.
///   A 256-bit tag under a 256-bit key is as strong a check as the cipher it guards.
pub(crate) const FORMAT: CipherFormat = CipherFormat { page_size: 65_536, hmac: "HMAC_SHA256" };
/// The formats of vaults made by earlier versions, newest first: they still open, and keep
/// their format (rekeying too).
const EARLIER_FORMATS: [CipherFormat; 2] = [
    CipherFormat { page_size: 16_384, hmac: "HMAC_SHA512" },
    // SQLCipher's defaults.
    CipherFormat { page_size: 4_096, hmac: "HMAC_SHA512" },
];

/// The SQL that, after `PRAGMA key`, opens a new vault's file with SQLCipher directly (tests and
/// tools that read the file without the engine).
pub fn cipher_pragmas() -> String {
    FORMAT.pragmas()
}

fn connect(path: &Path, key: Option<&VaultKey>, flags: OpenFlags, format: CipherFormat) -> Result<Connection> {
    // A connection is used by one thread at a time (rusqlite's `Connection` is not `Sync`), so
    // SQLite need not lock it on every call (binding a cell took a mutex): rusqlite's default.
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    // SQLCipher would print "hmac check failed" on stderr for a wrong key; we report it ourselves.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    match key {
        Some(key) => {
            // A new file takes the key's salt (a passphrase's, so the file says how to derive
            // its key); an existing one is opened with the salt it has.
            let pragma = if flags.contains(OpenFlags::SQLITE_OPEN_CREATE) {
                key.sqlcipher_pragma_for_writing()
            } else {
                key.sqlcipher_pragma()
            };
            conn.pragma_update(None, "key", pragma.as_str())?;
            conn.execute_batch(&format.pragmas())?;
        }
        // Only the benchmark's plain-SQLite baseline (`Vault::create_plain_for_benchmarks`): a
        // plain file states its page size in its header; this sets it for a new one.
        None => conn.execute_batch(&format!("PRAGMA page_size = {};", format.page_size))?,
    }
    Ok(conn)
}

impl Vault {
    /// Creates a new vault file at the profile's path. The file appears under its final name
    /// only once it is complete and migrated, so a crash never leaves a half-made vault.
    pub(crate) fn create(
        paths: &ProfilePaths,
        key: &VaultKey,
        vault_id: &str,
        migrations: &Migrations,
    ) -> Result<Vault> {
        Vault::create_with(paths, Some(key), vault_id, migrations)
    }

    /// A plain, unencrypted SQLite file with the same schema: only the import benchmark uses
    /// it, to measure SQLCipher's overhead against the same code path. Never a real vault.
    #[doc(hidden)]
    pub fn create_plain_for_benchmarks(paths: &ProfilePaths, migrations: &Migrations) -> Result<Vault> {
        Vault::create_with(paths, None, "benchmark", migrations)
    }

    fn create_with(
        paths: &ProfilePaths,
        key: Option<&VaultKey>,
        vault_id: &str,
        migrations: &Migrations,
    ) -> Result<Vault> {
        Vault::create_in_format(paths, key, vault_id, migrations, FORMAT)
    }

    fn create_in_format(
        paths: &ProfilePaths,
        key: Option<&VaultKey>,
        vault_id: &str,
        migrations: &Migrations,
        format: CipherFormat,
    ) -> Result<Vault> {
        let creating = paths.creating();
        let _ = fs::remove_file(&creating);
        {
            let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE;
            let mut conn = connect(&creating, key, flags, format)?;
            conn.pragma_update(None, "application_id", APPLICATION_ID)?;
            migrations.apply(&mut conn)?;
            let device = DeviceId::new();
            conn.execute(
                "INSERT INTO settings (key, value) VALUES ('vault_id', ?1), ('device_id', ?2), ('created_at', ?3)",
                rusqlite::params![vault_id, device.to_string(), now_rfc3339()],
            )?;
            conn.close().map_err(|(_, e)| Error::from(e))?;
        }
        fs::rename(&creating, paths.vault()).map_err(|e| Error::io("cannot create the vault", e))?;
        Vault::open_with(paths, key, migrations)
    }

    /// Opens with a key, telling a wrong key from a file that is not a vault at all.
    pub(crate) fn open(paths: &ProfilePaths, key: &VaultKey, migrations: &Migrations) -> Result<Vault> {
        Vault::open_with(paths, Some(key), migrations)
    }

    fn open_with(paths: &ProfilePaths, key: Option<&VaultKey>, migrations: &Migrations) -> Result<Vault> {
        let path = paths.vault();
        match look_at(&path)? {
            FileLook::PlainSqlite if key.is_none() => {}
            FileLook::Missing => {
                return Err(Error::new(
                    ErrorKind::NotFound,
                    format!("there is no vault at {} yet: create one", path.display()),
                )
                .with_hint(Hint::CreateVault));
            }
            FileLook::PlainSqlite => {
                return Err(Error::new(
                    ErrorKind::Corrupt,
                    format!(
                        "{} is a plain, unencrypted SQLite file, not a Spearmint vault: move it away and create a new vault",
                        path.display()
                    ),
                )
                .with_hint(Hint::CreateVault));
            }
            FileLook::Truncated => {
                return Err(Error::new(
                    ErrorKind::Corrupt,
                    format!("{} is empty or truncated: restore the vault from a backup", path.display()),
                ));
            }
            FileLook::Opaque => {}
        }
        // Today's format first, then those of vaults made before it changed.
        let mut opened = None;
        let formats = std::iter::once(FORMAT).chain(EARLIER_FORMATS);
        for (tried, format) in formats.enumerate() {
            let conn = connect(&path, key, OpenFlags::SQLITE_OPEN_READ_WRITE, format)?;
            match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
                Ok(_) => {
                    opened = Some((conn, format));
                    break;
                }
                Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) && key.is_some() => {
                    // With SQLCipher an unreadable first page means the key (or the format)
                    // does not match, or the file is not a vault at all: they look the same
                    // without the key.
                    if tried == EARLIER_FORMATS.len() {
                        return Err(Error::new(ErrorKind::WrongKey, "the key does not open this vault").with_source(e));
                    }
                }
                // A plain file (the benchmark's) opens at the first try, whatever its pages.
                Err(e) => return Err(e.into()),
            }
        }
        let Some((mut conn, format)) = opened else {
            return Err(Error::new(ErrorKind::WrongKey, "the key does not open this vault"));
        };
        let app_id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
        if app_id != APPLICATION_ID {
            return Err(Error::new(
                ErrorKind::Corrupt,
                format!("{} is an encrypted database but not a Spearmint vault", path.display()),
            ));
        }
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // A large import is one transaction: with SQLite's default 2 MB page cache its dirty pages
        // spill to disk and are read back (each time encrypted and decrypted again), which
        // makes big imports super-linear. 256 MiB is an upper bound, allocated only as used.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
             PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY; PRAGMA journal_size_limit = 67108864;",
        )?;
        migrations.apply(&mut conn)?;

        let device: String = conn
            .query_row("SELECT value FROM settings WHERE key = 'device_id'", [], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::new(ErrorKind::Corrupt, "the vault has no device id: restore it from a backup"))?;
        let device: DeviceId =
            device.parse().map_err(|_| Error::new(ErrorKind::Corrupt, "the vault's device id is malformed"))?;
        let last: Option<Hlc> = conn
            .query_row("SELECT value FROM settings WHERE key = 'hlc_last'", [], |r| r.get::<_, String>(0))
            .optional()?
            .and_then(|s| s.parse().ok());
        write::watch_touched(&conn)?;
        let checkpointer = Checkpointer::start(&mut conn, &path, key, format).ok();
        Ok(Vault { conn, clock: HlcClock::resume(device, last), path, format, checkpointer, on_commit: None })
    }

    /// Runs `f` in one SQL transaction through the mutation path; all or nothing.
    /// The commit hook runs last, inside the same transaction.
    /// The transaction is IMMEDIATE: it takes the file's write lock at its start, so what `f`
    /// reads before it writes cannot be changed by another process meanwhile (a job claimed
    /// twice, a counter losing an update); another writer waits for the busy timeout.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut writer = Writer::new(tx, &mut self.clock, now_millis());
        let out = f(&mut writer)?;
        if let Some(hook) = self.on_commit {
            hook(&mut writer)?;
        }
        writer.commit()?;
        Ok(out)
    }

    /// Sets what runs at the end of every write ([`CommitHook`]).
    pub(crate) fn set_commit_hook(&mut self, hook: CommitHook) {
        self.on_commit = Some(hook);
    }

    /// Runs `f` through the mutation path and then rolls everything back: an exact preview of
    /// what a write would change.
    pub fn dry_run<T>(&mut self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut clock = self.clock.clone();
        let mut writer = Writer::new(tx, &mut clock, now_millis());
        f(&mut writer)
        // Dropping the writer rolls the transaction back.
    }

    /// Read-only access for queries.
    pub fn read(&self) -> Reader<'_> {
        Reader::new(&self.conn)
    }

    pub fn schema_version(&self) -> Result<u32> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    pub fn device_id(&self) -> DeviceId {
        self.clock.device()
    }

    /// Re-encrypts every page with a new key (SQLCipher `PRAGMA rekey`), in place.
    pub(crate) fn rekey(&mut self, key: &VaultKey) -> Result<()> {
        // Rekey rewrites the main file; fold the WAL in first and leave rollback mode so that
        // every page goes through the re-encryption. Leaving WAL mode needs the only connection
        // to the file, and the checkpoint thread's one has the old key: it restarts after.
        self.stop_checkpointer()?;
        if !self.checkpoint()? {
            return Err(Error::new(
                ErrorKind::Conflict,
                "another Spearmint process is using the vault: close it, then change the key again",
            ));
        }
        // Every page is rewritten in place: each write reaches the disk before the next, so a
        // power loss leaves the rollback journal able to put back the pages of the old key.
        self.conn.execute_batch("PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL;")?;
        self.conn.pragma_update(None, "rekey", key.sqlcipher_pragma_for_writing().as_str())?;
        self.conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
        self.checkpointer = Checkpointer::start(&mut self.conn, &self.path, Some(key), self.format).ok();
        Ok(())
    }

    /// Folds the write-ahead log into the file; done before locking so that a locked vault is
    /// one self-contained encrypted file.
    /// Returns whether every page made it: `false` when another process was reading the log
    /// (its pages stay in the log, safe, and fold in at the next checkpoint).
    pub(crate) fn checkpoint(&mut self) -> Result<bool> {
        self.stop_checkpointer()?;
        let (busy, log, folded): (i64, i64, i64) =
            self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(busy == 0 && log == folded)
    }

    fn stop_checkpointer(&mut self) -> Result<()> {
        match self.checkpointer.take() {
            Some(checkpointer) => checkpointer.stop(&mut self.conn),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(dir: &Path) -> ProfilePaths {
        let paths = ProfilePaths::new(dir, "default").unwrap();
        fs::create_dir_all(&paths.dir).unwrap();
        paths
    }

    /// The format the vault's connection reads the file with, as SQLCipher reports it.
    fn format_of(vault: &Vault) -> (u32, String) {
        // SQLCipher answers for an encrypted file, as text.
        let size: String = vault.conn.pragma_query_value(None, "cipher_page_size", |r| r.get(0)).unwrap();
        let hmac: String = vault.conn.pragma_query_value(None, "cipher_hmac_algorithm", |r| r.get(0)).unwrap();
        (size.parse().unwrap(), hmac)
    }

    /// A new vault has 64 KiB pages under HMAC-SHA256; vaults made in each earlier format still
    /// open, keep their format through a write, a reopening and a rekeying, and refuse a wrong
    /// key.
    #[test]
    fn a_new_vault_has_the_current_format_and_those_made_in_earlier_formats_still_open() {
        let migrations = Migrations::default();
        let key = VaultKey::random();
        assert_eq!((FORMAT.page_size, FORMAT.hmac), (65_536, "HMAC_SHA256"));
        let new = tempfile::tempdir().unwrap();
        let vault = Vault::create(&paths(new.path()), &key, "new", &migrations).unwrap();
        assert_eq!(format_of(&vault), (65_536, "HMAC_SHA256".to_owned()));
        drop(vault);
        let vault = Vault::open(&paths(new.path()), &key, &migrations).unwrap();
        assert_eq!(format_of(&vault), (65_536, "HMAC_SHA256".to_owned()));
        drop(vault);

        let mut dirs = vec![new];
        for format in EARLIER_FORMATS {
            let old = tempfile::tempdir().unwrap();
            let mut vault =
                Vault::create_in_format(&paths(old.path()), Some(&key), "old", &migrations, format).unwrap();
            assert_eq!(format_of(&vault), (format.page_size, format.hmac.to_owned()));
            vault
                .write(|w| {
                    w.upsert(Table::SETTINGS, "probe", &[("value", rusqlite::types::Value::Text("kept".into()))])
                })
                .unwrap();
            drop(vault);
            let vault = Vault::open(&paths(old.path()), &key, &migrations).unwrap();
            assert_eq!(format_of(&vault), (format.page_size, format.hmac.to_owned()), "an old vault keeps its format");
            let probe: String =
                vault.read().query_row("SELECT value FROM settings WHERE key = 'probe'", [], |r| r.get(0)).unwrap();
            assert_eq!(probe, "kept");
            // Rekeying re-encrypts the pages in the format they have.
            let mut vault = vault;
            let other = VaultKey::random();
            vault.rekey(&other).unwrap();
            drop(vault);
            let vault = Vault::open(&paths(old.path()), &other, &migrations).unwrap();
            assert_eq!(format_of(&vault), (format.page_size, format.hmac.to_owned()), "a rekeyed vault too");
            drop(vault);
            let mut vault = Vault::open(&paths(old.path()), &other, &migrations).unwrap();
            vault.rekey(&key).unwrap();
            drop(vault);
            dirs.push(old);
        }

        // A wrong key is still a wrong key, whatever the format.
        for dir in &dirs {
            let err = Vault::open(&paths(dir.path()), &VaultKey::random(), &migrations).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WrongKey, "{}", err.message());
        }
    }

    /// A bulk insert binds again only the cells that differ from the row before: every row
    /// must still hold exactly its own cells, through text, NULL and back, and a row whose key
    /// is there already must not leave its cells behind for the next.
    #[test]
    fn a_bulk_insert_stores_each_row_with_its_own_cells() {
        use rusqlite::types::Value::{self, Integer, Null, Text};
        let dir = tempfile::tempdir().unwrap();
        let mut vault = Vault::create(&paths(dir.path()), &VaultKey::random(), "bulk", &Migrations::default()).unwrap();
        let columns = ["kind", "dedupe_key", "summary", "body", "created_at", "delivered_at", "attempts", "last_error"];
        let row = |id: &str, summary: &str, delivered: Value, attempts: i64, error: Value| -> (String, Vec<Value>) {
            let kind = if attempts % 2 == 0 { "budget_threshold" } else { "account_attention" };
            let cells = [Text(kind.into()), Text(format!("key-{id}")), Text(summary.into()), Text("body".into())];
            (id.to_owned(), cells.into_iter().chain([Text("t".into()), delivered, Integer(attempts), error]).collect())
        };
        let first = row("b", "stored before", Null, 7, Text("kept".into()));
        vault.write(|w| w.insert_many_new(Table::NOTIFICATIONS, &columns, [first.clone()]).map(|_| ())).unwrap();
        let rows = vec![
            row("a", "one", Null, 0, Null),
            row("b", "a second b", Text("now".into()), 1, Null),
            row("c", "one", Text("then".into()), 0, Text("refused".into())),
            row("d", "one", Null, 0, Text("refused".into())),
            row("e", "two", Null, 1, Null),
            row("f", "two", Text("then".into()), 1, Null),
        ];
        let (inserted, existing) =
            vault.write(|w| w.insert_many_new(Table::NOTIFICATIONS, &columns, rows.clone())).unwrap();
        assert_eq!((inserted, existing), (5, vec!["b".to_owned()]));

        let mut stmt =
            vault.read().prepare(&format!("SELECT id, {} FROM notifications ORDER BY id", columns.join(", "))).unwrap();
        let stored: Vec<Vec<Value>> = stmt
            .query_map([], |r| (0..=columns.len()).map(|i| r.get(i)).collect())
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let expected: Vec<Vec<Value>> = rows
            .into_iter()
            .map(|r| if r.0 == "b" { first.clone() } else { r })
            .map(|(id, cells)| std::iter::once(Text(id)).chain(cells).collect())
            .collect();
        assert_eq!(stored, expected);
    }

    /// Rows of a large bulk insert into `transactions` for account `a`: `(id, cells)` in
    /// `BULK_COLUMNS` order, one a day from 2020-01-01 on, for `n` rows from `from`.
    fn bulk_rows(from: usize, n: usize) -> Vec<(String, Vec<rusqlite::types::Value>)> {
        use rusqlite::types::Value::{Integer, Text};
        let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        (from..from + n)
            .map(|i| {
                let day = start + chrono::Duration::days(i64::try_from(i % 3000).unwrap());
                let id = uuid::Uuid::from_u128(u128::try_from(i).unwrap() * 7_919).hyphenated().to_string();
                let cells = vec![
                    Text("a".into()),
                    Text(day.to_string()),
                    Integer(-i64::try_from(i).unwrap()),
                    Text("USD".into()),
                    Text(format!("SHOP {i}")),
                    Text("t".into()),
                    Text("t".into()),
                ];
                (id, cells)
            })
            .collect()
    }

    const BULK_COLUMNS: [&str; 7] =
        ["account_id", "posted_on", "amount_minor", "currency", "seller", "created_at", "updated_at"];

    fn bulk_vault(dir: &Path) -> Vault {
        use rusqlite::types::Value::Text;
        let mut vault = Vault::create(&paths(dir), &VaultKey::random(), "bulk", &Migrations::default()).unwrap();
        vault
            .write(|w| {
                let cells = [
                    ("name", "A"),
                    ("kind", "checking"),
                    ("currency", "USD"),
                    ("provider", "manual"),
                    ("created_at", "t"),
                ];
                w.insert(Table::ACCOUNTS, "a", &cells.map(|(c, v)| (c, Text(v.into()))))
            })
            .unwrap();
        vault
    }

    fn id_index(vault: &Vault) -> Option<String> {
        vault
            .read()
            .query_row("SELECT sql FROM sqlite_schema WHERE name = 'transactions_id'", [], |r| r.get(0))
            .optional()
            .unwrap()
    }

    fn integrity(vault: &Vault) -> String {
        vault.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
    }

    /// A bulk insert of more rows than the table holds builds the key index once afterwards:
    /// the same index, every row once, a row already stored (or repeated) told apart without it.
    #[test]
    fn a_large_bulk_insert_builds_the_key_index_afterwards_and_still_refuses_stored_keys() {
        let dir = tempfile::tempdir().unwrap();
        let mut vault = bulk_vault(dir.path());
        let definition = id_index(&vault).expect("a vault has the unique index on transaction ids");
        let schema =
            |vault: &Vault| -> i64 { vault.conn.pragma_query_value(None, "schema_version", |r| r.get(0)).unwrap() };
        let rows = write::BULK_ROWS + 10;
        // A few rows take the index as it is (the schema does not change)...
        let before = schema(&vault);
        vault.write(|w| w.insert_many_new_expecting(Table::TRANSACTIONS, &BULK_COLUMNS, bulk_rows(0, 10), 10)).unwrap();
        assert_eq!(schema(&vault), before);
        // ... many are stored without it, and it is built again (dropped and created: it changes).
        let (added, existing) = vault
            .write(|w| w.insert_many_new_expecting(Table::TRANSACTIONS, &BULK_COLUMNS, bulk_rows(0, rows), rows))
            .unwrap();
        assert_eq!(schema(&vault), before + 2);
        assert_eq!((added, existing.len()), (rows - 10, 10));
        assert_eq!(id_index(&vault).as_ref(), Some(&definition), "built again as it was defined");
        assert_eq!(integrity(&vault), "ok");

        // More rows again (as many as are stored): three already stored, one given twice.
        let mut next = bulk_rows(rows, rows);
        let stored_before: Vec<_> = bulk_rows(5, 3);
        next.splice(100..100, stored_before.clone());
        next.push(next[7].clone());
        let expected_existing: Vec<String> =
            stored_before.iter().map(|(id, _)| id.clone()).chain([next[7].0.clone()]).collect();
        let (added, existing) = vault
            .write(|w| w.insert_many_new_expecting(Table::TRANSACTIONS, &BULK_COLUMNS, next.clone(), next.len()))
            .unwrap();
        assert_eq!((added, existing), (rows, expected_existing));
        let count: i64 = vault.read().query_row("SELECT count(*) FROM transactions", [], |r| r.get(0)).unwrap();
        assert_eq!(usize::try_from(count).unwrap(), 2 * rows);
        let seller: String = vault
            .read()
            .query_row("SELECT seller FROM transactions WHERE id = ?1", [&stored_before[0].0], |r| r.get(0))
            .unwrap();
        assert_eq!(seller, "SHOP 5", "a stored row is left as it was");
        assert_eq!(id_index(&vault).as_ref(), Some(&definition));
        assert_eq!(integrity(&vault), "ok");
        let dup = vault
            .conn
            .execute(
                "INSERT INTO transactions (id, account_id, posted_on, amount_minor, currency, seller, created_at, updated_at)
                 VALUES (?1, 'a', '2020-01-01', 1, 'USD', 'X', 't', 't')",
                [&stored_before[0].0],
            )
            .unwrap_err();
        assert!(dup.to_string().contains("UNIQUE constraint failed: transactions.id"), "{dup}");
    }

    /// A bulk insert that fails half-way has built the key index again before it returns, so a
    /// caller that goes on (and commits) still has it.
    #[test]
    fn a_bulk_insert_that_fails_leaves_the_key_index_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let mut vault = bulk_vault(dir.path());
        let definition = id_index(&vault);
        let rows = write::BULK_ROWS + 10;
        let mut broken = bulk_rows(0, rows);
        broken[rows / 2].1.pop();
        vault
            .write(|w| {
                let failed = w.insert_many_new_expecting(Table::TRANSACTIONS, &BULK_COLUMNS, broken, rows);
                assert_eq!(failed.unwrap_err().kind(), ErrorKind::Internal);
                Ok(())
            })
            .unwrap();
        assert_eq!(id_index(&vault), definition);
        assert_eq!(integrity(&vault), "ok");
    }

    /// Rows for the batched tests, in `BATCHED_COLUMNS` order: besides the cells of
    /// `bulk_rows`, cells drawn from a few values (NULL among them) in a scrambled order, so a
    /// parameter meets again, batch after batch, now the value it holds, now another.
    fn varied_rows(n: usize) -> Vec<(String, Vec<rusqlite::types::Value>)> {
        use rusqlite::types::Value::{Integer, Null, Text};
        let draw = |i: usize, salt: u64, of: u64| {
            ((u64::try_from(i).unwrap() ^ salt << 32).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) % of
        };
        bulk_rows(0, n)
            .into_iter()
            .enumerate()
            .map(|(i, (id, mut cells))| {
                cells.push(match draw(i, 1, 3) {
                    0 => Null,
                    k => Text(format!("memo {k}")),
                });
                cells.push(match draw(i, 2, 3) {
                    0 => Null,
                    k => Text(["SHOPPING", "FOOD_GROCERIES"][usize::try_from(k).unwrap() - 1].into()),
                });
                cells.push(Integer(i64::try_from(draw(i, 3, 2)).unwrap()));
                (id, cells)
            })
            .collect()
    }

    const BATCHED_COLUMNS: [&str; 10] = [
        "account_id",
        "posted_on",
        "amount_minor",
        "currency",
        "seller",
        "created_at",
        "updated_at",
        "memo",
        "category_id",
        "pending",
    ];

    /// Everything an insert into `transactions` leaves behind: its rows (with their rowids), the
    /// totals that count them, and the change log's values.
    fn stored_state(vault: &Vault) -> Vec<Vec<rusqlite::types::Value>> {
        let mut state = Vec::new();
        for sql in [
            "SELECT rowid, * FROM transactions ORDER BY rowid",
            "SELECT * FROM monthly_spending ORDER BY 1, 2, 3",
            "SELECT * FROM account_counts ORDER BY 1",
            "SELECT table_name, row_id, column_name, value FROM changes ORDER BY rowid",
        ] {
            let conn = vault.read();
            let mut stmt = conn.prepare(sql).unwrap();
            let width = stmt.column_count();
            state.extend(stmt.query_map([], |r| (0..width).map(|i| r.get(i)).collect()).unwrap().map(Result::unwrap));
        }
        state
    }

    /// Without the key index, a bulk insert stores its rows many to a statement: every row
    /// must come out as the statement-per-row path stores it, cell for cell, with the same
    /// totals and change log, the last rows (fewer than a batch) included, and a key given
    /// twice told apart the same way.
    #[test]
    fn a_batched_bulk_insert_stores_what_a_row_by_row_insert_stores() {
        let rows = write::BULK_ROWS + 777;
        let mut input = varied_rows(rows);
        input.insert(40_000, input[3].clone());
        let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
        let mut states = Vec::new();
        for (dir, expected) in dirs.iter().zip([0, input.len()]) {
            let mut vault = bulk_vault(dir.path());
            let schema =
                |vault: &Vault| -> i64 { vault.conn.pragma_query_value(None, "schema_version", |r| r.get(0)).unwrap() };
            let before = schema(&vault);
            let (added, existing) = vault
                .write(|w| w.insert_many_new_expecting(Table::TRANSACTIONS, &BATCHED_COLUMNS, input.clone(), expected))
                .unwrap();
            assert_eq!((added, existing), (rows, vec![input[3].0.clone()]));
            // Batched (the key index was dropped and built again: the schema changed) or not.
            assert_eq!(schema(&vault) > before, expected > 0);
            assert_eq!(integrity(&vault), "ok");
            states.push(stored_state(&vault));
        }
        assert_eq!(states[0].len(), states[1].len());
        for (i, (row_by_row, batched)) in states[0].iter().zip(&states[1]).enumerate() {
            assert_eq!(row_by_row, batched, "row {i} of the stored state");
        }
    }

    /// A row that breaks a constraint in the middle of a batch fails the whole insert, and the
    /// write it was part of stores nothing.
    #[test]
    fn a_row_that_breaks_a_constraint_fails_a_batched_insert_and_its_write() {
        use rusqlite::types::Value::Text;
        let dir = tempfile::tempdir().unwrap();
        let mut vault = bulk_vault(dir.path());
        let definition = id_index(&vault);
        let rows = write::BULK_ROWS + 10;
        for (at, column, value) in [(1_000, 8, "NO_SUCH_CATEGORY"), (rows - 3, 3, "DOLLARS")] {
            let mut broken = varied_rows(rows);
            broken[at].1[column] = Text(value.into());
            let err = vault
                .write(|w| w.insert_many_new_expecting(Table::TRANSACTIONS, &BATCHED_COLUMNS, broken, rows))
                .unwrap_err();
            assert!(err.details().unwrap_or_default().contains("constraint failed"), "{err:?}");
            let count: i64 = vault.read().query_row("SELECT count(*) FROM transactions", [], |r| r.get(0)).unwrap();
            assert_eq!(count, 0, "nothing of a failed write is stored");
            assert_eq!(id_index(&vault), definition);
        }
        assert_eq!(integrity(&vault), "ok");
    }

    /// A table too wide for a full batch of parameters takes fewer rows per statement: every
    /// row still arrives.
    #[test]
    fn a_batched_insert_into_a_wide_table_stays_within_sqlites_parameter_limit() {
        use rusqlite::types::Value::Integer;
        let dir = tempfile::tempdir().unwrap();
        let mut vault = bulk_vault(dir.path());
        let columns: Vec<String> = (0..70).map(|c| format!("c{c}")).collect();
        vault
            .conn
            .execute_batch(&format!(
                "CREATE TABLE wide (id TEXT NOT NULL, {}) STRICT; CREATE UNIQUE INDEX wide_id ON wide (id);",
                columns.iter().map(|c| format!("{c} INTEGER")).collect::<Vec<_>>().join(", ")
            ))
            .unwrap();
        let wide = Table { name: "wide", key: "id", synced: false, key_index: Some("wide_id") };
        let names: Vec<&str> = columns.iter().map(String::as_str).collect();
        let rows = write::BULK_ROWS + 5;
        let input = (0..rows).map(|i| {
            let n = i64::try_from(i).unwrap();
            (format!("row {i}"), (0..70).map(|c| Integer(n * 100 + c)).collect())
        });
        let (added, existing) = vault.write(|w| w.insert_many_new_expecting(wide, &names, input, rows)).unwrap();
        assert_eq!((added, existing.len()), (rows, 0));
        let (count, sum): (i64, i64) =
            vault.read().query_row("SELECT count(*), sum(c69) FROM wide", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        let n = i64::try_from(rows).unwrap();
        assert_eq!((count, sum), (n, 100 * n * (n - 1) / 2 + 69 * n));
        assert_eq!(integrity(&vault), "ok");
    }

    /// The bundled SQLite is built without memory statistics (`.cargo/config.toml` sets
    /// `LIBSQLITE3_FLAGS`): they take a global mutex on every allocation, a few percent of a large
    /// import. A build that loses the setting says so here.
    #[test]
    fn sqlite_is_built_without_memory_statistics() {
        let conn = Connection::open_in_memory().unwrap();
        let mut stmt = conn.prepare("PRAGMA compile_options").unwrap();
        let options: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        assert!(options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"), "{options:?}");
    }
}
