//! The vault's keys as the server keeps them, none of which it can open:
//! - each epoch's data key, wrapped (XChaCha20-Poly1305) by the key the current recovery phrase
//!   derives, so a new device that knows the phrase gets them all;
//! - each device's public key (X25519), tagged with the phrase's key so that only a device of
//!   the budget (never the server) can add one;
//! - after the phrase changed, the new phrase's key sealed for each device that was active,
//!   so those devices go on without typing the new phrase, and a removed device does not.
//!
//! Every change bumps `revision`, and the server takes a bundle only as the successor of the
//! one it holds, so two devices that change keys at once do not lose each other's change.

use serde::{Deserialize, Serialize};

use crate::envelope::{NONCE_LEN, base64_bytes, bytes24, bytes32};
use crate::ids::{DeviceId, KeyEpoch};

/// One epoch's data key, wrapped.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrappedKey {
    pub epoch: KeyEpoch,
    #[serde(with = "bytes24")]
    pub nonce: [u8; NONCE_LEN],
    #[serde(with = "base64_bytes")]
    pub ciphertext: Vec<u8>,
}

/// A device's public key, and the tag that says a holder of the phrase's key added it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceKey {
    pub device: DeviceId,
    #[serde(with = "bytes32")]
    pub public: [u8; 32],
    #[serde(with = "bytes32")]
    pub tag: [u8; 32],
}

/// The key of phrase number `phrase`, sealed for `device`'s public key with a one-time key pair
/// (`ephemeral` is its public half).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    pub device: DeviceId,
    pub phrase: u32,
    #[serde(with = "bytes32")]
    pub ephemeral: [u8; 32],
    #[serde(with = "bytes24")]
    pub nonce: [u8; NONCE_LEN],
    #[serde(with = "base64_bytes")]
    pub ciphertext: Vec<u8>,
}

/// `PUT` and `GET /v1/vaults/{vault}/keys`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyBundle {
    /// 0 for the first bundle; a `PUT` must carry the held bundle's revision plus one.
    #[serde(default)]
    pub revision: u64,
    /// Which recovery phrase wraps `keys`: 0 for the one shown at setup, one more per change.
    #[serde(default)]
    pub phrase: u32,
    /// Every epoch's data key, wrapped by the current phrase's key.
    pub keys: Vec<WrappedKey>,
    #[serde(default)]
    pub devices: Vec<DeviceKey>,
    /// The current phrase's key for the devices that were active when it changed.
    #[serde(default)]
    pub grants: Vec<Grant>,
}
