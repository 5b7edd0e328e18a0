//! The engine's one error type. Every variant carries a message that tells the user what to do
//! next, and a stable [`ErrorKind`] that clients branch on without matching strings.

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

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error { kind, message: message.into(), source: None }
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

    /// The form sent to clients over IPC or printed as JSON: no source chain, which may hold
    /// paths or internals; the message is written for the user.
    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload { kind: self.kind, message: self.message.clone() }
    }

    pub(crate) fn internal(context: &str, source: impl std::error::Error + Send + Sync + 'static) -> Error {
        Error::new(ErrorKind::Internal, format!("{context}: {source}")).with_source(source)
    }

    pub(crate) fn io(context: &str, source: std::io::Error) -> Error {
        let hint = match source.kind() {
            std::io::ErrorKind::StorageFull => ": the disk is full, free some space and try again",
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                ": check the permissions of the data directory or choose another with --data-dir"
            }
            _ => "",
        };
        Error::new(ErrorKind::Storage, format!("{context}: {source}{hint}")).with_source(source)
    }
}

/// An error as clients see it: `{ kind, message }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "IpcError")]
pub struct ErrorPayload {
    pub kind: ErrorKind,
    pub message: String,
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => {
                Error::new(ErrorKind::Storage, "the disk is full: free some space and try again; nothing was written")
                    .with_source(e)
            }
            Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => Error::new(
                ErrorKind::Storage,
                format!("the vault cannot be written ({e}): check the permissions of the data directory"),
            )
            .with_source(e),
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                Error::new(ErrorKind::Corrupt, format!("the vault is damaged ({e}): restore it from a backup"))
                    .with_source(e)
            }
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                Error::new(ErrorKind::Conflict, "the vault is busy in another Spearmint process: try again in a moment")
                    .with_source(e)
            }
            _ => Error::internal("vault query failed", e),
        }
    }
}
