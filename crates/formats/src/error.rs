//! The one error every parser returns: a kind the engine can branch on and a message for the
//! user that names the problem and where it is.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FormatError {
    pub kind: FormatErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FormatErrorKind {
    /// The bytes are not text in any encoding we read (or a broken UTF-16).
    Encoding,
    /// The text does not follow the format's grammar (no `<OFX>`, a QIF line outside a record).
    Syntax,
    /// A well-formed file of a kind we do not import (investment statements, MT940, PDF).
    Unsupported,
    /// The OFX server refused the sign-on (`SONRS` status, 15500 for a wrong password).
    SignOn { code: u32 },
    /// The server answered a request with an error status (OFX `STMTTRNRS` 2000 ...).
    ServerError { code: u32 },
    /// Nothing to import: an empty file, or one holding no statement or transaction.
    Empty,
    /// A value is wrong: a date that is not a date, an amount that is not an amount, splits that
    /// do not add up.
    Invalid,
}

impl FormatError {
    pub fn new(kind: FormatErrorKind, message: impl Into<String>) -> FormatError {
        FormatError { kind, message: message.into() }
    }

    pub(crate) fn syntax(message: impl Into<String>) -> FormatError {
        FormatError::new(FormatErrorKind::Syntax, message)
    }

    pub(crate) fn invalid(message: impl Into<String>) -> FormatError {
        FormatError::new(FormatErrorKind::Invalid, message)
    }

    pub(crate) fn empty(message: impl Into<String>) -> FormatError {
        FormatError::new(FormatErrorKind::Empty, message)
    }

    pub(crate) fn unsupported(message: impl Into<String>) -> FormatError {
        FormatError::new(FormatErrorKind::Unsupported, message)
    }
}

/// An account number as a message shows it: its last four characters (`····6789`), so a
/// message, a log or a notification never carries the whole number. Short ones stay.
pub(crate) fn last_four(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() <= 4 {
        return number.to_owned();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("····{tail}")
}
