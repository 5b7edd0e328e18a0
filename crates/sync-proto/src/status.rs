//! What the server holds of each device's log: the highest seq up to which it holds every
//! record, and the ranges it holds beyond a gap (records uploaded out of order, or after a lost
//! one). A client downloads from its cursor up to the contiguous seq only, so it never skips a
//! record it has not seen.

use serde::{Deserialize, Serialize};

use crate::ids::{DeviceId, Seq};

/// Seqs `first..=last` of one device's log.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeqRange {
    pub first: Seq,
    pub last: Seq,
}

/// One device's log on the server.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceStatus {
    pub device: DeviceId,
    /// Every record `1..=contiguous` is held (`0`: not record 1).
    pub contiguous: Seq,
    /// Held beyond the first gap, in order, not touching each other.
    pub beyond_gap: Vec<SeqRange>,
    /// The device was revoked: it can no longer upload, and its log stays for the others.
    #[serde(default)]
    pub revoked: bool,
}

impl DeviceStatus {
    /// The status of a log holding `seqs` (ascending, without repeats, none zero).
    pub fn from_seqs(device: DeviceId, seqs: impl IntoIterator<Item = Seq>) -> DeviceStatus {
        let mut ranges: Vec<SeqRange> = Vec::new();
        for seq in seqs {
            match ranges.last_mut() {
                Some(range) if range.last.next() == Some(seq) => range.last = seq,
                _ => ranges.push(SeqRange { first: seq, last: seq }),
            }
        }
        let contiguous = match ranges.first() {
            Some(range) if range.first == Seq(1) => range.last,
            _ => Seq::NONE,
        };
        let beyond_gap = if contiguous == Seq::NONE { ranges } else { ranges.split_off(1) };
        DeviceStatus { device, contiguous, beyond_gap, revoked: false }
    }
}

/// The answer to a status request: every device of the vault.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusResponse {
    pub devices: Vec<DeviceStatus>,
}
