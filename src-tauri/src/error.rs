//! What a command returns on failure: `{ kind, message }`, typed in TypeScript as `IpcError`.

use serde::Serialize;
use spearmint_engine::{ErrorKind, ErrorPayload};

#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct IpcError(ErrorPayload);

impl From<spearmint_engine::Error> for IpcError {
    fn from(e: spearmint_engine::Error) -> IpcError {
        IpcError(e.payload())
    }
}

impl IpcError {
    pub fn internal(message: impl Into<String>) -> IpcError {
        IpcError(ErrorPayload { kind: ErrorKind::Internal, message: message.into() })
    }

    pub fn invalid(message: impl Into<String>) -> IpcError {
        IpcError(ErrorPayload { kind: ErrorKind::Invalid, message: message.into() })
    }
}
