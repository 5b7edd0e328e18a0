//! Accounts, logins and devices on the wire. The password is the server login, separate from
//! the recovery phrase: nothing here derives a vault key. Secrets (passwords, tokens) print as
//! `[redacted]` and are wiped from memory when dropped.

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::ids::DeviceId;

/// A password or a token: never printed, wiped when dropped.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(text.into())
    }

    /// The secret itself, for the one place that hashes or sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// `POST /v1/accounts`: a new account, when the server allows sign-up.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignUpRequest {
    pub user: String,
    pub password: Secret,
}

/// `POST /v1/login`: a device logs in to its account, registering itself on first login.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub user: String,
    pub password: Secret,
    pub device: DeviceId,
    /// What the account's device list calls it ("Laptop"): chosen by the user.
    pub device_name: String,
}

/// `POST /v1/refresh`: a refresh token for a new pair; the old refresh token stops working.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: Secret,
}

/// The answer to a login or a refresh: a short-lived access token for `Authorization: Bearer`,
/// bound to one device, and the refresh token that gets the next one.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tokens {
    pub access_token: Secret,
    /// Seconds the access token is good for (at most an hour).
    pub expires_in_secs: u64,
    pub refresh_token: Secret,
    pub device: DeviceId,
}

/// One device of the account (`GET /v1/devices`).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceInfo {
    pub device: DeviceId,
    pub name: String,
    /// When it first logged in, and last used the server: seconds since the Unix epoch.
    pub created_at: i64,
    pub last_seen_at: i64,
    /// Revoked devices can neither log in nor use a token again.
    pub revoked: bool,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceList {
    pub devices: Vec<DeviceInfo>,
}
