//! What a client is told about the vault.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum VaultState {
    Missing,
    Locked,
    Unlocked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum KeySource {
    Keychain,
    Passphrase,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct TableCount {
    pub table: String,
    pub rows: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct VaultStatus {
    pub profile: String,
    pub path: String,
    pub state: VaultState,
    /// Read from the file itself: true when it has no plaintext SQLite header.
    pub encrypted: bool,
    pub key_source: Option<KeySource>,
    /// Where the key lives (the keychain entry, or "derived from your passphrase").
    pub key_location: Option<String>,
    pub schema_version: Option<u32>,
    pub latest_schema_version: u32,
    pub counts: Vec<TableCount>,
}
