//! Identifiers on the wire: a vault, a device, a record's place in its device's log, a key
//! epoch.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One synced vault: the same on every device that joined it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VaultId(pub Uuid);

/// One device's log within a vault; the same id as the vault's `changes.device_id`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeviceId(pub Uuid);

/// A record's place in its device's log: contiguous from 1, one writer per device.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Seq(pub u64);

impl Seq {
    /// Nothing yet: a cursor at zero asks for the whole log.
    pub const NONE: Seq = Seq(0);

    /// The seq after this one, or `None` at the end of the range.
    pub fn next(self) -> Option<Seq> {
        self.0.checked_add(1).map(Seq)
    }
}

/// Which data key sealed a record: rotating the key starts a new epoch, and a record names its
/// epoch so any device holding that epoch's key opens it without a reset.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KeyEpoch(pub u32);

impl fmt::Display for VaultId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.simple(), f)
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.simple(), f)
    }
}

impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}
