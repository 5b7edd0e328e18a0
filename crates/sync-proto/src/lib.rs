//! The sync protocol's wire types, shared by the engine's sync client and `spearmint-server`:
//! the sealed record envelope and the bytes its associated data binds, the typed change record
//! sealed inside it, padding, the request and response bodies, the error body and the protocol
//! version. Pure data: no IO and no cryptography (sealing lives in the client, which alone
//! holds keys; the server stores envelopes it cannot open). Must not depend on the engine,
//! tokio, rusqlite or an HTTP crate.
//!
//! Design (DESIGN.md section 9): every device appends records `(vault, device, seq)` to its own
//! log, `seq` contiguous from 1; cursors are `(device, seq)`, never a clock. A record's
//! associated data binds the format version, vault, device, seq, key epoch and the hash of the
//! device's previous record, so a server that moves, replays, truncates or rolls back records
//! is caught by the client that opens them. A snapshot (the latest value of every cell, sealed
//! in chunks) stands for the records it covers, so a new device starts from it and the server
//! may delete what it covers once every active device has read past it.

mod auth;
mod body;
mod change;
mod crowd;
mod envelope;
mod ids;
mod keys;
mod padding;
mod snapshot;
mod status;

pub use auth::{DeviceInfo, DeviceList, LoginRequest, RefreshRequest, Secret, SignUpRequest, Tokens};
pub use body::{
    Capabilities, Cursor, DownloadPage, DownloadRequest, ErrorBody, ErrorDetail, ErrorKind, UploadOutcome,
    UploadRequest, UploadResponse,
};
pub use change::{BatchError, CellChange, ChangeBatch, ChangeOp};
pub use crowd::{
    CROWD_MAX_PER_REQUEST, CROWD_MIN_ACCOUNTS, CrowdAnswer, CrowdAnswers, CrowdLookup, CrowdVote, CrowdVotes,
    SellerKey, is_category_id,
};
pub use envelope::{ContentHash, Envelope, EnvelopeError, NONCE_LEN};
pub use ids::{DeviceId, KeyEpoch, Seq, VaultId};
pub use keys::{DeviceKey, Grant, KeyBundle, WrappedKey};
pub use padding::{PaddingError, pad, padded_len, unpad};
pub use snapshot::{
    Cover, MAX_CHUNK_BYTES, MAX_CHUNKS, ManifestError, SnapshotChunk, SnapshotId, SnapshotManifest, SnapshotState,
};
pub use status::{DeviceStatus, SeqRange, StatusResponse};

/// The protocol version: in every envelope's associated data, in the capabilities, and checked
/// by both sides. A change to any type here that an older peer would misread bumps it.
pub const PROTOCOL_VERSION: u16 = 1;
