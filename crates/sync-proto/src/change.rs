//! What a record holds once opened: a batch of cell changes, as the vault's `changes` table
//! records them (table, row, column, value, HLC). Merge is last writer wins per cell by HLC,
//! ties by device; a deletion is a tombstone for the whole row.

use serde::{Deserialize, Serialize};

/// One change to one cell, or a row's deletion. (Not `deny_unknown_fields`: serde does not
/// support it beside `flatten`; the sealed batch is only ever read by Spearmint.)
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct CellChange {
    /// The hybrid logical clock's fixed-width text (`spearmint_core::Hlc`'s form): text order is
    /// clock order, and the device id in it breaks ties.
    pub hlc: String,
    pub table: String,
    pub row: String,
    #[serde(flatten)]
    pub op: ChangeOp,
}

/// A column set to a value, or the row deleted.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ChangeOp {
    /// The column's new value, as the vault stores it in `changes.value` (JSON: money as integer
    /// minor units or decimal strings, never a float).
    Set { column: String, value: serde_json::Value },
    /// The row is gone: a tombstone that a change with an older clock cannot bring back.
    Delete,
}

/// The plaintext of one record: the changes of one or more local writes, in clock order.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeBatch {
    pub changes: Vec<CellChange>,
}

/// The most bytes an opened batch inflates to: a record is bounded far below this, so more is a
/// hostile or broken record, refused before it fills memory.
const MAX_INFLATED: u64 = 64 << 20;

/// Why opened bytes are not a batch.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("the batch does not inflate: {0}")]
    Inflate(std::io::Error),
    #[error("the batch inflates past {MAX_INFLATED} bytes")]
    TooLarge,
    #[error("the batch is not a change batch: {0}")]
    Json(serde_json::Error),
}

impl ChangeBatch {
    /// The bytes that are padded and sealed: the batch's JSON, deflated (its cells repeat their
    /// table, row ids and clock prefixes, so a record and the server's disk shrink several
    /// times). Padding comes after, so sizes still leak little.
    pub fn to_bytes(&self) -> Vec<u8> {
        use std::io::Write as _;
        // A batch is strings and JSON values: serializing it cannot fail, nor can writing to
        // memory.
        let json = serde_json::to_vec(self).unwrap_or_default();
        let mut deflater = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = deflater.write_all(&json);
        deflater.finish().unwrap_or_default()
    }

    /// The batch back from opened, unpadded bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<ChangeBatch, BatchError> {
        use std::io::Read as _;
        let mut json = Vec::new();
        flate2::read::DeflateDecoder::new(bytes)
            .take(MAX_INFLATED + 1)
            .read_to_end(&mut json)
            .map_err(BatchError::Inflate)?;
        if json.len() as u64 > MAX_INFLATED {
            return Err(BatchError::TooLarge);
        }
        serde_json::from_slice(&json).map_err(BatchError::Json)
    }
}
