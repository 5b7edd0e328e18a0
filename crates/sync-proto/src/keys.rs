//! The vault's data keys as the server keeps them: each epoch's key wrapped (XChaCha20-Poly1305)
//! by a key only the recovery phrase derives, so a new device that knows the phrase gets them,
//! and the server never can.

use serde::{Deserialize, Serialize};

use crate::envelope::{NONCE_LEN, base64_bytes, bytes24};
use crate::ids::KeyEpoch;

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

/// `PUT` and `GET /v1/vaults/{vault}/keys`: every epoch's wrapped key.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyBundle {
    pub keys: Vec<WrappedKey>,
}
