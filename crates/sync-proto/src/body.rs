//! Request and response bodies (JSON over HTTPS), and the one error body every endpoint answers
//! a failure with.

use serde::{Deserialize, Serialize};

use crate::envelope::{ContentHash, Envelope};
use crate::ids::{DeviceId, Seq};

/// What the server accepts, read by a client before it syncs (`GET /v1/capabilities`).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    /// Versions of this protocol the server speaks, oldest first.
    pub protocols: Vec<u16>,
    /// The largest upload body; a client splits a big import into several uploads.
    pub max_upload_bytes: u64,
    /// The most records one upload may hold.
    pub max_upload_records: u32,
    /// A download page holds at most this many bytes of records...
    pub max_page_bytes: u64,
    /// ...and at most this many records.
    pub max_page_records: u32,
    /// Whether a new account can be created without the server's operator.
    pub sign_up: bool,
}

/// `POST /v1/vaults/{vault}/devices/{device}/records`: records of the token's own device, in
/// seq order. Idempotent: uploading a record again changes nothing.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    pub records: Vec<Envelope>,
}

/// What became of one uploaded record.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum UploadOutcome {
    /// Stored now.
    Stored { seq: Seq },
    /// Already held with the same content: a replay, a no-op.
    Duplicate { seq: Seq },
    /// Another record is held at this seq: the server keeps the first and names it. The
    /// device's log forked (a restored backup, a cloned device): it must not reuse seqs.
    Conflict { seq: Seq, held: ContentHash },
}

/// The answer to an upload: one outcome per record, in order, and the device's log after it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadResponse {
    pub outcomes: Vec<UploadOutcome>,
    pub contiguous: Seq,
}

/// Where a download goes on from in one device's log: the records after `after`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cursor {
    pub device: DeviceId,
    pub after: Seq,
}

/// `POST /v1/vaults/{vault}/download`: the records after each cursor; devices without a
/// cursor are read from the start. Never a clock: the cursors are the client's own place.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DownloadRequest {
    pub cursors: Vec<Cursor>,
    /// At most this many bytes of records (the server's own limit if lower).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
}

/// One page of a download: records in (device, seq) order, each device's contiguous from its
/// cursor, and where to go on from.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DownloadPage {
    pub records: Vec<Envelope>,
    /// The cursors for the next page: every device's last seq in this page or before.
    pub next: Vec<Cursor>,
    /// Whether more records wait beyond this page.
    pub more: bool,
}

/// What failed, as a kind a client can act on.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The request is malformed: a bug on the client's side.
    BadRequest,
    /// No token, or an expired one: refresh it, or log in again.
    Unauthorized,
    /// The token is valid but may not do this (another user's vault, another device's log, a
    /// revoked device).
    Forbidden,
    NotFound,
    /// A different record is held at this place (see [`UploadOutcome::Conflict`]).
    Conflict,
    /// The body is over the limits in [`Capabilities`].
    TooLarge,
    /// Too many requests: wait `retry_after_secs`.
    RateLimited,
    /// The device's or account's storage quota is used up.
    QuotaExceeded,
    /// The client speaks no protocol version the server does.
    UnsupportedVersion,
    /// The server failed (its database is down, say): try again later.
    Unavailable,
    /// The records after a cursor were compacted into the latest snapshot (the device was
    /// away past the server's retention window): start again from the snapshot.
    Compacted,
}

/// The body of every failed response: `{"error": {"kind", "message", "retry_after_secs"?}}`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorDetail {
    pub kind: ErrorKind,
    /// In words, for a person: what failed and what to do. Never holds user data.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

impl ErrorBody {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> ErrorBody {
        ErrorBody { error: ErrorDetail { kind, message: message.into(), retry_after_secs: None } }
    }
}
