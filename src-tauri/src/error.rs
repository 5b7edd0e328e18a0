//! What a command returns on failure: `{ kind, message }`, typed in TypeScript as `IpcError`.

use serde::Serialize;
use spearmint_engine::{ErrorKind, ErrorPayload};

#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct IpcError(ErrorPayload);

impl From<spearmint_engine::Error> for IpcError {
    /// The window gets the message, written for the user; what lies under it (SQLite's or the
    /// OS's words, which can hold paths or SQL) goes to the app's log, standard error.
    fn from(e: spearmint_engine::Error) -> IpcError {
        if let Some(details) = e.details() {
            eprintln!("spearmint: {} ({details})", e.message());
        }
        IpcError(e.payload())
    }
}

impl IpcError {
    pub fn internal(message: impl Into<String>) -> IpcError {
        IpcError(ErrorPayload { kind: ErrorKind::Internal, message: message.into() })
    }

    pub fn not_found(message: impl Into<String>) -> IpcError {
        IpcError(ErrorPayload { kind: ErrorKind::NotFound, message: message.into() })
    }

    pub fn storage(message: impl Into<String>) -> IpcError {
        IpcError(ErrorPayload { kind: ErrorKind::Storage, message: message.into() })
    }

    pub fn invalid(message: impl Into<String>) -> IpcError {
        IpcError(ErrorPayload { kind: ErrorKind::Invalid, message: message.into() })
    }
}
