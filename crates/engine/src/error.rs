//! The engine's one error type. Every error carries a message that tells the user what to do
//! next, and a stable [`ErrorKind`] that clients branch on without matching strings.
//!
//! The message is shown as is by every client, the desktop app included, so it is written in
//! words that hold there too: it never names a CLI command or flag. Where a client has its own
//! way to do the next step (the CLI prints a command), the error carries a [`Hint`] it maps to
//! its own words. The text of a source error (SQLite's, a serializer's) never goes into the
//! message: it can hold SQL, paths or secrets, and it means nothing to the user. It stays the
//! error's [`source`](std::error::Error::source), which [`Error::details`] renders for a log.

use serde::{Deserialize, Serialize};

/// What a client can act on. Add a kind only when some client branches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
pub enum ErrorKind {
    /// The thing asked for does not exist (e.g. no vault yet: offer to create one).
    NotFound,
    /// Creating something that is already there.
    AlreadyExists,
    /// The request itself is wrong (bad amount, passphrase too short).
    Invalid,
    Conflict,
    /// The vault is locked: unlock it first.
    VaultLocked,
    /// No OS keychain could be reached: start or unlock one, or use a passphrase.
    KeychainUnavailable,
    /// The vault's key is not in the keychain (deleted, or another user or machine).
    KeyMissing,
    /// The key or passphrase does not open this vault.
    WrongKey,
    /// Not a Spearmint vault, or a damaged one.
    Corrupt,
    /// Written by a newer Spearmint: update the app.
    VaultTooNew,
    /// The disk refused: full, read-only, permissions.
    Storage,
    /// The provider refused the credentials (or they expired): reconnect the account.
    ProviderAuth,
    /// Too many requests to a provider: wait until the time the message gives.
    RateLimited,
    /// The provider could not be reached: check the network, it retries later.
    Offline,
    /// The provider failed or answered something unreadable: it retries later.
    Provider,
    Internal,
}

/// A next step finer than the kind, for a client that can offer it in its own form (the CLI
/// prints the command that does it). The message already says the step in words, so a client
/// without a form for it shows the message alone. Not `non_exhaustive`: a new hint makes every
/// client's table say what it offers for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Hint {
    /// There is no vault, or the file is not one: create a vault.
    CreateVault,
    /// The keychain cannot keep the vault key: protect the vault with a passphrase instead.
    UsePassphrase,
    /// The data directory cannot be used or found: choose another.
    ChooseDataDir,
    /// The profile already has a vault: open it, or set it aside for a new one.
    ReplaceVault,
    /// A file names no account: choose the account it belongs to.
    ChooseAccount,
    /// An account id that does not exist: see the accounts and their ids.
    ListAccounts,
    /// A rule id that does not exist: see the rules and their ids.
    ListRules,
    /// This rule is damaged: delete it.
    DeleteRule(String),
    /// A batch job stopped at a malformed line: fix it, or run again skipping such lines.
    SkipBadLines,
    /// A file is a transaction log of several people: choose whose transactions to import.
    ChooseLogUser,
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    hint: Option<Hint>,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error { kind, message: message.into(), hint: None, source: None }
    }

    pub fn with_hint(mut self, hint: Hint) -> Error {
        self.hint = Some(hint);
        self
    }

    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.source = Some(Box::new(source));
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn hint(&self) -> Option<&Hint> {
        self.hint.as_ref()
    }

    /// The source chain as text (`cause: its cause: ...`), for a log or a bug report; `None`
    /// without a source. Never part of the message: it can hold SQL, paths or credentials.
    pub fn details(&self) -> Option<String> {
        let mut cause = std::error::Error::source(self)?;
        let mut out = cause.to_string();
        while let Some(next) = cause.source() {
            out.push_str(": ");
            out.push_str(&next.to_string());
            cause = next;
        }
        Some(out)
    }

    /// The form sent to clients over IPC or printed as JSON: no source chain, which may hold
    /// paths or internals; the message is written for the user.
    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload { kind: self.kind, message: self.message.clone() }
    }

    /// Something that should not fail did. `context` says what, in the user's words; the
    /// source's text stays out of the message (see the module's doc) and is kept as the source.
    pub(crate) fn internal(context: &str, source: impl std::error::Error + Send + Sync + 'static) -> Error {
        Error::new(ErrorKind::Internal, format!("{context}: try again, and report it if it keeps happening"))
            .with_source(source)
    }

    pub(crate) fn io(context: &str, source: std::io::Error) -> Error {
        let (advice, hint) = match source.kind() {
            std::io::ErrorKind::StorageFull => (": the disk is full, free some space and try again", None),
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                (": check the permissions of the data directory, or choose another one", Some(Hint::ChooseDataDir))
            }
            _ => ("", None),
        };
        // An IO error's text names the OS's reason ("permission denied"), which the user can act on.
        let error = Error { hint, ..Error::new(ErrorKind::Storage, format!("{context}: {source}{advice}")) };
        error.with_source(source)
    }
}

/// An error as clients see it: `{ kind, message }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "IpcError")]
pub struct ErrorPayload {
    pub kind: ErrorKind,
    pub message: String,
}

/// SQLite's own text (`UNIQUE constraint failed: rules.id`, `file is not a database`) stays in
/// the source: the message says what it means for the vault and what to do.
impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => {
                Error::new(ErrorKind::Storage, "the disk is full: free some space and try again; nothing was written")
                    .with_source(e)
            }
            // A write the OS refused: a full disk (or a file-size limit), a failing one.
            Some(ErrorCode::SystemIoFailure) => Error::new(
                ErrorKind::Storage,
                "the vault could not be written to disk (it may be full, or failing): free some space and try \
                 again; nothing was changed",
            )
            .with_source(e),
            Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => Error::new(
                ErrorKind::Storage,
                "the vault cannot be written: check the permissions of the data directory, or choose another one",
            )
            .with_hint(Hint::ChooseDataDir)
            .with_source(e),
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                Error::new(ErrorKind::Corrupt, "the vault is damaged: restore it from a backup").with_source(e)
            }
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                Error::new(ErrorKind::Conflict, "the vault is busy in another Spearmint process: try again in a moment")
                    .with_source(e)
            }
            _ => Error::internal("the vault could not carry out this request", e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source whose text must stay out of the message.
    #[derive(Debug, thiserror::Error)]
    #[error("token secret-token-123 refused")]
    struct Leaky;

    #[test]
    fn an_internal_error_keeps_its_source_out_of_the_message() {
        let e = Error::internal("the rule could not be saved", Leaky);
        assert_eq!(e.kind(), ErrorKind::Internal);
        assert!(!e.message().contains("secret-token-123"), "{}", e.message());
        assert!(!e.payload().message.contains("secret-token-123"));
        assert!(e.message().starts_with("the rule could not be saved: try again"), "{}", e.message());
        let source = std::error::Error::source(&e).expect("the source is kept");
        assert!(source.to_string().contains("secret-token-123"));
        assert_eq!(e.details().as_deref(), Some("token secret-token-123 refused"));
    }

    /// SQLite's errors as rusqlite gives them: this checks only how they are mapped (the
    /// engine's vault tests open real damaged files).
    #[test]
    fn sqlite_text_stays_out_of_the_message_and_in_the_details() {
        let sqlite =
            |code, text: &str| rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), Some(text.to_owned()));
        let e = Error::from(sqlite(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE, "UNIQUE constraint failed: rules.id"));
        assert_eq!(e.kind(), ErrorKind::Internal);
        assert!(!e.message().contains("UNIQUE") && !e.message().contains("rules.id"), "{}", e.message());
        assert!(e.details().unwrap().contains("UNIQUE constraint failed: rules.id"), "{:?}", e.details());

        let e = Error::from(sqlite(rusqlite::ffi::SQLITE_NOTADB, "file is not a database"));
        assert_eq!(e.kind(), ErrorKind::Corrupt);
        assert_eq!(e.message(), "the vault is damaged: restore it from a backup");
        assert!(e.details().unwrap().contains("not a database"), "{:?}", e.details());
    }
}
